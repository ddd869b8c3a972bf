"""RuleRunner tests of `pants backport`, on real git repositories made in the build root."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict

import pytest
from backport_runs import run_with_executor
from conftest import git, init_repo
from git_history import FIX_DATE, FIXER, author_of, commit, commit_on, message_of, refs
from pants.testutil.rule_runner import GoalRuleResult, RuleRunner

from calver_release.backport.goal import BackportGoal

RESUME = "run `pants backport --continue` or `pants backport --abort`"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main` with `24.03` cut at the first commit and `24.09` at the second, built once."""
    path = tmp_path_factory.mktemp("template")
    (path / "app.txt").write_text("one\ntwo\nthree\n")
    (path / "notes.txt").write_text("v1\n")
    init_repo(path)
    git(path, "branch", "24.03")
    commit(path, "Add docs\n", {"docs.txt": "docs\n"})
    git(path, "branch", "24.09")
    return path


@pytest.fixture
def repo(rule_runner: RuleRunner, template: Path) -> Path:
    """A copy of `template` in the build root (cheaper than its eight git processes)."""
    return Path(shutil.copytree(template, rule_runner.build_root, symlinks=True, dirs_exist_ok=True))


def state_dir(repo: Path) -> Path:
    """Where a backport keeps its worktree; its state is `state_file`."""
    return repo / ".git" / "calver-release" / "backport"


def state_file(repo: Path) -> Path:
    return repo / ".git" / "calver-release" / "backport.json"


def assert_outcome(result: GoalRuleResult, exit_code: int, stdout: list, stderr: list) -> None:
    assert (result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()) == (exit_code, stdout, stderr)


# Clean picks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message, expected",
    [
        pytest.param(
            "fix: handle two\n\nTwo was wrong.\n",
            "fix: handle two\n\nTwo was wrong.\n\nBackported-From: main\nBackported-To: 24.09\n",
            id="plain",
        ),
        pytest.param(
            "fix: handle two\n\nSigned-off-by: Fixer <fixer@example.com>\n",
            "fix: handle two\n\nSigned-off-by: Fixer <fixer@example.com>\nBackported-From: main\nBackported-To: 24.09\n",
            id="has-trailers",
        ),
        pytest.param(
            "fix: handle two\n\nbackported-from: main\n",
            "fix: handle two\n\nbackported-from: main\nBackported-To: 24.09\n",
            id="has-a-backport-trailer",
        ),
    ],
)
def test_pick_to_one_branch(rule_runner: RuleRunner, repo: Path, message: str, expected: str) -> None:
    fix = commit(repo, message, {"app.txt": "one\nTWO\nthree\n"})
    old = git(repo, "rev-parse", "24.09")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={fix[:10]}")
    new = git(repo, "rev-parse", "24.09")
    assert_outcome(result, 0, [f"Updated 24.09: {old[:7]} -> {new[:7]}"], [f"Picking {fix[:7]} onto 24.09 ..."])
    assert message_of(repo, "24.09") == expected
    assert author_of(repo, "24.09") == f"{FIXER} {FIX_DATE}"
    assert git(repo, "rev-parse", "24.09^") == old
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO\nthree"
    assert (git(repo, "symbolic-ref", "HEAD"), git(repo, "rev-parse", "HEAD")) == ("refs/heads/main", fix)
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""
    assert not state_dir(repo).exists() and not state_file(repo).exists()


def test_pick_two_commits_to_two_branches(rule_runner: RuleRunner, repo: Path) -> None:
    first = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    second = commit(repo, "fix: handle three\n", {"app.txt": "one\nTWO\nTHREE\n"})
    before = {branch: git(repo, "rev-parse", branch) for branch in ("24.03", "24.09")}
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.03", "--to=24.09", f"--commit={first}", f"--commit={second}")
    after = {branch: git(repo, "rev-parse", branch) for branch in ("24.03", "24.09")}
    assert_outcome(
        result,
        0,
        [f"Updated {b}: {before[b][:7]} -> {after[b][:7]}" for b in ("24.03", "24.09")],
        [f"Picking {sha[:7]} onto {b} ..." for b in ("24.03", "24.09") for sha in (first, second)],
    )
    for branch in ("24.03", "24.09"):
        assert git(repo, "rev-parse", f"{branch}~2") == before[branch]
        assert message_of(repo, f"{branch}~1") == f"fix: handle two\n\nBackported-From: main\nBackported-To: {branch}\n"
        assert message_of(repo, branch) == f"fix: handle three\n\nBackported-From: main\nBackported-To: {branch}\n"
        assert author_of(repo, f"{branch}~1") == author_of(repo, branch) == f"{FIXER} {FIX_DATE}"
        assert git(repo, "show", f"{branch}:app.txt") == "one\nTWO\nTHREE"


