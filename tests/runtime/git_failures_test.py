"""Git failures become one line naming the ref or file in the way, on real repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from conftest import git, init_repo

from calver_release.runtime.git import GitError, GitRepo


def nested_branch(repo: Path) -> None:
    git(repo, "branch", "24.09/hotfix")


def parent_branch(repo: Path) -> None:
    git(repo, "branch", "24")


def stale_ref_lock(repo: Path) -> None:
    (repo / ".git/refs/heads/24.09.lock").write_text("")


def stale_index_lock(repo: Path) -> None:
    (repo / ".git/index.lock").write_text("")


@pytest.mark.parametrize(
    "prepare, args, message",
    [
        pytest.param(
            nested_branch,
            ("branch", "24.09"),
            "`24.09`: the branch name collides with the branch `24.09/hotfix` (got `git branch 24.09` failing); "
            "rename or delete `24.09/hotfix` (`git branch -m 24.09/hotfix NEW`), then run again",
            id="branch-under-the-name",
        ),
        pytest.param(
            parent_branch,
            ("branch", "24/09"),
            "`24/09`: the branch name collides with the branch `24` (got `git branch 24/09` failing); "
            "rename or delete `24` (`git branch -m 24 NEW`), then run again",
            id="branch-above-the-name",
        ),
        pytest.param(
            stale_ref_lock,
            ("branch", "24.09"),
            "`{repo}/.git/refs/heads/24.09.lock`: a lock file of another git process is in the way "
            "(got `git branch 24.09` failing); if no git process is running, delete the file and run again",
            id="stale-ref-lock",
        ),
        pytest.param(
            stale_index_lock,
            ("commit", "--allow-empty", "-m", "x"),
            "`{repo}/.git/index.lock`: a lock file of another git process is in the way "
            "(got `git commit --allow-empty -m x` failing); if no git process is running, delete the file and run again",
            id="stale-index-lock",
        ),
        pytest.param(
            None,
            ("rev-parse", "--verify", "no-such-ref"),
            "`git rev-parse --verify no-such-ref` failed: fatal: Needed a single revision",
            id="other-failure-keeps-gits-last-line",
        ),
    ],
)
def test_failure_names_what_is_in_the_way(
    tmp_path: Path, prepare: Callable[[Path], None], args: tuple, message: str
) -> None:
    repo = init_repo(tmp_path / "repo")
    if prepare:
        prepare(repo)
    refs = git(repo, "for-each-ref")
    with pytest.raises(GitError) as error:
        GitRepo(repo).run(*args)
    assert str(error.value) == message.format(repo=repo)
    assert git(repo, "for-each-ref") == refs


def test_outside_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError) as error:
        GitRepo(tmp_path).git_dir()
    assert str(error.value) == (
        f"`{tmp_path}`: not a git repository (got `git rev-parse --git-common-dir` failing); "
        "run inside the repository's checkout"
    )


def test_index_lock(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    assert GitRepo(repo).index_lock() is None
    stale_index_lock(repo)
    assert GitRepo(repo).index_lock() == repo / ".git/index.lock"
