"""The topic-switch plan and its journal run against real git repositories, alembic, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import List, Optional, Tuple

import psycopg2  # noqa: F401  (alembic's PostgreSQL driver, run in a subprocess)
import pytest
from postgres_fixture import PostgresServer, postgres_server  # noqa: F401 (fixture)
from alembic_repos import (
    alembic,
    alembic_wrapper,
    commit,
    environment,
    git,
    make_repo,
    revision_file,
    revisions,
    sqlite_current,
    sqlite_tables,
)

from calver_release.runtime.git import GitRepo
from calver_release.runtime.journal import StateStore, Status, abort_journal, load_journal, run_journal, save_state
from calver_release.runtime.schema import to_json
from calver_release.topic_switch.plan import ExportMode, SwitchPlan, SwitchSettings, TopicSwitchError, build_plan, release_advice
from calver_release.topic_switch.report import render_text

DONE, FAILED, PENDING = Status.DONE, Status.FAILED, Status.PENDING

BASE = [("r1", None, None, None), ("r2", "r1", None, None)]


def settings(repo: Path, target: str, tmp_path: Path, **changes) -> SwitchSettings:
    command, _log = alembic_wrapper(tmp_path)
    url = f"sqlite:///{tmp_path / 'main.sqlite'}"
    base = SwitchSettings(
        repo=GitRepo(repo),
        target=target,
        alembic_command=(command,),
        db_urls={"alembic.ini": url},
        pants_command=("false",),
        export=ExportMode.NONE,
    )
    return replace(base, **changes)


def switch(s: SwitchSettings, plan: Optional[SwitchPlan] = None) -> Tuple[int, List[str]]:
    """Journal and run `plan` (a new one by default) as the goal does; the executor's exit code and its report lines."""
    plan = plan or build_plan(s, dict(os.environ))
    path = journal_path(s.build_root)
    save_state(path, plan.journal(s))
    lines: List[str] = []
    return run_journal(path, lines.append), lines


def journal_path(repo: Path) -> Path:
    return StateStore(repo / ".git").file("topic-switch")


def journal_of(repo: Path):
    return load_journal(journal_path(repo))


