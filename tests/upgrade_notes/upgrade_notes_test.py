"""Upgrade notes on real git histories with a real alembic environment (SQLite), without Pants.

The database sections are checked twice: as data, and by running the report's own commands with
real alembic, from a database at `--from`'s heads, to the heads the report promises.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from textwrap import dedent
from typing import Callable

import pytest
from alembic_repos import sqlite_current, sqlite_tables
from conftest import git
from real_formats import AGENT_SAMPLE, WEBSERVER_CONF, hashed_requirements, pex_lockfile, uv_lockfile
from release_history import (
    BASE,
    DB,
    compose,
    distribution_build,
    make_history,
    notes_of,
    release,
    revision,
    run_commands,
)

from calver_release.upgrade_notes.configs import parse_config_options
from calver_release.upgrade_notes.render import render_markdown
from calver_release.upgrade_notes.report import UpgradeNotes, UpgradeNotesError, render_json

PIP = (
    "python -m pip install $(python -m pip show backend.ai-agent backend.ai-common backend.ai-manager 2>/dev/null "
    "| sed -n 's/^Name: \\(.*\\)$/\\1=={version}/p')"
)


def as_json(notes: UpgradeNotes) -> dict:
    return json.loads(render_json(notes))


def step_titles(notes: UpgradeNotes) -> list:
    return [step.title for step in notes.steps]


@pytest.fixture
def patch_history(tmp_path: Path) -> Path:
    """24.03.0 -> 24.03.1 (a migration, a config key) -> 24.03.2 (a migration, an agent change, a new pin)."""
    repo = make_history(tmp_path)
    toml = BASE["configs/manager/sample.toml"].replace("port = 8100\n", "port = 8100\npool-size = 8\n")
    release(repo, "24.03.1", {**dict([revision("a2", "a1", "Add the groups table.")]), "configs/manager/sample.toml": toml})
    release(
        repo,
        "24.03.2",
        {
            **dict([revision("a3", "a2", "Add an index on groups.name.")]),
            "src/ai/backend/agent/server.py": "PORT = 6011\n",
            "requirements.txt": "alembic==1.16.5\nSQLAlchemy==2.0.37\naiohttp>=3.9\n",
        },
    )
    return repo


def test_patch_update_as_json(patch_history: Path) -> None:
    repo = patch_history
    old, new = git(repo, "rev-parse", "24.03.0"), git(repo, "rev-parse", "24.03.2")
    pip = PIP.format(version="24.3.2")
    assert as_json(notes_of(repo, "24.03.0")) == {
        "schema_version": 2,
        "from": {"ref": "24.03.0", "commit": old, "version": "24.03.0", "pep440": "24.3.0", "series": "24.03"},
        "to": {"ref": "HEAD", "commit": new, "version": "24.03.2", "pep440": "24.3.2", "series": "24.03"},
        "kind": "patch",
        "summary": ["A patch update within the 24.03 release series."],
        "session_files": ["src/ai/backend/agent/server.py"],
        "terminate_sessions": True,
        "packages": {
            "version": "24.3.2",
            "distributions": ["backend.ai-agent", "backend.ai-common", "backend.ai-manager"],
            "constraints": ["backend.ai-agent==24.3.2", "backend.ai-common==24.3.2", "backend.ai-manager==24.3.2"],
            "upgrade_command": pip,
            "distributions_added": [],
            "distributions_removed": [],
            "requirement_files": [
                {"path": "requirements.txt", "kind": "requirements", "file": "changed", "from_format": "requirements", "to_format": "requirements"}
            ],
            "requirements": [
                {"file": "requirements.txt", "name": "aiohttp", "change": "added", "old": None, "new": ">=3.9"},
                {"file": "requirements.txt", "name": "SQLAlchemy", "change": "changed", "old": "==2.0.36", "new": "==2.0.37"},
            ],
            "not_read": [],
        },
        "database": [
            {
                "ini": "alembic.ini",
                "to_undo": [],
                "downgrade_commands": [],
                "to_apply": [
                    {"revision": "a2", "doc": "Add the groups table."},
                    {"revision": "a3", "doc": "Add an index on groups.name."},
                ],
                "heads": ["a3"],
                "upgrade_command": "python -m alembic -c alembic.ini upgrade heads",
            }
        ],
        "configuration": {
            "samples": [
                {
                    "path": "configs/manager/sample.toml",
                    "file": "changed",
                    "format": "toml",
                    "line_wise": [],
                    "added": [{"key": "db.pool-size", "value": 8}],
                    "removed": [],
                    "changed": [],
                }
            ],
            "not_read": [],
            "local": [],
        },
        "halfstack": {"added": [], "removed": [], "comparisons": []},
        "steps": [
            {
                "title": "Terminate all compute sessions, then stop the Backend.AI services.",
                "commands": [],
                "details": ["the agent or kernel runner changed (`src/ai/backend/agent/server.py`)"],
            },
            {
                "title": "Install 24.3.2 of the server-side packages the virtualenv has (run in it).",
                "commands": [pip],
                "details": [],
            },
            {
                "title": "Upgrade the database.",
                "commands": ["python -m alembic -c alembic.ini upgrade heads"],
                "details": ["alembic.ini: apply 2 revisions, ending at `a3`"],
            },
            {
                "title": "Update the configuration files (TOML) and etcd settings (JSON samples).",
                "commands": [],
                "details": ["configs/manager/sample.toml: changed; 1 added, 0 removed, 0 changed defaults"],
            },
            {"title": "Start the Backend.AI services.", "commands": [], "details": []},
        ],
    }


def test_patch_update_as_markdown(patch_history: Path) -> None:
    repo = patch_history
    old, new = git(repo, "rev-parse", "--short=12", "24.03.0"), git(repo, "rev-parse", "--short=12", "24.03.2")
    pip = PIP.format(version="24.3.2")
    assert render_markdown(notes_of(repo, "24.03.0")) == dedent(
        f"""\
        # Upgrade notes: 24.03.0 -> 24.03.2

        A patch update within the 24.03 release series.

        |  | Ref | Commit | Version | PEP 440 |
        | --- | --- | --- | --- | --- |
        | From | `24.03.0` | `{old}` | `24.03.0` | `24.3.0` |
        | To | `HEAD` | `{new}` | `24.03.2` | `24.3.2` |

        ## Steps

        1. Terminate all compute sessions, then stop the Backend.AI services.

           - the agent or kernel runner changed (`src/ai/backend/agent/server.py`)
        2. Install 24.3.2 of the server-side packages the virtualenv has (run in it).

           ```sh
           {pip}
           ```
        3. Upgrade the database.

           - alembic.ini: apply 2 revisions, ending at `a3`

           ```sh
           python -m alembic -c alembic.ini upgrade heads
           ```
        4. Update the configuration files (TOML) and etcd settings (JSON samples).

           - configs/manager/sample.toml: changed; 1 added, 0 removed, 0 changed defaults
        5. Start the Backend.AI services.

        ## Packages

        Server-side distributions at `24.3.2`, as pip constraints:

        ```text
        backend.ai-agent==24.3.2
        backend.ai-common==24.3.2
        backend.ai-manager==24.3.2
        ```

        Installs exactly those of them the virtualenv has, all at that version (run it in the virtualenv):

        ```sh
        {pip}
        ```

        Requirements files and lockfiles that changed:

        - `requirements.txt` (requirements): changed, pip requirements

        Third-party requirements:

        | File | Package | Change | From | To |
        | --- | --- | --- | --- | --- |
        | `requirements.txt` | `aiohttp` | added |  | `>=3.9` |
        | `requirements.txt` | `SQLAlchemy` | changed | `==2.0.36` | `==2.0.37` |

        ## Database

        ### `alembic.ini`

        Revisions to apply, oldest first:

        - `a2`: Add the groups table.
        - `a3`: Add an index on groups.name.

        ```sh
        python -m alembic -c alembic.ini upgrade heads
        ```

        Heads at `--to`: `a3`.

        ## Configuration

        ### `configs/manager/sample.toml` (changed)

        - added `db.pool-size` = `8`

        ## Halfstack (development setups)

        The halfstack compose files are unchanged.
        """
    )


def test_patch_update_commands_bring_the_database_to_the_heads(patch_history: Path, tmp_path: Path) -> None:
    """An installation at 24.03.0 runs the report's database step with 24.03.2's code and ends at its heads."""
    repo = patch_history
    notes = notes_of(repo, "24.03.0")
    git(repo, "checkout", "-q", "--detach", "24.03.0")
    run_commands(repo, tmp_path, ["python -m alembic -c alembic.ini upgrade heads"])
    git(repo, "checkout", "-q", "main")
    (database_step,) = [step for step in notes.steps if step.title == "Upgrade the database."]
    run_commands(repo, tmp_path, database_step.commands)
    assert sqlite_current(repo / DB) == notes.database[0].heads == ("a3",)
    assert sqlite_tables(repo / DB) == ("alembic_version", "t_a1", "t_a2", "t_a3")


@pytest.fixture
def reparented_history(tmp_path: Path) -> Path:
    """24.03.1 on the `24.03` branch: a1 <- p1 <- r9. 24.09.0 on `main`: a1 <- m1 <- p1 (p1 re-parented, r9 dropped)."""
    repo = make_history(tmp_path)
    git(repo, "switch", "-q", "-c", "24.03")
    release(repo, "24.03.1", dict([revision("p1", "a1", "Fix the users index."), revision("r9", "p1", "Hotfix only.")]))
    git(repo, "switch", "-q", "main")
    release(repo, "24.09.0", dict([revision("m1", "a1", "Add sessions."), revision("p1", "m1", "Fix the users index.")]))
    return repo


def test_reparented_and_removed_revisions_are_downgraded_first(reparented_history: Path, tmp_path: Path) -> None:
    repo = reparented_history
    notes = notes_of(repo, "24.03.1")
    assert as_json(notes)["database"] == [
        {
            "ini": "alembic.ini",
            "to_undo": [
                {"revision": "r9", "doc": "Hotfix only.", "reason": "removed", "reparented_ancestors": []},
                {"revision": "p1", "doc": "Fix the users index.", "reason": "re-parented", "reparented_ancestors": []},
            ],
            "downgrade_commands": ["python -m alembic -c alembic.ini downgrade p1@a1"],
            "to_apply": [{"revision": "m1", "doc": "Add sessions."}, {"revision": "p1", "doc": "Fix the users index."}],
            "heads": ["p1"],
            "upgrade_command": "python -m alembic -c alembic.ini upgrade heads",
        }
    ]
    assert step_titles(notes) == [
        "Read the upgrade guide of 24.09: it applies to this release upgrade.",
        "Stop the Backend.AI services.",
        "Downgrade the database while the packages of 24.03.1 are still installed.",
        "Install 24.9.0 of the server-side packages the virtualenv has (run in it).",
        "Upgrade the database.",
        "Start the Backend.AI services.",
    ]
    assert notes.steps[2].details == ("alembic.ini: undo `r9`, `p1`",)

    git(repo, "checkout", "-q", "--detach", "24.03.1")
    run_commands(repo, tmp_path, ["python -m alembic -c alembic.ini upgrade heads", *notes.steps[2].commands])
    assert sqlite_tables(repo / DB) == ("alembic_version", "t_a1")
    git(repo, "checkout", "-q", "main")
    run_commands(repo, tmp_path, notes.steps[4].commands)
    assert sqlite_current(repo / DB) == ("p1",)
    assert sqlite_tables(repo / DB) == ("alembic_version", "t_a1", "t_m1", "t_p1")


def test_release_upgrade_says_the_guide_applies_and_compares_the_release_halfstacks(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    release(
        repo,
        "24.09.0",
        {
            **dict([revision("b1", "a1", "Add the keypairs table.")]),
            "docker-compose.halfstack-2409.yml": compose("postgres:16.3-alpine", "redis:7.2.5-alpine"),
        },
    )
    notes = as_json(notes_of(repo, "24.03.0"))
    assert (notes["kind"], notes["summary"]) == (
        "release",
        [
            "A release upgrade from the 24.03 series to 24.09: the upgrade guide of 24.09 applies. Everything below "
            "is what the repository itself knows; follow the guide too."
        ],
    )
    assert notes["steps"][0] == {
        "title": "Read the upgrade guide of 24.09: it applies to this release upgrade.",
        "commands": [],
        "details": [],
    }
    assert [env["to_apply"] for env in notes["database"]] == [[{"revision": "b1", "doc": "Add the keypairs table."}]]
    assert notes["halfstack"] == {
        "added": ["docker-compose.halfstack-2409.yml"],
        "removed": [],
        "comparisons": [
            {
                "from_path": "docker-compose.halfstack-2403.yml",
                "to_path": "docker-compose.halfstack-2409.yml",
                "images": [
                    {"service": "backendai-half-db", "old": "postgres:15.1-alpine", "new": "postgres:16.3-alpine"},
                    {"service": "backendai-half-redis", "old": "redis:7.2.4-alpine", "new": "redis:7.2.5-alpine"},
                ],
                "postgres_from": 15,
                "postgres_to": 16,
                "upgrade_command": "pants halfstack-upgrade --target=2409",
            }
        ],
    }


def test_compose_files_whose_postgres_major_changes_in_place(tmp_path: Path) -> None:
    """The same file changed between the refs; only a major change asks for `halfstack-upgrade`."""
    repo = make_history(tmp_path, {**BASE, "docker-compose.halfstack-main.yml": compose("postgres:15.1-alpine")})
    release(
        repo,
        "24.03.1",
        {
            "docker-compose.halfstack-2403.yml": compose("postgres:15.6-alpine", "redis:7.2.5-alpine"),
            "docker-compose.halfstack-main.yml": compose("timescale/timescaledb:2.14.2-pg16"),
        },
    )
    assert as_json(notes_of(repo, "24.03.0"))["halfstack"] == {
        "added": [],
        "removed": [],
        "comparisons": [
            {
                "from_path": "docker-compose.halfstack-2403.yml",
                "to_path": "docker-compose.halfstack-2403.yml",
                "images": [
                    {"service": "backendai-half-db", "old": "postgres:15.1-alpine", "new": "postgres:15.6-alpine"},
                    {"service": "backendai-half-redis", "old": "redis:7.2.4-alpine", "new": "redis:7.2.5-alpine"},
                ],
                "postgres_from": 15,
                "postgres_to": 15,
                "upgrade_command": None,
            },
            {
                "from_path": "docker-compose.halfstack-main.yml",
                "to_path": "docker-compose.halfstack-main.yml",
                "images": [
                    {"service": "backendai-half-db", "old": "postgres:15.1-alpine", "new": "timescale/timescaledb:2.14.2-pg16"}
                ],
                "postgres_from": 15,
                "postgres_to": 16,
                "upgrade_command": "pants halfstack-upgrade --compose-file=docker-compose.halfstack-main.yml",
            },
        ],
    }


def test_local_configs_are_checked_against_the_new_samples(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    toml = '[db]\nport = 8100\npool-size = 8\n\n[manager]\nnum-proc = 4\n'
    etcd = '{"system": {"timezone": "UTC", "debug": false}, "redis": {"addr": "127.0.0.1:8110"}}\n'
    release(repo, "24.03.1", {"configs/manager/sample.toml": toml, "configs/manager/sample.etcd.config.json": etcd})
    local_toml = tmp_path / "manager.toml"
    local_toml.write_text('[db]\nport = 8200\npassword = "secret"\n\n[manager]\nnum-proc = 8\nheartbeat = "10s"\n')
    local_etcd = tmp_path / "etcd.json"
    local_etcd.write_text('{"system": {"timezone": "Asia/Seoul", "debug": true}, "redis": {"addr": {"host": "10.0.0.1"}}}')
    pairs = (("configs/manager/sample.toml", str(local_toml)), ("configs/manager/sample.etcd.config.json", str(local_etcd)))
    notes = notes_of(repo, "24.03.0", local_configs=pairs)
    assert as_json(notes)["configuration"] == {
        "samples": [
            {
                "path": "configs/manager/sample.etcd.config.json",
                "file": "changed",
                "format": "json",
                "line_wise": [],
                "added": [{"key": "system.debug", "value": False}],
                "removed": [],
                "changed": [],
            },
            {
                "path": "configs/manager/sample.toml",
                "file": "changed",
                "format": "toml",
                "line_wise": [],
                "added": [{"key": "db.pool-size", "value": 8}],
                "removed": [{"key": "manager.heartbeat", "value": "30s"}],
                "changed": [],
            },
        ],
        "not_read": [],
        "local": [
            {
                "sample": "configs/manager/sample.toml",
                "local": str(local_toml),
                "missing": [{"key": "db.pool-size", "value": 8, "new": True}],
                "obsolete": ["manager.heartbeat"],
            },
            {"sample": "configs/manager/sample.etcd.config.json", "local": str(local_etcd), "missing": [], "obsolete": []},
        ],
    }
    assert notes.steps[-2].details == (
        "configs/manager/sample.etcd.config.json: changed; 1 added, 0 removed, 0 changed defaults",
        "configs/manager/sample.toml: changed; 1 added, 1 removed, 0 changed defaults",
        f"{local_toml}: add `db.pool-size`; remove `manager.heartbeat`",
    )


def test_a_new_sample_lists_all_its_keys_and_a_deleted_one_all_it_had(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    release(repo, "24.03.1", {"configs/agent/sample.toml": "[agent]\nid = 'i-1'\n", "configs/manager/sample.etcd.config.json": None})
    assert as_json(notes_of(repo, "24.03.0"))["configuration"]["samples"] == [
        {
            "path": "configs/agent/sample.toml",
            "file": "added",
            "format": "toml",
            "line_wise": [],
            "added": [{"key": "agent.id", "value": "i-1"}],
            "removed": [],
            "changed": [],
        },
        {
            "path": "configs/manager/sample.etcd.config.json",
            "file": "removed",
            "format": "json",
            "line_wise": [],
            "added": [],
            "removed": [{"key": "redis.addr", "value": "127.0.0.1:8110"}, {"key": "system.timezone", "value": "UTC"}],
            "changed": [],
        },
    ]


def test_allowed_downgrade_undoes_what_the_older_release_lacks(patch_history: Path, tmp_path: Path) -> None:
    repo = patch_history
    git(repo, "checkout", "-q", "--detach", "24.03.0")
    notes = notes_of(repo, "24.03.2", "24.03.0", allow_downgrade=True)
    assert (notes.kind.value, notes.summary, notes.database[0].downgrade_commands, notes.database[0].to_apply) == (
        "downgrade",
        (
            "A downgrade: migrations run backwards, with the packages of `--from` still installed, before the older "
            "packages go in.",
        ),
        ("python -m alembic -c alembic.ini downgrade a2@a1",),
        (),
    )
    assert [(undo.revision, undo.reason) for undo in notes.database[0].to_undo] == [("a3", "removed"), ("a2", "removed")]
    git(repo, "checkout", "-q", "--detach", "24.03.2")
    run_commands(repo, tmp_path, ["python -m alembic -c alembic.ini upgrade heads", *notes.database[0].downgrade_commands])
    assert sqlite_tables(repo / DB) == ("alembic_version", "t_a1")


def test_a_new_alembic_environment_applies_everything(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    release(
        repo,
        "24.03.1",
        {"accounts/alembic.ini": "[alembic]\nscript_location = %(here)s/migrations\n", "accounts/migrations/versions/x1.py": revision("x1", None, "Accounts.")[1]},
    )
    notes = notes_of(repo, "24.03.0", inis=("alembic.ini", "accounts/alembic.ini"))
    assert as_json(notes)["database"] == [
        {
            "ini": "alembic.ini",
            "to_undo": [],
            "downgrade_commands": [],
            "to_apply": [],
            "heads": ["a1"],
            "upgrade_command": "python -m alembic -c alembic.ini upgrade heads",
        },
        {
            "ini": "accounts/alembic.ini",
            "to_undo": [],
            "downgrade_commands": [],
            "to_apply": [{"revision": "x1", "doc": "Accounts."}],
            "heads": ["x1"],
            "upgrade_command": "python -m alembic -c accounts/alembic.ini upgrade heads",
        },
    ]
    assert notes.steps[2].details == ("accounts/alembic.ini: apply 1 revision, ending at `x1`",)


def test_same_version(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    work = release(repo, None, {"configs/manager/sample.toml": BASE["configs/manager/sample.toml"] + "[x]\ny = 1\n"})
    notes = notes_of(repo, "24.03.0", work)
    assert (notes.kind.value, notes.summary) == (
        "same-version",
        (
            "Both refs carry version 24.03.0: pip leaves installed distributions of that version as they are, so "
            "the package step changes nothing unless you add `--force-reinstall`.",
        ),
    )


def test_distributions_come_from_the_build_files_at_to_without_a_checkout(tmp_path: Path) -> None:
    """26.x added `backend.ai-install` and friends: the pip command covers them although `--from` is checked out."""
    repo = make_history(tmp_path)
    release(
        repo,
        "24.03.1",
        {
            "src/ai/backend/agent/BUILD": None,
            "src/ai/backend/install/BUILD": distribution_build("backend.ai-install", target="wheel"),
            "src/ai/backend/plugin/BUILD": distribution_build("backend.ai-plugin-sdk", version="1.4.0"),
            "src/ai/backend/helper/BUILD": distribution_build("backend.ai-kernel-helper", version="1.0.0", lockstep="False"),
            "src/ai/backend/web/BUILD": "python_distribution(name='dist' provides=None)\n",
            "src/ai/backend/storage/BUILD": "ARTIFACT = python_artifact(name='backend.ai-storage-proxy')\n"
            "python_distribution(name='dist', provides=ARTIFACT)\n",
            "examples/demo/BUILD": distribution_build("backend.ai-demo"),
        },
    )
    git(repo, "checkout", "-q", "--detach", "24.03.0")
    notes = notes_of(repo, "24.03.0", "24.03.1", independent=("*-sdk",), build_ignore=("/examples/", ".*/"))
    document = as_json(notes)["packages"]
    pip = PIP.replace("backend.ai-agent backend.ai-common", "backend.ai-common backend.ai-install").format(version="24.3.1")
    assert {key: document[key] for key in ("distributions", "upgrade_command", "distributions_added", "distributions_removed", "not_read")} == {
        "distributions": ["backend.ai-common", "backend.ai-install", "backend.ai-manager"],
        "upgrade_command": pip,
        "distributions_added": ["backend.ai-install"],
        "distributions_removed": ["backend.ai-agent"],
        "not_read": [
            {
                "path": "src/ai/backend/storage/BUILD",
                "ref": "to",
                "reason": "`python_distribution` on line 2: `provides` is not a `python_artifact(...)` call",
            },
            {"path": "src/ai/backend/web/BUILD", "ref": "to", "reason": "not valid Python (got a syntax error on line 1)"},
        ],
    }
    assert notes.summary[1] == (
        "Some files could not be read (`src/ai/backend/storage/BUILD`, `src/ai/backend/web/BUILD`): see why below, "
        "and check them by hand."
    )
    (install,) = [step for step in notes.steps if step.commands == (pip,)]
    assert install.details == (
        "new in 24.03.1: `backend.ai-install`; the command installs them only where another distribution requires "
        "them: install the ones this host should run",
        "no longer released: `backend.ai-agent`; the command leaves them at 24.03.0: uninstall them if nothing needs them",
    )


def test_without_server_side_distributions_there_is_no_package_step(tmp_path: Path) -> None:
    repo = make_history(tmp_path)
    release(repo, "24.03.1", {path: None for path in BASE if path.startswith("src/ai/backend/") and path.endswith("BUILD")})
    notes = notes_of(repo, "24.03.0", session_globs=())
    assert (notes.packages.upgrade_command, notes.packages.constraints, notes.packages.distributions_removed) == (
        None,
        (),
        ("backend.ai-agent", "backend.ai-common", "backend.ai-manager"),
    )
    assert step_titles(notes) == ["Stop the Backend.AI services.", "Start the Backend.AI services."]
    assert "The BUILD files at `--to` declare no server-side distribution." in render_markdown(notes).splitlines()


RESOLVES = '[python.resolves]\npython-default = "python.lock"\npython-kernel = "python-kernel.lock"\nmypy = "tools/mypy.lock"\n'


def test_requirements_files_and_lockfiles_in_the_formats_real_repositories_use(tmp_path: Path) -> None:
    """Between 26.4.0 and 26.4.10 `python.lock` became a uv lockfile: no false removals, the real changes found."""
    repo = make_history(tmp_path)
    release(
        repo,
        "24.03.1",
        {
            "pants.toml": RESOLVES,
            "python.lock": pex_lockfile([("aioboto3", "15.0.0"), ("aiohttp", "3.9.5"), ("textual", "0.79.1")]),
            "python-kernel.lock": pex_lockfile([("attrs", "23.2.0")], "python-kernel"),
            "tools/mypy.lock": pex_lockfile([("mypy", "1.10.0")], "mypy"),
            "tools/BUILD": 'python_requirements(name="black", source="black-requirements.txt")\n',
            "tools/black-requirements.txt": "black==24.4.2\n",
        },
    )
    release(
        repo,
        "24.03.2",
        {
            "python.lock": uv_lockfile(
                [("aioboto3", "15.0.0"), ("aiohttp", "3.10.11"), ("textual", "6.2.1")],
                members=[("backend.ai-manager", "24.3.2")],
                forks=[("numpy", "1.26.4", "python_full_version < '3.13.4'"), ("numpy", "2.2.0", "python_full_version >= '3.13.4'")],
            ),
            "python-kernel.lock": '{"_meta": {"hash": {"sha256": "0f3c"}}, "default": {"attrs": {"version": "==23.2.0"}}}\n',
            "tools/mypy.lock": '[[package]]\nname = "mypy"\nversion = "1.11.0"\n\n[metadata]\nlock-version = "2.0"\n',
            "requirements.txt": hashed_requirements([("alembic", "1.16.5"), ("SQLAlchemy", "2.0.37")]),
            "tools/BUILD": 'python_requirements(\n    name="setuptools",\n    source="setuptools-requirements.txt",\n)\n',
            "tools/black-requirements.txt": None,
            "tools/setuptools-requirements.txt": "setuptools==75.8.0\nwheel~=0.45\n",
        },
    )
    packages = as_json(notes_of(repo, "24.03.1"))["packages"]
    assert {key: packages[key] for key in ("requirement_files", "requirements", "not_read")} == {
        "requirement_files": [
            {"path": "python-kernel.lock", "kind": "lockfile", "file": "changed", "from_format": "pex", "to_format": None},
            {"path": "python.lock", "kind": "lockfile", "file": "changed", "from_format": "pex", "to_format": "uv"},
            {"path": "requirements.txt", "kind": "requirements", "file": "changed", "from_format": "requirements", "to_format": "requirements"},
            {"path": "tools/black-requirements.txt", "kind": "requirements", "file": "removed", "from_format": "requirements", "to_format": None},
            {"path": "tools/mypy.lock", "kind": "lockfile", "file": "changed", "from_format": "pex", "to_format": None},
            {"path": "tools/setuptools-requirements.txt", "kind": "requirements", "file": "added", "from_format": None, "to_format": "requirements"},
        ],
        "requirements": [
            {"file": "python.lock", "name": "aiohttp", "change": "changed", "old": "==3.9.5", "new": "==3.10.11"},
            {"file": "python.lock", "name": "numpy", "change": "added", "old": None, "new": "==1.26.4 | ==2.2.0"},
            {"file": "python.lock", "name": "textual", "change": "changed", "old": "==0.79.1", "new": "==6.2.1"},
            {"file": "requirements.txt", "name": "SQLAlchemy", "change": "changed", "old": "==2.0.36", "new": "==2.0.37"},
            {"file": "tools/black-requirements.txt", "name": "black", "change": "removed", "old": "==24.4.2", "new": None},
            {"file": "tools/setuptools-requirements.txt", "name": "setuptools", "change": "added", "old": None, "new": "==75.8.0"},
            {"file": "tools/setuptools-requirements.txt", "name": "wheel", "change": "added", "old": None, "new": "~=0.45"},
        ],
        "not_read": [
            {"path": "python-kernel.lock", "ref": "to", "reason": "JSON without pex's `locked_resolves` (got ['_meta', 'default'])"},
            {
                "path": "tools/mypy.lock",
                "ref": "to",
                "reason": "TOML, but no uv lockfile: no top-level `version` with `[[package]]` tables (got keys ['metadata', 'package'])",
            },
        ],
    }


def test_samples_that_do_not_parse_are_reported_and_still_compared(tmp_path: Path) -> None:
    """Backend.AI's 26.x agent sample (`<name>` tables), the webserver's TOML `sample.conf`, a broken etcd JSON."""
    agent_before = AGENT_SAMPLE.replace('[service-discovery.extra-labels.<name>]\nvalue = "<value>"\n', "")
    repo = make_history(tmp_path, {**BASE, "configs/agent/sample.toml": agent_before, "configs/webserver/sample.conf": WEBSERVER_CONF})
    release(
        repo,
        "24.03.1",
        {
            "configs/agent/sample.toml": AGENT_SAMPLE.replace('mode = "docker"', 'mode = "docker"\nsandbox = "jail"'),
            "configs/webserver/sample.conf": WEBSERVER_CONF.replace("port = 8080", "port = 8090"),
            "configs/manager/sample.etcd.config.json": '{"system": ',
        },
    )
    notes = notes_of(repo, "24.03.0")
    assert as_json(notes)["configuration"] == {
        "samples": [
            {
                "path": "configs/agent/sample.toml",
                "file": "changed",
                "format": "toml",
                "line_wise": [{"ref": "to", "reason": "Invalid initial character for a key part (at line 20, column 33)"}],
                "added": [
                    {"key": "agent.sandbox", "value": "jail"},
                    {"key": "service-discovery.extra-labels.<name>.value", "value": "<value>"},
                ],
                "removed": [],
                "changed": [],
            },
            {
                "path": "configs/webserver/sample.conf",
                "file": "changed",
                "format": "toml",
                "line_wise": [],
                "added": [],
                "removed": [],
                "changed": [{"key": "service.port", "old": 8080, "new": 8090}],
            },
        ],
        "not_read": [
            {
                "path": "configs/manager/sample.etcd.config.json",
                "ref": "to",
                "reason": "not valid JSON (got Expecting value: line 1 column 12 (char 11)); its keys are not compared",
            }
        ],
        "local": [],
    }
    assert notes.steps[-2].details == (
        "configs/agent/sample.toml: changed; 2 added, 0 removed, 0 changed defaults (read line by line: not valid "
        "TOML at `--to`)",
        "configs/webserver/sample.conf: changed; 0 added, 0 removed, 1 changed defaults",
        "configs/manager/sample.etcd.config.json: could not be read at `--to`; compare it by hand",
    )
    markdown = render_markdown(notes)
    assert (
        "Not valid TOML at `--to` (Invalid initial character for a key part (at line 20, column 33)): read line by "
        "line, table headers and keys as written, values parsed where they are TOML."
    ) in markdown.splitlines()
    assert "- `configs/manager/sample.etcd.config.json` at `--to`: not valid JSON (got Expecting value: line 1 column 12 (char 11)); its keys are not compared" in markdown.splitlines()

    local = tmp_path / "agent.toml"
    local.write_text('[etcd]\nnamespace = "prod"\n[agent]\nmode = "docker"\n[service-discovery.extra-labels.zone]\nvalue = "a"\n')
    check = notes_of(repo, "24.03.0", local_configs=(("configs/agent/sample.toml", str(local)),)).configuration.local[0]
    assert [key.key for key in check.missing] == [
        "agent.allocation-order",
        "agent.rpc-listen-addr.host",
        "agent.rpc-listen-addr.port",
        "agent.sandbox",
        "container.volumes",
        "etcd.addr.host",
        "etcd.addr.port",
        "logging.pkg-ns.",
        "logging.pkg-ns.ai.backend",
        "service-discovery.type",
    ]


@pytest.fixture
def descendants_history(tmp_path: Path) -> Path:
    """24.03.1: a1 <- p1 <- d1 <- d2. 24.09.0: a1 <- m1 <- p1 <- d1 <- d2: p1 re-parented, d1 and d2 ride on it."""
    repo = make_history(tmp_path)
    git(repo, "switch", "-q", "-c", "24.03")
    chain = [revision("p1", "a1", "Fix the users index."), revision("d1", "p1", "Add keypairs."), revision("d2", "d1", "Add quotas.")]
    release(repo, "24.03.1", dict(chain))
    git(repo, "switch", "-q", "main")
    release(repo, "24.09.0", dict([revision("m1", "a1", "Add sessions."), revision("p1", "m1", "Fix the users index."), *chain[1:]]))
    return repo


def test_revisions_to_undo_say_why(descendants_history: Path, tmp_path: Path) -> None:
    repo = descendants_history
    notes = notes_of(repo, "24.03.1")
    assert as_json(notes)["database"][0]["to_undo"] == [
        {"revision": "d2", "doc": "Add quotas.", "reason": "descendant", "reparented_ancestors": ["p1"]},
        {"revision": "d1", "doc": "Add keypairs.", "reason": "descendant", "reparented_ancestors": ["p1"]},
        {"revision": "p1", "doc": "Fix the users index.", "reason": "re-parented", "reparented_ancestors": []},
    ]
    assert "- `d2` (descendant of re-parented `p1`): Add quotas." in render_markdown(notes).splitlines()
    git(repo, "checkout", "-q", "--detach", "24.03.1")
    run_commands(repo, tmp_path, ["python -m alembic -c alembic.ini upgrade heads", *notes.database[0].downgrade_commands])
    assert sqlite_tables(repo / DB) == ("alembic_version", "t_a1")


def test_a_build_root_below_the_repository_root(tmp_path: Path) -> None:
    """Paths are the build root's, as Pants sees them, when the monorepo is a subdirectory of the repository."""
    outer = tmp_path / "outer"
    (outer / "monorepo").mkdir(parents=True)
    git(outer, "init", "-q", "-b", "main")
    repo = outer / "monorepo"
    release(repo, None, BASE, tag="24.03.0")
    toml = BASE["configs/manager/sample.toml"] + "[events]\nbatch = 16\n"
    files = {"configs/manager/sample.toml": toml, "src/ai/backend/agent/server.py": "PORT = 1\n"}
    release(repo, "24.03.1", {**files, "docker-compose.halfstack-2403.yml": compose("postgres:16.1-alpine")})
    notes = notes_of(repo, "24.03.0")
    assert (notes.session_files, [s.path for s in notes.configuration.samples], notes.halfstack.comparisons[0].to_path) == (
        ("src/ai/backend/agent/server.py",),
        ["configs/manager/sample.toml"],
        "docker-compose.halfstack-2403.yml",
    )


