"""RuleRunner tests of `pants backport` with targets chosen by the commit's message, and of the
`--missing` gate, on real git repositories with a registry of maintained lines."""

from __future__ import annotations

import json
import os
from pathlib import Path
from textwrap import dedent
from typing import Dict, List

import pytest
from backport_runs import run_with_executor
from conftest import CALLER_ENV, git, init_repo, run_goal
from git_history import commit, message_of, refs
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.backport.goal import BackportGoal
from calver_release.release.goal import ReleaseVersionGoal
from calver_release.runtime.lock import LOCK_FILE

REGISTRY = ".github/maintained-versions.yml"
LINES = 'versions:\n  - version: "24.09"\n  - version: "24.03"\n    lts: true\n    retire_after: "2025-03-31"\n'
TODAY = "2024-10-01"


def env(today: str = TODAY) -> Dict[str, str]:
    return {**{k: os.environ[k] for k in CALLER_ENV if k in os.environ}, "CALVER_RELEASE_TODAY": today}


def backport(rule_runner: RuleRunner, *args: str, global_args: tuple = ()) -> GoalRuleResult:
    return run_with_executor(rule_runner, BackportGoal, *args, global_args=global_args, env=env())


def assert_outcome(result: GoalRuleResult, exit_code: int, stdout: List[str], stderr: List[str]) -> None:
    assert (result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()) == (exit_code, stdout, stderr)


def state_left(repo: Path) -> bool:
    """Whether a run left anything in the state store but the repository's lock file, which stays."""
    store = repo / ".git" / "calver-release"
    return store.exists() and any(path.name != LOCK_FILE for path in store.iterdir())


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """`main` with `24.03` (LTS) cut at the first commit and `24.09` at the second; both maintained."""
    rule_runner.write_files({"app.txt": "one\ntwo\nthree\n", REGISTRY: LINES})
    path = init_repo(Path(rule_runner.build_root))
    git(path, "branch", "24.03")
    commit(path, "Add docs\n", {"docs.txt": "docs\n"})
    git(path, "branch", "24.09")
    return path


def tips(repo: Path) -> Dict[str, str]:
    return {branch: git(repo, "rev-parse", branch) for branch in ("24.03", "24.09")}


def updated(before: Dict[str, str], after: Dict[str, str], *branches: str) -> List[str]:
    return [f"Updated {b}: {before[b][:7]} -> {after[b][:7]}" for b in branches]


# Targets by rule --------------------------------------------------------------------------------


