"""RuleRunner tests of `pants release-version --tag-release` (and `--dry-run`) on real git repositories."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from typing import Callable, Tuple

import pytest
from conftest import CALLER_ENV, git, init_repo, run_goal
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner, mock_console

from calver_release.release.goal import ReleaseVersionGoal

CHANGELOG_SCRIPT = dedent(
    """\
    #!/bin/sh
    # What towncrier does: compile the fragments into the changelog and `git rm` them.
    set -e
    printf '## %s (%s)\\n' "$1" "$2" | cat - CHANGELOG.md > CHANGELOG.new
    mv CHANGELOG.new CHANGELOG.md
    git rm -q changes/*.md
    """
)


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """`main` at `24.09.0.dev0`, a `24.09` release branch at `24.09.0`, a changelog with one fragment."""
    rule_runner.write_files(
        {
            "VERSION": "24.09.0.dev0\n",
            "CHANGELOG.md": "## 24.03.0\n",
            "changes/1.fix.md": "Fix the login\n",
            "tools/changelog.sh": CHANGELOG_SCRIPT,
        }
    )
    root = Path(rule_runner.build_root)
    (root / "tools/changelog.sh").chmod(0o755)
    init_repo(root)
    git(root, "branch", "24.09")
    git(root, "switch", "--quiet", "24.09")
    (root / "VERSION").write_text("24.09.0\n")
    git(root, "commit", "--quiet", "-am", "release: 24.09.0")
    git(root, "tag", "-a", "24.09.0", "-m", "Release v24.09.0")
    git(root, "switch", "--quiet", "main")
    return root


def run_release(rule_runner: RuleRunner, *args: str) -> Tuple[GoalRuleResult, str]:
    """Run the goal; also return what its processes (the release executor) wrote to stderr."""
    with mock_console(rule_runner.options_bootstrapper) as (_, stdio):
        result = rule_runner.run_goal_rule(ReleaseVersionGoal, args=list(args), env_inherit=set(CALLER_ENV))
        return result, stdio.get_stderr()


def state(repo: Path) -> Tuple[str, str, str, str]:
    """Everything a refused run must leave alone: refs, HEAD, the work tree's status, `VERSION`."""
    return (
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        (repo / "VERSION").read_text(),
    )


def test_rc_on_main(rule_runner: RuleRunner, repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--bump=rc", "--tag-release")
    assert result.exit_code == 0, result.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout == dedent(
        f"""\
        24.09.0.dev0 -> 24.09.0rc1
        Committed {head[:12]} on main: release: 24.09.0rc1 (VERSION)
        Tagged 24.09.0rc1 (annotated) at {head[:12]}: Release v24.09.0rc1
        """
    )
    assert result.stderr == "Push with `git push --atomic origin main 24.09.0rc1`\n"
    assert git(repo, "rev-parse", "HEAD^") == before
    assert git(repo, "show", "-s", "--format=%s", "HEAD") == "release: 24.09.0rc1"
    assert git(repo, "cat-file", "-t", "24.09.0rc1") == "tag"
    assert git(repo, "for-each-ref", "--format=%(*objectname) %(contents)", "refs/tags/24.09.0rc1") == f"{head} Release v24.09.0rc1"
    assert (git(repo, "show", "HEAD:VERSION"), git(repo, "status", "--porcelain")) == ("24.09.0rc1", "")


def test_patch_release_on_its_branch_commits_what_the_release_commands_change(
    rule_runner: RuleRunner, repo: Path
) -> None:
    git(repo, "switch", "--quiet", "24.09")
    git(repo, "config", "branch.24.09.remote", "upstream")
    (repo / "notes.txt").write_text("my own notes, untracked\n")
    result, processes = run_release(
        rule_runner, "--bump=patch", "--tag-release", "--release-commands=['tools/changelog.sh {version} {pep440}']"
    )
    assert result.exit_code == 0, processes
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout == dedent(
        f"""\
        24.09.0 -> 24.09.1
        Committed {head[:12]} on 24.09: release: 24.09.1 (CHANGELOG.md, VERSION, changes/1.fix.md)
        Tagged 24.09.1 (annotated) at {head[:12]}: Release v24.09.1
        """
    )
    assert result.stderr == "Push with `git push --atomic upstream 24.09 24.09.1`\n"
    assert git(repo, "show", "HEAD:CHANGELOG.md") == "## 24.09.1 (24.9.1)\n## 24.03.0"
    assert git(repo, "ls-tree", "--name-only", "HEAD", "changes/") == ""
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == "?? notes.txt"


def test_a_failing_release_command_restores_everything(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "--quiet", "24.09")
    (repo / "notes.txt").write_text("my own notes, untracked\n")
    before = state(repo)
    changelog = (repo / "CHANGELOG.md").read_text()
    result, processes = run_release(
        rule_runner,
        "--bump=patch",
        "--tag-release",
        "--release-commands=['tools/changelog.sh {version} {pep440}', 'touch new-file.txt', 'false']",
    )
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    head = git(repo, "rev-parse", "HEAD")
    assert processes.splitlines()[-1] == (
        f"`[release-version].release_commands`: `false` failed (exit code 1); nothing was committed or "
        f"tagged: `VERSION` holds `24.09.0` and `24.09` is at `{head[:12]}` again; fix the cause and run again"
    )
    assert state(repo) == before
    assert (repo / "CHANGELOG.md").read_text() == changelog
    assert (repo / "changes/1.fix.md").read_text() == "Fix the login\n"
    assert not (repo / "new-file.txt").exists()
    assert (repo / "notes.txt").read_text() == "my own notes, untracked\n"


def test_tag_release_alone_commits_an_edited_version_file(rule_runner: RuleRunner, repo: Path) -> None:
    (repo / "VERSION").write_text("24.09.0b1\n")
    result = run_goal(rule_runner, ReleaseVersionGoal, "--tag-release")
    assert result.exit_code == 0, result.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout.splitlines() == [
        f"Committed {head[:12]} on main: release: 24.09.0b1 (VERSION)",
        f"Tagged 24.09.0b1 (annotated) at {head[:12]}: Release v24.09.0b1",
    ]


def on(branch: str) -> Callable[[Path], None]:
    return lambda repo: git(repo, "switch", "--quiet", branch)


@pytest.mark.parametrize(
    "setup, args, error",
    [
        pytest.param(
            on("24.09"),
            ["--set=24.09.0"],
            "`--tag-release`: the tag `24.09.0` already exists (got it at `{tag}`); bump to the next version first",
            id="tag-exists",
        ),
        pytest.param(
            lambda repo: (repo / "CHANGELOG.md").write_text("edited\n"),
            ["--bump=rc"],
            "`--tag-release`: the working tree has uncommitted changes besides `VERSION` (got `CHANGELOG.md`); "
            "commit or stash them first",
            id="uncommitted-changes",
        ),
        pytest.param(
            on("main"),
            ["--bump=dev"],
            "`--tag-release`: development versions are never tagged (got `24.09.0.dev1`); release one first, "
            "e.g. with `--bump=rc` or `--bump=final`",
            id="dev-version",
        ),
        pytest.param(
            on("main"),
            ["--bump=final"],
            "`--tag-release`: `24.09.0` is tagged on its release branch `24.09` (got branch `main`); "
            "run `git switch 24.09` first",
            id="final-off-its-release-branch",
        ),
        pytest.param(
            lambda repo: git(repo, "switch", "--quiet", "-c", "topic/fix", "24.09"),
            ["--bump=patch"],
            "`--tag-release`: `24.09.1` is tagged on its release branch `24.09` (got branch `topic/fix`); "
            "run `git switch 24.09` first",
            id="patch-off-its-release-branch",
        ),
        pytest.param(
            lambda repo: git(repo, "switch", "--quiet", "-c", "topic/x"),
            ["--bump=rc"],
            "`--tag-release`: pre-releases of `24.09.0` are tagged on `main` or `24.09` (got branch `topic/x`); "
            "run `git switch main` first",
            id="rc-on-neither-main-nor-release-branch",
        ),
        pytest.param(
            lambda repo: git(repo, "switch", "--quiet", "-c", "24.03", "24.09"),
            ["--bump=patch"],
            "`--tag-release`: the branch `24.03` is the release branch of another series (got version `24.09.1` "
            "of series `24.09`); run `git switch 24.09`, or fix the version with `--set`",
            id="branch-of-another-series",
        ),
        pytest.param(
            lambda repo: git(repo, "switch", "--quiet", "--detach", "24.09"),
            ["--bump=patch"],
            "`--tag-release`: `24.09.1` is tagged on `24.09`, but the checkout is on a detached HEAD (got "
            "`{head}`); run `git switch 24.09` first",
            id="detached-head",
        ),
        pytest.param(
            on("24.09"),
            ["--bump=patch", "--release-commands=['towncrier-not-installed build']"],
            "`[release-version].release_commands`: `towncrier-not-installed` is not an executable on the `PATH` "
            "or in the build root (got `towncrier-not-installed build`); install it or fix the command",
            id="command-not-found",
        ),
        pytest.param(
            on("24.09"),
            ["--bump=patch", "--release-commands=[\"towncrier 'build\"]"],
            "`[release-version].release_commands`: cannot split the command (No closing quotation) "
            "(got `towncrier 'build`); fix its quoting",
            id="command-unbalanced-quote",
        ),
        pytest.param(
            on("main"),
            ["--check"],
            "`--tag-release`: does not combine with `--check` (got both); run them one after the other",
            id="with-check",
        ),
        pytest.param(
            on("main"),
            ["--cut-release"],
            "`--tag-release`: does not combine with `--cut-release` (got both); run them one after the other",
            id="with-cut-release",
        ),
    ],
)
def test_refusals_change_nothing(rule_runner: RuleRunner, repo: Path, setup, args: list, error: str) -> None:
    setup(repo)
    before = state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--tag-release", *args)
    expected = error.format(tag=git(repo, "rev-parse", "24.09.0^{commit}")[:12], head=git(repo, "rev-parse", "HEAD")[:12])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected + "\n")
    assert state(repo) == before


def test_nothing_to_commit_is_refused(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "--quiet", "24.09")
    git(repo, "tag", "-d", "24.09.0")
    before = state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--tag-release")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "`--tag-release`: `VERSION` at `HEAD` already holds the version, so there is no release commit to make "
        "(got `24.09.0`); bump or set the next version, or tag `HEAD` by hand\n"
    )
    assert state(repo) == before


def test_check_problems_refuse(rule_runner: RuleRunner, repo: Path) -> None:
    rule_runner.write_files({"BUILD": 'python_requirement(name="client", requirements=["backend.ai-client==24.09.1"])\n'})
    git(repo, "add", "BUILD")
    git(repo, "commit", "--quiet", "-m", "pin the client")
    before = state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--bump=rc", "--tag-release")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "//:client: `backend.ai-client==24.09.1` pins a zero-padded version; write `backend.ai-client==24.9.1` "
        "(setuptools normalizes versions)\n"
        "`--tag-release`: `--check` found 1 problem(s), listed above; fix them first\n"
    )
    assert state(repo) == before


def test_dry_run_of_tag_release(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "--quiet", "24.09")
    before = state(repo)
    result = run_goal(
        rule_runner,
        ReleaseVersionGoal,
        "--bump=patch",
        "--tag-release",
        "--dry-run",
        "--release-commands=['tools/changelog.sh {version} {pep440}']",
    )
    head = git(repo, "rev-parse", "HEAD")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == dedent(
        f"""\
        Would write VERSION: 24.09.0 -> 24.09.1
        Would run: tools/changelog.sh 24.09.1 24.9.1
        Would commit on 24.09 (at {head[:12]}): release: 24.09.1 (VERSION and the files the commands change)
        Would tag 24.09.1 (annotated): Release v24.09.1
        Then push with: git push --atomic origin 24.09 24.09.1
        """
    )
    assert state(repo) == before


def test_dry_run_of_cut_release(rule_runner: RuleRunner, repo: Path) -> None:
    (repo / "VERSION").write_text("24.09.0rc1\n")
    git(repo, "commit", "--quiet", "-am", "release: 24.09.0rc1")
    git(repo, "branch", "-D", "24.09")
    git(repo, "tag", "-d", "24.09.0")
    before = state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release", "--dry-run")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == dedent(
        f"""\
        Would create release branch 24.09 at {git(repo, "rev-parse", "HEAD")[:12]} (24.09.0rc1)
        Would commit on main: VERSION 24.09.0rc1 -> 25.03.0.dev0 (release: start the 25.03 series on main)
        Would record in the registry: Registered 24.09 in `.github/maintained-versions.yml`
        Then push with: git push origin 24.09 main
        """
    )
    assert state(repo) == before


def test_dry_run_alone_is_refused(rule_runner: RuleRunner, repo: Path) -> None:
    before = state(repo)
    result = run_goal(rule_runner, ReleaseVersionGoal, "--bump=rc", "--dry-run")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "`--dry-run`: only `--tag-release` and `--cut-release` have a dry run (got neither); add one, or drop `--dry-run`\n"
    )
    assert state(repo) == before
