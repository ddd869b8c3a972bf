"""RuleRunner tests of the registry of maintained lines in `pants release-version`: `--maintained`,
`--cut-release` (with `--lts`) registering lines in the same commit, `--check`, and every bad registry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from textwrap import dedent
from typing import Dict, Optional

import pytest
from conftest import CALLER_ENV, git, init_repo, run_goal
from git_history import refs
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.release.goal import ReleaseVersionGoal

REGISTRY = ".github/maintained-versions.yml"
WRITTEN = dedent(
    """\
    # Release lines that receive backports; `pants release-version --cut-release` keeps it.
    versions:
      # the newest regular line
      - version: "24.03"
      - version: "23.09"
        lts: true  # a year of fixes
        retire_after: "2024-09-30"
      - version: "23.03"
        lts: true
        retire_after: "2024-03-31"
    # newest first
    """
)
"""A registry as a person writes it: comments everywhere, one expired LTS line (on TODAY)."""
TODAY = "2024-07-01"


def env(today: str = TODAY) -> Dict[str, str]:
    """The caller's environment with today's date fixed."""
    return {**{k: os.environ[k] for k in CALLER_ENV if k in os.environ}, "CALVER_RELEASE_TODAY": today}


def registry_text(rule_runner: RuleRunner) -> Optional[str]:
    path = Path(rule_runner.build_root, REGISTRY)
    return path.read_text() if path.exists() else None


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """`main` at 24.09.0rc1 with the release branches of every registered line; the registry untracked."""
    rule_runner.write_files({"VERSION": "24.09.0rc1\n", "app.txt": "one\n", REGISTRY: WRITTEN})
    path = init_repo(Path(rule_runner.build_root))
    for branch in ("23.03", "23.09", "24.03"):
        git(path, "branch", branch)
    git(path, "add", "--force", REGISTRY)
    git(path, "commit", "-qm", "Track the registry")
    return path


def run(rule_runner: RuleRunner, *args: str, today: str = TODAY) -> GoalRuleResult:
    return run_goal(rule_runner, ReleaseVersionGoal, *args, env=env(today))


def assert_result(result: GoalRuleResult, exit_code: int, stdout: str, stderr: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, stdout, stderr)


# --maintained -----------------------------------------------------------------------------------


def test_maintained_shows_expired_lines_until_removed(rule_runner: RuleRunner, repo: Path) -> None:
    result = run(rule_runner, "--maintained")
    assert_result(
        result,
        0,
        dedent(
            f"""\
            24.03  maintained, regular
            23.09  maintained, LTS through 2024-09-30
            23.03  expired, LTS through 2024-03-31; remove it from `{REGISTRY}`
            edge: 24.03
            stable: 23.09
            """
        ),
        "",
    )
    assert registry_text(rule_runner) == WRITTEN


def test_maintained_json(rule_runner: RuleRunner, repo: Path) -> None:
    result = run(rule_runner, "--maintained", "--format=json", today="2024-10-01")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "file": REGISTRY,
        "today": "2024-10-01",
        "edge": "24.03",
        "stable": None,
        "versions": [
            {"version": "24.03", "lts": False, "retire_after": None, "status": "maintained"},
            {"version": "23.09", "lts": True, "retire_after": "2024-09-30", "status": "expired"},
            {"version": "23.03", "lts": True, "retire_after": "2024-03-31", "status": "expired"},
        ],
    }


def test_maintained_reads_the_configured_file(rule_runner: RuleRunner, repo: Path) -> None:
    rule_runner.write_files({"release/lines.yml": 'versions:\n  - version: "24.03"\n'})
    result = run(rule_runner, "--maintained", "--maintained-versions-file=release/lines.yml")
    assert_result(result, 0, "24.03  maintained, regular\nedge: 24.03\nstable: none (no LTS line is maintained)\n", "")


def test_maintained_needs_a_registry(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "24.09.0rc1\n"})
    init_repo(Path(rule_runner.build_root))
    assert_result(
        run(rule_runner, "--maintained"),
        1,
        "",
        f"`{REGISTRY}`: no registry of maintained lines (got no file); `--cut-release` creates it, "
        "or write it by hand, or set `[release-version].maintained_versions_file`\n",
    )


# --cut-release ----------------------------------------------------------------------------------


def test_cut_registers_the_line_in_the_same_commit(rule_runner: RuleRunner, repo: Path) -> None:
    tip = git(repo, "rev-parse", "HEAD")
    result = run(rule_runner, "--cut-release")
    head = git(repo, "rev-parse", "HEAD")
    assert_result(
        result,
        0,
        dedent(
            f"""\
            Created release branch 24.09 at {tip[:12]} (24.09.0rc1)
            main: 24.09.0rc1 -> 25.03.0.dev0 (commit {head[:12]})
            Registered 24.09 in `{REGISTRY}`
            Retired 24.03 from `{REGISTRY}`: superseded by 24.09
            Retired 23.03 from `{REGISTRY}`: LTS supported through 2024-03-31
            """
        ),
        "Push with `git push origin 24.09 main`; later `pants release-version --bump=...` on 24.09 sets its releases.\n",
    )
    # The regular line retires, the LTS line stays; every comment of a kept entry, and the file's own, stay.
    expected = dedent(
        """\
        # Release lines that receive backports; `pants release-version --cut-release` keeps it.
        versions:
          - version: "24.09"
          - version: "23.09"
            lts: true  # a year of fixes
            retire_after: "2024-09-30"
        # newest first
        """
    )
    assert registry_text(rule_runner) == expected
    assert git(repo, "show", f"HEAD:{REGISTRY}") + "\n" == expected
    assert git(repo, "show", "--format=", "--name-only", "HEAD") == f"{REGISTRY}\nVERSION"
    assert git(repo, "log", "-1", "--format=%B") == dedent(
        f"""\
        release: start the 25.03 series on main

        The 24.09 release branch was cut from {tip[:12]} at 24.09.0rc1; main moves to 25.03.0.dev0.

        Registered 24.09 in `{REGISTRY}`
        Retired 24.03 from `{REGISTRY}`: superseded by 24.09
        Retired 23.03 from `{REGISTRY}`: LTS supported through 2024-03-31"""
    )
    assert git(repo, "rev-parse", "24.09") == tip
    assert git(repo, "status", "--porcelain") == ""


def test_cut_lts_records_retire_after(rule_runner: RuleRunner, repo: Path) -> None:
    result = run(rule_runner, "--cut-release", "--lts", today="2024-02-29")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[2:] == [
        f"Registered 24.09 in `{REGISTRY}` as LTS, supported through 2025-02-28",
        f"Retired 24.03 from `{REGISTRY}`: superseded by 24.09",
    ]
    assert registry_text(rule_runner) == dedent(
        """\
        # Release lines that receive backports; `pants release-version --cut-release` keeps it.
        versions:
          - version: "24.09"
            lts: true
            retire_after: "2025-02-28"
          - version: "23.09"
            lts: true  # a year of fixes
            retire_after: "2024-09-30"
          - version: "23.03"
            lts: true
            retire_after: "2024-03-31"
        # newest first
        """
    )


def test_cut_creates_the_registry(rule_runner: RuleRunner) -> None:
    rule_runner.write_files({"VERSION": "26.8.0rc1\n"})
    repo = init_repo(Path(rule_runner.build_root))
    result = run(rule_runner, "--cut-release", "--lts", "--no-pad-minor", "--cadence=sequential", today="2026-08-20")
    assert result.exit_code == 0, result.stderr
    assert git(repo, "show", f"main:{REGISTRY}") == 'versions:\n  - version: "26.8"\n    lts: true\n    retire_after: "2027-08-31"'
    assert git(repo, "show", "main:VERSION") == "26.9.0.dev0"


@pytest.mark.parametrize("tracked", [pytest.param(True, id="existing-registry"), pytest.param(False, id="new-registry")])
def test_failed_cut_leaves_the_registry_as_it_was(rule_runner: RuleRunner, repo: Path, tracked: bool) -> None:
    if not tracked:
        git(repo, "rm", "-q", "--cached", REGISTRY)
        Path(rule_runner.build_root, REGISTRY).unlink()
        git(repo, "commit", "-qm", "No registry")
    before = refs(repo)
    # `git commit` refuses an empty author name after the registry was written and staged.
    result = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release", env={**env(), "GIT_AUTHOR_NAME": ""})
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"`--cut-release`: `git commit --quiet --no-verify -F - -- VERSION {REGISTRY}` failed: "
        "fatal: empty ident name (for <ada@example.com>) not allowed; nothing was changed\n"
    )
    assert refs(repo) == before
    assert registry_text(rule_runner) == (WRITTEN if tracked else None)
    assert Path(rule_runner.build_root, "VERSION").read_text() == "24.09.0rc1\n"
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("args", [pytest.param(["--lts"], id="alone"), pytest.param(["--lts", "--bump=rc"], id="with-bump")])
def test_lts_needs_a_cut(rule_runner: RuleRunner, repo: Path, args: list) -> None:
    before = refs(repo)
    assert_result(
        run(rule_runner, *args),
        1,
        "",
        "`--lts`: only used with `--cut-release` or `--tag-release` (got `--lts` alone); add one or drop it\n",
    )
    assert (refs(repo), registry_text(rule_runner)) == (before, WRITTEN)
    assert Path(rule_runner.build_root, "VERSION").read_text() == "24.09.0rc1\n"


def give_release_branches_their_versions(repo: Path) -> None:
    """`--tag-release` runs `--check`, which wants each release branch's `VERSION` in its series."""
    for branch in ("23.03", "23.09", "24.03"):
        git(repo, "switch", "-q", branch)
        (repo / "VERSION").write_text(f"{branch}.0\n")
        git(repo, "commit", "-qam", f"release: {branch}.0")
    git(repo, "switch", "-q", "main")


