from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Dict, NamedTuple, Sequence, Tuple

import pytest

from conftest import git

from calver_release.migrations.alembic_env import (
    AlembicConfig,
    AlembicEnvError,
    load_graph,
    parse_alembic_current,
    read_alembic_ini,
)
from calver_release.migrations.revision_graph import DowngradePlan, MigrationPlan, RevisionGraph, RevisionGraphError, plan_migrations
from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitRepo

ENV_PY = dedent("""\
    from alembic import context
    from sqlalchemy import create_engine, pool

    url = context.get_x_argument(as_dictionary=True)["db"]
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    """)

MAIN_INI = "[alembic]\nscript_location = %(here)s/migrations\n"
PROXY_INI = "[alembic]\nscript_location = proxy.models:alembic\n"
PROXY_VERSIONS = "src/proxy/models/alembic/versions"

# (revision, down_revision, branch_labels, depends_on); each creates and drops a table `t_<revision>`.
Spec = Tuple[str, object, object, object]


def revision_file(spec: Spec) -> str:
    revision, down, labels, depends = spec
    return dedent(f'''\
        """Revision {revision}."""
        from typing import Sequence, Union

        import sqlalchemy as sa
        from alembic import op

        revision: str = {revision!r}
        down_revision: Union[str, Sequence[str], None] = {down!r}
        branch_labels = {labels!r}
        depends_on = {depends!r}


        def upgrade() -> None:
            op.create_table("t_{revision}", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade() -> None:
            op.drop_table("t_{revision}")
        ''')


def write_files(repo: Path, files: Dict[str, str]) -> None:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)


def commit(repo: Path, files: Dict[str, str], message: str) -> None:
    write_files(repo, files)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "-m", message)


def revisions(specs: Sequence[Spec], versions: str = "migrations/versions") -> Dict[str, str]:
    return {f"{versions}/{spec[0]}_rev.py": revision_file(spec) for spec in specs}


def make_repo(
    tmp_path: Path, base: Sequence[Spec], main_only: Sequence[Spec], topic_only: Sequence[Spec]
) -> Path:
    """A repository whose `main` and checked-out `topic` branches fork after the `base` revisions."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, {"alembic.ini": MAIN_INI, "migrations/env.py": ENV_PY, **revisions(base)}, "base")
    git(repo, "switch", "-q", "-c", "topic")
    if topic_only:
        commit(repo, revisions(topic_only), "topic revisions")
    git(repo, "switch", "-q", "main")
    if main_only:
        commit(repo, revisions(main_only), "main revisions")
    git(repo, "switch", "-q", "topic")
    return repo


def alembic(repo: Path, ini: str, db: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", ini, "-x", f"db=sqlite:///{db}", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        # This test's own import path: under `pants test` alembic lives in a PEX beside the venv.
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join([str(repo / "src"), *sys.path])},
        timeout=120,
    )
    assert proc.returncode == 0, f"alembic {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def current(repo: Path, ini: str, db: Path) -> Tuple[str, ...]:
    return tuple(sorted(parse_alembic_current(alembic(repo, ini, db, "current"))))


def revisions_in(db: Path) -> Tuple[str, ...]:
    """What `current` reports, read from the `alembic_version` table without starting alembic (0.4 s a run)."""
    with sqlite3.connect(db) as connection:
        return tuple(sorted(revision for (revision,) in connection.execute("SELECT version_num FROM alembic_version")))


def tables(db: Path) -> Tuple[str, ...]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't\\_%' ESCAPE '\\'"
        )
        return tuple(sorted(name[2:] for (name,) in rows))


class Expected(NamedTuple):
    """What a switch of one environment does: the downgrade, its N, the heads after, what is applied."""

    ini: str
    downgrade: DowngradePlan
    n: int
    target_heads: Tuple[str, ...]
    to_apply: Tuple[str, ...]


def graph_at(repo: Path, rev: str, ini: str) -> RevisionGraph:
    return load_graph(CommitFiles.of(GitRepo(repo), rev), ini, "src", {})


def plan_switch(repo: Path, current_rev: str, target_rev: str, ini: str, applied: Sequence[str]) -> MigrationPlan:
    """The plan `topic-switch` makes: both commits' graphs read from git objects, then `plan_migrations`."""
    return plan_migrations(graph_at(repo, current_rev, ini), graph_at(repo, target_rev, ini), applied)


