"""The real `./pants topic-switch` on a copy of the example monorepo: A -> B -> A with SQLite.

It runs under pantsd, as users do. The branches' `pants.toml` differ, and pantsd exits when that
file changes, letting the run in progress finish: the switching run must still complete, each step once.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from textwrap import dedent
from typing import Iterator

import pytest

from conftest import git
from example_repo import copy_example, run_pants, stop_pantsd

VERSIONS = "src/ai/backend/manager/models/alembic/versions"
MAIN_HEAD = "8b2e4d6f9a01"


def revision(rev: str, table: str) -> str:
    return dedent(
        f"""\
        import sqlalchemy as sa
        from alembic import op

        revision = "{rev}"
        down_revision = "{MAIN_HEAD}"
        branch_labels = None
        depends_on = None


        def upgrade() -> None:
            op.create_table("{table}", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade() -> None:
            op.drop_table("{table}")
        """
    )


def branch(repo: Path, name: str, files: dict) -> None:
    git(repo, "switch", "-q", "-c", name, "main")
    for path, text in files.items():
        (repo / path).write_text(text)
    git(repo, "add", *files)
    git(repo, "commit", "-q", "-m", f"{name}: work")


def tables(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A copy of the example; the pantsd a test starts in it stops afterwards."""
    repo = copy_example(tmp_path)
    yield repo
    stop_pantsd(repo)


def test_switch_there_and_back_runs_every_step_once(repo: Path, tmp_path: Path, monkeypatch) -> None:
    branch(repo, "topic-b", {f"{VERSIONS}/b1_groups.py": revision("b1", "groups"), "pants.toml": (repo / "pants.toml").read_text() + "# b\n"})
    toml = (repo / "configs/manager/sample.toml").read_text().replace("num-proc = 4", "num-proc = 8")
    branch(repo, "topic-a", {f"{VERSIONS}/a1_sessions.py": revision("a1", "sessions"), "configs/manager/sample.toml": toml})
    # The daemon this run starts on `topic-a` serves the first switch too.
    run_pants(repo, "export", "--resolve=python-default", pantsd=True).assert_success()
    (python,) = repo.glob("dist/export/python/virtualenvs/python-default/*/bin/python")
    log, db = tmp_path / "alembic.log", tmp_path / "manager.sqlite"
    wrapper = tmp_path / "alembic-recording"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{python}" -m alembic "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PANTS_TOPIC_SWITCH_ALEMBIC_COMMAND", f"['{wrapper}']")
    monkeypatch.setenv("PANTS_TOPIC_SWITCH_DB_URLS", f"{{'alembic.ini': 'sqlite:///{db}'}}")

    subprocess.run([str(wrapper), "-c", "alembic.ini", "-x", f"db=sqlite:///{db}", "upgrade", "heads"], cwd=repo, check=True, timeout=120)
    with sqlite3.connect(db) as connection:
        connection.execute("INSERT INTO users (id, email) VALUES (1, 'ada@example.com')")

    there = run_pants(repo, "topic-switch", "--to=topic-b", "--export=all", pantsd=True).assert_success()
    assert there.stdout == dedent(
        """\
        Switched `topic-a` -> `topic-b`
        alembic.ini: undid 1, applied 1; at b1
        exported: python-default, python-kernel, mypy, ruff
        configuration changes (update your local configs):
          configs/manager/sample.toml: changed `manager.num-proc` from 8 to 4
        """
    )
    assert git(repo, "branch", "--show-current") == "topic-b"
    assert tables(db) == ["alembic_version", "groups", "keypairs", "users"]

    back = run_pants(repo, "topic-switch", "--to=topic-a", pantsd=True).assert_success()
    assert back.stdout.splitlines()[:2] == ["Switched `topic-b` -> `topic-a`", "alembic.ini: undid 1, applied 1; at a1"]
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert tables(db) == ["alembic_version", "keypairs", "sessions", "users"]
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT id, email FROM users").fetchall() == [(1, "ada@example.com")]
    # Each step ran once: a restarted goal would repeat `current` and the downgrade.
    prefix = f"-c alembic.ini -x db=sqlite:///{db} "
    assert [line.replace(prefix, "") for line in log.read_text().splitlines()] == [
        "upgrade heads",
        "current",
        f"downgrade a1@{MAIN_HEAD}",
        "upgrade heads",
        "current",
        f"downgrade b1@{MAIN_HEAD}",
        "upgrade heads",
    ]
    assert not (repo / ".git/calver-release/topic-switch.json").exists()
