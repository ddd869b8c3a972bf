"""Tests of `calver_release.halfstack.pg_dump_check` against dumps written by a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
from postgres_fixture import PostgresServer, postgres_server  # noqa: F401 (pytest fixture)

from calver_release.halfstack.pg_dump_check import DumpCheck, DumpCheckError, verify_dump

SOURCE_DB = "halfstack_source"
ROWS_QUERY = "SELECT id, name FROM kernels ORDER BY id"
EXPECTED_ROWS = "".join(f"{number}|kernel-{number}\n" for number in range(1, 501))
PLAIN_ENDING = "--\n-- PostgreSQL database dump complete\n--\n\n"
RESTORE_HINT = "run `pg_dump` again, or check the dump with the `pg_restore` of the PostgreSQL that wrote it"


@pytest.fixture(scope="module")
def dumps(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Path]:  # noqa: F811
    """A database with one table dumped in plain, custom and tar format."""
    postgres_server.createdb(SOURCE_DB)
    postgres_server.psql(
        SOURCE_DB,
        "CREATE TABLE kernels (id int PRIMARY KEY, name text NOT NULL);"
        "INSERT INTO kernels SELECT n, 'kernel-' || n FROM generate_series(1, 500) AS n;",
    )
    directory = tmp_path_factory.mktemp("dumps")
    paths = {}
    for dump_format, suffix in (("plain", "sql"), ("custom", "dump"), ("tar", "tar")):
        paths[dump_format] = directory / f"backup.{suffix}"
        postgres_server.run(
            "pg_dump",
            *postgres_server.connection_args(SOURCE_DB),
            f"--format={dump_format}",
            f"--file={paths[dump_format]}",
        )
    return paths


@pytest.mark.parametrize("dump_format", ["plain", "custom", "tar"])
def test_verify_dump_accepts_complete_dumps(
    dumps: Dict[str, Path], postgres_server: PostgresServer, dump_format: str  # noqa: F811
) -> None:
    path = dumps[dump_format]
    assert verify_dump(path, postgres_server.tool("pg_restore")) == DumpCheck(path, dump_format, path.stat().st_size)


def test_real_plain_dump_ends_as_the_check_expects(dumps: Dict[str, Path]) -> None:
    ending = dumps["plain"].read_text()[-200:]
    assert ending[ending.index("--\n-- PostgreSQL database dump complete") :].startswith(PLAIN_ENDING)


def _truncated(source: Path, target: Path, keep: int) -> Path:
    target.write_bytes(source.read_bytes()[:keep])
    return target


@pytest.mark.parametrize(
    "keep",
    [
        pytest.param(2000, id="toc-intact-data-cut"),
        pytest.param(-10, id="last-bytes-cut"),
    ],
)
def test_verify_dump_refuses_truncated_custom_dumps(
    dumps: Dict[str, Path], postgres_server: PostgresServer, tmp_path: Path, keep: int  # noqa: F811
) -> None:
    path = _truncated(dumps["custom"], tmp_path / "cut.dump", keep)
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path, postgres_server.tool("pg_restore"))
    first_error = "pg_restore: error: could not read from input file: end of file"
    assert str(error.value) == f"{path}: `pg_restore` cannot read the dump (got `{first_error}`); {RESTORE_HINT}"


@pytest.mark.parametrize(
    "keep",
    [
        pytest.param(1024, id="cut-in-toc-member"),
        pytest.param(4096, id="cut-in-data-member"),
        pytest.param(-1100, id="cut-in-last-member"),
    ],
)
def test_verify_dump_refuses_tar_dumps_cut_inside_a_member(
    dumps: Dict[str, Path], postgres_server: PostgresServer, tmp_path: Path, keep: int  # noqa: F811
) -> None:
    path = _truncated(dumps["tar"], tmp_path / "cut.tar", keep)
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path, postgres_server.tool("pg_restore"))
    assert str(error.value) == f"{path}: tar dump is cut short (got `unexpected end of data`); run `pg_dump` again"


def test_tar_dump_cut_inside_a_member_passes_pg_restore(
    dumps: Dict[str, Path], postgres_server: PostgresServer, tmp_path: Path  # noqa: F811
) -> None:
    """Why tar members are read first: `pg_restore` reads what is there and succeeds."""
    path = _truncated(dumps["tar"], tmp_path / "cut.tar", 4096)
    assert postgres_server.run("pg_restore", "--file=/dev/null", str(path)) == ""


def test_custom_dump_cut_in_its_data_passes_pg_restore_list(
    dumps: Dict[str, Path], postgres_server: PostgresServer, tmp_path: Path  # noqa: F811
) -> None:
    """Why the check reads the whole archive: `--list` only reads the table of contents."""
    path = _truncated(dumps["custom"], tmp_path / "cut", 2000)
    assert postgres_server.run("pg_restore", "--list", str(path)).count("TABLE DATA public kernels") == 1


@pytest.mark.parametrize(
    "cut_after, last_line",
    [
        pytest.param("-- PostgreSQL database dump", "-- PostgreSQL database dump", id="cut-in-completion-comment"),
        pytest.param("42\tkernel-42\n", "42\tkernel-42", id="cut-in-data"),
    ],
)
def test_verify_dump_refuses_truncated_plain_dumps(
    dumps: Dict[str, Path], tmp_path: Path, cut_after: str, last_line: str
) -> None:
    text = dumps["plain"].read_text()
    path = _truncated(dumps["plain"], tmp_path / "cut.sql", text.rindex(cut_after) + len(cut_after))
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path)
    assert str(error.value) == (
        f"{path}: plain dump does not end with `-- PostgreSQL database dump complete` (got `{last_line}`); "
        "it is truncated: run `pg_dump` again"
    )


@pytest.mark.parametrize(
    "ending",
    [
        pytest.param(PLAIN_ENDING, id="before-pg-15.14"),
        pytest.param(PLAIN_ENDING + "\\unrestrict 5kRjXxYp0hFqAbCdEf\n\n", id="with-unrestrict"),
        pytest.param(PLAIN_ENDING.replace("\n", "\r\n"), id="crlf"),
        pytest.param("--\n-- PostgreSQL database cluster dump complete\n--\n\n", id="pg-dumpall"),
    ],
)
def test_verify_dump_accepts_plain_endings(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "backup.sql"
    path.write_bytes(f"SET client_encoding = 'UTF8';\n\n{ending}".encode())
    assert verify_dump(path) == DumpCheck(path, "plain", path.stat().st_size)


@pytest.mark.parametrize(
    "content, shown",
    [
        pytest.param(b"SET client_encoding = 'UTF8';\nCOPY public.kernels FROM stdin;\n1\tk", "1\tk", id="cut"),
        pytest.param(b"\\unrestrict abc\n\n", "", id="only-unrestrict"),
        pytest.param(b"PGDM", "PGDM", id="short-not-an-archive"),
    ],
)
def test_verify_dump_refuses_plain_files_without_the_completion_comment(
    tmp_path: Path, content: bytes, shown: str
) -> None:
    path = tmp_path / "backup.sql"
    path.write_bytes(content)
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path)
    assert str(error.value) == (
        f"{path}: plain dump does not end with `-- PostgreSQL database dump complete` (got `{shown}`); "
        "it is truncated: run `pg_dump` again"
    )


def test_verify_dump_refuses_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "backup.sql"
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path)
    assert str(error.value) == f"{path}: dump file not found; run the dump step again before deleting any data"


def test_verify_dump_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(DumpCheckError) as error:
        verify_dump(tmp_path)
    assert str(error.value) == f"{tmp_path}: dump file not found; run the dump step again before deleting any data"


def test_verify_dump_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "backup.sql"
    path.write_bytes(b"")
    with pytest.raises(DumpCheckError) as error:
        verify_dump(path)
    assert str(error.value) == f"{path}: dump file is empty (got 0 bytes); check the `pg_dump` output and run it again"


def test_verify_dump_without_pg_restore(dumps: Dict[str, Path], tmp_path: Path) -> None:
    missing_tool = str(tmp_path / "no-such-pg_restore")
    with pytest.raises(DumpCheckError) as error:
        verify_dump(dumps["custom"], missing_tool)
    assert str(error.value) == (
        f"{dumps['custom']}: cannot check the archive dump (got no `{missing_tool}` binary); "
        "install PostgreSQL's client tools"
    )


def test_plain_dump_restores_with_psql(dumps: Dict[str, Path], postgres_server: PostgresServer) -> None:  # noqa: F811
    server = postgres_server
    server.createdb("restored_plain")
    psql_args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dumps["plain"])]
    server.run("psql", *server.connection_args("restored_plain"), *psql_args)
    assert server.psql("restored_plain", ROWS_QUERY) == server.psql(SOURCE_DB, ROWS_QUERY) == EXPECTED_ROWS


def test_custom_dump_restores_with_pg_restore(
    dumps: Dict[str, Path], postgres_server: PostgresServer  # noqa: F811
) -> None:
    server = postgres_server
    server.createdb("restored_custom")
    server.run("pg_restore", *server.connection_args("restored_custom"), "--exit-on-error", str(dumps["custom"]))
    assert server.psql("restored_custom", ROWS_QUERY) == EXPECTED_ROWS