def summary(ini: str, plan: MigrationPlan) -> Expected:
    return Expected(ini, plan.downgrade, plan.downgrade.n, plan.target_heads, plan.to_apply)


def switch_and_check(repo: Path, ini: str, db: Path) -> Expected:
    """Upgrade `topic`, plan from `alembic current`, downgrade as planned, switch to `main`, `upgrade heads`,
    undo it; check each step."""
    alembic(repo, ini, db, "upgrade", "heads")
    plan = plan_switch(repo, "topic", "main", ini, parse_alembic_current(alembic(repo, ini, db, "current")))
    for command in plan.downgrade.commands:
        alembic(repo, ini, db, *command)
    assert revisions_in(db) == plan.downgrade.kept_heads
    kept = tables(db)
    assert set(kept).isdisjoint(plan.downgrade.to_undo)
    git(repo, "switch", "-q", "main")
    alembic(repo, ini, db, "upgrade", "heads")
    assert tables(db) == tuple(sorted(kept + plan.to_apply))
    assert revisions_in(db) == plan.target_heads
    for command in plan.undo_upgrade:
        alembic(repo, ini, db, *command)
    assert tables(db) == kept
    return summary(ini, plan)


@pytest.mark.parametrize(
    "base, main_only, topic_only, expected",
    [
        pytest.param(
            [("r1", None, None, None), ("r2", "r1", None, None)],
            [("m1", "r2", None, None)],
            [("t1", "r2", None, None), ("t2", "t1", None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("t2", "t1"), (("downgrade", "t1@r2"),), ("r2",)), 2, ("m1",),
                ("m1",),
            ),
            id="linear-chain",
        ),
        pytest.param(
            [("r1", None, None, None), ("a1", "r1", None, None)],
            [("a2", "a1", None, None)],
            [("b1", "r1", None, None), ("b2", "b1", None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("b2", "b1"), (("downgrade", "b1@r1"),), ("a1",)), 2, ("a2",),
                ("a2",),
            ),
            id="two-heads-branch-after-shared-ancestor",
        ),
        pytest.param(
            [("r1", None, None, None), ("a1", "r1", None, None)],
            [("a2", "a1", None, None)],
            [("b1", "r1", None, None), ("m1", ("a1", "b1"), None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("m1", "b1"), (("downgrade", "b1@r1"),), ("a1",)), 2, ("a2",),
                ("a2",),
            ),
            id="merge-of-shared-and-branch-only-parent",
        ),
        pytest.param(
            [("r1", None, None, None), ("a1", "r1", None, None), ("b1", "r1", None, None)],
            [],
            [("m1", ("a1", "b1"), None, None), ("m2", "m1", None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("m2", "m1"), (("downgrade", "m1@b1"),), ("a1", "b1")), 2, ("a1", "b1"),
                (),
            ),
            id="merge-of-two-kept-heads",
        ),
        pytest.param(
            [("r1", None, None, None), ("c1", "r1", None, None), ("d1", "r1", None, None)],
            [],
            [("c2", "c1", None, "d1"), ("e1", "r1", None, None), ("c3", "c2", None, "e1")],
            Expected(
                "alembic.ini",
                DowngradePlan(("c3", "e1", "c2"), (("downgrade", "c2@c1"), ("downgrade", "e1@r1")), ("c1", "d1")), 3, ("c1", "d1"),
                (),
            ),
            id="depends-on-across-branches",
        ),
        pytest.param(
            [("c1", None, ("core",), None), ("p1", None, ("plugin",), None)],
            [("c2", "c1", None, None)],
            [("p2", "p1", None, None), ("x1", None, ("extra",), "core"), ("x2", "x1", None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("x2", "x1", "p2"), (("downgrade", "p2@p1"), ("downgrade", "x1@base")), ("c1", "p1")), 3, ("c2", "p1"),
                ("c2",),
            ),
            id="branch-labels",
        ),
        pytest.param(
            [("r1", None, None, None)],
            [("m1", "r1", None, None)],
            [],
            Expected("alembic.ini", DowngradePlan((), (), ("r1",)), 0, ("m1",), ("m1",)),
            id="nothing-to-undo",
        ),
        pytest.param(
            [],
            [("m1", None, None, None)],
            [("t1", None, None, None), ("t2", "t1", None, None)],
            Expected(
                "alembic.ini",
                DowngradePlan(("t2", "t1"), (("downgrade", "t1@base"),), ()), 2, ("m1",),
                ("m1",),
            ),
            id="nothing-kept",
        ),
    ],
)
def test_planned_downgrade_runs_with_real_alembic(
    tmp_path: Path,
    base: Sequence[Spec],
    main_only: Sequence[Spec],
    topic_only: Sequence[Spec],
    expected: Expected,
) -> None:
    repo = make_repo(tmp_path, base, main_only, topic_only)
    assert switch_and_check(repo, "alembic.ini", tmp_path / "main.sqlite") == expected


