"""A migration stopped halfway on SQLite, with real alembic and the example's env.py: rolled back, so the re-run step works.

pysqlite commits each CREATE TABLE at once; without the example env.py's explicit BEGIN, the
interrupted step below leaves table `t1` without its revision and the re-run fails on it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from textwrap import dedent

from calver_release.runtime.journal import Command, Journal, StateStore, Status, Step, load_journal, run_journal, save_state
from calver_release.runtime.plugin_python import module_command, module_env

ENV_PY = Path("examples/monorepo/src/ai/backend/manager/models/alembic/env.py")

MIGRATION = dedent(
    """\
    import time
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import op

    revision = "r1"
    down_revision = None
    branch_labels = None
    depends_on = None


    def upgrade() -> None:
        op.create_table("t1", sa.Column("id", sa.Integer, primary_key=True))
        Path("started").touch()
        while Path("slow").exists():
            time.sleep(0.05)
        op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))


    def downgrade() -> None:
        op.drop_table("t2")
        op.drop_table("t1")
    """
)


def tables(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def test_an_interrupted_migration_leaves_no_table_and_the_step_reruns(tmp_path: Path) -> None:
    (tmp_path / "migrations/versions").mkdir(parents=True)
    (tmp_path / "migrations/env.py").write_text(ENV_PY.read_text())
    (tmp_path / "migrations/versions/r1.py").write_text(MIGRATION)
    ini = Path("examples/monorepo/alembic.ini").read_text()  # its logging sections, which env.py reads
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n" + ini[ini.index("[loggers]") :])
    db = tmp_path / "db.sqlite"
    upgrade = Command((sys.executable, "-m", "alembic", "-c", "alembic.ini", "-x", f"db=sqlite:///{db}", "upgrade", "heads"))
    path = StateStore(tmp_path / ".git").file("op")
    save_state(path, Journal("op", str(tmp_path), (Step("upgrade", "upgrade heads", (upgrade,)),)))
    (tmp_path / "slow").touch()

    command = module_command("calver_release.runtime.journal", "run", str(path))
    proc = subprocess.Popen(command, env={**os.environ, **module_env()}, stderr=subprocess.PIPE, text=True)
    while not (tmp_path / "started").exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert load_journal(path).steps[0].status is Status.INTERRUPTED
    assert tables(db) == []

    (tmp_path / "slow").unlink()
    assert run_journal(path, lambda line: None) == 0
    assert tables(db) == ["alembic_version", "t1", "t2"]
