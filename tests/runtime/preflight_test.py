"""Repository states refused before a goal's first change, each built for real with git."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Callable

import pytest
from conftest import git, init_repo
from repository_state import immutable, state_not_writable

from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.preflight import (
    RepositoryStateError,
    check_full_history,
    check_not_checked_out_elsewhere,
    check_repository_state,
    check_state_directory,
    worktree_of,
)


def history(repo: Path) -> Path:
    """`main` with `app.txt` at `one`, and `topic` changing it to `two` (and adding `topic.txt`)."""
    repo.mkdir(parents=True)
    (repo / "app.txt").write_text("one\n")
    init_repo(repo)
    git(repo, "switch", "-q", "-c", "topic")
    (repo / "app.txt").write_text("two\n")
    (repo / "topic.txt").write_text("topic\n")
    git(repo, "commit", "-qam", "two")
    git(repo, "add", "topic.txt")
    git(repo, "commit", "-qm", "topic file")
    git(repo, "switch", "-q", "main")
    return repo


def merging(repo: Path) -> None:
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "topic")


def picking_an_empty_change(repo: Path) -> None:
    """A stale `CHERRY_PICK_HEAD`: the picked change is already there, so git stops with a clean tree."""
    (repo / "topic.txt").write_text("topic\n")
    git(repo, "add", "topic.txt")
    git(repo, "commit", "-qm", "topic file, by hand")
    assert run(repo, "cherry-pick", "topic").returncode != 0


def reverting(repo: Path) -> None:
    git(repo, "merge", "-q", "topic")
    (repo / "app.txt").write_text("three\n")
    git(repo, "commit", "-qam", "three")
    assert run(repo, "revert", "--no-edit", "topic~1").returncode != 0


def rebasing(repo: Path) -> None:
    (repo / "app.txt").write_text("main\n")
    git(repo, "commit", "-qam", "main")
    git(repo, "switch", "-q", "topic")
    assert run(repo, "rebase", "main").returncode != 0


def applying_a_mailbox(repo: Path) -> None:
    patch = git(repo, "format-patch", "--stdout", "-1", "topic~1")
    (repo / "app.txt").write_text("main\n")
    git(repo, "commit", "-qam", "main")
    assert run(repo, "am", input=patch + "\n").returncode != 0


def bisecting(repo: Path) -> None:
    git(repo, "bisect", "start", "topic", "main")


def run(repo: Path, *args: str, input: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, input=input)


@pytest.mark.parametrize(
    "start, marker, message",
    [
        pytest.param(merging, "MERGE_HEAD", "a merge is in progress in this worktree (got `MERGE_HEAD`); finish it with "
                     "`git merge --continue` or `git merge --abort`, then run again", id="merge"),
        pytest.param(picking_an_empty_change, "CHERRY_PICK_HEAD", "a cherry-pick is in progress in this worktree (got "
                     "`CHERRY_PICK_HEAD`); finish it with `git cherry-pick --continue` or `git cherry-pick --abort`, "
                     "then run again", id="stale-cherry-pick"),
        pytest.param(reverting, "REVERT_HEAD", "a revert is in progress in this worktree (got `REVERT_HEAD`); finish it "
                     "with `git revert --continue` or `git revert --abort`, then run again", id="revert"),
        pytest.param(rebasing, "rebase-merge", "a rebase is in progress in this worktree (got `rebase-merge`); finish it "
                     "with `git rebase --continue` or `git rebase --abort`, then run again", id="rebase"),
        pytest.param(applying_a_mailbox, "rebase-apply", "a rebase or `git am` is in progress in this worktree (got "
                     "`rebase-apply`); finish it with `git rebase --continue`, `git am --continue` or their `--abort`, "
                     "then run again", id="am"),
        pytest.param(bisecting, "BISECT_LOG", "a bisect is in progress in this worktree (got `BISECT_LOG`); finish it "
                     "with `git bisect reset`, then run again", id="bisect"),
    ],
)
def test_an_operation_in_progress_is_refused(tmp_path: Path, start: Callable[[Path], None], marker: str, message: str) -> None:
    repo = history(tmp_path / "repo")
    start(repo)
    with pytest.raises(RepositoryStateError) as error:
        check_repository_state(GitRepo(repo))
    assert str(error.value) == f"`{repo / '.git' / marker}`: {message}"


def test_the_markers_are_read_from_the_worktrees_own_git_directory(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo")
    git(repo, "worktree", "add", "-q", str(tmp_path / "second"), "topic")
    merging(repo)
    check_repository_state(GitRepo(tmp_path / "second"))  # the merge belongs to the main worktree only
    git(repo, "merge", "--abort")
    bisecting(tmp_path / "second")
    with pytest.raises(RepositoryStateError) as error:
        check_repository_state(GitRepo(tmp_path / "second"))
    assert str(error.value).startswith(f"`{repo / '.git/worktrees/second/BISECT_LOG'}`: a bisect is in progress")
    check_repository_state(GitRepo(repo))


def test_a_clean_repository_passes(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo")
    check_repository_state(GitRepo(repo))
    check_full_history(GitRepo(repo))


def test_an_index_lock_is_refused(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo")
    (repo / ".git/index.lock").write_text("")
    with pytest.raises(RepositoryStateError) as error:
        check_repository_state(GitRepo(repo))
    assert str(error.value) == (
        f"`{repo}/.git/index.lock`: a lock file of another git process is in the way (got an existing file); "
        "if no git process is running, delete the file and run again"
    )


def test_a_shallow_clone_is_refused_where_history_is_read(tmp_path: Path) -> None:
    origin = history(tmp_path / "origin")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--no-local", f"file://{origin}", str(clone))
    check_repository_state(GitRepo(clone))
    with pytest.raises(RepositoryStateError) as error:
        check_full_history(GitRepo(clone))
    assert str(error.value) == (
        f"`{clone}`: a shallow clone, whose history stops early (got `{clone}/.git/shallow`); run "
        "`git fetch --unshallow` (in CI, check out with the full history), then run again"
    )


def test_a_branch_checked_out_in_another_worktree(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo")
    second = tmp_path / "second"
    git(repo, "worktree", "add", "-q", str(second), "topic")
    assert (worktree_of(GitRepo(repo), "topic"), worktree_of(GitRepo(repo), "main")) == (str(second), None)
    assert worktree_of(GitRepo(second), "main") == str(repo)
    with pytest.raises(RepositoryStateError) as error:
        check_not_checked_out_elsewhere(GitRepo(repo), "topic", "`--to`")
    assert str(error.value) == (
        f"`--to`: the branch is checked out in the worktree `{second}` (got `topic`); switch that worktree to another "
        "branch, then run again"
    )


def test_outside_a_repository_every_goal_says_the_same(tmp_path: Path) -> None:
    with pytest.raises(GitError) as error:
        check_repository_state(GitRepo(tmp_path))
    assert str(error.value) == (
        f"`{tmp_path}`: not a git repository (got `git rev-parse --git-common-dir` failing); run inside the "
        "repository's checkout"
    )


def test_the_state_directory_may_be_absent_but_must_be_a_directory(tmp_path: Path) -> None:
    repo = history(tmp_path / "repo")
    state = repo / ".git/calver-release"
    check_state_directory(state)
    assert not state.exists()
    state.write_text("")
    with pytest.raises(RepositoryStateError) as error:
        check_state_directory(state)
    assert str(error.value) == (
        f"`{state}`: not a directory, but the plugin keeps its state there (got a file); move it away, then run again"
    )


@pytest.mark.parametrize("exists", [True, False], ids=["immutable-directory", "immutable-git-directory"])
def test_a_state_directory_that_cannot_be_written(tmp_path: Path, exists: bool) -> None:
    """As root, permission bits stop nothing: `chattr +i` does."""
    repo = history(tmp_path / "repo")
    state = repo / ".git/calver-release"
    if exists:
        state.mkdir()
    locked = state if exists else repo / ".git"
    with immutable(locked):
        with pytest.raises(RepositoryStateError) as error:
            check_state_directory(state)
        listing = sorted(path.name for path in locked.iterdir())
    assert str(error.value) == state_not_writable(state)
    assert not any(name.startswith(".calver-release-probe") for name in listing)
