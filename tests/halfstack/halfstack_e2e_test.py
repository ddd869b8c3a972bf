"""The real `./pants halfstack-upgrade` in a copy of the example monorepo.

These machines run no Docker engine, so `docker` is a stand-in script first on PATH: it records
each command line, prints a complete plain dump for `exec ... pg_dump` (or whatever `dump.sql`
holds) and keeps what `exec ... psql` reads. The real dump and restore against PostgreSQL are
tested in tests/halfstack/halfstack_plan_test.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path

import pytest
from conftest import git
from example_repo import SharedExample, interrupt_pants
from fake_docker import DUMP, install_fake_docker

from calver_release.halfstack.compose import HalfstackServices, rewrite_compose

CURRENT = "docker-compose.halfstack.current.yml"
TARGET = "docker-compose.halfstack-2409.yml"
STAGING = ".git/calver-release/halfstack-upgrade"
COMPOSE = f"docker compose -p monorepo -f {CURRENT}"
DB_EXEC = f"{COMPOSE} exec -T backendai-half-db"
PLAN = f"""\
Upgrading the halfstack to `{TARGET}` (PostgreSQL 15 -> 16: dump and restore the database)
note: service `backendai-half-otel-collector` is only in {TARGET}: kept as that file has it
1. Terminate all compute sessions and stop the Backend.AI services (done by you: `--yes`)
2. Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump
   $ {DB_EXEC} pg_dump -U postgres -d backend > volumes/postgres-backup.sql
   $ {{python}} -m calver_release.halfstack.pg_dump_check volumes/postgres-backup.sql
3. Stop and remove the halfstack containers
   $ {COMPOSE} down
4. Move the PostgreSQL data directory `volumes/postgres-data` aside to `volumes/postgres-data.backup`
   $ {{python}} -m calver_release.halfstack.pg_dump_check volumes/postgres-backup.sql
   $ mv volumes/postgres-data volumes/postgres-data.backup
5. Overwrite `{CURRENT}` with `{TARGET}`, keeping your host ports
   $ cp {STAGING}/new.yml {CURRENT}
6. Start the new halfstack
   $ {COMPOSE} up -d
7. Restore `volumes/postgres-backup.sql` into database `backend`
   $ {DB_EXEC} pg_isready -q -h 127.0.0.1 -U postgres -d backend  # until ready, up to a minute
   $ {DB_EXEC} psql -X -q -1 -v ON_ERROR_STOP=1 -U postgres -d backend < volumes/postgres-backup.sql
