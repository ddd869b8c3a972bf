"""Tests of the halfstack upgrade's steps (`calver_release.halfstack.plan`), run by the journal executor.

The dump, verify and restore steps run against a real PostgreSQL on loopback, reached through
`exec_prefix` in place of `docker compose exec -T <db>`. No Docker engine runs on these machines,
so `docker` itself is a stand-in script that records its arguments and, on `up -d`, recreates the
database empty, as a new PostgreSQL data directory would be.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from textwrap import dedent
from typing import List, Tuple

import pytest
from postgres_fixture import PostgresServer, postgres_server  # noqa: F401 (pytest fixture)

from calver_release.halfstack import pg_dump_check
from calver_release.halfstack.compose import HalfstackServices, rewrite_compose
from calver_release.halfstack.plan import (
    OPERATION,
    WAIT_SCRIPT,
    HalfstackError,
    HalfstackPlan,
    HalfstackSettings,
    check_workspace,
    final_message,
    headline,
    parse_exec_prefix,
    plan_upgrade,
    project_name,
    read_compose_files,
    render_plan,
    target_compose_file,
)
from calver_release.runtime.journal import Command, Journal, Status, Step, load_journal, run_journal, save_state
from calver_release.runtime.plugin_python import module_env

DONE, FAILED, PENDING = Status.DONE, Status.FAILED, Status.PENDING

SAMPLES = Path(__file__).parent / "compose_samples"
CURRENT = "docker-compose.halfstack.current.yml"
TARGET = "docker-compose.halfstack-2403.yml"
SAME_MAJOR = "docker-compose.halfstack-2309.yml"
STAGING = ".git/calver-release/halfstack-upgrade"
COMPOSE = f"docker compose -p repo -f {CURRENT}"
ROWS = "SELECT id, name, created FROM kernels ORDER BY id"


def settings(**changes) -> HalfstackSettings:
    values = dict(project="repo", current_file=CURRENT, target_file=TARGET, services=HalfstackServices())
    return HalfstackSettings(**{**values, **changes})


def make_repo(root: Path, target: str = TARGET) -> Path:
    """A build root with the current and the target compose file and a PostgreSQL data directory."""
    root.mkdir()
    for name in (CURRENT, target):
        (root / name).write_text((SAMPLES / name).read_text())
    (root / "volumes/postgres-data").mkdir(parents=True)
    (root / "volumes/postgres-data/PG_VERSION").write_text("15\n")
    return root


def make_plan(root: Path, halfstack: HalfstackSettings) -> HalfstackPlan:
    current, target = read_compose_files(halfstack, root)
    rewrite = rewrite_compose(current, target, halfstack.services, halfstack.current_file, halfstack.target_file)
    plan = plan_upgrade(halfstack, current, target, rewrite, STAGING)
    (root / STAGING).mkdir(parents=True)
    (root / STAGING / "new.yml").write_text(rewrite.text)
    (root / STAGING / "previous.yml").write_text(current)
    return plan


def test_steps_in_the_process_order() -> None:
    current, target = (SAMPLES / CURRENT).read_text(), (SAMPLES / TARGET).read_text()
    halfstack = settings()
    rewrite = rewrite_compose(current, target, halfstack.services, CURRENT, TARGET)
    plan = plan_upgrade(halfstack, current, target, rewrite, STAGING)
    text = render_plan(plan.journal("", TARGET).plan.steps, headline(halfstack, plan.decision), ())
    db_exec = f"{COMPOSE} exec -T backendai-half-db"
    verify = "python3 -m calver_release.halfstack.pg_dump_check volumes/postgres-backup.sql"
    assert text == dedent(
        f"""\
        Upgrading the halfstack to `{TARGET}` (PostgreSQL 15 -> 16: dump and restore the database)
        1. Terminate all compute sessions and stop the Backend.AI services (done by you: `--yes`)
        2. Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump
           $ {db_exec} pg_dump -U postgres -d backend > volumes/postgres-backup.sql
           $ {verify}
        3. Stop and remove the halfstack containers
           $ {COMPOSE} down
        4. Move the PostgreSQL data directory `volumes/postgres-data` aside to `volumes/postgres-data.backup`
           $ {verify}
           $ mv volumes/postgres-data volumes/postgres-data.backup
        5. Overwrite `{CURRENT}` with `{TARGET}`, keeping your host ports
           $ cp {STAGING}/new.yml {CURRENT}
        6. Start the new halfstack
           $ {COMPOSE} up -d
        7. Restore `volumes/postgres-backup.sql` into database `backend`
           $ {db_exec} pg_isready -q -h 127.0.0.1 -U postgres -d backend  # until ready, up to a minute
           $ {db_exec} psql -X -q -1 -v ON_ERROR_STOP=1 -U postgres -d backend < volumes/postgres-backup.sql"""
    )
    assert [step.name for step in plan.journal("", TARGET).steps] == [step.title for step in plan.journal("", TARGET).plan.steps]
    assert plan.backups == ("volumes/postgres-backup.sql", "volumes/postgres-data.backup", f"{STAGING}/previous.yml")


def test_same_postgres_major_skips_the_database_steps() -> None:
    current, target = (SAMPLES / CURRENT).read_text(), (SAMPLES / SAME_MAJOR).read_text()
    halfstack = settings(target_file=SAME_MAJOR)
    rewrite = rewrite_compose(current, target, halfstack.services, CURRENT, SAME_MAJOR)
    plan = plan_upgrade(halfstack, current, target, rewrite, STAGING)
    assert headline(halfstack, plan.decision) == (
        f"Upgrading the halfstack to `{SAME_MAJOR}` (PostgreSQL 15 in both: no dump, data-directory or restore steps)"
    )
    assert [step.shown for step in plan.steps] == [
        (),
        (f"{COMPOSE} down",),
        (f"cp {STAGING}/new.yml {CURRENT}",),
        (f"{COMPOSE} up -d",),
    ]
    assert final_message(plan.journal("", TARGET).plan) == dedent(
        f"""\
        Halfstack upgraded.
        Backup kept: {STAGING}/previous.yml
        Once the upgraded halfstack works, remove the backups: rm -rf {STAGING} (with `sudo` if the container's user owns the files)"""
    )


