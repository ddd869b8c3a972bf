"""RuleRunner tests of `pants upgrade-notes`: the options it reads, output, bad input."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from conftest import git, init_repo, run_goal
from pants.backend.python.macros import python_requirements
from pants.backend.python.macros.python_artifact import PythonArtifact
from pants.backend.python.macros.python_requirements import PythonRequirementsTargetGenerator
from pants.backend.python.target_types import PythonDistribution, PythonRequirementTarget
from pants.testutil.rule_runner import RuleRunner
from release_history import BASE, distribution_build, notes_of, release, revision

from calver_release import register
from calver_release.upgrade_notes.goal import UpgradeNotesGoal
from calver_release.upgrade_notes.render import render_markdown, render_text
from calver_release.upgrade_notes.report import render_json

INDEPENDENT = ("*-client", "*-client-*", "*-sdk")
"""`[release-version].independent_distributions` by default."""


@pytest.fixture
def rule_runner() -> RuleRunner:
    """The whole backend, plus `python_requirements`, whose generated targets name the requirements file."""
    gc.collect()  # frees earlier tests' RuleRunners, each holding one of the user's 128 inotify instances
    return RuleRunner(
        rules=[*register.rules(), *python_requirements.rules()],
        target_types=[PythonDistribution, PythonRequirementTarget, PythonRequirementsTargetGenerator],
        objects={"python_artifact": PythonArtifact},
    )


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """24.03.0 -> 24.03.1 (a migration, a new pin, a config key) -> 24.03.2 (a new distribution, an ignored one)."""
    rule_runner.write_files(
        {
            **BASE,
            "3rdparty/BUILD": 'python_requirements(name="reqs", source="services.txt")\n',
            "3rdparty/services.txt": "alembic==1.16.5\n",
            "src/ai/backend/client/BUILD": distribution_build("backend.ai-client", version="24.03.7"),
        }
    )
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "tag", "24.03.0")
    toml = BASE["configs/manager/sample.toml"] + "\n[events]\nbatch = 16\n"
    files = {"3rdparty/services.txt": "alembic==1.17.0\n", "configs/manager/sample.toml": toml}
    release(repo, "24.03.1", {**files, **dict([revision("a2", "a1", "Add the groups table.")])})
    release(
        repo,
        "24.03.2",
        {
            "src/ai/backend/install/BUILD": distribution_build("backend.ai-install"),
            "examples/monorepo/BUILD": distribution_build("backend.ai-example"),
        },
    )
    return repo


@pytest.mark.parametrize(
    "args, render",
    [
        pytest.param([], render_markdown, id="markdown-by-default"),
        pytest.param(["--format=text"], render_text, id="text"),
        pytest.param(["--format=json"], render_json, id="json"),
    ],
)
def test_the_goal_prints_the_notes(rule_runner: RuleRunner, repo: Path, args, render) -> None:
    """What the goal adds to the pure notes: its options and `[release-version]`'s independent distributions."""
    result = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.0", *args, global_args=("--build-ignore=/examples/",))
    expected = notes_of(repo, "24.03.0", independent=INDEPENDENT, build_ignore=("/examples/",))
    assert (result.exit_code, result.stderr, result.stdout) == (0, "", render(expected))


