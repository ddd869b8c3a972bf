"""Failed topic-switch steps against real alembic, SQLite and PostgreSQL: the state printed is the real one.

Each test stops a switch at a step, then compares the line the goal prints (`describe_stop`,
`describe_failed_abort`) with what the database, the branch and the journal really hold, and
finishes with `--continue` or `--abort` as the executor runs them. The switch stopped by a failing
upgrade runs once; each case that starts from it gets a fresh copy, in place, since the journal
names its paths.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import List, NamedTuple, Tuple

import psycopg2  # noqa: F401  (alembic's PostgreSQL driver, run in a subprocess)
import pytest
from alembic_repos import alembic, alembic_wrapper, commit, git, make_repo, revision_file, sqlite_current
from postgres_fixture import PostgresServer, postgres_server  # noqa: F401 (fixture)

from calver_release.runtime.git import GitRepo
from calver_release.runtime.journal import StateStore, Status, abort_journal, load_journal, run_journal, save_state
from calver_release.topic_switch.backup import BackupError, check_backup_files
from calver_release.topic_switch.plan import ExportMode, SwitchSettings, build_plan
from calver_release.topic_switch.report import JournaledSwitch
from calver_release.topic_switch.state import describe_failed_abort, describe_stop

DONE, FAILED, PENDING = Status.DONE, Status.FAILED, Status.PENDING
BASE = [("r1", None, None, None), ("r2", "r1", None, None)]
GUARD = "import os\n    if not os.path.exists({marker!r}):\n        raise RuntimeError({message!r})\n    "
"""Makes a migration raise until a marker file exists: the fault a developer then fixes."""


def guarded(spec: tuple, marker: Path, message: str, where: str = "upgrade") -> str:
    """A revision file whose `upgrade` (or `downgrade`) raises `message` while `marker` does not exist."""
    text = revision_file(spec)
    guard = GUARD.format(marker=str(marker), message=message)
    return text.replace(f"def {where}():\n    ", f"def {where}():\n    {guard}")


def settings(repo: Path, tmp_path: Path, url: str, **changes) -> SwitchSettings:
    command, _log = alembic_wrapper(tmp_path)
    base = SwitchSettings(
        repo=GitRepo(repo),
        target="topic-b",
        alembic_command=(command,),
        db_urls={"alembic.ini": url},
        pants_command=("false",),
        export=ExportMode.NONE,
    )
    return replace(base, **changes)


def start(s: SwitchSettings) -> Tuple[int, Path]:
    """Plan, journal and run the switch as the goal does: the executor's exit code and the journal."""
    plan = build_plan(s, dict(os.environ))
    path = StateStore(s.build_root / ".git").file("topic-switch")
    save_state(path, plan.journal(s))
    return run_journal(path, lambda line: None), path


def journal(path: Path):
    return load_journal(path, JournaledSwitch)


def stop_line(path: Path) -> str:
    return describe_stop(journal(path), dict(os.environ), "pants")


def statuses(path: Path) -> List[Status]:
    return [step.status for step in journal(path).steps]