def report_of(plan: SwitchPlan) -> dict:
    """The plan as `--dry-run --format=json` prints it."""
    return to_json(plan.report())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`repo` on `topic-a` with its database (`main.sqlite`) migrated, built once and copied per case."""
    root = tmp_path_factory.mktemp("template")
    repo = make_repo(root, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    alembic(repo, "alembic.ini", f"sqlite:///{root / 'main.sqlite'}", "upgrade", "heads")
    return root


def migrated_copy(template: Path, tmp_path: Path) -> str:
    """The template's database (r1, r2 and a1, as `alembic upgrade heads` on `topic-a` left it) copied
    to `tmp_path/main.sqlite`, in place of migrating one; its URL."""
    shutil.copy(template / "main.sqlite", tmp_path / "main.sqlite")
    return f"sqlite:///{tmp_path / 'main.sqlite'}"


def calls(tmp_path: Path) -> List[str]:
    return (tmp_path / "alembic-calls.log").read_text().splitlines()


def test_round_trip_keeps_rows_of_untouched_tables(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        BASE,
        {"topic-a": [("a1", "r2", None, None), ("a2", "a1", None, None)], "topic-b": [("b1", "r2", None, None)]},
    )
    git(repo, "switch", "-q", "topic-a")
    url = f"sqlite:///{tmp_path / 'main.sqlite'}"
    alembic(repo, "alembic.ini", url, "upgrade", "heads")
    with sqlite3.connect(tmp_path / "main.sqlite") as db:
        db.execute("INSERT INTO t_r1 (id) VALUES (42)")

    plan = build_plan(settings(repo, "topic-b", tmp_path), dict(os.environ))
    assert report_of(plan)["environments"] == {
        "alembic.ini": {
            "applied": ["a2"],
            "database_assumed_at_heads": False,
            "downgrade": ["a2", "a1"],
            "n": 2,
            "downgrade_commands": [["downgrade", "a1@r2"]],
            "kept_heads": ["r2"],
            "upgrade": ["b1"],
            "heads_after": ["b1"],
        }
    }
    code, lines = switch(settings(repo, "topic-b", tmp_path), plan)
    assert code == 0, lines
    assert git(repo, "branch", "--show-current") == "topic-b"
    assert sqlite_current(tmp_path / "main.sqlite") == ("b1",)
    assert sqlite_tables(tmp_path / "main.sqlite") == ("alembic_version", "t_b1", "t_r1", "t_r2")

    code, lines = switch(settings(repo, "topic-a", tmp_path))
    assert code == 0, lines
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert sqlite_current(tmp_path / "main.sqlite") == ("a2",)
    assert sqlite_tables(tmp_path / "main.sqlite") == ("alembic_version", "t_a1", "t_a2", "t_r1", "t_r2")
    with sqlite3.connect(tmp_path / "main.sqlite") as db:
        assert db.execute("SELECT id FROM t_r1").fetchall() == [(42,)]
    assert calls(tmp_path) == [
        f"-c alembic.ini -x db={url} {args}"
        for args in ["current", "downgrade a1@r2", "upgrade heads", "current", "downgrade b1@r2", "upgrade heads"]
    ]
    assert journal_of(repo) is None



@pytest.mark.parametrize(
    "topic_a, commands, tables_after",
    [
        pytest.param(
            [("x1", "r1", None, None), ("m1", ("r2", "x1"), None, None)],
            [["downgrade", "x1@r1"]],
            ("t_b1", "t_r1", "t_r2"),
            id="merge-revision",
        ),
        pytest.param(
            [("h1", "r2", None, None), ("h2", "r2", None, None)],
            [["downgrade", "h1@r2"], ["downgrade", "h2@r2"]],
            ("t_b1", "t_r1", "t_r2"),
            id="two-heads",
        ),
        pytest.param(
            [("l1", None, ("extra",), "r2"), ("l2", "l1", None, None)],
            [["downgrade", "l1@base"]],
            ("t_b1", "t_r1", "t_r2"),
            id="depends-on-and-branch-label",
        ),
    ],
)
def test_switch_with_merges_heads_and_dependencies(tmp_path: Path, topic_a, commands, tables_after) -> None:
    repo = make_repo(tmp_path, BASE, {"topic-a": topic_a, "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    url = f"sqlite:///{tmp_path / 'main.sqlite'}"
    alembic(repo, "alembic.ini", url, "upgrade", "heads")
    s = settings(repo, "topic-b", tmp_path)
    plan = build_plan(s, dict(os.environ))
    assert report_of(plan)["environments"]["alembic.ini"]["downgrade_commands"] == commands
    code, lines = switch(s, plan)
    assert code == 0, lines
    assert sqlite_current(tmp_path / "main.sqlite") == ("b1",)
    assert sqlite_tables(tmp_path / "main.sqlite") == ("alembic_version", *tables_after)


def test_two_environments_in_one_repository(template: Path, tmp_path: Path) -> None:
    proxy = {**environment("proxy/alembic.ini"), **revisions([("p1", None, None, None)], "proxy/migrations/versions")}
    repo = make_repo(
        tmp_path,
        BASE,
        {"topic-a": [("a1", "r2", None, None)], "topic-b": []},
        extra={"main": proxy, "topic-a": revisions([("p2", "p1", None, None)], "proxy/migrations/versions")},
    )
    git(repo, "switch", "-q", "topic-a")
    urls = {"alembic.ini": migrated_copy(template, tmp_path), "proxy/alembic.ini": f"sqlite:///{tmp_path / 'proxy.sqlite'}"}
    alembic(repo, "proxy/alembic.ini", urls["proxy/alembic.ini"], "upgrade", "heads")
    s = settings(repo, "topic-b", tmp_path, inis=tuple(urls), db_urls=urls)
    code, lines = switch(s)
    assert code == 0, lines
    assert lines[0] == "[1/2] downgrade alembic.ini: N=1 (a1); proxy/alembic.ini: N=1 (p2) ..."
    assert (sqlite_current(tmp_path / "main.sqlite"), sqlite_current(tmp_path / "proxy.sqlite")) == (
        ("r2",),
        ("p1",),
    )
    assert sqlite_tables(tmp_path / "proxy.sqlite") == ("alembic_version", "t_p1")


def test_failing_downgrade_stops_before_the_switch_and_abort_restores(template: Path, tmp_path: Path) -> None:
    repo = make_repo(tmp_path, BASE, {"topic-a": [], "topic-b": [("b1", "r2", None, None)]})
    git(repo, "switch", "-q", "topic-a")
    commit(repo, {"migrations/versions/a1.py": revision_file(("a1", "r2", None, None), 'raise RuntimeError("boom")')}, "a1")
    migrated_copy(template, tmp_path)  # a1's upgrade is the template's
    backup = tmp_path / "backup.sqlite"
    code, lines = switch(settings(repo, "topic-b", tmp_path, backup_db=str(backup)))
    assert code == 1
    assert lines[-1].startswith("✕ [2/4] downgrade alembic.ini: N=1 (a1) failed (exit code 1: RuntimeError: boom) after ")
    assert [step.status for step in journal_of(repo).steps] == [DONE, FAILED, PENDING, PENDING]
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert sqlite_tables(backup) == ("alembic_version", "t_a1", "t_r1", "t_r2")

    lines = []
    assert abort_journal(journal_path(repo), lines.append) == 0
    assert sqlite_current(tmp_path / "main.sqlite") == ("a1",)
    assert journal_of(repo) is None


def test_failing_git_switch_stops_with_the_database_downgraded_and_abort_restores(template: Path, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": []}, extra={"topic-b": {"notes.txt": "b\n"}}
    )
    git(repo, "switch", "-q", "topic-a")
    migrated_copy(template, tmp_path)
    s = settings(repo, "topic-b", tmp_path)
    plan = build_plan(s, dict(os.environ))
    path = journal_path(repo)
    save_state(path, plan.journal(s))
    (repo / "notes.txt").write_text("appeared after planning\n")  # `git switch` now refuses
    lines: List[str] = []
    assert run_journal(path, lines.append) == 1
    assert [step.status for step in journal_of(repo).steps] == [DONE, FAILED]
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-a", ("r2",))

    assert abort_journal(path, lines.append) == 0
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-a", ("a1",))


PANTS_TOML = '[python.resolves]\npython-default = "python.lock"\nmypy = "mypy.lock"\n'


@pytest.mark.parametrize("then", ["continue", "abort"])
def test_failing_export_after_the_switch(template: Path, tmp_path: Path, then: str) -> None:
    repo = make_repo(
        tmp_path,
        BASE,
        {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None)]},
        extra={"main": {"pants.toml": PANTS_TOML, "python.lock": "1\n", "mypy.lock": "1\n"}, "topic-b": {"python.lock": "2\n"}},
    )
    git(repo, "switch", "-q", "topic-a")
    url = migrated_copy(template, tmp_path)
    (repo / "dist/export/python/virtualenvs/python-default").mkdir(parents=True)
    (repo / "dist/export/python/virtualenvs/mypy").mkdir(parents=True)
    pants = tmp_path / "pants"
    pants.write_text(f'#!/bin/sh\n[ -e "{tmp_path}/fixed" ] || exit 3\necho "$*" >> "{tmp_path}/exports.log"\n')
    pants.chmod(0o755)
    s = settings(repo, "topic-b", tmp_path, export=ExportMode.CHANGED, pants_command=(str(pants),))
    plan = build_plan(s, dict(os.environ))
    assert report_of(plan)["skip_export"] == ["mypy"]
    code, lines = switch(s, plan)
    assert code == 3
    assert [step.name for step in journal_of(repo).steps] == ["downgrade", "switch", "export", "upgrade"]
    assert [step.status for step in journal_of(repo).steps] == [DONE, DONE, FAILED, PENDING]
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-b", ("r2",))

    path = journal_path(repo)
    if then == "continue":
        (tmp_path / "fixed").touch()
        assert run_journal(path, lines.append) == 0
        assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-b", ("b1",))
        assert (tmp_path / "exports.log").read_text() == "export --resolve=python-default\n"
    else:
        assert abort_journal(path, lines.append) == 0
        assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-a", ("a1",))
    ops = [line.split(f"{url} ", 1)[1] for line in calls(tmp_path)]
    assert ops == ["current", "downgrade a1@r2", "upgrade heads" if then == "continue" else "upgrade a1"]


def test_abort_after_the_upgrade_undoes_the_target_revisions(template: Path, tmp_path: Path) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    repo = tmp_path / "repo"
    s = settings(repo, "topic-b", tmp_path)
    plan = build_plan(s, dict(os.environ))
    journal = plan.journal(s)
    path = journal_path(repo)
    # Everything ran, but the process died before the journal was closed.
    save_state(path, replace(journal, steps=tuple(replace(step, status=DONE) for step in journal.steps)))
    for command in [c for step in journal.steps for c in step.commands]:
        assert subprocess.run(command.argv, cwd=repo, env={**os.environ, **command.env}, timeout=120).returncode == 0
    assert sqlite_current(tmp_path / "main.sqlite") == ("b1",)
    lines: List[str] = []
    assert abort_journal(path, lines.append) == 0
    assert lines == [
        "Undoing: upgrade heads alembic.ini: 1 to apply ...",
        "✓ Undone: upgrade heads alembic.ini: 1 to apply",
        "Undoing: git switch topic-b ...",
        "✓ Undone: git switch topic-b",
        "Undoing: downgrade alembic.ini: N=1 (a1) ...",
        "✓ Undone: downgrade alembic.ini: N=1 (a1)",
    ]
    assert (git(repo, "branch", "--show-current"), sqlite_current(tmp_path / "main.sqlite")) == ("topic-a", ("a1",))
    assert sqlite_tables(tmp_path / "main.sqlite") == ("alembic_version", "t_a1", "t_r1", "t_r2")


def test_autostash_stashes_and_abort_pops(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, BASE, {"topic-a": [], "topic-b": []}, extra={"topic-a": {"app.py": "a\n"}})
    git(repo, "switch", "-q", "topic-a")
    (repo / "app.py").write_text("edited\n")
    s = settings(repo, "topic-b", tmp_path, autostash=True)
    code, lines = switch(s)
    assert code == 0, lines
    assert (git(repo, "branch", "--show-current"), git(repo, "stash", "list")) == (
        "topic-b",
        "stash@{0}: On topic-a: topic-switch: left on topic-a",
    )


def test_abort_pops_the_autostash(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, BASE, {"topic-a": [], "topic-b": []}, extra={"topic-a": {"app.py": "a\n"}})
    git(repo, "switch", "-q", "topic-b")
    commit(repo, {"migrations/versions/b1.py": revision_file(("b1", "r2", None, None)).replace("op.create_table", "raise RuntimeError; op.create_table")}, "b1")
    git(repo, "switch", "-q", "topic-a")
    url = f"sqlite:///{tmp_path / 'main.sqlite'}"
    alembic(repo, "alembic.ini", url, "upgrade", "heads")
    (repo / "app.py").write_text("edited\n")
    code, lines = switch(settings(repo, "topic-b", tmp_path, autostash=True))
    assert code == 1 and lines[-1].startswith("✕ [2/2] upgrade heads alembic.ini: 1 to apply failed"), lines
    assert [step.status for step in journal_of(repo).steps] == [DONE, FAILED]
    assert abort_journal(journal_path(repo), lines.append) == 0
    assert (git(repo, "branch", "--show-current"), git(repo, "stash", "list")) == ("topic-a", "")
    assert (repo / "app.py").read_text() == "edited\n"
    assert sqlite_current(tmp_path / "main.sqlite") == ("r2",)


VERSIONS = "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM alembic_version"
"""What `alembic current` reports, read with `psql`."""


def test_postgresql_round_trip_with_backup(tmp_path: Path, postgres_server: PostgresServer, monkeypatch) -> None:
    monkeypatch.setenv("PATH", f"{postgres_server.bindir}{os.pathsep}{os.environ['PATH']}")
    postgres_server.createdb("switch")
    url = f"postgresql+psycopg2://postgres@/switch?host={postgres_server.socket_dir}&port={postgres_server.port}"
    repo = make_repo(
        tmp_path, BASE, {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None), ("b2", "b1", None, None)]}
    )
    git(repo, "switch", "-q", "topic-a")
    alembic(repo, "alembic.ini", url, "upgrade", "heads")
    postgres_server.psql("switch", "INSERT INTO t_r2 (id) VALUES (7)")
    s = settings(repo, "topic-b", tmp_path, db_urls={"alembic.ini": url}, backup_db=str(tmp_path / "before.sql"))
    assert switch(s)[0] == 0
    assert postgres_server.psql("switch", VERSIONS) == "b2\n"
    tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"
    assert postgres_server.psql("switch", tables) == "alembic_version,t_b1,t_b2,t_r1,t_r2\n"
    assert "CREATE TABLE public.t_a1" in (tmp_path / "before.sql").read_text()

    assert switch(replace(s, target="topic-a", backup_db=None))[0] == 0
    assert postgres_server.psql("switch", VERSIONS) == "a1\n"
    assert postgres_server.psql("switch", tables) == "alembic_version,t_a1,t_r1,t_r2\n"
    assert postgres_server.psql("switch", "SELECT id FROM t_r2") == "7\n"


def test_dry_run_without_a_database_assumes_the_heads(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        BASE,
        {"topic-a": [("a1", "r2", None, None)], "topic-b": [("b1", "r2", None, None)]},
        extra={
            "main": {"configs/manager/sample.toml": "[db]\nport = 8100\n"},
            "topic-b": {"configs/manager/sample.toml": "[db]\nport = 8101\npool = 8\n"},
        },
    )
    git(repo, "switch", "-q", "topic-a")
    (tmp_path / "x.sqlite").mkdir()  # a database SQLite cannot open
    s = settings(repo, "topic-b", tmp_path, dry_run=True, db_urls={"alembic.ini": f"sqlite:///{tmp_path}/x.sqlite"})
    report = build_plan(s, dict(os.environ)).report()
    command = f"{s.alembic_command[0]} -c alembic.ini -x db=sqlite:///{tmp_path}/x.sqlite"
    assert render_text(report) == [
        "Plan: switch `topic-a` -> `topic-b` (dry run: nothing was changed)",
        "alembic.ini: database at a1 (database unreachable: assumed at the current commit's heads)",
        "  downgrade N=1: a1; then upgrade heads applies b1",
        "export: none; skip (lockfile unchanged): none",
        "steps:",
        "  1. downgrade alembic.ini: N=1 (a1)",
        f"     $ PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=src {command} downgrade a1@r2",
        "  2. git switch topic-b",
        "     $ git switch topic-b",
        "  3. upgrade heads alembic.ini: 1 to apply",
        f"     $ PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=src {command} upgrade heads",
        "configuration changes (update your local configs):",
        "  configs/manager/sample.toml: added `db.pool` = 8",
        "  configs/manager/sample.toml: changed `db.port` from 8100 to 8101",
    ]
    assert to_json(report)["config_changes"][0] == {
        "path": "configs/manager/sample.toml",
        "key": "db.pool",
        "change": "added",
        "old": None,
        "new": 8,
        "text": "configs/manager/sample.toml: added `db.pool` = 8",
    }
    with pytest.raises(TopicSwitchError) as error:
        build_plan(replace(s, dry_run=False), dict(os.environ))
    assert str(error.value).startswith("alembic.ini: `alembic current` failed, so the database state is unknown (got ")
    assert str(error.value).endswith("); start the database or fix its URL, then run again; nothing was changed")


def _stamp_unknown(repo: Path, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "main.sqlite") as db:
        db.execute("UPDATE alembic_version SET version_num = 'zz9'")


@pytest.mark.parametrize(
    "prepare, changes, message",
    [
        pytest.param(None, {"target": "nope"}, "`--to`: unknown branch (got `nope`); `git branch` lists the local branches", id="unknown-branch"),
        pytest.param(None, {"target": "topic-a"}, "`--to`: already on this branch (got `topic-a`); name another branch", id="current-branch"),
        pytest.param(
            lambda repo, _: git(repo, "tag", "v1", "main"),
            {"target": "v1"},
            "`--to`: not a local branch (got `v1`); create one with `git branch NAME v1` and switch to that",
            id="tag-not-branch",
        ),
        pytest.param(
            lambda repo, _: git(repo, "branch", "24.09", "main"),
            {"target": "24.09"},
            "`--to`: a release branch (got `24.09`); release branches are safer in a separate clone "
            "(`git worktree add ../24.09 24.09`) than switched to and from in the development checkout; "
            "pass `--yes` to switch anyway",
            id="release-branch",
        ),
        pytest.param(
            lambda repo, _: git(repo, "branch", "26.8", "main"),
            {"target": "26.8"},
            "`--to`: a release branch (got `26.8`); release branches are safer in a separate clone "
            "(`git worktree add ../26.8 26.8`) than switched to and from in the development checkout; "
            "pass `--yes` to switch anyway",
            id="unpadded-release-branch-whatever-the-scheme",
        ),
        pytest.param(
            lambda repo, _: (repo / "migrations/env.py").write_text("# edited\n"),
            {},
            "working tree: uncommitted changes (got `migrations/env.py`); commit them, or pass `--autostash` "
            "to stash them before the switch",
            id="dirty-tree",
        ),
        pytest.param(
            None,
            {"inis": ("db/alembic.ini",)},
            "db/alembic.ini: alembic ini not found at `HEAD` nor in the working tree (got no file); "
            "create it (e.g. from its `.sample`) or fix the configured ini path",
            id="missing-ini",
        ),
        pytest.param(
            lambda repo, _: (git(repo, "switch", "-q", "topic-b"), commit(repo, {"alembic.ini": "[alembic]\nurl = x\n"}, "broken"), git(repo, "switch", "-q", "topic-a")),
            {},
            "alembic.ini: no `script_location` in an `[alembic]` section (got sections ['alembic']); "
            "point `script_location` at the migration scripts",
            id="broken-ini",
        ),
        pytest.param(
            lambda repo, _: (git(repo, "switch", "-q", "topic-b"), commit(repo, {"migrations/versions/bad.py": "revision = (\n"}, "bad"), git(repo, "switch", "-q", "topic-a")),
            {},
            "migrations/versions/bad.py: revision file is not valid Python (got a syntax error on line 1); "
            "fix the file so `alembic` can import it",
            id="unparsable-revision",
        ),
        pytest.param(
            lambda repo, _: (git(repo, "switch", "-q", "topic-b"), commit(repo, revisions([("c1", "c2", None, None), ("c2", "c1", None, None)]), "cycle"), git(repo, "switch", "-q", "topic-a")),
            {},
            "revision graph: `down_revision`/`depends_on` form a cycle (got `c1` on it); "
            "fix the revision files so every chain ends at a first revision",
            id="cycle",
        ),
        pytest.param(
            lambda repo, _: (git(repo, "switch", "-q", "topic-b"), commit(repo, revisions([("c1", "gone", None, None)]), "orphan"), git(repo, "switch", "-q", "topic-a")),
            {},
            "migrations/versions/c1.py: `down_revision` names an unknown revision (got `gone` in `c1`); "
            "restore the missing revision file or fix `down_revision`",
            id="missing-down-revision",
        ),
        pytest.param(
            _stamp_unknown,
            {},
            "`alembic current`: the database is at a revision neither commit has (got `zz9`); "
            "check out the branch that created it and downgrade, or `alembic stamp` the right revision",
            id="unknown-database-revision",
        ),
    ],
)
def test_bad_input_changes_nothing(template: Path, tmp_path: Path, prepare, changes, message: str) -> None:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    repo = tmp_path / "repo"
    if prepare:
        prepare(repo, tmp_path)
    before = (git(repo, "for-each-ref"), git(repo, "status", "--porcelain"), (tmp_path / "main.sqlite").read_bytes())
    with pytest.raises(TopicSwitchError) as error:
        build_plan(replace(settings(repo, "topic-b", tmp_path), **changes), dict(os.environ))
    assert str(error.value) == message.replace("`HEAD`", f"`{git(repo, 'rev-parse', 'HEAD')}`")
    assert (git(repo, "for-each-ref"), git(repo, "status", "--porcelain"), (tmp_path / "main.sqlite").read_bytes()) == before
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert journal_of(repo) is None


@pytest.mark.parametrize(
    "branch, target, release",
    [
        pytest.param("topic-a", "24.09", "24.09", id="padded-target"),
        pytest.param("topic-a", "26.4", "26.4", id="unpadded-target"),
        pytest.param("26.4", "topic-a", "26.4", id="unpadded-source"),
        pytest.param("topic-a", "topic-b", None, id="no-release-branch"),
    ],
)
def test_release_advice_names_release_branches_in_either_spelling(branch: str, target: str, release) -> None:
    advice = release_advice(branch, target)
    assert advice == (
        None
        if release is None
        else f"note: release branches are safer in a separate clone (`git worktree add ../{release} {release}`) "
        "than switched to and from in the development checkout"
    )



def stashed_switch(tmp_path: Path) -> Tuple[Path, Path]:
    """An autostashed switch `topic-a` -> `topic-b` that ran, its journal kept as a stopped run leaves it,
    then a `git stash push` of the user's own on top; the repository and the journal."""
    repo = make_repo(tmp_path, BASE, {"topic-a": [], "topic-b": []}, extra={"topic-a": {"app.py": "a\n"}})
    git(repo, "switch", "-q", "topic-a")
    (repo / "app.py").write_text("edited\n")
    s = settings(repo, "topic-b", tmp_path, autostash=True)
    journal = build_plan(s, dict(os.environ)).journal(s)
    path = journal_path(repo)
    save_state(path, replace(journal, steps=tuple(replace(step, status=DONE) for step in journal.steps)))
    for command in [c for step in journal.steps for c in step.commands]:
        assert subprocess.run(command.argv, cwd=repo, env={**os.environ, **command.env}, timeout=120).returncode == 0
    (repo / "notes.txt").write_text("mine\n")
    git(repo, "add", "notes.txt")
    git(repo, "stash", "push", "-q", "-m", "my own")
    return repo, path


def test_abort_pops_the_autostash_not_the_users_newer_stash(tmp_path: Path) -> None:
    repo, path = stashed_switch(tmp_path)
    assert abort_journal(path, lambda line: None) == 0
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert (repo / "app.py").read_text() == "edited\n"
    assert git(repo, "stash", "list").endswith(": On topic-b: my own")
    assert len(git(repo, "stash", "list").splitlines()) == 1


def test_abort_refuses_when_the_autostash_is_gone(tmp_path: Path) -> None:
    repo, path = stashed_switch(tmp_path)
    commit = git(repo, "rev-parse", "stash@{1}")
    git(repo, "stash", "drop", "-q", "stash@{1}")
    lines: List[str] = []
    assert abort_journal(path, lines.append) == 1
    assert lines[-1] == (
        "✕ Undoing git switch topic-b failed (exit code 1: error: `git stash list`: the switch's stash entry is gone "
        f"(got no entry with commit `{commit[:12]}`); if you dropped it by mistake, `git stash apply {commit}` may "
        f"still restore it; then delete `{path.parent / 'topic-switch' / 'autostash'}` and run `--abort` again); "
        "fix it and run --abort again"
    )
    assert git(repo, "stash", "list").endswith(": On topic-b: my own")