"""

DOCKER_LOG = f"""\
docker {DB_EXEC[7:]} pg_dump -U postgres -d backend
docker {COMPOSE[7:]} down
docker {COMPOSE[7:]} up -d
docker {DB_EXEC[7:]} pg_isready -q -h 127.0.0.1 -U postgres -d backend
docker {DB_EXEC[7:]} psql -X -q -1 -v ON_ERROR_STOP=1 -U postgres -d backend
"""

FINAL_MESSAGE = f"""\
Halfstack upgraded.
Backup kept: volumes/postgres-backup.sql
Backup kept: volumes/postgres-data.backup
Backup kept: {STAGING}/previous.yml
Once the upgraded halfstack works, remove the backups: rm -rf volumes/postgres-backup.sql volumes/postgres-data.backup {STAGING} (with `sudo` if the container's user owns the files)
"""


@pytest.fixture
def repo(example: SharedExample) -> Path:
    """The example with a data directory, and the current compose file untracked, as in Backend.AI.

    The example's `.gitignore` already names both, as Backend.AI's does: changing it here would
    restart the shared pantsd.
    """
    repo = example.root
    git(repo, "rm", "--quiet", "--cached", CURRENT)
    git(repo, "commit", "--quiet", "-m", "stop tracking the developer's halfstack file")
    (repo / "volumes/postgres-data").mkdir(parents=True)
    (repo / "volumes/postgres-data/PG_VERSION").write_text("15\n")
    return repo


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in `docker`, first on the PATH the nested Pants passes to the steps."""
    directory = install_fake_docker(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{directory}:{os.environ['PATH']}")
    return directory


def expected_compose(repo: Path) -> str:
    current, target = (repo / CURRENT).read_text(), (repo / TARGET).read_text()
    return rewrite_compose(current, target, HalfstackServices(), CURRENT, TARGET)


def plan_python(stdout: str) -> str:
    """The interpreter the plan shows for the dump check: the one running Pants, which really runs it."""
    python = re.search(r"\$ (\S+) -m calver_release\.halfstack\.pg_dump_check", stdout).group(1)
    assert os.access(python, os.X_OK) and Path(python).name.startswith("python"), python
    return python


def test_dry_run_prints_the_commands_and_the_diff(example: SharedExample, repo: Path, bin_dir: Path) -> None:
    rewrite = expected_compose(repo)
    result = example.run("halfstack-upgrade", "--target=2409", "--dry-run").assert_success()
    plan = PLAN.format(python=plan_python(result.stdout))
    assert result.stdout == f"{plan}\n{rewrite.unified_diff((repo / CURRENT).read_text())}"
    assert "-      - \"8101:5432\"  # patched by install-dev.sh\n+      - \"8101:5432\"\n" in result.stdout
    assert not (bin_dir / "docker.log").exists()
    assert not (repo / STAGING).exists()
    assert (repo / "volumes/postgres-data/PG_VERSION").exists()


def test_upgrade_keeps_ports_and_data(example: SharedExample, repo: Path, bin_dir: Path) -> None:
    new_text = expected_compose(repo).text
    result = example.run("halfstack-upgrade", "--target=2409", "--yes").assert_success()
    assert result.stdout == FINAL_MESSAGE
    assert "✓ [7/7] Restore `volumes/postgres-backup.sql` into database `backend` done in" in result.stderr
    assert (bin_dir / "docker.log").read_text() == DOCKER_LOG
    assert (bin_dir / "restored.sql").read_text() == DUMP
    assert (repo / CURRENT).read_text() == new_text
    assert '"8101:5432"' in new_text and '"127.0.0.1:8111:6379"' in new_text and '"8121:2379"' in new_text
    assert (repo / "volumes/postgres-backup.sql").read_text() == DUMP
    assert (repo / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert not (repo / "volumes/postgres-data").exists()
    assert not (repo / ".git/calver-release/halfstack-upgrade.json").exists()
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


def test_empty_dump_stops_before_the_data_directory_and_continue_resumes(example: SharedExample, repo: Path, bin_dir: Path) -> None:
    (bin_dir / "dump.sql").write_text("")
    result = example.run("halfstack-upgrade", "--target=2409", "--yes")
    assert result.exit_code == 1
    assert "volumes/postgres-backup.sql: dump file is empty (got 0 bytes)" in result.stderr
    assert result.error_line == (
        "`Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump`: step 2 failed "
        "(got exit code 1: volumes/postgres-backup.sql: dump file is empty (got 0 bytes); check the `pg_dump` output "
        "and run it again); nothing after it ran: fix the cause, then run `./pants halfstack-upgrade --continue`"
    )
    assert "Traceback" not in result.stderr
    assert (bin_dir / "docker.log").read_text() == DOCKER_LOG.splitlines(keepends=True)[0]
    assert (repo / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"
    assert not (repo / "volumes/postgres-data.backup").exists()

    (bin_dir / "dump.sql").write_text(DUMP)
    resumed = example.run("halfstack-upgrade", "--continue").assert_success()
    assert resumed.stdout == FINAL_MESSAGE
    assert (bin_dir / "docker.log").read_text() == DOCKER_LOG.splitlines(keepends=True)[0] + DOCKER_LOG
    assert (repo / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert (bin_dir / "restored.sql").read_text() == DUMP


def test_ctrl_c_under_pantsd_stops_the_step_and_continue_finishes(example: SharedExample, repo: Path, bin_dir: Path) -> None:
    (bin_dir / "down-slow").touch()
    stopped = interrupt_pants(
        repo, "halfstack-upgrade", "--target=2409", "--yes", started=bin_dir / "down-started", signum=signal.SIGINT, pantsd=True
    )
    assert stopped.exit_code != 0
    assert "Traceback" not in stopped.stderr
    (line,) = [line for line in stopped.messages if line.startswith("✕ ")]
    assert line.startswith(
        "✕ halfstack-upgrade: interrupted by SIGINT: step 3 `Stop and remove the halfstack containers` stopped; done: "
    ), line
    assert line.endswith("`Start the new halfstack`, `Restore `volumes/postgres-backup.sql` into database `backend``; "
        "fix what stopped it, then run `./pants halfstack-upgrade --continue`"), line
    steps = json.loads((repo / f"{STAGING}.json").read_text())["steps"]
    assert [(step["status"], step["error"]) for step in steps][2] == ("interrupted", "SIGINT")
    assert (repo / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"

    (bin_dir / "down-slow").unlink()
    resumed = example.run("halfstack-upgrade", "--continue").assert_success()
    assert "The last run stopped: step 3 `Stop and remove the halfstack containers` was interrupted by SIGINT; resuming" in resumed.messages
    assert resumed.stdout == FINAL_MESSAGE
    assert (bin_dir / "docker.log").read_text() == DOCKER_LOG.replace("down\n", "down\ndocker " + COMPOSE[7:] + " down\n", 1)
    assert (repo / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