@pytest.fixture(scope="module")
def database_at_a1(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database `alembic upgrade heads` brought to r1, r2 and a1, made once and copied by the
    cases that start there (a1's failing `downgrade` does not change what its `upgrade` creates)."""
    root = tmp_path_factory.mktemp("at-a1")
    repo = make_repo(root, BASE, {"topic-a": [("a1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    alembic(repo, "alembic.ini", f"sqlite:///{root / 'main.sqlite'}", "upgrade", "heads")
    return root / "main.sqlite"


class Stopped(NamedTuple):
    """A switch the executor stopped: the `tmp_path` it ran in, its repository, journal and exit code."""

    root: Path
    repo: Path
    journal: Path
    code: int


@pytest.fixture(scope="module")
def upgrade_failed_once(tmp_path_factory: pytest.TempPathFactory, database_at_a1: Path) -> Tuple[Stopped, Path]:
    """From `topic-a` at a1 to `topic-b`, which adds b1, then b2 whose upgrade raises until `fixed`
    exists: the stopped switch, and a copy of its directory as it stopped."""
    root = tmp_path_factory.mktemp("upgrade-fails")
    repo = make_repo(root, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-b")
    commit(repo, {"migrations/versions/b2.py": guarded(("b2", "b1", None, None), root / "fixed", "b2 is broken")}, "b2")
    git(repo, "switch", "-q", "topic-a")
    shutil.copy(database_at_a1, root / "main.sqlite")
    code, path = start(settings(repo, root, f"sqlite:///{root / 'main.sqlite'}"))
    snapshot = tmp_path_factory.mktemp("upgrade-failed")
    shutil.copytree(root, snapshot, symlinks=True, dirs_exist_ok=True)
    return Stopped(root, repo, path, code), snapshot


@pytest.fixture
def upgrade_failed(upgrade_failed_once: Tuple[Stopped, Path]) -> Stopped:
    """The switch stopped by b2's upgrade (b1 applied, on `topic-b`), restored where it ran."""
    stopped, snapshot = upgrade_failed_once
    shutil.rmtree(stopped.root)
    shutil.copytree(snapshot, stopped.root, symlinks=True)
    return stopped


def test_a_failed_upgrade_reports_the_revision_the_database_is_at(upgrade_failed: Stopped) -> None:
    code, path = upgrade_failed.code, upgrade_failed.journal
    assert code == 1
    assert statuses(path) == [DONE, DONE, FAILED]
    # b1 was applied before b2 raised: the plan would have said r2 ("downgraded") or b2 ("upgraded").
    assert sqlite_current(upgrade_failed.root / "main.sqlite") == ("b1",)
    assert stop_line(path) == (
        "topic-switch: step `upgrade` (upgrade heads alembic.ini: 2 to apply) failed (exit code 1: RuntimeError: "
        "b2 is broken); done: `downgrade`, `switch`; the checkout is on `topic-b`; alembic.ini at b1; fix the cause "
        "and run `pants topic-switch --continue`, or `pants topic-switch --abort` to go back to `topic-a`"
    )


def test_a_failed_upgrade_then_continue(upgrade_failed: Stopped) -> None:
    root, repo, path, code = upgrade_failed
    assert code == 1
    (root / "fixed").touch()
    assert run_journal(path, lambda line: None) == 0
    assert (git(repo, "branch", "--show-current"), sqlite_current(root / "main.sqlite")) == ("topic-b", ("b2",))
    assert not path.exists()


def test_a_failed_upgrade_then_abort(upgrade_failed: Stopped) -> None:
    root, repo, path, code = upgrade_failed
    assert code == 1
    lines: List[str] = []
    assert abort_journal(path, lines.append) == 0, lines
    assert (git(repo, "branch", "--show-current"), sqlite_current(root / "main.sqlite")) == ("topic-a", ("a1",))
    assert not path.exists()


def test_a_failed_abort_reports_what_is_left_to_undo(tmp_path: Path, database_at_a1: Path) -> None:
    """b1 applies, b2 fails; undoing b1 then fails too (its downgrade raises): the abort stops on `topic-b` at b1."""
    repo = make_repo(tmp_path, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": []})
    git(repo, "switch", "-q", "topic-b")
    broken_down = guarded(("b1", "r2", None, None), tmp_path / "down-fixed", "b1 cannot be undone", "downgrade")
    commit(repo, {"migrations/versions/b1.py": broken_down}, "b1")
    commit(repo, {"migrations/versions/b2.py": guarded(("b2", "b1", None, None), tmp_path / "fixed", "b2 is broken")}, "b2")
    git(repo, "switch", "-q", "topic-a")
    shutil.copy(database_at_a1, tmp_path / "main.sqlite")
    code, path = start(settings(repo, tmp_path, f"sqlite:///{tmp_path / 'main.sqlite'}"))
    assert code == 1
    assert abort_journal(path, lambda line: None) == 1
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-b", ("b1",))
    assert statuses(path) == [DONE, DONE, FAILED]
    assert describe_failed_abort(journal(path), dict(os.environ), "pants") == (
        "topic-switch: undoing step `upgrade` failed (undo: exit code 1: RuntimeError: b1 cannot be undone); still to "
        "undo: `downgrade`, `switch`, `upgrade`; the checkout is on `topic-b`; alembic.ini at b1; fix the cause and "
        "run `pants topic-switch --abort` again"
    )
    (tmp_path / "down-fixed").touch()
    assert abort_journal(path, lambda line: None) == 0
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-a", ("a1",))


def test_a_failed_downgrade_reports_the_branch_it_stayed_on(tmp_path: Path, database_at_a1: Path) -> None:
    repo = make_repo(tmp_path, BASE, {"topic-a": [], "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    commit(repo, {"migrations/versions/a1.py": guarded(("a1", "r2", None, None), tmp_path / "fixed", "a1 is stuck", "downgrade")}, "a1")
    shutil.copy(database_at_a1, tmp_path / "main.sqlite")
    code, path = start(settings(repo, tmp_path, f"sqlite:///{tmp_path / 'main.sqlite'}"))
    assert code == 1
    assert sqlite_current(tmp_path / "main.sqlite") == ("a1",)
    assert stop_line(path) == (
        "topic-switch: step `downgrade` (downgrade alembic.ini: N=1 (a1)) failed (exit code 1: RuntimeError: a1 is "
        "stuck); done: none; the checkout is on `topic-a`; alembic.ini at a1; fix the cause and run "
        "`pants topic-switch --continue`, or `pants topic-switch --abort` to go back to `topic-a`"
    )


def test_an_unreadable_database_is_reported_as_unknown(upgrade_failed: Stopped) -> None:
    root, _repo, path, code = upgrade_failed
    assert code == 1
    (root / "main.sqlite").unlink()
    (root / "main.sqlite").mkdir()  # SQLite cannot open a directory
    assert stop_line(path).split("; ")[3] == (
        "alembic.ini unknown (`alembic current`: sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) "
        "unable to open database file)"
    )


def test_a_revision_the_checked_out_code_lacks_is_reported_as_such(upgrade_failed: Stopped) -> None:
    root, _repo, path, code = upgrade_failed
    assert code == 1
    with sqlite3.connect(root / "main.sqlite") as db:
        db.execute("UPDATE alembic_version SET version_num = 'zz9'")
    assert stop_line(path).split("; ")[3] == "alembic.ini at zz9 (a revision the checked-out code does not have)"


VERSIONS = "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"
"""What `alembic current` reports, read with `psql`."""


@pytest.mark.parametrize("then", ["continue", "abort"])
def test_a_failed_backup_step(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, then: str  # noqa: F811
) -> None:
    """`pg_dump` is not on the PATH: the backup step fails with the reason, before anything changed."""
    postgres_server.createdb(f"backup_{then}")
    url = f"postgresql+psycopg2://postgres@/backup_{then}?host={postgres_server.socket_dir}&port={postgres_server.port}"
    repo = make_repo(tmp_path, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    alembic(repo, "alembic.ini", url, "upgrade", "heads")
    no_pg_dump = tmp_path / "bin"
    no_pg_dump.mkdir()
    for tool in ("git", "sh"):
        (no_pg_dump / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(no_pg_dump))
    backup = tmp_path / "before.sql"
    code, path = start(settings(repo, tmp_path, url, backup_db=str(backup)))
    assert code == 127
    assert statuses(path) == [FAILED, PENDING, PENDING, PENDING]
    assert stop_line(path) == (
        f"topic-switch: step `backup` (back up the database to {backup}) failed (cannot start `pg_dump`: No such file "
        "or directory); done: none; the checkout is on `topic-a`; alembic.ini at a1; fix the cause and run "
        "`pants topic-switch --continue`, or `pants topic-switch --abort` to go back to `topic-a`"
    )
    assert not backup.exists()
    if then == "continue":
        monkeypatch.setenv("PATH", f"{postgres_server.bindir}{os.pathsep}{no_pg_dump}")
        assert run_journal(path, lambda line: None) == 0
        assert (git(repo, "branch", "--show-current"), postgres_server.psql(f"backup_{then}", VERSIONS)) == ("topic-b", "b1\n")
        assert "CREATE TABLE public.t_a1" in backup.read_text()
    else:
        assert abort_journal(path, lambda line: None) == 0
        assert (git(repo, "branch", "--show-current"), postgres_server.psql(f"backup_{then}", VERSIONS)) == ("topic-a", "a1\n")
    assert not path.exists()


def test_a_second_backup_file_in_the_way_is_refused(tmp_path: Path) -> None:
    """Two databases back up to `FILE` and `FILE.2`: neither may exist."""
    repo = make_repo(tmp_path, BASE, {})
    (tmp_path / "out").mkdir()
    (tmp_path / "out/b.sql.2").write_text("an older backup\n")
    with pytest.raises(BackupError) as error:
        check_backup_files(GitRepo(repo), str(tmp_path / "out/b.sql"), ["sqlite:///a.db", "sqlite:///b.db"])
    assert str(error.value) == (
        f"`--backup-db`: the file exists and a backup never overwrites one (got `{tmp_path}/out/b.sql.2`); "
        "name a new file, or move that one away"
    )
    assert (tmp_path / "out/b.sql.2").read_text() == "an older backup\n"