def test_two_environments_in_one_repository(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, [("r1", None, None, None)], [("m1", "r1", None, None)], [("t1", "r1", None, None)]
    )
    proxy_files = {
        "proxy/alembic.ini": PROXY_INI,
        "src/proxy/__init__.py": "",
        "src/proxy/models/__init__.py": "",
        "src/proxy/models/alembic/env.py": ENV_PY,
        **revisions([("p1", None, None, None), ("p2", "p1", None, None)], PROXY_VERSIONS),
    }
    commit(repo, proxy_files, "proxy environment on topic")
    alembic(repo, "alembic.ini", tmp_path / "main.sqlite", "upgrade", "heads")
    alembic(repo, "proxy/alembic.ini", tmp_path / "proxy.sqlite", "upgrade", "heads")
    git(repo, "switch", "-q", "main")
    commit(
        repo,
        {"proxy/alembic.ini": PROXY_INI, **revisions([("p1", None, None, None)], PROXY_VERSIONS)},
        "proxy on main",
    )
    git(repo, "switch", "-q", "topic")

    plans = [
        summary(ini, plan_switch(repo, "topic", "main", ini, current(repo, ini, tmp_path / db)))
        for ini, db in [("alembic.ini", "main.sqlite"), ("proxy/alembic.ini", "proxy.sqlite")]
    ]
    for command in plans[1].downgrade.commands:
        alembic(repo, "proxy/alembic.ini", tmp_path / "proxy.sqlite", *command)

    assert plans == [
        Expected(
            "alembic.ini", DowngradePlan(("t1",), (("downgrade", "t1@r1"),), ("r1",)), 1, ("m1",), ("m1",)
        ),
        Expected(
            "proxy/alembic.ini", DowngradePlan(("p2",), (("downgrade", "p2@p1"),), ("p1",)), 1, ("p1",), ()
        ),
    ]
    assert tables(tmp_path / "proxy.sqlite") == ("p1",)
    assert tables(tmp_path / "main.sqlite") == ("r1", "t1")


@pytest.mark.parametrize(
    "text, ini_path, expected",
    [
        pytest.param(
            MAIN_INI,
            "alembic.ini",
            AlembicConfig("alembic.ini", "migrations", ("migrations/versions",), False),
            id="here-at-root",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(here)s/alembic\n",
            "src/ai/backend/manager/alembic.ini",
            AlembicConfig(
                "src/ai/backend/manager/alembic.ini",
                "src/ai/backend/manager/alembic",
                ("src/ai/backend/manager/alembic/versions",),
                False,
            ),
            id="here-in-subdirectory",
        ),
        pytest.param(
            "[alembic]\nscript_location = ai.backend.manager.models:alembic\n",
            "alembic.ini",
            AlembicConfig(
                "alembic.ini",
                "src/ai/backend/manager/models/alembic",
                ("src/ai/backend/manager/models/alembic/versions",),
                False,
            ),
            id="package-resource-location",
        ),
        pytest.param(
            "[alembic]\nscript_location = db\nversion_locations = db/core, %(here)s/db/extra\n"
            "recursive_version_locations = true\n",
            "alembic.ini",
            AlembicConfig("alembic.ini", "db", ("db/core", "db/extra"), True),
            id="legacy-version-locations",
        ),
        pytest.param(
            "[alembic]\nscript_location = db\nversion_locations = db/a b;db/c\npath_separator = semicolon\n",
            "alembic.ini",
            AlembicConfig("alembic.ini", "db", ("db/a b", "db/c"), False),
            id="separated-version-locations",
        ),
    ],
)
def test_read_alembic_ini(text: str, ini_path: str, expected: AlembicConfig) -> None:
    assert read_alembic_ini(text, ini_path) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param(
            "[loggers]\nkeys = root\n",
            "envs/alembic.ini: no `script_location` in an `[alembic]` section (got sections ['loggers']); "
            "point `script_location` at the migration scripts",
            id="no-alembic-section",
        ),
        pytest.param(
            "[alembic]\nsqlalchemy.url = sqlite://\n",
            "envs/alembic.ini: no `script_location` in an `[alembic]` section (got sections ['alembic']); "
            "point `script_location` at the migration scripts",
            id="no-script-location",
        ),
        pytest.param(
            "script_location = db\n",
            "envs/alembic.ini: not a valid ini file (got File contains no section headers.); "
            "fix the alembic ini",
            id="no-section-header",
        ),
        pytest.param(
            "[alembic]\nscript_location = %(nowhere)s/db\n",
            "envs/alembic.ini: not a valid ini file (got Bad value substitution: option 'script_location' in "
            "section 'alembic' contains an interpolation key 'nowhere' which is not a valid option name. "
            "Raw value: '%(nowhere)s/db'); fix the alembic ini",
            id="bad-interpolation",
        ),
    ],
)
def test_broken_ini_is_rejected(text: str, message: str) -> None:
    with pytest.raises(AlembicEnvError) as error:
        read_alembic_ini(text, "envs/alembic.ini")
    assert str(error.value) == message


