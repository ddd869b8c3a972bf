"""The files of a commit, read from git objects without a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitError, GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    for path, text in {"a.txt": "one\n", "configs/x/sample.toml": "[a]\n", "configs/y.json": "{}\n"}.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    (tmp_path / "a.txt").write_text("two\n")
    git(tmp_path, "commit", "-q", "-am", "second")
    return tmp_path


def test_reads_files_of_an_older_commit_without_a_checkout(repo: Path) -> None:
    first = CommitFiles.of(GitRepo(repo), "HEAD~1")
    assert first.text("a.txt") == "one\n"
    assert first.text("missing.txt") is None
    assert sorted(first.listing()) == ["a.txt", "configs/x/sample.toml", "configs/y.json"]
    assert sorted(first.listing("configs/x")) == ["configs/x/sample.toml"]
    assert (repo / "a.txt").read_text() == "two\n"


def test_glob_uses_git_glob_semantics(repo: Path) -> None:
    files = CommitFiles.of(GitRepo(repo), "HEAD")
    assert sorted(files.glob("configs/*")) == ["configs/y.json"]
    assert sorted(files.glob("configs/**")) == ["configs/x/sample.toml", "configs/y.json"]
    assert sorted(files.glob("**/sample.toml", "a.*")) == ["a.txt", "configs/x/sample.toml"]


def test_paths_are_relative_to_a_root_below_the_repository(repo: Path) -> None:
    """A build root in a subdirectory (the example monorepo in this repository) sees its own paths."""
    files = CommitFiles.of(GitRepo(repo / "configs"), "HEAD")
    assert (sorted(files.listing()), sorted(files.glob("**/*.toml", "*.json"))) == (
        ["x/sample.toml", "y.json"],
        ["x/sample.toml", "y.json"],
    )


def test_blobs_read_once_are_shared_between_commits(repo: Path) -> None:
    texts = {}
    old, new = (CommitFiles.of(GitRepo(repo), rev, texts) for rev in ("HEAD~1", "HEAD"))
    old.read(old.listing())
    assert len(texts) == 3
    assert new.read(new.listing()) == {"a.txt": "two\n", "configs/x/sample.toml": "[a]\n", "configs/y.json": "{}\n"}
    assert len(texts) == 4


def test_unknown_revision_is_one_line(repo: Path) -> None:
    with pytest.raises(GitError) as error:
        CommitFiles.of(GitRepo(repo), "nope")
    assert str(error.value) == f"`nope`: no such commit in `{repo}`; check the name with `git log nope`"


@pytest.mark.parametrize(
    "pathspecs",
    [("configs",), ("configs/",), ("configs/x",), ("a.txt",), ("con",), ("configs/x/sample.toml", "a.txt")],
)
def test_listings_after_the_whole_tree_are_filtered_as_git_lists_them(repo: Path, pathspecs: tuple) -> None:
    """Once the whole tree is listed, no further `git ls-tree` runs, with the same answers."""
    fresh, listed = CommitFiles.of(GitRepo(repo), "HEAD"), CommitFiles.of(GitRepo(repo), "HEAD")
    listed.listing()
    assert listed.listing(*pathspecs) == fresh.listing(*pathspecs)


def test_glob_in_a_sha256_repository(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main", "--object-format=sha256")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs/sample.toml").write_text("[a]\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    files = CommitFiles.of(GitRepo(tmp_path), "HEAD")
    assert (len(files.commit), sorted(files.glob("configs/*.toml"))) == (64, ["configs/sample.toml"])