def test_main_branch_and_scheme_come_from_release_version(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "branch", "-m", "main", "trunk")
    git(repo, "branch", "26.8", "24.09")
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    result = run_with_executor(
        rule_runner,
        BackportGoal,
        "--to=26.8",
        f"--commit={fix}",
        global_args=("--release-version-main-branch=trunk", "--no-release-version-pad-minor"),
    )
    assert result.exit_code == 0, result.stderr
    assert message_of(repo, "26.8") == "fix: handle two\n\nBackported-From: trunk\nBackported-To: 26.8\n"


def test_merge_commit_with_mainline(rule_runner: RuleRunner, repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "topic")
    commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    git(repo, "switch", "-q", "main")
    commit(repo, "Unrelated\n", {"other.txt": "x\n"})
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", "--commit=HEAD", "--mainline=1")
    assert result.exit_code == 0, result.stderr
    assert message_of(repo, "24.09") == "Merge topic\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert git(repo, "ls-tree", "--name-only", "24.09") == "app.txt\ndocs.txt\nnotes.txt"
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO\nthree"


# Skips, dry run, migrations ---------------------------------------------------------------------


def test_skip_commit_already_backported(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    by_hand = commit_on(repo, "24.09", "Backport the two fix by hand\n", {"app.txt": "one\nTWO\nthree\n"})
    docs = git(repo, "rev-parse", "main~1")
    before = refs(repo)
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={fix}", f"--commit={docs}")
    assert_outcome(
        result,
        0,
        [],
        [f"skip {fix[:7]} on 24.09: already there as {by_hand[:7]} (same patch id)", f"skip {docs[:7]} on 24.09: already on 24.09"],
    )
    assert refs(repo) == before
    assert not state_dir(repo).exists() and not state_file(repo).exists()


def test_dry_run_writes_nothing(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    docs = git(repo, "rev-parse", "main~1")
    before = refs(repo)
    result = run_with_executor(rule_runner, BackportGoal, "--dry-run", "--to=24.03", "--to=24.09", f"--commit={fix}", f"--commit={docs}")
    assert_outcome(
        result,
        0,
        [
            f"Would pick {fix[:7]} onto 24.03: fix: handle two",
            f"Would pick {docs[:7]} onto 24.03: Add docs",
            f"Would pick {fix[:7]} onto 24.09: fix: handle two",
            f"skip {docs[:7]} on 24.09: already on 24.09",
        ],
        [],
    )
    assert refs(repo) == before
    assert not state_dir(repo).exists() and not state_file(repo).exists()


def test_migration_in_a_backport_warns(rule_runner: RuleRunner, repo: Path) -> None:
    migration = "src/ai/backend/manager/models/alembic/versions/abc123_add_index.py"
    fix = commit(repo, "fix: add an index\n", {migration: "revision = 'abc123'\n"})
    elsewhere = run_with_executor(rule_runner, BackportGoal, "--dry-run", "--to=24.03", f"--commit={fix}", "--migration-dirs=['db/versions']")
    assert_outcome(elsewhere, 0, [f"Would pick {fix[:7]} onto 24.03: fix: add an index"], [])
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.03", "--to=24.09", f"--commit={fix}")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"warning: {fix[:7]} changes migrations (`{migration}`) backported to 24.03, 24.09; "
        "check that each of them has one alembic head",
        f"Picking {fix[:7]} onto 24.03 ...",
        f"Picking {fix[:7]} onto 24.09 ...",
    ]


def test_commit_not_on_main_needs_yes(rule_runner: RuleRunner, repo: Path) -> None:
    stray = commit_on(repo, "24.03", "fix: only on 24.03\n", {"stray.txt": "x\n"})
    before = refs(repo)
    refused = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={stray[:10]}")
    assert_outcome(
        refused,
        1,
        [],
        [f"`--commit`: not on `main` (got `{stray[:10]}`); land fixes on `main` first, or pass `--yes` to backport it anyway"],
    )
    assert refs(repo) == before
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={stray}", "--yes")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"warning: {stray[:7]} is not on `main`; backporting it anyway",
        f"Picking {stray[:7]} onto 24.09 ...",
    ]
    assert message_of(repo, "24.09") == "fix: only on 24.03\n\nBackported-From: main\nBackported-To: 24.09\n"


