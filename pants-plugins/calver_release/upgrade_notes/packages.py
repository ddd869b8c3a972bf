"""The server-side distributions of a release as pip constraints, and the command that upgrades an installation.

pip has no "upgrade only what is installed" flag, so the command asks pip itself which of the
distributions the virtualenv has: `pip show` looks names up the way pip installs them (PEP 503
normalised: `backend.ai-manager` finds `backend_ai_manager`), prints `Name: ...` for each one it
finds and a warning (hidden) for the others, and `sed` turns each name into a `name==version` pin.
All server-side distributions share the monorepo version, so one pin version fits them all; an
exact pin also selects a pre-release (`==24.9.0rc1`) and works for a downgrade.
"""

from __future__ import annotations

import shlex
from typing import Iterable, Tuple

PIP = "python -m pip"
"""pip of the virtualenv on `PATH`: run the command with the installation's virtualenv activated."""


def constraints(distributions: Iterable[str], version: str) -> Tuple[str, ...]:
    """`name==version` for each distribution, sorted: a pip constraints file, one a line."""
    return tuple(f"{name}=={version}" for name in sorted(distributions))


def upgrade_command(distributions: Iterable[str], version: str) -> str:
    """A POSIX shell command installing `version` of exactly those `distributions` the virtualenv has.

    Every name is quoted for the shell: names come from BUILD files, which anyone can write.

    pip resolves their dependencies as usual (a new first-party dependency is installed; third-party
    pins move only if needed); a distribution the virtualenv lacks is never requested.
    """
    names = " ".join(shlex.quote(name) for name in sorted(distributions))
    pin = f"s/^Name: \\(.*\\)$/\\1=={version}/p"
    return f"{PIP} install $({PIP} show {names} 2>/dev/null | sed -n {shlex.quote(pin)})"
