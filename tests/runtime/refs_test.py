"""Refs a user names: one that is both a tag and a branch, or names a blob or a tree, is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, init_repo

from calver_release.runtime.git import GitRepo
from calver_release.runtime.refs import RefError, check_user_ref, object_type


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "VERSION").write_text("24.09.0\n")
    repo = init_repo(tmp_path)
    git(repo, "tag", "24.09.0")
    git(repo, "tag", "main")  # a tag named like the branch
    blob = git(repo, "hash-object", "-w", "VERSION")
    git(repo, "tag", "-a", "blob-tag", "-m", "points at a blob", blob)
    git(repo, "tag", "tree-tag", "HEAD^{tree}")
    return repo


@pytest.mark.parametrize(
    "ref, error",
    [
        pytest.param(
            "main",
            "`--from`: both a tag and a branch are named so (got `main`); pass `--from=refs/tags/main` for the tag or "
            "`--from=refs/heads/main` for the branch",
            id="tag-and-branch",
        ),
        pytest.param("blob-tag", "`--from`: names a blob, not a commit (got `blob-tag`); name a tag, branch or commit", id="blob"),
        pytest.param("tree-tag", "`--from`: names a tree, not a commit (got `tree-tag`); name a tag, branch or commit", id="tree"),
    ],
)
def test_a_ref_naming_two_things_or_no_commit_is_refused(repo: Path, ref: str, error: str) -> None:
    with pytest.raises(RefError) as raised:
        check_user_ref(GitRepo(repo), "--from", ref)
    assert str(raised.value) == error


@pytest.mark.parametrize("ref", ["24.09.0", "refs/tags/main", "refs/heads/main", "HEAD", "HEAD~0", "no-such-ref"])
def test_a_ref_naming_one_commit_or_nothing_passes(repo: Path, ref: str) -> None:
    check_user_ref(GitRepo(repo), "--from", ref)


def test_object_types(repo: Path) -> None:
    assert [object_type(GitRepo(repo), ref) for ref in ("24.09.0", "blob-tag", "nope")] == ["commit", "blob", None]
