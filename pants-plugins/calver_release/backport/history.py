"""The history a release line is compared with: its branch point, and the commits of a range.

Each range is read with one `git log`, whatever its length: the backport reports never start a git
process per commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

from calver_release.backport.errors import BackportError
from calver_release.runtime.git import GitRepo


@dataclass(frozen=True)
class Commit:
    """A commit and its full message."""

    sha: str
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()


def read_commits(repo: GitRepo, rev_range: str, *options: str) -> List[Commit]:
    """The commits of `rev_range`, oldest first, in one `git log`."""
    out = repo.run("log", "-z", "--reverse", "--format=%H%x01%B", *options, rev_range).stdout
    return [Commit(*record.split("\x01", 1)) for record in out.split("\0") if record]


def source_commits(repo: GitRepo, base: str, source_branch: str) -> List[Commit]:
    """The non-merge commits of `base..source_branch`, oldest first."""
    return read_commits(repo, f"{base}..refs/heads/{source_branch}", "--no-merges")


def require_branch(repo: GitRepo, branch: str, origin: str) -> str:
    """The tip of the local branch `branch`; BackportError naming `origin` when there is none."""
    tip = repo.rev_parse(f"refs/heads/{branch}")
    if tip is None:
        raise BackportError(f"{origin}: no such local branch (got `{branch}`); create or fetch it first")
    return tip


def merge_base(repo: GitRepo, source_tip: str, tip: str, target: str) -> str:
    """Where the release branch `target` (at `tip`) left the source branch (at `source_tip`)."""
    proc = repo.run("merge-base", source_tip, tip, check=False)
    if proc.returncode != 0:
        raise BackportError(
            f"`--to`: shares no history with the source branch (got `{target}`); pass a release branch"
        )
    return proc.stdout.strip()


def branch_point(repo: GitRepo, target: str, source_branch: str) -> Tuple[str, str]:
    """The tip of the release branch `target` and its merge base with `source_branch`."""
    tip = require_branch(repo, target, "`--to`")
    source_tip = require_branch(repo, source_branch, "source branch")
    return tip, merge_base(repo, source_tip, tip, target)
