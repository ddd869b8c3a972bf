"""Bad input to `pants release-version`: one line on stderr, exit code 1, files and refs unchanged."""

from __future__ import annotations

import os
from pathlib import Path
from textwrap import dedent
from typing import Callable, Dict, Optional

import pytest
from conftest import git, init_repo, run_goal
from pants.testutil.rule_runner import RuleRunner

from calver_release.release.goal import ReleaseVersionGoal

Prepare = Callable[[Path], None]


def snapshot(root: Path) -> Dict[str, str]:
    """Every file and symlink under the build root and where it points; git's files too, but its index (stat caches)."""
    found = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file() and name != ".git/index" and not name.startswith((".pants.d", "BUILDROOT")):
            found[name] = path.read_bytes().hex()
    return found


def in_repo(*steps: Prepare) -> Prepare:
    """Make the build root a repository on `main` (VERSION committed), then apply `steps`."""

    def prepare(root: Path) -> None:
        init_repo(root)
        for step in steps:
            step(root)

    return prepare


def branch(name: str) -> Prepare:
    return lambda root: git(root, "branch", name)


def touch(path: str) -> Prepare:
    return lambda root: (root / path).write_text("")


def directory(path: str) -> Prepare:
    return lambda root: (root / path).mkdir(parents=True)


def write(path: str, text: str) -> Prepare:
    return lambda root: (root / path).write_text(text)


def version_directory(root: Path) -> None:
    (root / "VERSION").unlink()
    (root / "VERSION").mkdir()


CLIENT = 'python_distribution(name="client", provides=python_artifact(name="backend.ai-client", version="{version}"))\n'


@pytest.mark.parametrize(
    "prepare, args, error",
    [
        pytest.param(
            None,
            ["--set=24.13.0"],
            "`--set`: under the 6-month cadence the minor is a month, and `13` is not one (got `24.13.0`); "
            'write a month such as `24.09`, or set `[release-version].cadence = "sequential"`',
            id="set-minor-13",
        ),
        pytest.param(
            None,
            ["--set=26.14.0", "--no-pad-minor"],
            "`--set`: under the 6-month cadence the minor is a month, and `14` is not one (got `26.14.0`); "
            'write a month such as `26.9`, or set `[release-version].cadence = "sequential"`',
            id="set-minor-14-unpadded",
        ),
        pytest.param(
            in_repo(branch("24.09/hotfix")),
            ["--cut-release"],
            "`--cut-release`: the branch `24.09` collides with the branch `24.09/hotfix` (got "
            "`refs/heads/24.09/hotfix`); rename or delete `24.09/hotfix` (`git branch -m 24.09/hotfix NEW`), "
            "then run again",
            id="cut-ref-collision",
        ),
        pytest.param(
            in_repo(touch(".git/refs/heads/24.09.lock")),
            ["--cut-release"],
            "`{root}/.git/refs/heads/24.09.lock`: a lock file of another git process is in the way (got an "
            "existing file); if no git process is running, delete the file and run again",
            id="cut-stale-ref-lock",
        ),
        pytest.param(
            in_repo(touch(".git/index.lock")),
            ["--cut-release"],
            "`{root}/.git/index.lock`: a lock file of another git process is in the way (got an existing file); "
            "if no git process is running, delete the file and run again",
            id="cut-stale-index-lock",
        ),
        pytest.param(
            None,
            ["--cut-release"],
            "`{root}`: not a git repository (got `git rev-parse --git-common-dir` failing); "
            "run inside the repository's checkout",
            id="cut-outside-a-repository",
        ),
        pytest.param(
            version_directory,
            [],
            "`VERSION`: a directory, not the version file (got a directory); replace it with a file holding one "
            "line such as `24.09.0.dev0`",
            id="version-is-a-directory",
        ),
        pytest.param(
            version_directory,
            ["--check"],
            "`VERSION`: a directory, not the version file (got a directory); replace it with a file holding one "
            "line such as `24.09.0.dev0`",
            id="check-version-is-a-directory",
        ),
        pytest.param(
            version_directory,
            ["--set=24.09.1"],
            "`VERSION`: a directory, not the version file (got a directory); replace it with a file holding one "
            "line such as `24.09.0.dev0`",
            id="set-version-is-a-directory",
        ),
        pytest.param(
            directory("src/ai/backend/manager/VERSION"),
            ["--check"],
            "`src/ai/backend/manager/VERSION`: a directory, not a version file (got a directory); replace it with "
            "a symlink to the root version file",
            id="check-package-version-is-a-directory",
        ),
        pytest.param(
            write("BUILD", CLIENT.format(version="1.4.x")),
            ["--check"],
            "//:client: `version='1.4.x'` in `provides` is not a PEP 440 version (got `1.4.x`); "
            "write one such as `1.4.0`",
            id="check-invalid-declared-version",
        ),
        pytest.param(
            write("BUILD", CLIENT.format(version="latest")),
            ["--format=json"],
            "//:client: `version='latest'` in `provides` is not a PEP 440 version (got `latest`); "
            "write one such as `1.4.0`",
            id="json-invalid-declared-version",
        ),
        pytest.param(
            write("VERSION", "24.09.0rc1\n24.09.0\n"),
            ["--cut-release"],
            "`VERSION`: the version file holds 2 lines; it must hold exactly one version",
            id="cut-multi-line-version",
        ),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(
    rule_runner: RuleRunner, prepare: Optional[Prepare], args: list, error: str
) -> None:
    root = Path(rule_runner.build_root)
    rule_runner.write_files({"VERSION": "24.09.0rc1\n"})
    if prepare:
        prepare(root)
    before = snapshot(root)
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(root=root) + "\n")
    assert snapshot(root) == before


def test_set_outside_the_cadence_warns_and_sets(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.1\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--set=24.12.0")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "24.09.1 -> 24.12.0\n",
        "warning: `--set`: the 6-month cadence produces the series `24.03` and `24.09`, not `24.12` "
        "(got `24.12.0`); setting it anyway\n",
    )
    assert Path(rule_runner.build_root, "VERSION").read_text() == "24.12.0\n"


def test_a_sequential_cadence_sets_any_minor_silently(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "25.19.0\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--set=25.20.0", "--cadence=sequential")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "25.19.0 -> 25.20.0\n", "")


def test_check_reports_a_package_version_directory_among_other_problems(rule_runner: RuleRunner) -> None:
    root = Path(rule_runner.build_root)
    rule_runner.write_files({"VERSION": "24.09.0rc1\n", "src/ai/backend/web/VERSION": "24.03.0\n"})
    (root / "src/ai/backend/agent/VERSION").mkdir(parents=True)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--check")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == dedent(
        """\
        `src/ai/backend/agent/VERSION`: a directory, not a version file (got a directory); replace it with a symlink to the root version file
        `src/ai/backend/web/VERSION`: differs from the root version file (got `24.03.0`); make it a symlink to the root version file
        """
    )