def test_exec_prefix_replaces_docker_compose_exec() -> None:
    halfstack = settings(exec_prefix=parse_exec_prefix("env 'PGHOST=db host' PGPORT=8101"))
    assert halfstack.db_exec() == ("env", "PGHOST=db host", "PGPORT=8101")
    assert settings().db_exec() == ("docker", "compose", "-p", "repo", "-f", CURRENT, "exec", "-T", "backendai-half-db")


@pytest.mark.parametrize(
    "directory, project",
    [("backend.ai", "backendai"), ("My_Repo-2", "my_repo-2"), ("_tmp", "tmp")],
)
def test_project_name_as_compose_derives_it(directory: str, project: str) -> None:
    assert project_name(directory) == project


def test_target_compose_file() -> None:
    assert target_compose_file("2409") == "docker-compose.halfstack-2409.yml"


@pytest.mark.parametrize(
    "call, error",
    [
        (
            lambda: target_compose_file("24.09"),
            "`--target`: not a release in `YYMM` form (got `24.09`); write e.g. `2409`",
        ),
        (
            lambda: target_compose_file("latest"),
            "`--target`: not a release in `YYMM` form (got `latest`); write e.g. `2409`",
        ),
        (
            lambda: parse_exec_prefix("env 'PGHOST=x"),
            "`[halfstack].exec_prefix`: not a command line (No closing quotation) (got `env 'PGHOST=x`); balance its quotes",
        ),
    ],
)
def test_bad_settings(call, error: str) -> None:
    with pytest.raises(HalfstackError) as e:
        call()
    assert str(e.value) == error


def test_missing_compose_files(tmp_path: Path) -> None:
    (tmp_path / CURRENT).write_text((SAMPLES / CURRENT).read_text())
    with pytest.raises(HalfstackError) as e:
        read_compose_files(settings(target_file="docker-compose.halfstack-2412.yml"), tmp_path)
    assert str(e.value) == (
        f"`docker-compose.halfstack-2412.yml`: target compose file not found (got no such file in `{tmp_path}`); "
        "check `--target`, or pass `--compose-file=PATH`"
    )
    with pytest.raises(HalfstackError) as e:
        read_compose_files(settings(current_file="mine.yml"), tmp_path)
    assert str(e.value) == (
        f"`mine.yml`: current compose file not found (got no such file in `{tmp_path}`); "
        "set `[halfstack].current_file` to your copy"
    )


