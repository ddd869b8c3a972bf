"""RuleRunner tests of `pants release-version --check` and of `--format=json`'s components."""

from __future__ import annotations

import json
import os
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import git, init_repo, run_goal
from pants.testutil.rule_runner import RuleRunner

from calver_release.release.goal import ReleaseVersionGoal

DISTRIBUTIONS = dedent(
    """\
    python_distribution(name="common", provides=python_artifact(name="backend.ai-common"))
    python_distribution(name="client", provides=python_artifact(name="backend.ai-client", version="24.09.1"))
    """
)


@pytest.fixture(autouse=True)
def distributions(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0rc1\n", "BUILD": DISTRIBUTIONS})


def assert_check(rule_runner: RuleRunner, *problems: str, args=()) -> None:
    result = run_goal(rule_runner, ReleaseVersionGoal, "--check", *args)
    expected = "".join(f"{p}\n" for p in problems)
    assert (result.exit_code, result.stdout, result.stderr) == (1 if problems else 0, "", expected)


def test_passes_silently(rule_runner: RuleRunner) -> None:
    assert_check(rule_runner)


def test_non_canonical_version_file(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0c1\n"})
    assert_check(rule_runner, "`VERSION`: not in canonical form (got `24.09.0c1`); write `24.09.0rc1`")


@pytest.mark.parametrize("args", [pytest.param([], id="padded-scheme"), pytest.param(["--no-pad-minor"], id="unpadded-scheme")])
@pytest.mark.parametrize("version", ["24.09.0rc1", "26.8.0rc1"])
def test_either_spelling_of_the_minor_passes_in_either_scheme(rule_runner: RuleRunner, version: str, args: list) -> None:
    rule_runner.write_files({"VERSION": f"{version}\n"})
    assert_check(rule_runner, args=args)


def test_unpadded_version_file_keeps_its_spelling(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "26.8.0c1\n"})
    assert_check(rule_runner, "`VERSION`: not in canonical form (got `26.8.0c1`); write `26.8.0rc1`")


def test_package_version_files(rule_runner: RuleRunner) -> None:
    root = Path(rule_runner.build_root)
    for pkg in ("manager", "agent", "web"):
        (root / "src/ai/backend" / pkg).mkdir(parents=True)
    os.symlink("../../../../VERSION", root / "src/ai/backend/manager/VERSION")
    os.symlink("../../../../VERSIONS", root / "src/ai/backend/agent/VERSION")
    (root / "src/ai/backend/web/VERSION").write_text("24.03.0\n")
    assert_check(
        rule_runner,
        "`src/ai/backend/agent/VERSION`: broken symlink (got target `../../../../VERSIONS`); point it at the root version file",
        "`src/ai/backend/web/VERSION`: differs from the root version file (got `24.03.0`); make it a symlink to the root version file",
    )


def test_api_version(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"api.py": 'LATEST_API_VERSION = "v8.20240931"\n'})
    result = run_goal(
        rule_runner, ReleaseVersionGoal, "--check", "--api-version-file=api.py", '--api-version-pattern=LATEST_API_VERSION = "([^"]+)"'
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("`api.py`: invalid API version: ") and result.stderr.count("\n") == 1
    assert "v8.20240931" in result.stderr


def test_zero_padded_pins(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "3rdparty/BUILD": dedent(
                """\
                python_requirement(name="client", requirements=["backend.ai-client==24.09.1"])
                python_requirement(name="attrs", requirements=["attrs>=21.3"])
                """
            )
        }
    )
    assert_check(
        rule_runner,
        "3rdparty:client: `backend.ai-client==24.09.1` pins a zero-padded version; "
        "write `backend.ai-client==24.9.1` (setuptools normalizes versions)",
    )


def test_conflicting_lockstep_version(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {"agent/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-agent", version="24.03.0"))'}
    )
    assert_check(
        rule_runner,
        "agent:dist: `version='24.03.0'` in `provides` differs from the monorepo version `24.9.0rc1` this "
        "lockstep distribution is built with; remove it, or set `calver_lockstep=False` on the target to "
        "release it with its own version",
    )


def test_independent_distribution_without_a_version(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {"helpers/BUILD": 'python_distribution(name="dist", provides=python_artifact(name="backend.ai-kernel-helper"), calver_lockstep=False)'}
    )
    assert_check(
        rule_runner,
        "helpers:dist: an independent distribution needs its own `version` in `provides` (got "
        "`calver_lockstep=False` and no `version`); add one, or remove `calver_lockstep=False` to "
        "build it with the monorepo version",
    )


def test_branch_collisions(rule_runner: RuleRunner) -> None:
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "tag", "24.09.0rc1")
    git(repo, "branch", "24.09.0rc1")
    git(repo, "branch", "25.03")
    git(repo, "switch", "--quiet", "--detach")
    assert_check(
        rule_runner,
        "branch `24.09.0rc1`: a tag has the same name; rename the branch",
        "branch `25.03`: named like a release branch but its `VERSION` is `24.09.0rc1` (series `24.09`); "
        "rename the branch or fix its version",
    )


COMPONENTS = [
    {"address": "//:client", "name": "backend.ai-client", "server_side": False, "version": "24.9.1"},
    {"address": "//:common", "name": "backend.ai-common", "server_side": True, "version": "24.9.0rc1"},
]


def test_check_json_prints_the_checked_components_on_success(rule_runner: RuleRunner) -> None:
    result = run_goal(rule_runner, ReleaseVersionGoal, "--check", "--format=json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "version": "24.09.0rc1",
        "pep440": "24.9.0rc1",
        "series": "24.09",
        "release_branch": "24.09",
        "tag": "24.09.0rc1",
        "kind": "rc",
        "is_prerelease": True,
        "components": COMPONENTS,
        "problems": [],
    }


def test_check_json_lists_the_problems_too(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0c1\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--check", "--format=json")
    problem = "`VERSION`: not in canonical form (got `24.09.0c1`); write `24.09.0rc1`"
    assert (result.exit_code, result.stderr) == (1, f"{problem}\n")
    report = json.loads(result.stdout)
    assert (report["components"], report["problems"]) == (COMPONENTS, [problem])


def test_json_lists_components(rule_runner: RuleRunner) -> None:
    result = run_goal(rule_runner, ReleaseVersionGoal, "--format=json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["components"] == [
        {"address": "//:client", "name": "backend.ai-client", "server_side": False, "version": "24.9.1"},
        {"address": "//:common", "name": "backend.ai-common", "server_side": True, "version": "24.9.0rc1"},
    ]


def test_json_stamps_a_client_that_declares_no_version(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "BUILD": dedent(
                """\
                python_distribution(name="common", provides=python_artifact(name="backend.ai-common"))
                python_distribution(name="client", provides=python_artifact(name="backend.ai-client"))
                python_distribution(name="sdk", provides=python_artifact(name="backend.ai-plugin-sdk", version="1.4.0"))
                """
            )
        }
    )
    result = run_goal(rule_runner, ReleaseVersionGoal, "--format=json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout)["components"] == [
        {"address": "//:client", "name": "backend.ai-client", "server_side": True, "version": "24.9.0rc1"},
        {"address": "//:common", "name": "backend.ai-common", "server_side": True, "version": "24.9.0rc1"},
        {"address": "//:sdk", "name": "backend.ai-plugin-sdk", "server_side": False, "version": "1.4.0"},
    ]