def test_tagging_the_first_rc_on_its_cut_branch_registers_the_line(rule_runner: RuleRunner, repo: Path) -> None:
    give_release_branches_their_versions(repo)
    git(repo, "switch", "-q", "-c", "24.09")
    Path(rule_runner.build_root, "VERSION").write_text("24.09.0.dev0\n")
    git(repo, "commit", "-qam", "24.09 starts")
    result = run(rule_runner, "--bump=rc", "--tag-release", "--lts", today="2024-09-10")
    assert result.exit_code == 0, result.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert result.stdout.splitlines()[-3:] == [
        f"Registered 24.09 in `{REGISTRY}` as LTS, supported through 2025-09-30",
        f"Retired 24.03 from `{REGISTRY}`: superseded by 24.09",
        f"Retired 23.03 from `{REGISTRY}`: LTS supported through 2024-03-31",
    ]
    assert git(repo, "show", "--name-only", "--format=%s", head).splitlines() == [
        "release: 24.09.0rc1",
        "",
        REGISTRY,
        "VERSION",
    ]
    assert git(repo, "show", f"{head}:{REGISTRY}").splitlines()[2:5] == [
        '  - version: "24.09"',
        "    lts: true",
        '    retire_after: "2025-09-30"',
    ]
    assert git(repo, "describe", "--exact-match", head) == "24.09.0rc1"