def test_check_workspace(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo")
    plan = make_plan(root, settings())
    assert check_workspace(settings(), root, plan.decision, "elsewhere") is None
    with pytest.raises(HalfstackError) as e:
        check_workspace(settings(), root, plan.decision, STAGING)
    assert str(e.value) == (
        f"`{STAGING}`: a backup from an earlier upgrade is in the way (got an existing path); remove or move it"
    )
    (root / "volumes/postgres-data.backup").mkdir()
    with pytest.raises(HalfstackError) as e:
        check_workspace(settings(), root, plan.decision, STAGING)
    assert str(e.value) == (
        "`volumes/postgres-data.backup`: a backup from an earlier upgrade is in the way (got an existing path); "
        "remove or move it, or set `[halfstack].data_dir`"
    )
    with pytest.raises(HalfstackError) as e:
        check_workspace(settings(data_dir="volumes/pg"), root, plan.decision, "elsewhere")
    assert str(e.value) == (
        "`volumes/pg`: no PostgreSQL data directory there (got nothing); "
        "set `[halfstack].data_dir` to where the db service keeps its data"
    )


# -- The steps run by the journal executor, against a real PostgreSQL --------------------------------


def fake_docker(directory: Path, server: PostgresServer) -> Path:
    """A `docker` that records its arguments; `up` recreates the database empty, like a new data directory."""
    connect = f"-h 127.0.0.1 -p {server.port} -U {server.user}"
    script = directory / "docker"
    script.write_text(
        dedent(
            f"""\
            #!/bin/sh
            echo "docker $*" >> {shlex.quote(str(directory / "docker.log"))}
            case " $* " in
              *" up "*)
                {server.tool("dropdb")} {connect} backend && {server.tool("createdb")} {connect} backend ;;
            esac
            """
        )
    )
    script.chmod(0o755)
    return script


def loopback_prefix(server: PostgresServer) -> Tuple[str, ...]:
    """Runs PostgreSQL's client tools against the test server, in place of `docker compose exec -T db`."""
    return ("env", f"PATH={server.bindir}:{os.environ['PATH']}", "PGHOST=127.0.0.1", f"PGPORT={server.port}")


@pytest.fixture
def backend_db(postgres_server: PostgresServer) -> str:  # noqa: F811
    """Database `backend` with rows of several types; returns them as `psql` prints them."""
    postgres_server.psql("postgres", "DROP DATABASE IF EXISTS backend")
    postgres_server.createdb("backend")
    postgres_server.psql(
        "backend",
        "CREATE TABLE kernels (id serial PRIMARY KEY, name text NOT NULL, created timestamptz NOT NULL);"
        "INSERT INTO kernels (name, created) SELECT 'kernel-' || n, "
        "timestamptz '2024-09-01 00:00:00+00' + n * interval '1 minute' FROM generate_series(1, 300) AS n;",
    )
    rows = postgres_server.psql("backend", ROWS)
    assert rows.count("\n") == 300
    return rows


def run_steps(root: Path, plan: HalfstackPlan, monkeypatch: pytest.MonkeyPatch) -> Tuple[int, List[str], Path]:
    """Journal the plan and run it as `python -m calver_release.runtime.journal run` would; (code, reports, journal)."""
    monkeypatch.setenv("PYTHONPATH", module_env()["PYTHONPATH"])
    journal = root / ".git/calver-release" / f"{OPERATION}.json"
    save_state(journal, plan.journal(str(root), TARGET))
    reports: List[str] = []
    return run_journal(journal, reports.append), reports, journal


def resume(journal: Path) -> int:
    return run_journal(journal, lambda line: None)


def test_upgrade_dumps_and_restores_the_data(
    tmp_path: Path, postgres_server: PostgresServer, backend_db: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    root = make_repo(tmp_path / "repo")
    docker = fake_docker(tmp_path, postgres_server)
    halfstack = settings(exec_prefix=loopback_prefix(postgres_server), docker=str(docker), python=(sys.executable,))
    plan = make_plan(root, halfstack)

    code, reports, journal = run_steps(root, plan, monkeypatch)

    assert code == 0, reports
    assert postgres_server.psql("backend", ROWS) == backend_db
    assert postgres_server.psql("backend", "SELECT nextval('kernels_id_seq')") == "301\n"
    assert (tmp_path / "docker.log").read_text() == (
        f"docker compose -p repo -f {CURRENT} down\ndocker compose -p repo -f {CURRENT} up -d\n"
    )
    assert not (root / "volumes/postgres-data").exists()
    assert (root / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert (root / CURRENT).read_text() == (SAMPLES / "docker-compose.halfstack.current-upgraded-2403.yml").read_text()
    assert (root / STAGING / "previous.yml").read_text() == (SAMPLES / CURRENT).read_text()
    assert "-- PostgreSQL database dump complete" in (root / "volumes/postgres-backup.sql").read_text()
    assert not journal.exists()


@pytest.mark.parametrize(
    "pg_dump, dump_exists",
    [
        pytest.param("exit 0", True, id="empty-dump"),
        pytest.param("echo 'CREATE TABLE half'; exit 1", False, id="failed-dump"),
    ],
)
def test_failed_or_empty_dump_keeps_the_data_directory_and_continue_resumes(
    tmp_path: Path,
    postgres_server: PostgresServer,  # noqa: F811
    backend_db: str,
    monkeypatch: pytest.MonkeyPatch,
    pg_dump: str,
    dump_exists: bool,
) -> None:
    root = make_repo(tmp_path / "repo")
    docker = fake_docker(tmp_path, postgres_server)
    broken = tmp_path / "db-exec"
    broken.write_text(f"#!/bin/sh\n{pg_dump}\n")
    broken.chmod(0o755)
    plan = make_plan(root, settings(exec_prefix=(str(broken),), docker=str(docker), python=(sys.executable,)))

    code, reports, journal = run_steps(root, plan, monkeypatch)

    assert code == 1
    assert reports[-1].startswith("✕ [2/7] Dump database `backend` to `volumes/postgres-backup.sql` and verify the dump failed")
    assert [step.status for step in load_journal(journal).steps] == [DONE, FAILED, *[PENDING] * 5]
    assert (root / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"
    assert not (root / "volumes/postgres-data.backup").exists()
    assert (root / "volumes/postgres-backup.sql").exists() == dump_exists
    assert not (tmp_path / "docker.log").exists()
    assert (root / CURRENT).read_text() == (SAMPLES / CURRENT).read_text()

    # The developer fixes the cause (here: the command behind the prefix), then `--continue`.
    broken.write_text(f"#!/bin/sh\nexec {shlex.join(loopback_prefix(postgres_server))} \"$@\"\n")
    assert resume(journal) == 0
    assert postgres_server.psql("backend", ROWS) == backend_db
    assert (root / "volumes/postgres-data.backup/PG_VERSION").read_text() == "15\n"
    assert not journal.exists()


def test_data_directory_stays_when_the_dump_vanishes_before_the_move(
    tmp_path: Path, postgres_server: PostgresServer, backend_db: str, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    root = make_repo(tmp_path / "repo")
    docker = tmp_path / "docker"
    # `down` fails the first time; meanwhile the dump is truncated.
    docker.write_text("#!/bin/sh\necho \"docker $*\" >> \"$(dirname \"$0\")/docker.log\"\nexit 3\n")
    docker.chmod(0o755)
    halfstack = settings(exec_prefix=loopback_prefix(postgres_server), docker=str(docker), python=(sys.executable,))
    plan = make_plan(root, halfstack)

    code, reports, journal = run_steps(root, plan, monkeypatch)

    assert code == 3
    assert reports[-1].startswith("✕ [3/7] Stop and remove the halfstack containers failed (exit code 3)")
    dump = root / "volumes/postgres-backup.sql"
    dump.write_text(dump.read_text()[:-200])
    fake_docker(tmp_path, postgres_server)
    assert resume(journal) == 1
    assert [step.status for step in load_journal(journal).steps] == [DONE, DONE, DONE, FAILED, PENDING, PENDING, PENDING]
    assert (root / "volumes/postgres-data/PG_VERSION").read_text() == "15\n"
    assert not (root / "volumes/postgres-data.backup").exists()


def test_verify_command_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    dump = tmp_path / "backup.sql"
    dump.write_text("")
    assert pg_dump_check.main([str(dump)]) == 1
    assert capsys.readouterr() == (
        "",
        f"{dump}: dump file is empty (got 0 bytes); check the `pg_dump` output and run it again\n",
    )
    dump.write_text("CREATE TABLE t (id int);\n--\n-- PostgreSQL database dump complete\n--\n")
    assert pg_dump_check.main([str(dump)]) == 0
    assert capsys.readouterr() == ("", f"{dump}: complete plain dump (68 bytes)\n")
    assert pg_dump_check.main([]) == 2


@pytest.mark.parametrize(
    "exit_code, why",
    [
        pytest.param(1, "it rejects connections (still starting up?)", id="rejecting"),
        pytest.param(2, "no response (is the container running? see `docker compose logs`)", id="no-response"),
        pytest.param(3, "pg_isready could not try (bad connection parameters)", id="no-attempt"),
        pytest.param(127, "`pg_isready` exited with 127 (is it installed in the container?)", id="not-installed"),
    ],
)
def test_waiting_for_postgresql_says_why_it_gave_up(tmp_path: Path, exit_code: int, why: str) -> None:
    """The restore step's wait, run as the executor runs it: its reason becomes the step's error."""
    wait = Command(("sh", "-c", WAIT_SCRIPT, "halfstack-wait", "2", "sh", "-c", f"exit {exit_code}"))
    journal = tmp_path / "wait.json"
    save_state(journal, Journal("halfstack-upgrade", str(tmp_path), (Step("restore", "restore", (wait,)),)))
    assert run_journal(journal, lambda line: None) == 1
    (step,) = load_journal(journal).steps
    assert (step.status, step.error) == (
        Status.FAILED,
        f"exit code 1: PostgreSQL is not ready after 2 attempts a second apart: {why}",
    )