# Conflicts --------------------------------------------------------------------------------------


@pytest.fixture
def conflicting(repo: Path) -> Dict[str, str]:
    """`24.09` changed line two; `conflict` on main changes it too, `clean` changes another file."""
    release = commit_on(repo, "24.09", "Release tweak\n", {"app.txt": "one\ntwo-release\nthree\n"})
    conflict = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    clean = commit(repo, "fix: handle notes\n", {"notes.txt": "v2\n"})
    return {"release": release, "conflict": conflict, "clean": clean}


def conflict_lines(target: str, sha: str, worktree: Path) -> list:
    return [
        f"Picking {sha[:7]} onto {target} ...",
        f"Conflict picking {sha[:7]} onto {target}: app.txt",
        f"Resolve them in {worktree}, `git add` them, then {RESUME}",
    ]


def test_conflict_then_continue(rule_runner: RuleRunner, repo: Path, conflicting: Dict[str, str]) -> None:
    worktree = state_dir(repo).resolve() / "worktree"
    before = refs(repo)
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={conflicting['conflict']}", f"--commit={conflicting['clean']}")
    assert_outcome(result, 1, [], conflict_lines("24.09", conflicting["conflict"], worktree))
    assert refs(repo) == before
    assert git(worktree, "diff", "--name-only", "--diff-filter=U") == "app.txt"

    again = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={conflicting['clean']}")
    assert_outcome(again, 1, [], [f"`pants backport`: a backport is in progress (got `{state_file(repo).resolve()}`); {RESUME}"])
    still = run_with_executor(rule_runner, BackportGoal, "--continue")
    assert_outcome(still, 1, [], [f"Still conflicted in {worktree}: app.txt"])

    (worktree / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree, "add", "app.txt")
    resumed = run_with_executor(rule_runner, BackportGoal, "--continue")
    new = git(repo, "rev-parse", "24.09")
    assert_outcome(
        resumed,
        0,
        [f"Updated 24.09: {conflicting['release'][:7]} -> {new[:7]}"],
        [f"Picking {conflicting['clean'][:7]} onto 24.09 ..."],
    )
    assert git(repo, "rev-parse", "24.09~2") == conflicting["release"]
    assert message_of(repo, "24.09~1") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert author_of(repo, "24.09~1") == f"{FIXER} {FIX_DATE}"
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO-release\nthree"
    assert message_of(repo, "24.09") == "fix: handle notes\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert not state_dir(repo).exists() and not state_file(repo).exists()


def test_conflict_then_abort_restores_every_ref(
    rule_runner: RuleRunner, repo: Path, conflicting: Dict[str, str]
) -> None:
    worktree = state_dir(repo).resolve() / "worktree"
    before = refs(repo)
    old_2403 = git(repo, "rev-parse", "24.03")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.03", "--to=24.09", f"--commit={conflicting['conflict']}")
    new_2403 = git(repo, "rev-parse", "24.03")
    assert_outcome(
        result,
        1,
        [f"Updated 24.03: {old_2403[:7]} -> {new_2403[:7]}"],
        [f"Picking {conflicting['conflict'][:7]} onto 24.03 ...", *conflict_lines("24.09", conflicting["conflict"], worktree)],
    )
    aborted = run_with_executor(rule_runner, BackportGoal, "--abort")
    assert_outcome(aborted, 0, [f"Restored 24.03 to {old_2403[:7]}", "Backport aborted."], [])
    assert refs(repo) == before
    assert not state_dir(repo).exists() and not state_file(repo).exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


# Listing ----------------------------------------------------------------------------------------