@pytest.fixture(scope="module")
def bad_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tags for each bad `--from`/`--to`, and a broken local config beside the repository; built once, copied per case."""
    root = tmp_path_factory.mktemp("bad-history")
    repo = make_history(root)
    release(repo, None, {"VERSION": None}, tag="no-version")
    release(repo, None, {"VERSION": "garbage\n"}, tag="bad-version")
    release(repo, None, {"VERSION": "24.03.1\n", "migrations/versions/bad.py": "revision = 'x'\ndown_revision = (\n"}, tag="bad-revision")
    release(repo, "24.03.1", {"migrations/versions/bad.py": None})
    (root / "broken.toml").write_text("[db\nport = 1\n")
    return root


SAMPLE = "configs/manager/sample.toml"


@pytest.mark.parametrize(
    "run, message",
    [
        pytest.param(lambda r, t: notes_of(r, None), "`--from`: no ref given (got none); name the installed release, e.g. `--from=24.03.0`", id="no-from"),
        pytest.param(
            lambda r, t: notes_of(r, "nope"),
            "`--from`: unknown ref (got `nope`); name a tag, branch or commit, as `git log nope` would",
            id="unknown-from",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", "24.3.1"),
            "`--to`: unknown ref (got `24.3.1`); name a tag, branch or commit, as `git log 24.3.1` would",
            id="unknown-to",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.1", "main"),
            "`--to`: the same commit as `--from` (got `{head}` for `24.03.1` and `main`); name the release to upgrade to",
            id="same-commit",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "no-version"),
            "`VERSION` at `--from=no-version`: no version file in commit `{no-version}` (got none); name a commit of "
            "the monorepo that has one, or set `[release-version].file`",
            id="no-version-file",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "bad-version"),
            "`VERSION` at `--from=bad-version`: not a PEP 440 version (got `garbage`); write `YY.MM.PATCH`, as in `24.09.0`",
            id="bad-version-at-from",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", "bad-version"),
            "`VERSION` at `--to=bad-version`: not a PEP 440 version (got `garbage`); write `YY.MM.PATCH`, as in `24.09.0`",
            id="bad-version-at-to",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", "bad-revision"),
            "migrations/versions/bad.py: revision file is not valid Python (got a syntax error on line 2); "
            "fix the file so `alembic` can import it",
            id="revision-file-does-not-parse",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.1", "24.03.0"),
            "`--to`: an older version than `--from` (got `24.3.0` < `24.3.1`); a downgrade runs migrations "
            "backwards: swap the refs, or pass `--allow-downgrade`",
            id="downgrade",
        ),
        pytest.param(
            lambda r, t: parse_config_options([SAMPLE, f"{SAMPLE}=/etc/m.toml"]),
            "`--config`: not SAMPLE=LOCAL (got `configs/manager/sample.toml`); pass `--config=SAMPLE=LOCAL`, e.g. "
            "`--config=configs/manager/sample.toml=/etc/backend.ai/manager.toml`",
            id="config-without-local",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", local_configs=(("configs/nope.toml", "/etc/m.toml"),)),
            "`--config`: no sample config `configs/nope.toml` at `--to` (got `configs/nope.toml=/etc/m.toml`); name "
            "one of `configs/manager/sample.etcd.config.json`, `configs/manager/sample.toml`",
            id="config-unknown-sample",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", local_configs=((SAMPLE, str(t / "missing.toml")),)),
            "`--config`: cannot read the local file `{tmp}/missing.toml` (got No such file or directory); pass "
            "`--config=SAMPLE=LOCAL`, e.g. `--config=configs/manager/sample.toml=/etc/backend.ai/manager.toml`",
            id="config-local-missing",
        ),
        pytest.param(
            lambda r, t: notes_of(r, "24.03.0", local_configs=((SAMPLE, str(t / "broken.toml")),)),
            "`--config`: the local file `{tmp}/broken.toml` does not parse like its sample "
            "`configs/manager/sample.toml` (got Expected ']' at the end of a table declaration (at line 1, column 4)); "
            "fix its syntax",
            id="config-local-invalid",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_ref_or_file(bad_history: Path, tmp_path: Path, run: Callable, message: str) -> None:
    shutil.copytree(bad_history, tmp_path, dirs_exist_ok=True)
    repo = tmp_path / "repo"
    with pytest.raises(UpgradeNotesError) as error:
        run(repo, tmp_path)
    names = {"head": git(repo, "rev-parse", "--short=12", "HEAD"), "no-version": git(repo, "rev-parse", "--short=12", "no-version")}
    assert str(error.value) == message.format(tmp=tmp_path, **names)
