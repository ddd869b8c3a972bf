"""Repository states a goal refuses before its first change, each as one line naming the file that shows it.

A goal started in a repository where git is in the middle of something would do something else
than asked: during a merge, `git commit` makes the release commit a merge; a stale
`CHERRY_PICK_HEAD` lends its author to the next commit; an index lock makes the first git write
fail after files were already changed; a branch checked out in another worktree cannot be
switched to once the database was downgraded; a shallow clone has no history to compare. Git
keeps these files in each worktree's own git directory (`git rev-parse --absolute-git-dir`), not
in the common one.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from calver_release.runtime.git import GitError, GitRepo


class RepositoryStateError(GitError):
    """The repository is in a state in which a goal would do something else than asked."""


@dataclass(frozen=True)
class InProgress:
    """A git operation that leaves `marker` in the git directory until it is finished or aborted."""

    marker: str
    operation: str
    finish: str


IN_PROGRESS = (
    InProgress("MERGE_HEAD", "a merge", "`git merge --continue` or `git merge --abort`"),
    InProgress("CHERRY_PICK_HEAD", "a cherry-pick", "`git cherry-pick --continue` or `git cherry-pick --abort`"),
    InProgress("REVERT_HEAD", "a revert", "`git revert --continue` or `git revert --abort`"),
    InProgress("rebase-merge", "a rebase", "`git rebase --continue` or `git rebase --abort`"),
    InProgress("rebase-apply", "a rebase or `git am`", "`git rebase --continue`, `git am --continue` or their `--abort`"),
    InProgress("BISECT_LOG", "a bisect", "`git bisect reset`"),
)
"""What git leaves in a worktree's git directory while an operation waits for the user."""


@dataclass(frozen=True)
class GitDirectory:
    """This worktree's own git directory, and whether the repository is a shallow clone."""

    path: Path
    shallow: bool


def git_directory(repo: GitRepo) -> GitDirectory:
    """Asked of git; GitError naming the directory when it is not a repository (as every goal words it)."""
    repo.git_dir()
    git_dir, shallow = repo.lines("rev-parse", "--absolute-git-dir", "--is-shallow-repository")
    return GitDirectory(Path(git_dir), shallow == "true")


def check_repository_state(repo: GitRepo) -> None:
    """RepositoryStateError for an operation in progress or an index lock in this worktree."""
    git_dir = git_directory(repo).path
    for state in IN_PROGRESS:
        marker = git_dir / state.marker
        if marker.exists():
            raise RepositoryStateError(
                f"`{marker}`: {state.operation} is in progress in this worktree (got `{state.marker}`); "
                f"finish it with {state.finish}, then run again"
            )
    lock = git_dir / "index.lock"
    if lock.exists():
        raise RepositoryStateError(
            f"`{lock}`: a lock file of another git process is in the way (got an existing file); "
            "if no git process is running, delete the file and run again"
        )


def check_full_history(repo: GitRepo) -> None:
    """RepositoryStateError for a shallow clone: its history stops early, so no branch point can be found."""
    directory = git_directory(repo)
    if directory.shallow:
        raise RepositoryStateError(
            f"`{repo.root}`: a shallow clone, whose history stops early (got `{directory.path / 'shallow'}`); "
            "run `git fetch --unshallow` (in CI, check out with the full history), then run again"
        )


def worktree_of(repo: GitRepo, branch: str) -> Optional[str]:
    """The other worktree that has `branch` checked out, or None (this worktree does not count)."""
    here = os.path.realpath(repo.root)
    path = ""
    for line in repo.lines("worktree", "list", "--porcelain"):
        if line.startswith("worktree "):
            path = line[len("worktree ") :]
        elif line == f"branch refs/heads/{branch}" and os.path.realpath(path) != here:
            return path
    return None


def check_not_checked_out_elsewhere(repo: GitRepo, branch: str, flag: str) -> None:
    """RepositoryStateError when another worktree has `branch` checked out: git would refuse to switch to it."""
    elsewhere = worktree_of(repo, branch)
    if elsewhere is not None:
        raise RepositoryStateError(
            f"{flag}: the branch is checked out in the worktree `{elsewhere}` (got `{branch}`); switch that "
            "worktree to another branch, then run again"
        )


def check_state_directory(directory: Path) -> None:
    """RepositoryStateError when the plugin could not keep its state in `directory` (`.git/calver-release`).

    Tried for real, with a file created and removed at once: as root, permission bits say nothing,
    while an immutable directory (`chattr +i`) or a read-only mount still refuses the write.
    """
    if os.path.lexists(directory) and not directory.is_dir():
        raise RepositoryStateError(
            f"`{directory}`: not a directory, but the plugin keeps its state there (got a file); move it away, "
            "then run again"
        )
    parent = directory if directory.is_dir() else directory.parent
    try:
        handle, probe = tempfile.mkstemp(prefix=".calver-release-probe-", dir=parent)
        os.close(handle)
        os.unlink(probe)
    except OSError as e:
        raise RepositoryStateError(
            f"`{directory}`: the plugin cannot keep its state there (got {e.strerror}); make it writable "
            "(`chattr -i`, a read-write mount), then run again"
        ) from None
