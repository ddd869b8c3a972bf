"""The real `./pants upgrade-notes` on a copy of the example monorepo, between two of its own commits.

24.09.1 brings what Backend.AI's 26.x releases brought: a uv lockfile where a Pants one was, a
sample with a `<name>` placeholder table, and a new server-side distribution.
"""

from __future__ import annotations

import json
from textwrap import dedent

from conftest import git
from example_repo import SharedExample
from real_formats import uv_lockfile

VERSIONS = "src/ai/backend/manager/models/alembic/versions"
MAIN_HEAD = "8b2e4d6f9a01"
GROUPS = dedent(
    f'''\
    """Create the groups table.

    Revision ID: c3d4e5f6a7b8
    Revises: {MAIN_HEAD}
    """

    import sqlalchemy as sa
    from alembic import op

    revision = "c3d4e5f6a7b8"
    down_revision = "{MAIN_HEAD}"
    branch_labels = None
    depends_on = None


    def upgrade() -> None:
        op.create_table("groups", sa.Column("id", sa.Integer, primary_key=True))


    def downgrade() -> None:
        op.drop_table("groups")
    '''
)

INSTALL_BUILD = dedent(
    """\
    python_distribution(
        name="dist",
        provides=python_artifact(name="backend.ai-install", description="Backend.AI Installer", license="LGPLv3"),
    )
    """
)
PLACEHOLDER = '\n[service-discovery.extra-labels.<name>]\nvalue = "<value>"\n'


def test_notes_between_two_commits_of_the_example(example: SharedExample) -> None:
    repo = example.root
    (repo / "VERSION").write_text("24.09.0\n")
    git(repo, "commit", "-qam", "release: 24.09.0")
    git(repo, "tag", "24.09.0")
    old = git(repo, "rev-parse", "HEAD")
    (repo / "VERSION").write_text("24.09.1\n")
    (repo / f"{VERSIONS}/c3d4e5f6a7b8_create_groups.py").write_text(GROUPS)
    toml = repo / "configs/manager/sample.toml"
    toml.write_text(toml.read_text().replace("num-proc = 4\n", "num-proc = 4\npool-size = 8\n"))
    agent = repo / "src/ai/backend/agent/__init__.py"
    agent.write_text(agent.read_text() + "# kernel runner protocol 2\n")
    sample = repo / "configs/agent/sample.toml"
    sample.write_text(sample.read_text() + PLACEHOLDER)
    lockfile = json.loads("\n".join(line for line in (repo / "python.lock").read_text().splitlines() if not line.startswith("//")))
    locked = [(p["project_name"], p["version"]) for p in lockfile["locked_resolves"][0]["locked_requirements"]]
    bumped = [(name, "1.17.0" if name == "alembic" else version) for name, version in locked]
    (repo / "python.lock").write_text(uv_lockfile(bumped))
    (repo / "src/ai/backend/install").mkdir()
    (repo / "src/ai/backend/install/BUILD").write_text(INSTALL_BUILD)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "release: 24.09.1")
    new = git(repo, "rev-parse", "HEAD")
    # The distributions and their versions come through the same rules as stamping: compare with release-version.
    components = json.loads(example.run("release-version", "--format=json").assert_success().stdout)["components"]
    server_side = sorted(c["name"] for c in components if c["server_side"])
    assert {c["version"] for c in components if c["server_side"]} == {"24.9.1"}

    result = example.run("upgrade-notes", "--from=24.09.0", "--format=json").assert_success()

    pip = (
        f"python -m pip install $(python -m pip show {' '.join(server_side)} 2>/dev/null "
        "| sed -n 's/^Name: \\(.*\\)$/\\1==24.9.1/p')"
    )
    upgrade = "python -m alembic -c alembic.ini upgrade heads"
    assert json.loads(result.stdout) == {
        "schema_version": 2,
        "from": {"ref": "24.09.0", "commit": old, "version": "24.09.0", "pep440": "24.9.0", "series": "24.09"},
        "to": {"ref": "HEAD", "commit": new, "version": "24.09.1", "pep440": "24.9.1", "series": "24.09"},
        "kind": "patch",
        "summary": ["A patch update within the 24.09 release series."],
        "session_files": ["src/ai/backend/agent/__init__.py"],
        "terminate_sessions": True,
        "packages": {
            "version": "24.9.1",
            "distributions": server_side,
            "constraints": [f"{name}==24.9.1" for name in server_side],
            "upgrade_command": pip,
            "distributions_added": ["backend.ai-install"],
            "distributions_removed": [],
            "requirement_files": [
                {"path": "python.lock", "kind": "lockfile", "file": "changed", "from_format": "pex", "to_format": "uv"}
            ],
            "requirements": [
                {"file": "python.lock", "name": "alembic", "change": "changed", "old": "==1.16.5", "new": "==1.17.0"}
            ],
            "not_read": [],
        },
        "database": [
            {
                "ini": "alembic.ini",
                "to_undo": [],
                "downgrade_commands": [],
                "to_apply": [{"revision": "c3d4e5f6a7b8", "doc": "Create the groups table."}],
                "heads": ["c3d4e5f6a7b8"],
                "upgrade_command": upgrade,
            }
        ],
        "configuration": {
            "samples": [
                {
                    "path": "configs/agent/sample.toml",
                    "file": "changed",
                    "format": "toml",
                    "line_wise": [{"ref": "to", "reason": "Invalid initial character for a key part (at line 7, column 33)"}],
                    "added": [{"key": "service-discovery.extra-labels.<name>.value", "value": "<value>"}],
                    "removed": [],
                    "changed": [],
                },
                {
                    "path": "configs/manager/sample.toml",
                    "file": "changed",
                    "format": "toml",
                    "line_wise": [],
                    "added": [{"key": "manager.pool-size", "value": 8}],
                    "removed": [],
                    "changed": [],
                },
            ],
            "not_read": [],
            "local": [],
        },
        "halfstack": {"added": [], "removed": [], "comparisons": []},
        "steps": [
            {
                "title": "Terminate all compute sessions, then stop the Backend.AI services.",
                "commands": [],
                "details": ["the agent or kernel runner changed (`src/ai/backend/agent/__init__.py`)"],
            },
            {
                "title": "Install 24.9.1 of the server-side packages the virtualenv has (run in it).",
                "commands": [pip],
                "details": [
                    "new in 24.09.1: `backend.ai-install`; the command installs them only where another distribution "
                    "requires them: install the ones this host should run"
                ],
            },
            {
                "title": "Upgrade the database.",
                "commands": [upgrade],
                "details": ["alembic.ini: apply 1 revision, ending at `c3d4e5f6a7b8`"],
            },
            {
                "title": "Update the configuration files (TOML) and etcd settings (JSON samples).",
                "commands": [],
                "details": [
                    "configs/agent/sample.toml: changed; 1 added, 0 removed, 0 changed defaults (read line by line: "
                    "not valid TOML at `--to`)",
                    "configs/manager/sample.toml: changed; 1 added, 0 removed, 0 changed defaults",
                ],
            },
            {"title": "Start the Backend.AI services.", "commands": [], "details": []},
        ],
    }

    refused = example.run("upgrade-notes", "--from=24.09.1")
    assert (refused.exit_code, refused.stdout, refused.error_line) == (
        1,
        "",
        "`--from`: unknown ref (got `24.09.1`); name a tag, branch or commit, as `git log 24.09.1` would",
    )
    assert "Traceback" not in refused.stderr
