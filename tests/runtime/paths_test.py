"""Where the plugin may write, move or read: paths refused or resolved before the first change."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from conftest import git, init_repo

from calver_release.runtime.files import write_atomically
from calver_release.runtime.git import GitRepo
from calver_release.runtime.paths import (
    PathError,
    check_own_path,
    check_sqlite_url,
    read_regular_file,
    repository_file,
    write_target,
)

OPTION = "`[release-version].file`"


@pytest.mark.parametrize(
    "value, error",
    [
        ("", "names no file (got ``); name a file relative to the build root"),
        ("./", "names no file (got `./`); name a file relative to the build root"),
        ("/etc/hostname", "an absolute path (got `/etc/hostname`); name a file relative to the build root"),
        ("../x", "a path outside the build root (got `../x`); name a file inside it"),
        ("src/../../x", "a path outside the build root (got `src/../../x`); name a file inside it"),
        (".git/HEAD", "a path inside the git directory (got `.git/HEAD`); name a file of the work tree"),
        ("src/../.git/config", "a path inside the git directory (got `src/../.git/config`); name a file of the work tree"),
    ],
)
def test_a_repository_file_setting_is_checked(value: str, error: str) -> None:
    with pytest.raises(PathError) as raised:
        repository_file(value, OPTION)
    assert str(raised.value) == f"{OPTION}: {error}"


def test_a_repository_file_setting_is_normalized() -> None:
    assert repository_file("src/../VERSION", OPTION) == "VERSION"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/VERSION").write_text("24.09.0\n")
    (tmp_path / "outside").write_text("outside\n")
    return root


@pytest.mark.parametrize(
    "link", [pytest.param("src/VERSION", id="relative"), pytest.param("{root}/src/VERSION", id="absolute")]
)
def test_a_write_through_a_symlink_goes_to_its_file_inside_the_repository(root: Path, link: str) -> None:
    (root / "VERSION").symlink_to(link.format(root=root))
    assert write_target(root, "VERSION", OPTION) == "src/VERSION"
    write_atomically(root / "VERSION", "24.09.1\n")
    assert (root / "VERSION").is_symlink() and os.readlink(root / "VERSION") == link.format(root=root)
    assert (root / "src/VERSION").read_text() == "24.09.1\n"


def test_a_plain_file_is_written_where_it_is(root: Path) -> None:
    assert write_target(root, "src/VERSION", OPTION) == "src/VERSION"
    assert write_target(root, "NEW", OPTION) == "NEW"


@pytest.mark.parametrize(
    "link, where",
    [
        pytest.param("../outside", "outside the repository", id="relative-outside"),
        pytest.param("{tmp}/outside", "outside the repository", id="absolute-outside"),
        pytest.param(".git/config", "inside the git directory", id="into-git"),
    ],
)
def test_a_symlink_leading_out_of_the_work_tree_is_refused(root: Path, link: str, where: str) -> None:
    (root / ".git").mkdir()
    (root / ".git/config").write_text("")
    target = link.format(tmp=root.parent)
    (root / "VERSION").symlink_to(target)
    with pytest.raises(PathError) as raised:
        write_target(root, "VERSION", OPTION)
    assert str(raised.value) == (
        f"{OPTION}: `VERSION` is a symlink to a file {where} (got `{target}`), which the plugin never writes; "
        "replace the symlink with the file, or point it inside the work tree"
    )


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/app.py").write_text("")
    (root / ".gitignore").write_text("/volumes/\n")
    init_repo(root)
    return GitRepo(root)


@pytest.mark.parametrize(
    "value, problem",
    [
        ("/", "the file system root"),
        (".", "the repository itself"),
        ("src/..", "the repository itself"),
        ("..", "a directory holding the repository"),
        (".git", "inside the git directory"),
        (".git/calver-release", "inside the git directory"),
        ("src", "a path git tracks"),
        ("src/app.py", "a path git tracks"),
    ],
)
def test_a_path_of_its_own_is_none_of_these(repo: GitRepo, value: str, problem: str) -> None:
    with pytest.raises(PathError) as raised:
        check_own_path(repo, value, "`[halfstack].data_dir`", "move aside")
    assert str(raised.value) == (
        f"`[halfstack].data_dir`: {problem}, which the plugin would move aside (got `{value}`); name a path of its "
        "own that git does not track"
    )


@pytest.mark.parametrize("value", ["volumes/postgres-data", "new-directory", "/var/lib/postgresql-elsewhere"])
def test_a_path_of_its_own(repo: GitRepo, value: str) -> None:
    check_own_path(repo, value, "`[halfstack].data_dir`", "move aside")


def test_the_git_directory_of_a_worktree_is_no_path_of_its_own(repo: GitRepo, tmp_path: Path) -> None:
    git(repo.root, "worktree", "add", "-q", str(tmp_path / "second"))
    with pytest.raises(PathError, match="inside the git directory"):
        check_own_path(repo.at(tmp_path / "second"), str(repo.root / ".git/worktrees"), "`[halfstack].data_dir`", "move aside")


@pytest.mark.parametrize(
    "url",
    ["sqlite:////nonexistent/dir/x.sqlite", "sqlite+pysqlite:///missing/x.sqlite"],
)
def test_a_sqlite_database_in_a_directory_that_does_not_exist_is_refused(tmp_path: Path, url: str) -> None:
    directory = Path("/nonexistent/dir") if url.startswith("sqlite:////") else tmp_path / "missing"
    with pytest.raises(PathError) as raised:
        check_sqlite_url(url, tmp_path, "`[topic-switch].db_urls`")
    assert str(raised.value) == (
        f"`[topic-switch].db_urls`: the database's directory does not exist (got `{url}`); fix the URL, or create "
        f"`{directory}` for a new database"
    )


@pytest.mark.parametrize(
    "url",
    ["sqlite:///manager.sqlite", f"sqlite:///{'/tmp'}/new.sqlite", "sqlite://", "sqlite:///:memory:", "postgresql://u:p@h/db"],
)
def test_other_database_urls_pass(tmp_path: Path, url: str) -> None:
    check_sqlite_url(url, tmp_path, "`[topic-switch].db_urls`")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "manager.toml"
    os.mkfifo(fifo)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_read(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert outcome == [f"`{fifo}`: not a regular file (got a FIFO); name the file itself"]


def test_a_directory_is_refused_and_a_file_is_read(tmp_path: Path) -> None:
    assert _read(tmp_path) == f"`{tmp_path}`: not a regular file (got a directory); name the file itself"
    (tmp_path / "a.toml").write_text("a = 1\n")
    assert read_regular_file(tmp_path / "a.toml") == "a = 1\n"


def _read(path: Path) -> str:
    try:
        return read_regular_file(path)
    except PathError as e:
        return str(e)