def test_packages_come_from_the_build_files_at_to(rule_runner: RuleRunner, repo: Path) -> None:
    """The checkout is 24.03.2 with a new distribution; `--to=24.03.1` lists 24.03.1's, and `[GLOBAL].build_ignore` counts."""
    older = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.0", "--to=24.03.1", "--format=json")
    newer = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.1", "--format=json", global_args=("--build-ignore=/examples/",))
    packages = [json.loads(result.stdout)["packages"] for result in (older, newer)]
    assert (older.exit_code, newer.exit_code) == (0, 0)
    assert packages[0] == {
        "version": "24.3.1",
        "distributions": ["backend.ai-agent", "backend.ai-common", "backend.ai-manager"],
        "constraints": ["backend.ai-agent==24.3.1", "backend.ai-common==24.3.1", "backend.ai-manager==24.3.1"],
        "upgrade_command": "python -m pip install $(python -m pip show backend.ai-agent backend.ai-common "
        "backend.ai-manager 2>/dev/null | sed -n 's/^Name: \\(.*\\)$/\\1==24.3.1/p')",
        "distributions_added": [],
        "distributions_removed": [],
        "requirement_files": [
            {"path": "3rdparty/services.txt", "kind": "requirements", "file": "changed", "from_format": "requirements", "to_format": "requirements"}
        ],
        "requirements": [
            {"file": "3rdparty/services.txt", "name": "alembic", "change": "changed", "old": "==1.16.5", "new": "==1.17.0"}
        ],
        "not_read": [],
    }
    assert (packages[1]["distributions"], packages[1]["distributions_added"]) == (
        ["backend.ai-agent", "backend.ai-common", "backend.ai-install", "backend.ai-manager"],
        ["backend.ai-install"],
    )


@pytest.mark.parametrize(
    "args, files, error",
    [
        pytest.param([], {}, "`--from`: no ref given (got none); name the installed release, e.g. `--from=24.03.0`", id="no-from"),
        pytest.param(
            ["--from=24.03.0", "--to=25.03.0"],
            {},
            "`--to`: unknown ref (got `25.03.0`); name a tag, branch or commit, as `git log 25.03.0` would",
            id="unknown-to",
        ),
        pytest.param(
            ["--from=24.03.0", "--config=/etc/backend.ai/manager.toml"],
            {},
            "`--config`: not SAMPLE=LOCAL (got `/etc/backend.ai/manager.toml`); pass `--config=SAMPLE=LOCAL`, e.g. "
            "`--config=configs/manager/sample.toml=/etc/backend.ai/manager.toml`",
            id="config-without-sample",
        ),
        pytest.param(
            ["--from=24.03.0"],
            {"src/ai/backend/manager/BUILD": distribution_build("backend.ai-manager", "24.03.1")},
            "src/ai/backend/manager:dist: `version='24.03.1'` in `provides` differs from the monorepo version `24.3.3` "
            "this lockstep distribution is built with; remove it, or set `calver_lockstep=False` on the target to "
            "release it with its own version",
            id="conflicting-distribution-version-at-to",
        ),
    ],
)
def test_bad_input_is_one_line(rule_runner: RuleRunner, repo: Path, args, files, error: str) -> None:
    if files:
        release(repo, "24.03.3", files)
    result = run_goal(rule_runner, UpgradeNotesGoal, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error + "\n")


def test_a_downgrade_needs_allow_downgrade(rule_runner: RuleRunner, repo: Path) -> None:
    refused = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.2", "--to=24.03.0")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (
        1,
        "",
        "`--to`: an older version than `--from` (got `24.3.0` < `24.3.2`); a downgrade runs migrations backwards: "
        "swap the refs, or pass `--allow-downgrade`\n",
    )
    allowed = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.2", "--to=24.03.0", "--allow-downgrade", "--format=json")
    report = json.loads(allowed.stdout)
    assert (allowed.exit_code, report["kind"], report["database"][0]["downgrade_commands"]) == (
        0,
        "downgrade",
        ["python -m alembic -c alembic.ini downgrade a2@a1"],
    )


def test_alembic_environments_come_from_topic_switch_options(rule_runner: RuleRunner, repo: Path) -> None:
    """`[topic-switch].alembic_inis` reaches upgrade-notes through the `AlembicSettings` rule."""
    result = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.0", "--topic-switch-alembic-inis=['accounts.ini']")
    head = git(repo, "rev-parse", "HEAD")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"accounts.ini: alembic ini not found at `{head}` nor in the working tree (got no file); create it (e.g. from "
        "its `.sample`) or fix the configured ini path\n",
    )
