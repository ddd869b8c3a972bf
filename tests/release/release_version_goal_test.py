"""RuleRunner tests of `pants release-version` (show, set, bump, cut a release branch)."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import git, init_repo, run_goal
from pants.testutil.rule_runner import RuleRunner

from calver_release.release.goal import ReleaseVersionGoal


def version_file(rule_runner: RuleRunner, name: str = "VERSION") -> str:
    return Path(rule_runner.build_root, name).read_text()


@pytest.mark.parametrize(
    "content, args, expected",
    [
        pytest.param("24.09.0\n", [], "24.09.0\n", id="canonical"),
        pytest.param("24.03.0dev0\n", [], "24.03.0.dev0\n", id="non-canonical-spelling"),
        pytest.param("24.09.0rc1", ["--format=pep440"], "24.9.0rc1\n", id="pep440-no-newline"),
        pytest.param("26.8.0rc1\n", ["--no-pad-minor"], "26.8.0rc1\n", id="unpadded"),
    ],
)
def test_prints_version(rule_runner: RuleRunner, content: str, args: list, expected: str) -> None:
    rule_runner.write_files({"VERSION": content})
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_prints_json(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0rc1\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--format=json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "version": "24.09.0rc1",
        "pep440": "24.9.0rc1",
        "series": "24.09",
        "release_branch": "24.09",
        "tag": "24.09.0rc1",
        "kind": "rc",
        "is_prerelease": True,
        "components": [],
    }


def test_version_file_is_configurable(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"meta/RELEASE": "23.09.8\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--file=meta/RELEASE")
    assert (result.exit_code, result.stdout) == (0, "23.09.8\n")


@pytest.mark.parametrize(
    "content, error",
    [
        pytest.param(None, "`VERSION`: the version file does not exist; create it with one line such as `24.09.0.dev0`\n", id="missing"),
        pytest.param("", "`VERSION`: the version file is empty; write one line such as `24.09.0.dev0`\n", id="empty"),
        pytest.param("24.09.0\n24.09.1\n", "`VERSION`: the version file holds 2 lines; it must hold exactly one version\n", id="multi-line"),
    ],
)
def test_bad_version_file(rule_runner: RuleRunner, content, error: str) -> None:
    if content is not None:
        rule_runner.write_files({"VERSION": content})
    result = run_goal(rule_runner, ReleaseVersionGoal)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error)


def test_garbage_version_file(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "banana\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("`VERSION`: ") and "banana" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "before, args, after",
    [
        pytest.param("24.09.0\n", ["--set=24.09.1"], "24.09.1\n", id="set"),
        pytest.param("24.09.2\n", ["--bump=patch"], "24.09.3\n", id="bump-patch"),
        pytest.param("24.09.0.dev0", ["--bump=dev"], "24.09.0.dev1\n", id="adds-trailing-newline"),
        pytest.param("24.09.0a1\n", ["--bump=rc"], "24.09.0rc1\n", id="bump-rc"),
        pytest.param("22.09.3\n", ["--bump=minor"], "23.03.0.dev0\n", id="bump-minor"),
        pytest.param("24.09.0rc2\n", ["--bump=final"], "24.09.0\n", id="bump-final"),
    ],
)
def test_set_and_bump_rewrite_the_file(rule_runner: RuleRunner, before: str, args: list, after: str) -> None:
    rule_runner.write_files({"VERSION": before})
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"{before.strip()} -> {after.strip()}\n"
    assert version_file(rule_runner) == after
    assert sorted(p.name for p in Path(rule_runner.build_root).iterdir() if "VERSION" in p.name) == ["VERSION"]


@pytest.mark.parametrize(
    "args, error",
    [
        pytest.param(
            ["--set=24.3.0"],
            "`--set`: not canonical for the zero-padded scheme (got `24.3.0`); write `24.03.0`\n",
            id="set-non-canonical",
        ),
        pytest.param(["--bump=alpha"], "`--bump=alpha`: ", id="bump-down-the-ladder"),
        pytest.param(["--set=24.09"], "`--set`: ", id="set-invalid"),
    ],
)
def test_bad_set_or_bump_changes_nothing(rule_runner: RuleRunner, args: list, error: str) -> None:
    rule_runner.write_files({"VERSION": "24.09.0rc1\n"})
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(error) and result.stderr.count("\n") == 1
    assert version_file(rule_runner) == "24.09.0rc1\n"


def test_interrupted_write_keeps_the_old_version(rule_runner: RuleRunner) -> None:
    # The new content cannot be written (a directory holds the staging name): the write stops
    # halfway, before the rename.
    rule_runner.write_files({"VERSION": "24.09.0\n", ".VERSION.calver-new/blocker": ""})
    result = run_goal(rule_runner, ReleaseVersionGoal, "--bump=patch")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "`VERSION`: could not be rewritten (exit code 1); it was left unchanged\n"
    assert version_file(rule_runner) == "24.09.0\n"


@pytest.fixture
def release_repo(rule_runner: RuleRunner) -> Path:
    rule_runner.write_files({"VERSION": "24.09.0rc1\n", "src/app.py": "print('hi')\n"})
    repo = init_repo(Path(rule_runner.build_root))
    assert git(repo, "ls-files") == "VERSION\nsrc/app.py", "RuleRunner's own files must stay untracked"
    return repo


def test_cut_release(rule_runner: RuleRunner, release_repo: Path) -> None:
    tip = git(release_repo, "rev-parse", "HEAD")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release")
    assert result.exit_code == 0, result.stderr
    new_head = git(release_repo, "rev-parse", "HEAD")
    assert result.stdout == dedent(
        f"""\
        Created release branch 24.09 at {tip[:12]} (24.09.0rc1)
        main: 24.09.0rc1 -> 25.03.0.dev0 (commit {new_head[:12]})
        Registered 24.09 in `.github/maintained-versions.yml`
        """
    )
    assert git(release_repo, "rev-parse", "24.09") == tip
    assert git(release_repo, "show", "24.09:VERSION") == "24.09.0rc1"
    assert git(release_repo, "show", "main:VERSION") == "25.03.0.dev0"
    assert git(release_repo, "rev-parse", "HEAD^") == tip
    assert git(release_repo, "log", "-1", "--format=%s") == "release: start the 25.03 series on main"
    assert git(release_repo, "show", "main:.github/maintained-versions.yml") == 'versions:\n  - version: "24.09"'
    assert git(release_repo, "status", "--porcelain") == ""


def assert_refused(rule_runner: RuleRunner, repo: Path, error: str) -> None:
    refs_before = git(repo, "for-each-ref")
    version_before = version_file(rule_runner)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error + "\n")
    assert git(repo, "for-each-ref") == refs_before
    assert version_file(rule_runner) == version_before


def test_cut_release_refuses_off_main(rule_runner: RuleRunner, release_repo: Path) -> None:
    git(release_repo, "switch", "--quiet", "-c", "topic/x")
    assert_refused(
        rule_runner,
        release_repo,
        "`--cut-release`: release branches are cut from `main`, but the checkout is on `topic/x`; run `git switch main` first",
    )


def test_cut_release_refuses_dirty_tree(rule_runner: RuleRunner, release_repo: Path) -> None:
    rule_runner.write_files({"src/app.py": "print('changed')\n"})
    assert_refused(
        rule_runner,
        release_repo,
        "`--cut-release`: the working tree has uncommitted changes; commit or stash them first",
    )


def test_cut_release_refuses_existing_branch(rule_runner: RuleRunner, release_repo: Path) -> None:
    git(release_repo, "branch", "24.09")
    assert_refused(rule_runner, release_repo, "`--cut-release`: the branch `24.09` already exists")


def test_cut_release_refuses_existing_tag(rule_runner: RuleRunner, release_repo: Path) -> None:
    git(release_repo, "tag", "24.09.0")
    assert_refused(rule_runner, release_repo, "`--cut-release`: the tag `24.09.0` already exists")


def test_cut_release_refuses_a_final_version(rule_runner: RuleRunner, release_repo: Path) -> None:
    rule_runner.write_files({"VERSION": "24.09.1\n"})
    git(release_repo, "commit", "--quiet", "-am", "release 24.09.1")
    assert_refused(
        rule_runner,
        release_repo,
        "`--cut-release`: `main` must be at `x.y.0` with a dev or pre-release suffix (got `24.09.1`); set it with `--set`, e.g. `24.09.0.dev0`",
    )


def test_actions_are_mutually_exclusive(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0\n"})
    with pytest.raises(Exception, match="mutually exclusive|Can only provide one"):
        run_goal(rule_runner, ReleaseVersionGoal, "--set=24.09.1", "--bump=patch")
    assert version_file(rule_runner) == "24.09.0\n"