def test_fix_subject_goes_to_every_maintained_line(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix(manager): handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    before = tips(repo)
    result = backport(rule_runner, f"--commit={fix}")
    after = tips(repo)
    assert_outcome(
        result,
        0,
        updated(before, after, "24.09", "24.03"),
        [
            f"Targets of {fix[:7]} (fix(manager): handle two): 24.09, 24.03, by `fix:` subject",
            f"Picking {fix[:7]} onto 24.09 ...",
            f"Picking {fix[:7]} onto 24.03 ...",
        ],
    )
    for branch in ("24.09", "24.03"):
        assert message_of(repo, branch) == f"fix(manager): handle two\n\nBackported-From: main\nBackported-To: {branch}\n"
    assert not state_left(repo)


def test_trailer_names_the_targets(rule_runner: RuleRunner, repo: Path) -> None:
    feature = commit(repo, "feat: faster two\n\nBackport: 24.03\n", {"app.txt": "one\n2\nthree\n"})
    before = tips(repo)
    result = backport(rule_runner, f"--commit={feature}")
    after = tips(repo)
    assert_outcome(
        result,
        0,
        updated(before, after, "24.03"),
        [f"Targets of {feature[:7]} (feat: faster two): 24.03, by `Backport: 24.03` trailer", f"Picking {feature[:7]} onto 24.03 ..."],
    )
    assert after["24.09"] == before["24.09"]
    assert message_of(repo, "24.03") == "feat: faster two\n\nBackport: 24.03\nBackported-From: main\nBackported-To: 24.03\n"


@pytest.mark.parametrize(
    "message, rule",
    [
        pytest.param("feat: new two\n", "no `Backport:` trailer and not a `fix:` subject", id="no-rule"),
        pytest.param("fix: two\n\nBackport: none\n", "`Backport: none` trailer", id="backport-none"),
    ],
)
def test_no_targets_changes_nothing(rule_runner: RuleRunner, repo: Path, message: str, rule: str) -> None:
    sha = commit(repo, message, {"app.txt": "one\nTWO\nthree\n"})
    before = refs(repo)
    result = backport(rule_runner, f"--commit={sha}")
    subject = message.split("\n")[0]
    assert_outcome(result, 0, [], [f"Targets of {sha[:7]} ({subject}): none, by {rule}", "Nothing to backport."])
    assert refs(repo) == before and not state_left(repo)


def test_each_commit_goes_to_its_own_targets(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    lts_only = commit(repo, "feat: three\n\nBackport: 24.03\n", {"app.txt": "one\nTWO\nTHREE\n"})
    before = tips(repo)
    result = backport(rule_runner, f"--commit={fix}", f"--commit={lts_only}")
    after = tips(repo)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == updated(before, after, "24.09", "24.03")
    assert git(repo, "log", "--format=%s", f"{before['24.09']}..24.09") == "fix: handle two"
    assert git(repo, "log", "--format=%s", f"{before['24.03']}..24.03") == "feat: three\nfix: handle two"


def test_dry_run_shows_the_decided_targets(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n\nBackport: 24.09\n", {"app.txt": "one\nTWO\nthree\n"})
    before = refs(repo)
    result = backport(rule_runner, "--dry-run", f"--commit={fix}")
    assert_outcome(
        result,
        0,
        [
            f"Targets of {fix[:7]} (fix: handle two): 24.09, by `Backport: 24.09` trailer",
            f"Would pick {fix[:7]} onto 24.09: fix: handle two",
        ],
        [],
    )
    assert refs(repo) == before


def test_to_overrides_the_rules(rule_runner: RuleRunner, repo: Path) -> None:
    sha = commit(repo, "feat: two\n\nBackport: 24.03, 22.09\n", {"app.txt": "one\nTWO\nthree\n"})
    before = tips(repo)
    result = backport(rule_runner, "--to=24.09", f"--commit={sha}")
    assert_outcome(result, 0, updated(before, tips(repo), "24.09"), [f"Picking {sha[:7]} onto 24.09 ..."])


@pytest.mark.parametrize(
    "trailer, reasons",
    [
        pytest.param("24.09, 24.06", f"`24.06` is not in `{REGISTRY}`", id="unregistered"),
        pytest.param("main", f"`main` is not in `{REGISTRY}`", id="not-a-line"),
    ],
)
def test_trailer_naming_an_unmaintained_line_is_refused(rule_runner: RuleRunner, repo: Path, trailer: str, reasons: str) -> None:
    sha = commit(repo, f"fix: two\n\nBackport: {trailer}\n", {"app.txt": "one\nTWO\nthree\n"})
    before = refs(repo)
    result = backport(rule_runner, f"--commit={sha}")
    assert_outcome(
        result,
        1,
        [],
        [
            f"`Backport:` trailer of {sha[:7]}: names a line that is not maintained ({reasons}) "
            f"(got `Backport: {trailer}` trailer); the maintained lines are `24.09`, `24.03`: fix the trailer, "
            "or pass `--to=X.Y` to choose the targets yourself"
        ],
    )
    assert refs(repo) == before and not state_left(repo)


def test_expired_lts_is_not_a_target(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: two\n", {"app.txt": "one\nTWO\nthree\n"})
    before = tips(repo)
    result = run_with_executor(rule_runner, BackportGoal, f"--commit={fix}", env=env("2025-04-01"))
    assert_outcome(
        result,
        0,
        updated(before, tips(repo), "24.09"),
        [f"Targets of {fix[:7]} (fix: two): 24.09, by `fix:` subject", f"Picking {fix[:7]} onto 24.09 ..."],
    )


# The gate ---------------------------------------------------------------------------------------


@pytest.fixture
def gate_repo(rule_runner: RuleRunner, repo: Path) -> Dict[str, str]:
    """One fix backported by the goal, one cherry-picked by hand with `-x`, one missing, one waived."""
    shas = {
        "by_goal": commit(repo, "fix: one\n", {"a.txt": "a\n"}),
        "by_hand": commit(repo, "fix: two\n", {"b.txt": "b\n"}),
        "missing": commit(repo, "fix: three\n", {"c.txt": "c\n"}),
        "waived": commit(repo, "fix: four\n", {"d.txt": "d\n"}),
        "feature": commit(repo, "feat: five\n", {"e.txt": "e\n"}),
    }
    assert backport(rule_runner, f"--commit={shas['by_goal']}").exit_code == 0
    shas["on_by_goal"] = git(repo, "rev-parse", "24.09")
    for branch in ("24.09", "24.03"):
        git(repo, "switch", "-q", branch)
        git(repo, "cherry-pick", "-x", shas["by_hand"])
    shas["on_by_hand"] = git(repo, "rev-parse", "24.09")
    git(repo, "switch", "-q", "main")
    shas["base_24_09"] = git(repo, "merge-base", "main", "24.09")
    shas["base_24_03"] = git(repo, "merge-base", "main", "24.03")
    return shas


def test_missing_lists_what_each_line_lacks(rule_runner: RuleRunner, repo: Path, gate_repo: Dict[str, str]) -> None:
    s = {name: sha[:7] for name, sha in gate_repo.items()}
    before = refs(repo)
    result = backport(rule_runner, "--missing", f"--waived={{'{gate_repo['waived']}': 'abandoned: the code is gone'}}")
    assert_outcome(
        result,
        1,
        [
            f"24.09 (branch point {s['base_24_09']}): 1 missing, 1 waived",
            f"  missing {s['missing']} fix: three (`fix:` subject)",
            f"  waived  {s['waived']} fix: four (`[backport].waived`: abandoned: the code is gone)",
            f"24.03 (branch point {s['base_24_03']}): 1 missing, 1 waived",
            f"  missing {s['missing']} fix: three (`fix:` subject)",
            f"  waived  {s['waived']} fix: four (`[backport].waived`: abandoned: the code is gone)",
        ],
        [],
    )
    assert refs(repo) == before


def test_missing_passes_once_everything_arrived(rule_runner: RuleRunner, repo: Path, gate_repo: Dict[str, str]) -> None:
    assert backport(rule_runner, f"--commit={gate_repo['missing']}").exit_code == 0
    revert = commit(repo, f"Revert \"fix: four\"\n\nThis reverts commit {gate_repo['waived']}.\n\nBackport: none\n", {"d.txt": ""})
    result = backport(rule_runner, "--missing", "--to=24.03")
    assert_outcome(
        result,
        0,
        [
            f"24.03 (branch point {gate_repo['base_24_03'][:7]}): 0 missing, 1 waived",
            f"  waived  {gate_repo['waived'][:7]} fix: four (`Backport: none` in {revert[:7]})",
        ],
        [],
    )


def test_missing_json(rule_runner: RuleRunner, repo: Path, gate_repo: Dict[str, str]) -> None:
    result = backport(rule_runner, "--missing", "--to=24.09", "--format=json")
    assert (result.exit_code, result.stderr) == (1, "")
    fix = {"rule": "fix", "trailer": None}
    assert json.loads(result.stdout) == {
        "registry": REGISTRY,
        "source_branch": "main",
        "failed": True,
        "lines": [
            {
                "version": "24.09",
                "branch_point": gate_repo["base_24_09"],
                "missing": [
                    {"commit": gate_repo["missing"], "subject": "fix: three", **fix},
                    {"commit": gate_repo["waived"], "subject": "fix: four", **fix},
                ],
                "waived": [],
                "arrived": [
                    {"commit": gate_repo["by_goal"], "subject": "fix: one", **fix, "arrival": {"rule": "headline", "commit": gate_repo["on_by_goal"]}},
                    {"commit": gate_repo["by_hand"], "subject": "fix: two", **fix, "arrival": {"rule": "named", "commit": gate_repo["on_by_hand"]}},
                ],
            }
        ],
        "problems": [],
    }


def test_missing_skips_retired_lines_out_loud(rule_runner: RuleRunner, repo: Path) -> None:
    result = run_with_executor(rule_runner, BackportGoal, "--missing", env=env("2025-04-01"))
    base = git(repo, "merge-base", "main", "24.09")[:7]
    assert_outcome(
        result,
        0,
        [f"24.09 (branch point {base}): nothing missing"],
        [f"not checked: 24.03 is expired, LTS through 2025-03-31; remove it from `{REGISTRY}`"],
    )


def test_missing_reports_a_trailer_it_cannot_check(rule_runner: RuleRunner, repo: Path) -> None:
    sha = commit(repo, "feat: two\n\nBackport: 24.06\n", {"b.txt": "b\n"})
    result = backport(rule_runner, "--missing", "--to=24.09")
    assert_outcome(
        result,
        1,
        [f"24.09 (branch point {git(repo, 'merge-base', 'main', '24.09')[:7]}): nothing missing"],
        [
            f"`Backport:` trailer of {sha[:7]} (feat: two): names a line that cannot be checked "
            f"(`24.06` is not in `{REGISTRY}`) (got `Backport: 24.06` trailer); backport it with `--to=X.Y`, "
            "then waive it in `[backport].waived`"
        ],
    )


@pytest.mark.parametrize(
    "args, error",
    [
        pytest.param(
            ["--missing", "--to=23.09"],
            f"`--to`: not a line of `{REGISTRY}` (got `23.09`); pass a registered line: `24.09`, `24.03`",
            id="unregistered-line",
        ),
        pytest.param(["--missing", "--commit=HEAD"], "`--commit`: not used with `--missing` (got `HEAD`); drop it", id="with-commit"),
        pytest.param(["--commit=HEAD", "--format=json"], "`--format`: not used with `--commit` (got `json`); drop it", id="json-backport"),
        pytest.param(["--list", "--to=24.09", "--format=json"], "`--format`: not used with `--list` (got `json`); drop it", id="json-list"),
        pytest.param(
            ["--missing", "--waived={'main': 'x'}"],
            "`[backport].waived`: not a commit id (got `main`); key each waiver by 7 to 40 hex digits of the commit",
            id="bad-waiver",
        ),
    ],
)
def test_bad_gate_input(rule_runner: RuleRunner, repo: Path, args: List[str], error: str) -> None:
    before = refs(repo)
    assert_outcome(backport(rule_runner, *args), 1, [], [error])
    assert refs(repo) == before


@pytest.mark.parametrize("args", [pytest.param(["--missing"], id="missing"), pytest.param(["--commit=HEAD"], id="backport")])
def test_bad_registry_is_one_line_and_unchanged(rule_runner: RuleRunner, repo: Path, args: List[str]) -> None:
    bad = 'versions:\n  - version: "24.09"\n    lts: maybe\n'
    rule_runner.write_files({REGISTRY: bad})
    before = refs(repo)
    assert_outcome(
        backport(rule_runner, *args),
        1,
        [],
        [f"`{REGISTRY}`: entry 1 (`24.09`): `lts` is not a boolean (got `maybe`); write `lts: true` or `lts: false`"],
    )
    assert (refs(repo), Path(rule_runner.build_root, REGISTRY).read_text()) == (before, bad)


# Done when --------------------------------------------------------------------------------------


def test_cut_lts_backport_by_rule_then_gate(rule_runner: RuleRunner) -> None:
    """`--cut-release --lts` on X.Y.0rc1, `backport --commit=SHA` alone, and `--missing` in CI."""
    unpadded = ("--release-version-pad-minor=false", "--release-version-cadence=sequential")
    rule_runner.write_files({"VERSION": "26.4.0rc1\n", "app.txt": "one\ntwo\nthree\n"})
    repo = init_repo(Path(rule_runner.build_root))
    cut = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release", "--lts", global_args=unpadded, env=env("2026-04-14"))
    assert cut.exit_code == 0, cut.stderr
    rule_runner.write_files({"VERSION": "26.8.0rc1\n"})
    git(repo, "commit", "-qam", "release: 26.8.0rc1")
    cut = run_goal(rule_runner, ReleaseVersionGoal, "--cut-release", global_args=unpadded, env=env("2026-08-20"))
    assert cut.exit_code == 0, cut.stderr
    assert Path(rule_runner.build_root, REGISTRY).read_text() == dedent(
        """\
        versions:
          - version: "26.8"
          - version: "26.4"
            lts: true
            retire_after: "2027-04-30"
        """
    )

    fixed = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    lacking = commit(repo, "fix(api): handle three\n", {"app.txt": "one\nTWO\nTHREE\n"})
    later = env("2026-09-01")
    result = run_with_executor(rule_runner, BackportGoal, f"--commit={fixed}", global_args=unpadded, env=later)
    assert result.exit_code == 0, result.stderr
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["Updated 26.8", "Updated 26.4"]

    gate = run_with_executor(rule_runner, BackportGoal, "--missing", global_args=unpadded, env=later)
    bases = {line: git(repo, "merge-base", "main", line)[:7] for line in ("26.8", "26.4")}
    assert_outcome(
        gate,
        1,
        [
            f"26.8 (branch point {bases['26.8']}): 1 missing",
            f"  missing {lacking[:7]} fix(api): handle three (`fix:` subject)",
            f"26.4 (branch point {bases['26.4']}): 1 missing",
            f"  missing {lacking[:7]} fix(api): handle three (`fix:` subject)",
        ],
        [],
    )


def test_lines_of_both_eras_by_rule_and_in_the_gate(rule_runner: RuleRunner) -> None:
    """A registry naming `26.8` and `24.9` (whose branch is `24.09`), read with the default zero-padded settings:
    fixes go to both branches, a trailer may name a line in either spelling, and the gate shows the lines as written."""
    rule_runner.write_files(
        {
            "app.txt": "one\ntwo\nthree\n",
            REGISTRY: 'versions:\n  - version: "26.8"\n  - version: "24.9"\n    lts: true\n    retire_after: "2026-09-30"\n',
        }
    )
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "branch", "24.09")
    commit(repo, "Add docs\n", {"docs.txt": "docs\n"})
    git(repo, "branch", "26.8")
    today = env("2026-09-01")
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    old_only = commit(repo, "feat: three\n\nBackport: 24.09\n", {"app.txt": "one\nTWO\nTHREE\n"})
    before = {branch: git(repo, "rev-parse", branch) for branch in ("26.8", "24.09")}
    result = run_with_executor(rule_runner, BackportGoal, f"--commit={fix}", f"--commit={old_only}", env=today)
    after = {branch: git(repo, "rev-parse", branch) for branch in ("26.8", "24.09")}
    assert_outcome(
        result,
        0,
        updated(before, after, "26.8", "24.09"),
        [
            f"Targets of {fix[:7]} (fix: handle two): 26.8, 24.9, by `fix:` subject",
            f"Targets of {old_only[:7]} (feat: three): 24.9, by `Backport: 24.09` trailer",
            f"Picking {fix[:7]} onto 26.8 ...",
            f"Picking {fix[:7]} onto 24.09 ...",
            f"Picking {old_only[:7]} onto 24.09 ...",
        ],
    )
    assert message_of(repo, "24.09~1") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"

    missing = commit(repo, "fix: handle four\n", {"four.txt": "4\n"})
    gate = run_with_executor(rule_runner, BackportGoal, "--missing", "--to=24.09", env=today)
    assert_outcome(
        gate,
        1,
        [
            f"24.9 (branch point {git(repo, 'merge-base', 'main', '24.09')[:7]}): 1 missing",
            f"  missing {missing[:7]} fix: handle four (`fix:` subject)",
        ],
        [],
    )
