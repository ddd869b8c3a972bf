"""The `Backported-From` / `Backported-To` trailers of backported commits: writing and reading them.

Also the `fix:` subject convention, which marks the commits that are backported by default.

Writing goes through `git interpret-trailers`, so a message gets exactly git's own trailer handling.
Reading is pure parsing, case-insensitive, because history spells the keys both ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Tuple

from calver_release.runtime.git import GitRepo

BACKPORTED_FROM = "Backported-From"
BACKPORTED_TO = "Backported-To"

FIX_SUBJECT = re.compile(r"^fix(\([^)]*\))?!?:", re.IGNORECASE)
"""A subject that marks a fix: `fix:`, `fix(scope):`, `fix!:`, in any case."""

_TRAILER_LINE = re.compile(r"^\s*backported-(from|to)\s*:\s*(\S.*?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class BackportTrailers:
    """The values of the backport trailers found in one commit message, in message order."""

    backported_from: Tuple[str, ...] = ()
    backported_to: Tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.backported_from or self.backported_to)


def add_backport_trailers(
    repo: GitRepo, message: str, target_branch: str, source_branch: str = "main"
) -> str:
    """`message` with `Backported-From: <source>` and `Backported-To: <target>` appended.

    A message without a trailer block gets one blank line and the two lines; a message ending in a
    trailer block gets them added to it; a trailer already present (any capitalisation) is kept once.
    `--no-divider` because a commit message is not a patch: a `---` line in it is plain text.
    """
    return repo.run(
        "interpret-trailers",
        "--no-divider",
        "--where",
        "end",
        "--if-exists",
        "addIfDifferent",
        "--if-missing",
        "add",
        "--trailer",
        f"{BACKPORTED_FROM}: {source_branch}",
        "--trailer",
        f"{BACKPORTED_TO}: {target_branch}",
        input=message,
    ).stdout


def parse_backport_trailers(message: str) -> BackportTrailers:
    """The backport trailers of `message`, keys matched case-insensitively.

    Every matching line counts, not only the last paragraph: squash merges concatenate messages,
    which buries a backport's trailers in the middle of the merged commit's message.
    """
    found = {"from": [], "to": []}
    for line in message.splitlines():
        match = _TRAILER_LINE.match(line)
        if match:
            found[match.group(1).lower()].append(match.group(2))
    return BackportTrailers(tuple(found["from"]), tuple(found["to"]))
