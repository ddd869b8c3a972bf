"""`--backup-db`: where the backups go, checked before anything runs, and the commands that write them.

A backup never overwrites anything: every file it would write must not exist yet, its directory
must exist and be writable, and a file inside the work tree must be ignored by git (a tracked or
untracked-but-visible file there would be clobbered or committed by accident).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence, Tuple
from urllib.parse import urlsplit, urlunsplit

from calver_release.runtime.git import GitRepo
from calver_release.runtime.journal import Command


class BackupError(ValueError):
    """A backup the run could not write safely; the message is the one line users see."""


def backup_files(target_file: str, urls: Sequence[str]) -> Tuple[str, ...]:
    """One file per distinct database: `FILE`, `FILE.2`, ..."""
    return tuple(target_file if i == 0 else f"{target_file}.{i + 1}" for i in range(len(dict.fromkeys(urls))))


def check_backup_files(repo: GitRepo, target_file: str, urls: Sequence[str]) -> None:
    """BackupError for the first backup file that could not be written without harm.

    Relative paths are taken from the build root, where the steps run.
    """
    if not urls:
        raise BackupError(
            f"`--backup-db`: there is no database to back up (got `{target_file}` and no alembic environment); "
            "drop `--backup-db`"
        )
    root = repo.root.resolve()
    for name in backup_files(target_file, urls):
        path = root / name
        if os.path.lexists(path):
            raise BackupError(
                f"`--backup-db`: the file exists and a backup never overwrites one (got `{name}`); "
                "name a new file, or move that one away"
            )
        parent = path.parent
        if not parent.is_dir():
            raise BackupError(
                f"`--backup-db`: the directory does not exist (got `{name}`); create `{parent}` or name another file"
            )
        if not os.access(parent, os.W_OK | os.X_OK):
            raise BackupError(f"`--backup-db`: the directory is not writable (got `{name}`); name another file")
        resolved = parent.resolve() / path.name
        if _inside(resolved, root) and not _ignored(repo, resolved.relative_to(root)):
            raise BackupError(
                f"`--backup-db`: inside the work tree and not ignored by git (got `{name}`); write it outside "
                f"the checkout (e.g. `/tmp/{path.name}`) or to a git-ignored path"
            )


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _ignored(repo: GitRepo, relative: Path) -> bool:
    return repo.run("check-ignore", "--quiet", "--", str(relative), check=False).returncode == 0


def backup_commands(target_file: str, urls: Sequence[str]) -> Tuple[Command, ...]:
    """`pg_dump` for PostgreSQL URLs, a file copy for SQLite; one file per database (`FILE`, `FILE.2`, ...)."""
    commands = []
    for out, url in zip(backup_files(target_file, urls), dict.fromkeys(urls)):
        parts = urlsplit(url)
        dialect = parts.scheme.split("+", 1)[0]
        if dialect in ("postgresql", "postgres"):
            plain = urlunsplit(parts._replace(scheme="postgresql"))
            commands.append(Command(("pg_dump", f"--dbname={plain}", f"--file={out}")))
        elif dialect == "sqlite" and parts.path.startswith("/") and len(parts.path) > 1:
            commands.append(Command(("cp", "-p", parts.path[1:], out)))
        else:
            raise BackupError(
                f"`--backup-db`: cannot back up this database (got `{dialect}`); only PostgreSQL and SQLite "
                "file URLs are supported, back it up yourself and run without `--backup-db`"
            )
    return tuple(commands)