@pytest.mark.parametrize(
    "version, branch",
    [
        pytest.param("24.09.0.dev0", None, id="first-rc-on-main"),
        pytest.param("24.09.0rc1", "24.09", id="second-rc"),
    ],
)
def test_other_tags_leave_the_registry_alone(rule_runner: RuleRunner, repo: Path, version: str, branch: Optional[str]) -> None:
    give_release_branches_their_versions(repo)
    if branch:
        git(repo, "switch", "-q", "-c", branch)
    Path(rule_runner.build_root, "VERSION").write_text(f"{version}\n")
    git(repo, "commit", "-qam", f"at {version}", "--allow-empty")
    result = run(rule_runner, "--bump=rc", "--tag-release")
    assert result.exit_code == 0, result.stderr
    assert "Registered" not in result.stdout
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "VERSION"
    assert registry_text(rule_runner) == WRITTEN


# Bad registries ---------------------------------------------------------------------------------

BAD_REGISTRIES = [
    pytest.param(
        'versions:\n  - version: "24.03"\n    lts: [\n',
        "not valid YAML (got `expected the node content, but found '<stream end>'` at line 4); fix the file",
        id="not-yaml",
    ),
    pytest.param(
        'versions:\n  - lts: true\n    retire_after: "2024-09-30"\n',
        "entry 1 has no `version` (got `{'lts': True, 'retire_after': '2024-09-30'}`); add `version: \"X.Y\"`",
        id="no-version",
    ),
    pytest.param(
        'versions:\n  - version: "24.03.1"\n',
        "entry 1: `version` is not a release line: not a release branch name (got `24.03.1`); "
        "release branches are named `YY.MM`, as in `24.09` or `26.4`",
        id="not-a-line",
    ),
    pytest.param(
        'versions:\n  - version: "23.09"\n    lts: "true"\n    retire_after: "2024-09-30"\n',
        "entry 1 (`23.09`): `lts` is not a boolean (got `true`); write `lts: true` or `lts: false`",
        id="lts-not-boolean",
    ),
    pytest.param(
        'versions:\n  - version: "23.09"\n    lts: true\n    retire_after: "2024-09-31"\n',
        'entry 1 (`23.09`): `retire_after` is not a date (got `2024-09-31`); write `retire_after: "YYYY-MM-DD"`',
        id="retire-after-not-a-date",
    ),
    pytest.param(
        'versions:\n  - version: "24.03"\n  - version: "22.09"\n',
        "entry 2 (`22.09`) has no release branch (got no local branch `22.09` or `22.9`); create or fetch the branch, or "
        "remove the entry",
        id="no-branch",
    ),
]


