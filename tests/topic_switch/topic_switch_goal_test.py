"""RuleRunner tests of `pants topic-switch`: bad input, `--dry-run` output, the executor round trip.

Real alembic runs in the unit tests (resolve `core-tests`) and the end-to-end test; here alembic is
`false`, a database that cannot be reached, which a dry run plans around.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import git, init_repo, run_goal
from repository_state import plugin_state
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.topic_switch.goal import TopicSwitchGoal

REVISION = dedent(
    """\
    revision = {rev!r}
    down_revision = {down!r}
    """
)


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    rule_runner.write_files(
        {
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "# alembic's environment script; alembic itself does not run here\n",
            "migrations/versions/r1.py": REVISION.format(rev="r1", down=None),
            "configs/manager/sample.toml": "[db]\nport = 8100\n",
        }
    )
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "switch", "-q", "-c", "topic-b")
    rule_runner.write_files(
        {"migrations/versions/b1.py": REVISION.format(rev="b1", down="r1"), "configs/manager/sample.toml": "[db]\nport = 8101\n"}
    )
    git(repo, "add", "migrations", "configs")
    git(repo, "commit", "-q", "-m", "b1")
    git(repo, "switch", "-q", "-c", "topic-a", "main")
    rule_runner.write_files({"migrations/versions/a1.py": REVISION.format(rev="a1", down="r1")})
    git(repo, "add", "migrations")
    git(repo, "commit", "-q", "-m", "a1")
    return repo


def switch(rule_runner: RuleRunner, *args: str) -> GoalRuleResult:
    return run_goal(rule_runner, TopicSwitchGoal, "--topic-switch-alembic-command=['false']", *args)


@pytest.mark.parametrize(
    "args, error",
    [
        pytest.param(["--to=nope"], "`--to`: unknown branch (got `nope`); `git branch` lists the local branches", id="unknown"),
        pytest.param(["--to=topic-a"], "`--to`: already on this branch (got `topic-a`); name another branch", id="current"),
        pytest.param(
            ["--to=topic-b"],
            "alembic.ini: `alembic current` failed, so the database state is unknown (got exit code 1); "
            "run `false -c alembic.ini current` to see why, fix that, then run again; nothing was changed",
            id="database-unreachable",
        ),
        pytest.param(
            ["--continue"],
            "`--continue`: no topic switch in progress (got no `{git}/calver-release/topic-switch.json`); "
            "start one with `pants topic-switch --to=BRANCH`",
            id="continue-without-journal",
        ),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(rule_runner: RuleRunner, repo: Path, args, error: str) -> None:
    refs = git(repo, "for-each-ref")
    result = switch(rule_runner, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(git=repo / ".git") + "\n")
    assert (git(repo, "for-each-ref"), git(repo, "branch", "--show-current")) == (refs, "topic-a")
    assert plugin_state(repo) == []


def test_dry_run_prints_the_plan_as_text(rule_runner: RuleRunner, repo: Path) -> None:
    result = switch(rule_runner, "--to=topic-b", "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == dedent(
        """\
        Plan: switch `topic-a` -> `topic-b` (dry run: nothing was changed)
        alembic.ini: database at a1 (database unreachable: assumed at the current commit's heads)
          downgrade N=1: a1; then upgrade heads applies b1
        export: none; skip (lockfile unchanged): none
        steps:
          1. downgrade alembic.ini: N=1 (a1)
             $ PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=src false -c alembic.ini downgrade a1@r1
          2. git switch topic-b
             $ git switch topic-b
          3. upgrade heads alembic.ini: 1 to apply
             $ PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=src false -c alembic.ini upgrade heads
        configuration changes (update your local configs):
          configs/manager/sample.toml: changed `db.port` from 8100 to 8101
        """
    )
    assert git(repo, "branch", "--show-current") == "topic-a"


def test_dry_run_json(rule_runner: RuleRunner, repo: Path) -> None:
    result = switch(rule_runner, "--to=topic-b", "--dry-run", "--format=json", "--export=all")
    report = json.loads(result.stdout)
    assert report["environments"] == {
        "alembic.ini": {
            "applied": ["a1"],
            "database_assumed_at_heads": True,
            "downgrade": ["a1"],
            "n": 1,
            "downgrade_commands": [["downgrade", "a1@r1"]],
            "kept_heads": ["r1"],
            "upgrade": ["b1"],
            "heads_after": ["b1"],
        }
    }
    assert (report["export"], report["skip_export"]) == ([], [])
    assert report["config_changes"] == [
        {
            "path": "configs/manager/sample.toml",
            "key": "db.port",
            "change": "changed",
            "old": 8100,
            "new": 8101,
            "text": "configs/manager/sample.toml: changed `db.port` from 8100 to 8101",
        }
    ]
    assert [step["name"] for step in report["steps"]] == ["downgrade", "switch", "upgrade"]


def test_switch_runs_in_the_executor_and_reports(rule_runner: RuleRunner, repo: Path) -> None:
    """Without alembic environments (no ini on either side) the switch is `git switch` plus the config report."""
    (repo / "alembic.ini").unlink()
    git(repo, "commit", "-q", "-am", "no alembic on topic-a")
    git(repo, "branch", "plain")
    result = switch(rule_runner, "--to=plain")
    assert (result.exit_code, result.stdout) == (0, "Switched `topic-a` -> `plain`\nconfiguration changes: none\n")
    assert git(repo, "branch", "--show-current") == "plain"
    assert not (repo / ".git/calver-release/topic-switch.json").exists()
