"""Checks that a `pg_dump` file is complete before `halfstack-upgrade` deletes the PostgreSQL data directory.

Pure core (no `pants` import). Archive dumps (custom format, magic `PGDMP`, and tar format) are read in full
by `pg_restore --file=/dev/null`: `pg_restore --list` only reads the table of contents at the start and
accepts a dump cut off in its data. `pg_restore` also accepts a tar dump cut inside a member, so tar dumps
are first read member by member with `tarfile`. Plain dumps must end with the comment pg_dump writes last,
followed at most by `--` lines, blank lines and the `\\unrestrict <key>` line that pg_dump 13.22, 14.19,
15.14, 16.10, 17.6 and later add; a `pg_dumpall` file ends with the cluster variant of that comment.
`python -m calver_release.halfstack.pg_dump_check DUMP` runs the check as a step of the upgrade's journal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

CUSTOM_MAGIC = b"PGDMP"
TAR_MAGIC = b"ustar"
TAR_MAGIC_OFFSET = 257
COMPLETION_COMMENTS = (
    "-- PostgreSQL database dump complete",
    "-- PostgreSQL database cluster dump complete",
)
TAIL_BYTES = 4096
"""How much of a plain dump's end is read: the completion comment and the lines after it fit easily."""


class DumpCheckError(ValueError):
    """A dump file is missing, empty, truncated or unreadable, so the data directory must be kept."""


@dataclass(frozen=True)
class DumpCheck:
    """A dump that passed the check: its path, format (`custom`, `tar` or `plain`) and size in bytes."""

    path: Path
    format: str
    size: int


def verify_dump(path: Path, pg_restore: str = "pg_restore") -> DumpCheck:
    """Check that `path` holds a complete dump; DumpCheckError with a one-line reason otherwise."""
    if not path.is_file():
        raise DumpCheckError(f"{path}: dump file not found; run the dump step again before deleting any data")
    size = path.stat().st_size
    if size == 0:
        raise DumpCheckError(f"{path}: dump file is empty (got 0 bytes); check the `pg_dump` output and run it again")
    dump_format = _dump_format(path)
    if dump_format == "plain":
        _check_plain_ending(path)
    else:
        if dump_format == "tar":
            _check_tar_members(path)
        _check_archive(path, pg_restore)
    return DumpCheck(path, dump_format, size)


def _dump_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(TAR_MAGIC_OFFSET + len(TAR_MAGIC))
    if head.startswith(CUSTOM_MAGIC):
        return "custom"
    if head[TAR_MAGIC_OFFSET:] == TAR_MAGIC:
        return "tar"
    return "plain"


def _check_plain_ending(path: Path) -> None:
    last_line = _last_meaningful_line(_tail(path))
    if last_line not in COMPLETION_COMMENTS:
        raise DumpCheckError(
            f"{path}: plain dump does not end with `{COMPLETION_COMMENTS[0]}` (got `{last_line[:80]}`); "
            "it is truncated: run `pg_dump` again"
        )


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - TAIL_BYTES))
        return handle.read().decode("utf-8", errors="replace")


def _last_meaningful_line(text: str) -> str:
    """The last line that is not blank, a bare `--` or pg_dump's closing `\\unrestrict` line."""
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if stripped and stripped != "--" and not stripped.startswith("\\unrestrict "):
            return stripped
    return ""


def _check_tar_members(path: Path) -> None:
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                member_file = archive.extractfile(member)
                if member_file is not None:
                    member_file.read()
    except tarfile.TarError as error:
        raise DumpCheckError(f"{path}: tar dump is cut short (got `{error}`); run `pg_dump` again") from None


def _check_archive(path: Path, pg_restore: str) -> None:
    try:
        result = subprocess.run(
            [pg_restore, f"--file={os.devnull}", str(path)],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise DumpCheckError(
            f"{path}: cannot check the archive dump (got no `{pg_restore}` binary); install PostgreSQL's client tools"
        ) from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.strip()]
        first_error = errors[0] if errors else f"exit code {result.returncode}"
        raise DumpCheckError(
            f"{path}: `pg_restore` cannot read the dump (got `{first_error}`); "
            "run `pg_dump` again, or check the dump with the `pg_restore` of the PostgreSQL that wrote it"
        )


def main(argv: Optional[Sequence[str]] = None) -> int:
    """`python -m calver_release.halfstack.pg_dump_check DUMP`: 0 for a complete dump, else 1; the finding goes to stderr."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m calver_release.halfstack.pg_dump_check DUMP", file=sys.stderr)
        return 2
    try:
        check = verify_dump(Path(args[0]))
    except DumpCheckError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{check.path}: complete {check.format} dump ({check.size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