@pytest.mark.parametrize("text, error", BAD_REGISTRIES)
@pytest.mark.parametrize("action", ["--maintained", "--cut-release"])
def test_bad_registry_is_one_line_and_changes_nothing(
    rule_runner: RuleRunner, repo: Path, action: str, text: str, error: str
) -> None:
    rule_runner.write_files({REGISTRY: text})
    git(repo, "commit", "-qam", "Edit the registry")
    before = refs(repo)
    assert_result(run(rule_runner, action), 1, "", f"`{REGISTRY}`: {error}\n")
    assert (refs(repo), registry_text(rule_runner)) == (before, text)
    assert Path(rule_runner.build_root, "VERSION").read_text() == "24.09.0rc1\n"
    assert git(repo, "status", "--porcelain") == ""


def test_check_reports_the_registry(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "branch", "-D", "23.03", "23.09", "24.03")
    git(repo, "switch", "-qc", "24.03")
    rule_runner.write_files({"VERSION": "24.03.2\n"})
    git(repo, "commit", "-qam", "release: 24.03.2")
    git(repo, "switch", "-q", "main")
    rule_runner.write_files({REGISTRY: 'versions:\n  - version: "24.09"\n  - version: "24.03"\n  - version: "22.09"\n'})
    result = run(rule_runner, "--check")
    assert_result(
        result,
        1,
        "",
        f"`{REGISTRY}`: entry 1 (`24.09`) has no release branch (got no local branch `24.09` or `24.9`); "
        "create or fetch the branch, or remove the entry\n"
        f"`{REGISTRY}`: entry 3 (`22.09`) has no release branch (got no local branch `22.09` or `22.9`); "
        "create or fetch the branch, or remove the entry\n",
    )
    rule_runner.write_files({REGISTRY: 'versions:\n  - version: "24.03"\n    lts: 1\n'})
    assert_result(
        run(rule_runner, "--check"),
        1,
        "",
        f"`{REGISTRY}`: entry 1 (`24.03`): `lts` is not a boolean (got `1`); write `lts: true` or `lts: false`\n",
    )
    rule_runner.write_files({REGISTRY: 'versions:\n  - version: "24.03"\n'})
    assert_result(run(rule_runner, "--check"), 0, "", "")

