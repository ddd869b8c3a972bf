"""Commands as the plugin prints them: every argument quoted for a POSIX shell, passwords masked.

A printed command is meant to be pasted. Its arguments come from the user (`--from=24.09.0;id`),
from refs (a tag named `v1;touch${IFS}pwned`) and from files in the repository (a distribution
named `backend.ai-agent$(id)`), so each one is quoted with `shlex.quote`; the password of a
database URL (`postgresql://user:secret@host/db`) is printed as `***`.
"""

from __future__ import annotations

import re
import shlex

PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
"""The password of a `scheme://user:password@host` database URL."""


def mask_passwords(text: str) -> str:
    """`text` with the password of every database URL in it replaced by `***`."""
    return PASSWORD_IN_URL.sub(r"\1***@", text)


def shell_command(*argv: str) -> str:
    """`argv` as one line to paste into a shell: each argument quoted as needed, passwords masked."""
    return mask_passwords(shlex.join(argv))