def test_untracked_ini_is_read_from_the_working_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [("r1", None, None, None)], [], [])
    git(repo, "rm", "-q", "--cached", "alembic.ini")
    git(repo, "commit", "-q", "-m", "ini is developer-local")
    assert graph_at(repo, "HEAD", "alembic.ini").heads == ("r1",)


def test_missing_ini_is_rejected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [("r1", None, None, None)], [], [])
    with pytest.raises(AlembicEnvError) as error:
        graph_at(repo, "main", "accountmgr/alembic.ini")
    assert str(error.value) == (
        f"accountmgr/alembic.ini: alembic ini not found at `{git(repo, 'rev-parse', 'main')}` nor in the working tree (got no file); "
        "create it (e.g. from its `.sample`) or fix the configured ini path"
    )


def test_unparsable_revision_file_is_rejected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [("r1", None, None, None)], [], [])
    commit(repo, {"migrations/versions/broken.py": "revision = (\n"}, "broken revision")
    with pytest.raises(RevisionGraphError) as error:
        graph_at(repo, "topic", "alembic.ini")
    assert str(error.value) == (
        "migrations/versions/broken.py: revision file is not valid Python (got a syntax error on line 1); "
        "fix the file so `alembic` can import it"
    )


def test_unknown_applied_revision_is_rejected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [("r1", None, None, None)], [], [("t1", "r1", None, None)])
    with pytest.raises(RevisionGraphError) as error:
        plan_switch(repo, "topic", "main", "alembic.ini", ["deadbeef"])
    assert str(error.value) == (
        "`alembic current`: the database is at a revision neither commit has (got `deadbeef`); "
        "check out the branch that created it and downgrade, or `alembic stamp` the right revision"
    )


def test_load_revision_graph_reads_only_revision_files_of_the_commit(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path, [("r1", None, None, None)], [("m1", "r1", None, None)], [("t1", "r1", None, None)]
    )
    commit(
        repo,
        {"migrations/versions/__init__.py": "", "migrations/versions/helpers/nested.py": "x = 1\n"},
        "extras",
    )
    graph = graph_at(repo, "main", "alembic.ini")
    assert (graph.heads, tuple(graph)) == (("m1",), ("r1", "m1"))


@pytest.mark.parametrize(
    "output, expected",
    [
        pytest.param("", (), id="empty-database"),
        pytest.param("a1b2c3 (head)\n", ("a1b2c3",), id="one-head"),
        pytest.param(
            "INFO  [alembic.runtime.migration] Context impl SQLiteImpl.\nc1 (head)\nd1 (head) (mergepoint)\n",
            ("c1", "d1"),
            id="log-lines-and-notes",
        ),
    ],
)
def test_parse_alembic_current(output: str, expected: Tuple[str, ...]) -> None:
    assert parse_alembic_current(output) == expected