def test_list_mixed_capitalisation_and_missing_fixes(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: matched by patch id\n", {"a.txt": "a\n"})
    missing = commit(repo, "Fix: never backported\n", {"d.txt": "d\n"})
    commit(repo, "feat: not a fix\n", {"e.txt": "e\n"})
    canonical = commit_on(repo, "24.09", "Backport a\n\nBackported-From: main\nBackported-To: 24.09\n", {"a.txt": "a\n"})
    lower = commit_on(repo, "24.09", "Backport b\n\nbackported-from: main\nbackported-To: 24.09\n", {"b.txt": "b\n"})
    upper = commit_on(repo, "24.09", "Bump\n\nBACKPORTED-TO: 24.09\n", {"f.txt": "f\n"})
    base = git(repo, "merge-base", "main", "24.09")
    result = run_with_executor(rule_runner, BackportGoal, "--list", "--to=24.09")
    assert_outcome(
        result,
        0,
        [
            f"Backported to 24.09 since {base[:7]}:",
            f"  {canonical[:7]} Backport a (of {fix[:7]}, same patch id)",
            f"  {lower[:7]} Backport b (from main to 24.09)",
            f"  {upper[:7]} Bump (from ? to 24.09)",
            "Fixes without a backport to 24.09:",
            f"  {missing[:7]} Fix: never backported",
        ],
        [],
    )


# Bad input --------------------------------------------------------------------------------------


def bad_inputs(rule_runner: RuleRunner, repo: Path) -> Dict[str, tuple]:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    git(repo, "switch", "-q", "-c", "topic", "main~1")
    commit(repo, "Topic\n", {"topic.txt": "x\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    merge = git(repo, "rev-parse", "HEAD")
    return {
        "unknown-branch": (
            ["--to=24.06", f"--commit={fix}"],
            "`--to`: no such local branch (got `24.06`); create or fetch it first",
        ),
        "not-a-release-branch": (
            ["--to=topic", f"--commit={fix}"],
            "`--to`: not a release branch name (got `topic`); pass a branch such as `24.09`",
        ),
        "other-spelling-is-another-branch": (
            ["--to=24.9", f"--commit={fix}"],
            "`--to`: no such local branch (got `24.9`); create or fetch it first",
        ),
        "unknown-commit": (
            ["--to=24.09", "--commit=deadbeef"],
            "`--commit`: no such commit (got `deadbeef`); pass a commit of `main`",
        ),
        "merge-without-mainline": (
            ["--to=24.09", f"--commit={merge}"],
            f"`--commit`: a merge commit needs a parent to diff against (got `{merge}`); pass `--mainline=N`",
        ),
        "no-target": (
            [f"--commit={fix}"],
            "`--to`: no release branch given, and no `.github/maintained-versions.yml` to decide them from "
            "(got none); pass `--to=X.Y`, or register the maintained lines",
        ),
        "no-commit": (["--to=24.09"], "`--commit`: no commit given (got none); pass `--commit=SHA`"),
        "list-without-target": (["--list"], "`--list`: no release branch given (got none); pass `--to=X.Y`"),
        "list-with-commit": (
            ["--list", "--to=24.09", f"--commit={fix}"],
            f"`--commit`: not used with `--list` (got `{fix}`); drop it",
        ),
        "continue-with-target": (["--continue", "--to=24.09"], "`--to`: not used with `--continue` (got `24.09`); drop it"),
        "continue-without-run": (
            ["--continue"],
            f"`--continue`: no backport in progress (got no `{state_file(repo).resolve()}`); "
            "start one with `pants backport --to=X.Y --commit=SHA`",
        ),
        "abort-without-run": (
            ["--abort"],
            f"`--abort`: no backport in progress (got no `{state_file(repo).resolve()}`); nothing to abort",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown-branch",
        "not-a-release-branch",
        "other-spelling-is-another-branch",
        "unknown-commit",
        "merge-without-mainline",
        "no-target",
        "no-commit",
        "list-without-target",
        "list-with-commit",
        "continue-with-target",
        "continue-without-run",
        "abort-without-run",
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(rule_runner: RuleRunner, repo: Path, case: str) -> None:
    args, error = bad_inputs(rule_runner, repo)[case]
    before = refs(repo)
    result = run_with_executor(rule_runner, BackportGoal, *args)
    assert_outcome(result, 1, [], [error])
    assert refs(repo) == before
    assert not state_dir(repo).exists() and not state_file(repo).exists()


def test_actions_are_mutually_exclusive(rule_runner: RuleRunner, repo: Path) -> None:
    with pytest.raises(Exception, match="Can only provide one of these mutually exclusive options"):
        run_with_executor(rule_runner, BackportGoal, "--list", "--dry-run", "--to=24.09")


DAMAGED = {
    "empty-object": ("{}", "$: missing field `plan`"),
    "a-list": ("[]", "$: expected an object (got list [])"),
    "targets-a-string": ('{"plan": {"source_branch": "main", "targets": "24.09"}}', "$.plan.targets: expected a list (got str '24.09')"),
    "nulls": ('{"plan": null}', "$.plan: expected an object (got NoneType None)"),
    "picks-a-string": (
        '{"plan": {"source_branch": "main", "targets": [{"target": "24.09", "base": "0", "picks": "abc"}]}}',
        "$.plan.targets[0].picks: expected a list (got str 'abc')",
    ),
    "truncated": ('{"plan": {"source_', "not JSON: Unterminated string starting at: line 1 column 11 (char 10)"),
}


@pytest.mark.parametrize("action", ["--continue", "--abort"])
@pytest.mark.parametrize("shape", list(DAMAGED))
def test_a_damaged_state_file_is_one_line_and_changes_nothing(rule_runner: RuleRunner, repo: Path, action: str, shape: str) -> None:
    text, reason = DAMAGED[shape]
    state_file(repo).parent.mkdir(parents=True)
    state_file(repo).write_text(text)
    before = refs(repo)
    result = run_with_executor(rule_runner, BackportGoal, action)
    worktree = state_dir(repo).resolve() / "worktree"
    assert_outcome(
        result,
        1,
        [],
        [
            f"`{state_file(repo).resolve()}`: damaged state file (got {reason}); nothing was run from it: check the "
            f"release branches (`git reflog BRANCH` shows where each was), then run `git worktree remove --force "
            f"{worktree}` and delete the file"
        ],
    )
    assert refs(repo) == before
    assert state_file(repo).read_text() == text
    assert not state_dir(repo).exists()


def test_a_worktree_deleted_by_hand_then_continue(rule_runner: RuleRunner, repo: Path, conflicting: Dict[str, str]) -> None:
    worktree = state_dir(repo).resolve() / "worktree"
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={conflicting['conflict']}")
    assert result.exit_code == 1
    shutil.rmtree(worktree)
    before = refs(repo)
    resumed = run_with_executor(rule_runner, BackportGoal, "--continue")
    assert_outcome(
        resumed,
        1,
        [],
        [
            f"`{worktree}`: the backport worktree is gone (got no directory); run `pants backport --abort`, which puts "
            "back the release branches the run moved, then start again"
        ],
    )
    assert refs(repo) == before
    aborted = run_with_executor(rule_runner, BackportGoal, "--abort")
    assert_outcome(aborted, 0, ["Backport aborted."], [])
    assert not state_dir(repo).exists() and not state_file(repo).exists()
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_outside_a_repository(rule_runner: RuleRunner) -> None:
    root = Path(rule_runner.build_root)
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", "--commit=HEAD")
    assert_outcome(
        result,
        1,
        [],
        [f"`{root}`: not a git repository (got `git rev-parse --git-common-dir` failing); run inside the repository's checkout"],
    )


def test_a_stale_lock_on_the_release_branch_names_the_lock(rule_runner: RuleRunner, repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    old = git(repo, "rev-parse", "24.09")
    lock = repo / ".git/refs/heads/24.09.lock"
    lock.write_text("")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={fix}")
    picked = git(state_dir(repo) / "worktree", "rev-parse", "HEAD")
    assert_outcome(
        result,
        1,
        [],
        [
            f"Picking {fix[:7]} onto 24.09 ...",
            f"`{lock}`: a lock file of another git process is in the way (got `git update-ref refs/heads/24.09 "
            f"{picked} {old}` failing); if no git process is running, delete the file and run `pants backport --continue`",
        ],
    )
    assert git(repo, "rev-parse", "24.09") == old
    lock.unlink()
    resumed = run_with_executor(rule_runner, BackportGoal, "--continue")
    assert_outcome(resumed, 0, [f"Updated 24.09: {old[:7]} -> {picked[:7]}"], [])
    assert git(repo, "rev-parse", "24.09") == picked
    assert message_of(repo, "24.09") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"
