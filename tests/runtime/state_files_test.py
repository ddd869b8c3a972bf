"""Damaged or misplaced state files are one line naming them; a failed step's reason is its tool's error line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from calver_release.runtime.journal import (
    Command,
    Journal,
    StateFileError,
    StateStore,
    Step,
    failure_reason,
    load_journal,
    run_command,
    save_state,
)

RECOVERY = "check the repository (branches, database), then delete the file"

FAILED_MIGRATION = """\
import sqlalchemy as sa

engine = sa.create_engine("sqlite://")
with engine.begin() as connection:
    connection.execute(sa.text("CREATE TABLE kernels (id INTEGER)"))
    connection.execute(sa.text("\\nCREATE TABLE kernels (\\n    id INTEGER\\n)\\n\\n"))
"""
"""A statement that fails in SQLAlchemy, which ends its message with the statement and a link; written as
alembic's `op.create_table` renders it, so the statement's block closes with a `]` on a line of its own."""


def test_a_failed_sqlalchemy_statement_is_reported_by_its_error_line(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    code, reason = run_command(Command((sys.executable, "-c", FAILED_MIGRATION)), str(tmp_path))
    stderr = capfd.readouterr().err
    assert stderr.rstrip().splitlines()[-1].startswith("(Background on this error at: ")
    assert "\n]\n" in stderr
    assert (code, reason) == (
        1,
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) table kernels already exists",
    )


@pytest.mark.parametrize(
    "output, reason",
    [
        pytest.param("pg_dump: error: connection to server failed\nhint: is it running?\n", "pg_dump: error: connection to server failed", id="tool-error-then-hint"),
        pytest.param("Switched to branch\nfatal: not a git repository\n", "fatal: not a git repository", id="git-fatal"),
        pytest.param(
            'Traceback (most recent call last):\n  File "x.py", line 1\n    raise RuntimeError("boom")\nRuntimeError: boom\nINFO done\n',
            "RuntimeError: boom",
            id="python-traceback-then-a-log-line",
        ),
        pytest.param("psql:restore.sql:3: ERROR:  syntax error at or near \"x\"\n", 'psql:restore.sql:3: ERROR:  syntax error at or near "x"', id="psql"),
        pytest.param("export broke\n", "export broke", id="no-error-line-takes-the-last"),
        pytest.param("", "", id="nothing"),
    ],
)
def test_the_reason_is_the_last_line_stating_an_error(output: str, reason: str) -> None:
    assert failure_reason(output) == reason
    assert incrementally(output) == reason


def incrementally(output: str) -> str:
    """What the executor keeps: the reason of the reason so far and each new line, as `run_command` computes it."""
    last = ""
    for line in output.splitlines():
        last = failure_reason(f"{last}\n{line}")
    return last


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore(tmp_path / ".git")


def damaged(path: Path, reason: str) -> str:
    return f"`{path}`: damaged state file (got {reason}); nothing was run from it: {RECOVERY}"


@pytest.mark.parametrize(
    "content, reason",
    [
        pytest.param(b'{"operation": "op\xff"}', "not UTF-8 text: byte 0xff at offset 17", id="invalid-utf-8"),
        pytest.param(b"[" * 200_000, "not JSON: nested too deeply", id="nested-200000-deep"),
        pytest.param(b'{"operation": "op", "build_root": ".", "steps": []}', "$.steps: no steps", id="no-steps"),
    ],
)
def test_a_damaged_journal_is_one_line(store: StateStore, content: bytes, reason: str) -> None:
    path = store.file("op")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(StateFileError) as error:
        load_journal(path)
    assert str(error.value) == damaged(path, reason)
    assert path.read_bytes() == content


def test_a_directory_where_the_state_file_belongs(store: StateStore) -> None:
    store.file("op").mkdir(parents=True)
    with pytest.raises(StateFileError) as error:
        load_journal(store.file("op"))
    assert str(error.value) == (
        f"`{store.file('op')}`: a directory where the state file belongs (got a directory); move it away, then run again"
    )


def test_a_file_where_the_state_directory_belongs(store: StateStore) -> None:
    store.git_dir.mkdir()
    store.root.write_text("")
    with pytest.raises(StateFileError) as error:
        load_journal(store.file("op"))
    assert str(error.value) == (
        f"`{store.root}`: not a directory, but the plugin keeps its state there (got a file); move it away, then run again"
    )


def test_a_journal_with_steps_loads(store: StateStore) -> None:
    journal = Journal("op", ".", (Step("s", "d", (Command(("true",)),)),))
    save_state(store.file("op"), journal)
    assert load_journal(store.file("op")) == journal
