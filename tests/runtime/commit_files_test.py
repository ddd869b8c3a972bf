"""The files of a commit, read from git objects without a checkout."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from calver_release.runtime.commit_files import CommitFiles, shared_blob_reader
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


GLOB_PATHS = (
    "a.toml",
    "configs/a.toml",
    "configs/manager/sample.toml",
    "configs/manager/sample.etcd.config.json",
    "configs/manager/sub/x.toml",
    "configs/webserver/sample.conf",
    "configs/web[1]/sample.conf",
    "configs-old/sample.toml",
    "docker-compose.halfstack-2403.yml",
)


@pytest.mark.parametrize(
    "pattern",
    [
        "configs/m*", "configs/*", "configs/**", "configs", "configs/", "**/*.toml", "configs/**/x.toml",
        "configs/**/sample.toml", "configs/*/sample.*", "c*", "configs/manager", "configs/m*/sample.toml", "*.toml",
        "configs/manager/sample.etcd.*.json", "configs/*/sample.conf", "configs/web?erver/*", "configs/web[a-z]*/*",
        "docker-compose.halfstack*.yml", "configs/web[1]/sample.conf", "**", "configs/**/", "a+b.toml",
        "configs/web[!a-z]*/*", "**/sample.toml", "configs**", "*/a.toml", "configs/*/",
    ],
)
def test_glob_selects_what_git_selects(tmp_path: Path, pattern: str) -> None:
    """`glob` matches the listing in Python; git's own `:(glob)` pathspec is the reference."""
    git(tmp_path, "init", "-q", "-b", "main")
    for path in GLOB_PATHS:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(f"{path}\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "first")
    selected = git(tmp_path, "ls-tree", "-r", "--name-only", "HEAD").splitlines()
    by_git = git(tmp_path, "ls-files", "--", f":(glob){pattern}").splitlines()
    assert sorted(CommitFiles.of(GitRepo(tmp_path), "HEAD").glob(pattern)) == sorted(p for p in selected if p in by_git)


def test_a_shared_reader_answers_every_read_of_the_block(tmp_path: Path) -> None:
    """1,200 blobs (more than one chunk of ids), read through one process, as a process per read reads them."""
    git(tmp_path, "init", "-q", "-b", "main")
    for i in range(1200):
        (tmp_path / f"f{i}.txt").write_text(f"file {i}\n" * (i % 7))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "many")
    alone = CommitFiles.of(GitRepo(tmp_path), "HEAD")
    expected = alone.read(alone.listing())
    with shared_blob_reader(GitRepo(tmp_path)):
        files = CommitFiles.of(GitRepo(tmp_path), "HEAD")
        with shared_blob_reader(GitRepo(tmp_path)):
            first = files.read(dict(list(files.listing().items())[:10]))
        assert (first, files.read(files.listing())) == ({path: expected[path] for path in first}, expected)
        with pytest.raises(GitError) as error:
            files.read({"gone.txt": "0" * 40})
    assert str(error.value) == f"`git cat-file --batch` failed: `{'0' * 40}` (got {'0' * 40} missing); run again"
