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
    trailer block gets them added to it; a trailer already in that block (key in any
    capitalisation, same value) is kept once. Which ones are present is decided here, not by
    git's `--if-exists`: git matches keys by prefix, so a `Backport: 24.09` trailer would pass for
    `Backported-To: 24.09`. `--no-divider` because a commit message is not a patch: a `---` line
    in it is plain text.
    """
    present = {
        (key.strip().lower(), value.strip())
        for key, _, value in (
            line.partition(":") for line in repo.output("interpret-trailers", "--parse", "--no-divider", input=message).splitlines()
        )
    }
    wanted = [(BACKPORTED_FROM, source_branch), (BACKPORTED_TO, target_branch)]
    trailers = [arg for key, value in wanted if (key.lower(), value) not in present for arg in ("--trailer", f"{key}: {value}")]
    return repo.run(
        "interpret-trailers", "--no-divider", "--where", "end", "--if-exists", "add", *trailers, input=message
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
