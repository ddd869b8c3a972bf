"""Where the plugin may read, write, move or delete: checked before the first change, one line per refusal.

Settings name files relative to the build root. A file the plugin rewrites (`VERSION`, the
registry of maintained lines, the current compose file) may be a symlink, as Backend.AI links
its version files: the write goes to the file the link points to, which must lie inside the
repository, and the link stays a link. A directory the plugin moves aside or a file it creates
(`[halfstack].data_dir`, `backup_file`) is never the file system root, the repository or a
directory holding it, the git directory, or a path git tracks: moving `.git` or `src` aside would
take the repository with it. A database file must have an existing directory, so a typo in a URL
is not a new, empty database somewhere else. A file the plugin only reads (`--config` LOCAL)
must be a regular file: a FIFO would block the run.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from calver_release.runtime.git import GitRepo


class PathError(ValueError):
    """A path a setting or option names is not one the plugin may use there; one line for the user."""


def repository_file(value: str, option: str) -> str:
    """`value` as a normalized path relative to the build root; PathError when it cannot name a file of the repository."""
    normalized = posixpath.normpath(value) if value else ""
    if not value or normalized == ".":
        raise PathError(f"{option}: names no file (got `{value}`); name a file relative to the build root")
    if posixpath.isabs(value):
        raise PathError(f"{option}: an absolute path (got `{value}`); name a file relative to the build root")
    if normalized == ".." or normalized.startswith("../"):
        raise PathError(f"{option}: a path outside the build root (got `{value}`); name a file inside it")
    if _in_git_directory(normalized):
        raise PathError(f"{option}: a path inside the git directory (got `{value}`); name a file of the work tree")
    return normalized


def write_target(root: Path, relative: str, option: str) -> str:
    """The file a write to `relative` changes, relative to `root`: itself, or where its symlinks lead.

    PathError when that file lies outside the repository or in its git directory.
    """
    path = root / relative
    resolved = Path(os.path.realpath(path))
    real_root = Path(os.path.realpath(root))
    inside = resolved.relative_to(real_root).as_posix() if resolved.is_relative_to(real_root) else None
    if inside is not None and not _in_git_directory(inside):
        return inside if path.is_symlink() else relative
    where = "outside the repository" if inside is None else "inside the git directory"
    if path.is_symlink():
        raise PathError(
            f"{option}: `{relative}` is a symlink to a file {where} (got `{os.readlink(path)}`), which the plugin "
            "never writes; replace the symlink with the file, or point it inside the work tree"
        )
    raise PathError(f"{option}: a file {where}, which the plugin never writes (got `{relative}`); name a file of the work tree")


def check_own_path(repo: GitRepo, value: str, option: str, action: str) -> None:
    """PathError when `value` (relative to the build root) is no path of its own for the plugin to `action`.

    Refused: the file system root, the repository or a directory holding it, the git directory or a
    path inside it, and a path git tracks (or a directory holding tracked files).
    """
    root = Path(os.path.realpath(repo.root))
    path = Path(os.path.realpath(repo.root / value))
    git_dir = Path(os.path.realpath(repo.git_dir()))
    relative = path.relative_to(root).as_posix() if path.is_relative_to(root) else None
    if path == Path(path.anchor):
        problem = "the file system root"
    elif path == root:
        problem = "the repository itself"
    elif path in root.parents:
        problem = "a directory holding the repository"
    elif path == git_dir or git_dir in path.parents or (relative is not None and _in_git_directory(relative)):
        problem = "inside the git directory"
    elif relative is not None and _tracked(repo, relative):
        problem = "a path git tracks"
    else:
        return
    raise PathError(
        f"{option}: {problem}, which the plugin would {action} (got `{value}`); name a path of its own that git "
        "does not track"
    )


def check_sqlite_url(url: str, root: Path, origin: str) -> None:
    """PathError when a SQLite URL names a file in a directory that does not exist (a typo, not a new database)."""
    database = sqlite_file(url)
    if database is None:
        return
    directory = (root / database).parent
    if not directory.is_dir():
        raise PathError(
            f"{origin}: the database's directory does not exist (got `{url}`); fix the URL, or create `{directory}` "
            "for a new database"
        )


def sqlite_file(url: str) -> Optional[str]:
    """The database file of a `sqlite:///path` URL (absolute with four slashes), None for another database."""
    parts = urlsplit(url)
    if parts.scheme.split("+", 1)[0] != "sqlite" or len(parts.path) < 2 or parts.path == "/:memory:":
        return None
    return unquote(parts.path[1:])


def read_regular_file(path: Path) -> str:
    """The text of `path`; OSError when it cannot be read, PathError when it is not a regular file.

    Opened without blocking and checked on the open file: a FIFO would otherwise wait for a writer.
    """
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        raise PathError(f"`{path}`: not a regular file (got {_kind(mode)}); name the file itself")
    with os.fdopen(handle, "rb") as file:
        return file.read().decode("utf-8")


def file_kind(path: Path) -> str:
    """What `path` is, in words (`a FIFO`, `a directory`, `a regular file`), or `nothing` when it does not exist."""
    try:
        return _kind(os.stat(path).st_mode)
    except OSError:
        return "nothing"


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    )
    return next((name for test, name in kinds if test(mode)), "a special file")


def _in_git_directory(relative: str) -> bool:
    return relative == ".git" or relative.startswith(".git/")


def _tracked(repo: GitRepo, relative: str) -> bool:
    """Whether git tracks `relative` or anything below it."""
    return bool(repo.run("ls-files", "-z", "--", f":(literal){relative}").stdout)
