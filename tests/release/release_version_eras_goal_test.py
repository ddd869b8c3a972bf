"""RuleRunner tests of `pants release-version` in a repository that crossed the 2025 change of scheme.

Its history carries both spellings at once, as Backend.AI's does: tags `24.09.0rc1` and `24.09.9` on
the padded `24.09` line, `26.4.0rc1` and `26.4.10` on `26.4`, `26.8` cut at `26.8.0rc1`, `main` at
`26.9.0.dev0`, and a registry naming `26.8`, `26.4` and `24.09`. Versions, branches, tags and
registry entries are read as written; `[release-version].pad_minor` decides only what is written next.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from textwrap import dedent
from typing import Dict

import pytest
from conftest import CALLER_ENV, git, init_repo, run_goal
from git_history import refs
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.release.goal import ReleaseVersionGoal

REGISTRY = ".github/maintained-versions.yml"
LINES = dedent(
    """\
    versions:
      - version: "26.8"
      - version: "26.4"
        lts: true
        retire_after: "2027-04-30"
      - version: "24.09"
        lts: true
        retire_after: "2026-09-30"
    """
)
UNPADDED = "--no-pad-minor"
SEQUENTIAL = "--cadence=sequential"


def env() -> Dict[str, str]:
    return {**{k: os.environ[k] for k in CALLER_ENV if k in os.environ}, "CALVER_RELEASE_TODAY": "2026-09-01"}


def run(rule_runner: RuleRunner, *args: str) -> GoalRuleResult:
    return run_goal(rule_runner, ReleaseVersionGoal, *args, env=env())


def release(repo: Path, version: str, tag: bool = True) -> None:
    (repo / "VERSION").write_text(f"{version}\n")
    git(repo, "commit", "-qam", f"release: {version}")
    if tag:
        git(repo, "tag", version)


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """Both eras in one history; `main` checked out; the registry in the working tree, as on `main`."""
    rule_runner.write_files({"VERSION": "24.09.0rc1\n", REGISTRY: LINES})
    path = init_repo(Path(rule_runner.build_root))
    git(path, "tag", "24.09.0rc1")
    git(path, "branch", "24.09")
    git(path, "switch", "-q", "24.09")
    release(path, "24.09.9")
    git(path, "switch", "-q", "main")
    release(path, "26.4.0rc1")
    git(path, "branch", "26.4")
    git(path, "switch", "-q", "26.4")
    release(path, "26.4.10")
    git(path, "switch", "-q", "main")
    release(path, "26.8.0rc1", tag=False)
    git(path, "branch", "26.8")
    release(path, "26.9.0.dev0", tag=False)
    return path


@pytest.mark.parametrize("args", [pytest.param([], id="padded-scheme"), pytest.param([UNPADDED], id="unpadded-scheme")])
@pytest.mark.parametrize(
    "branch, text, series",
    [pytest.param("main", "26.9.0.dev0", "26.9", id="main"), pytest.param("24.09", "24.09.9", "24.09", id="24.09")],
)
def test_the_version_is_shown_as_written(rule_runner: RuleRunner, repo: Path, branch: str, text: str, series: str, args: list) -> None:
    git(repo, "switch", "-q", branch)
    assert (run(rule_runner, *args).stdout, run(rule_runner, *args, "--format=pep440").stdout) == (
        f"{text}\n",
        f"{text.replace('.09.', '.9.')}\n",
    )
    report = json.loads(run(rule_runner, *args, "--format=json").stdout)
    assert (report["version"], report["series"], report["release_branch"], report["tag"]) == (text, series, series, text)


@pytest.mark.parametrize("args", [pytest.param([], id="padded-scheme"), pytest.param([UNPADDED], id="unpadded-scheme")])
@pytest.mark.parametrize("branch", ["main", "24.09"])
def test_maintained_reads_both_spellings(rule_runner: RuleRunner, repo: Path, branch: str, args: list) -> None:
    git(repo, "switch", "-q", branch)
    result = run(rule_runner, "--maintained", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        dedent(
            """\
            26.8   maintained, regular
            26.4   maintained, LTS through 2027-04-30
            24.09  maintained, LTS through 2026-09-30
            edge: 26.8
            stable: 26.4
            """
        ),
        "",
    )
    report = json.loads(run(rule_runner, "--maintained", "--format=json", *args).stdout)
    assert (report["edge"], report["stable"], [line["version"] for line in report["versions"]]) == (
        "26.8",
        "26.4",
        ["26.8", "26.4", "24.09"],
    )


@pytest.mark.parametrize("args", [pytest.param([], id="padded-scheme"), pytest.param([UNPADDED], id="unpadded-scheme")])
@pytest.mark.parametrize("branch", ["main", "24.09", "26.4"])
def test_check_passes_on_every_line_in_either_scheme(rule_runner: RuleRunner, repo: Path, branch: str, args: list) -> None:
    git(repo, "switch", "-q", branch)
    result = run(rule_runner, "--check", *args)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_a_registry_line_matches_the_branch_of_its_series_written_the_other_way(rule_runner: RuleRunner, repo: Path) -> None:
    rule_runner.write_files({REGISTRY: LINES.replace('"24.09"', '"24.9"')})
    assert (run(rule_runner, "--check").exit_code, run(rule_runner, "--maintained").stdout.splitlines()[2]) == (
        0,
        "24.9  maintained, LTS through 2026-09-30",
    )
    git(repo, "branch", "-m", "24.09", "24.09-old")
    result = run(rule_runner, "--check")
    assert (result.exit_code, result.stderr) == (
        1,
        f"`{REGISTRY}`: entry 3 (`24.9`) has no release branch (got no local branch `24.9` or `24.09`); "
        "create or fetch the branch, or remove the entry\n",
    )


@pytest.mark.parametrize(
    "branch, args, output, written",
    [
        pytest.param("24.09", ["--bump=patch", UNPADDED], "24.09.9 -> 24.9.10\n", "24.9.10\n", id="padded-bumped-unpadded"),
        pytest.param("26.4", ["--bump=patch"], "26.4.10 -> 26.04.11\n", "26.04.11\n", id="unpadded-bumped-padded"),
    ],
)
def test_the_scheme_decides_what_is_written(
    rule_runner: RuleRunner, repo: Path, branch: str, args: list, output: str, written: str
) -> None:
    git(repo, "switch", "-q", branch)
    result = run(rule_runner, *args)
    assert (result.exit_code, result.stdout, result.stderr, (repo / "VERSION").read_text()) == (0, output, "", written)


def test_tag_release_on_a_padded_line_in_the_unpadded_scheme(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "-q", "24.09")
    head = git(repo, "rev-parse", "HEAD")
    before = refs(repo)
    result = run(rule_runner, "--bump=patch", "--tag-release", "--dry-run", UNPADDED)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        dedent(
            f"""\
            Would write VERSION: 24.09.9 -> 24.9.10
            Would commit on 24.09 (at {head[:12]}): release: 24.9.10 (VERSION)
            Would tag 24.9.10 (annotated): Release v24.9.10
            Then push with: git push --atomic origin 24.09 24.9.10
            """
        ),
        "",
    )
    assert (refs(repo), (repo / "VERSION").read_text()) == (before, "24.09.9\n")


def test_tag_release_refuses_a_version_tagged_in_the_other_spelling(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "-q", "26.4")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    result = run(rule_runner, "--set=26.04.10", "--tag-release", "--dry-run", SEQUENTIAL)
    tagged = git(repo, "rev-parse", "26.4.10")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"`--tag-release`: the tag `26.4.10` already exists (got it at `{tagged[:12]}`); bump to the next version first\n",
    )


def test_cut_release_refuses_a_series_already_branched_in_the_other_spelling(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "branch", "26.9")
    before = refs(repo)
    result = run(rule_runner, "--cut-release", SEQUENTIAL)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "`--cut-release`: the branch `26.9` already exists\n")
    assert (refs(repo), (repo / "VERSION").read_text()) == (before, "26.9.0.dev0\n")
