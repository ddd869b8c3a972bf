from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import git
from git_history import FIX_DATE, FIXER, author_of, commit, commit_on, message_of, refs

from calver_release.backport.engine import (
    BackportError,
    BackportOutcome,
    BackportPlan,
    BackportRequest,
    BranchUpdate,
    Conflict,
    Pick,
    Skip,
    TargetPlan,
    abort_backport,
    continue_backport,
    describe_plan,
    migration_warnings,
    plan_backport,
    run_backport,
    state_file,
    worktree_path,
)
from calver_release.runtime.git import GitRepo

def subjects(repo: Path, rev_range: str) -> List[str]:
    return git(repo, "log", "--reverse", "--format=%s", rev_range).splitlines()


def request(*commits: str, targets: tuple = ("24.09",), **options) -> BackportRequest:
    return BackportRequest(targets=targets, commits=commits, pad_minor=True, **options)


def backport_left(repo: Path) -> bool:
    """Whether a backport left its state file or its directory (the worktree) in the git directory."""
    return state_file(GitRepo(repo)).exists() or worktree_path(GitRepo(repo)).parent.exists()


def backport(repo: Path, req: BackportRequest) -> tuple:
    lines: List[str] = []
    outcome = run_backport(GitRepo(repo), plan_backport(GitRepo(repo), req), lines.append)
    return outcome, lines


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main` with `24.03` cut after the first commit and `24.09` after the second, built once."""
    path = tmp_path_factory.mktemp("template") / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, timeout=60)
    commit(path, "Initial import\n", {"app.txt": "one\ntwo\nthree\n", "notes.txt": "v1\n"})
    git(path, "branch", "24.03")
    commit(path, "Add docs\n", {"docs.txt": "docs\n"})
    git(path, "branch", "24.09")
    return path


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    """A copy of `template` (cheaper than its eleven git processes)."""
    return Path(shutil.copytree(template, tmp_path / "repo", symlinks=True))


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
            id="signed-off-by-block",
        ),
        pytest.param(
            "fix: handle two\n\nbackported-from: main\n",
            "fix: handle two\n\nbackported-from: main\nBackported-To: 24.09\n",
            id="trailer-already-present",
        ),
    ],
)
def test_pick_to_one_branch(repo: Path, message: str, expected: str) -> None:
    sha = commit(repo, message, {"app.txt": "one\nTWO\nthree\n"})
    old = git(repo, "rev-parse", "24.09")
    outcome, lines = backport(repo, request(sha))
    new = git(repo, "rev-parse", "24.09")
    assert outcome == BackportOutcome((BranchUpdate("24.09", old, new),))
    assert lines == [f"Picking {sha[:7]} onto 24.09 ..."]
    assert message_of(repo, "24.09") == expected
    assert author_of(repo, "24.09") == f"{FIXER} {FIX_DATE}"
    assert git(repo, "log", "-1", "--format=%cn", "24.09") == "Ada Maintainer"
    assert git(repo, "rev-parse", "24.09^") == old
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO\nthree"
    assert not worktree_path(GitRepo(repo)).exists() and not backport_left(repo)


def test_pick_to_two_branches_in_order(repo: Path) -> None:
    first = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    second = commit(repo, "fix: handle three\n", {"app.txt": "one\nTWO\nTHREE\n"})
    outcome, _ = backport(repo, request(first, second, targets=("24.03", "24.09")))
    assert [u.target for u in outcome.updated] == ["24.03", "24.09"]
    for target in ("24.03", "24.09"):
        assert subjects(repo, f"main..{target}") == ["fix: handle two", "fix: handle three"]
        assert message_of(repo, f"{target}~1") == (
            f"fix: handle two\n\nBackported-From: main\nBackported-To: {target}\n"
        )
        assert message_of(repo, target) == f"fix: handle three\n\nBackported-From: main\nBackported-To: {target}\n"
        assert author_of(repo, target) == f"{FIXER} {FIX_DATE}"
        assert git(repo, "show", f"{target}:app.txt") == "one\nTWO\nTHREE"


def test_developer_checkout_untouched(repo: Path) -> None:
    sha = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    (repo / "notes.txt").write_text("edited, not staged\n")
    (repo / "scratch.txt").write_text("untracked\n")
    status = git(repo, "status", "--porcelain")
    backport(repo, request(sha))
    assert git(repo, "status", "--porcelain") == status == "M notes.txt\n?? scratch.txt"
    assert (repo / "notes.txt").read_text() == "edited, not staged\n"
    assert (repo / "scratch.txt").read_text() == "untracked\n"
    assert git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert git(repo, "rev-parse", "HEAD") == sha


def test_repository_hooks_do_not_run(repo: Path) -> None:
    sha = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    hook = repo / ".git" / "hooks" / "commit-msg"
    hook.write_text('#!/bin/sh\necho "Hooked: yes" >> "$1"\n')
    hook.chmod(0o755)
    backport(repo, request(sha))
    assert message_of(repo, "24.09") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"


def test_merge_commit_with_mainline(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "topic")
    commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    git(repo, "switch", "-q", "main")
    commit(repo, "Unrelated\n", {"other.txt": "x\n"})
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    merge = git(repo, "rev-parse", "HEAD")
    outcome, _ = backport(repo, request(merge, mainline=1))
    assert [u.target for u in outcome.updated] == ["24.09"]
    assert message_of(repo, "24.09") == "Merge topic\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO\nthree"
    assert git(repo, "ls-tree", "--name-only", "24.09") == "app.txt\ndocs.txt\nnotes.txt"


# Dry run, skips, planning -----------------------------------------------------------------------


def test_plan_and_dry_run_lines(repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    docs = git(repo, "rev-parse", "main~1")
    plan = plan_backport(GitRepo(repo), request(fix, docs, targets=("24.03", "24.09")))
    assert plan == BackportPlan(
        "main",
        (
            TargetPlan("24.03", git(repo, "rev-parse", "24.03"), (Pick(fix, "fix: handle two"), Pick(docs, "Add docs"))),
            TargetPlan(
                "24.09",
                git(repo, "rev-parse", "24.09"),
                (Pick(fix, "fix: handle two"),),
                (Skip(docs, "Add docs", "already on 24.09"),),
            ),
        ),
    )
    assert describe_plan(plan) == [
        f"Would pick {fix[:7]} onto 24.03: fix: handle two",
        f"Would pick {docs[:7]} onto 24.03: Add docs",
        f"Would pick {fix[:7]} onto 24.09: fix: handle two",
        f"skip {docs[:7]} on 24.09: already on 24.09",
    ]
    assert not backport_left(repo)


def test_plan_drops_repeated_targets_and_commits(repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    plan = plan_backport(GitRepo(repo), request(fix[:8], fix, "main", targets=("24.09", "24.09")))
    assert plan == BackportPlan(
        "main", (TargetPlan("24.09", git(repo, "rev-parse", "24.09"), (Pick(fix, "fix: handle two"),)),)
    )


def test_skip_commit_already_backported(repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    by_hand = commit_on(repo, "24.09", "Backport the two fix by hand\n", {"app.txt": "one\nTWO\nthree\n"})
    before = refs(repo)
    outcome, lines = backport(repo, request(fix))
    assert outcome == BackportOutcome(())
    assert lines == [f"skip {fix[:7]} on 24.09: already there as {by_hand[:7]} (same patch id)"]
    assert refs(repo) == before
    assert not backport_left(repo)


@pytest.mark.parametrize(
    "subject, backported, rule",
    [
        pytest.param("fix: handle two (#12)\n", "fix: handle two (#12) (#15)\n", "same pull request", id="squash-merged"),
        pytest.param("fix: handle two\n", "[24.09 backport] fix: handle two\n", "same headline", id="manual-marker"),
    ],
)
def test_skip_a_fix_that_arrived_with_other_context_as_missing_finds_it(
    repo: Path, subject: str, backported: str, rule: str
) -> None:
    """The release branch's copy differs (another patch id): the plan still sees it, by the gate's rules."""
    fix = commit(repo, subject, {"app.txt": "one\nTWO\nthree\n"})
    on_line = commit_on(repo, "24.09", backported, {"app.txt": "one\nTWO (as on 24.09)\nthree\n"})
    before = refs(repo)
    outcome, lines = backport(repo, request(fix))
    assert (outcome, lines) == (BackportOutcome(()), [f"skip {fix[:7]} on 24.09: already there as {on_line[:7]} ({rule})"])
    assert refs(repo) == before


def test_skip_on_one_target_pick_on_other(repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    by_hand = commit_on(repo, "24.03", "fix: handle two (24.03)\n", {"app.txt": "one\nTWO\nthree\n"})
    outcome, lines = backport(repo, request(fix, targets=("24.03", "24.09")))
    assert [u.target for u in outcome.updated] == ["24.09"]
    assert lines[0] == f"skip {fix[:7]} on 24.03: already there as {by_hand[:7]} (same patch id)"
    assert git(repo, "rev-parse", "24.03") == by_hand


def test_commit_not_on_main_allowed_with_flag(repo: Path) -> None:
    stray = commit_on(repo, "24.03", "fix: only on 24.03\n", {"stray.txt": "x\n"})
    plan = plan_backport(GitRepo(repo), request(stray, allow_unreachable=True))
    assert plan.warnings == (f"warning: {stray[:7]} is not on `main`; backporting it anyway",)
    outcome, lines = backport(repo, request(stray, allow_unreachable=True))
    assert lines[0] == plan.warnings[0]
    assert [u.target for u in outcome.updated] == ["24.09"]


def test_branch_moved_between_plan_and_run(repo: Path) -> None:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    plan = plan_backport(GitRepo(repo), request(fix))
    moved = commit_on(repo, "24.09", "Release note\n", {"release.txt": "x\n"})
    with pytest.raises(BackportError) as error:
        run_backport(GitRepo(repo), plan, print)
    assert str(error.value) == f"`--to`: `24.09` moved since the plan was made (got {moved[:7]}); plan again"
    assert not backport_left(repo)


def test_targets_of_both_eras_in_one_run(repo: Path) -> None:
    """`--to` reads branch names as written: the padded `24.09` and the unpadded `26.8`, whatever the scheme."""
    git(repo, "branch", "26.8", "24.09")
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    for pad_minor in (True, False):
        plan = plan_backport(GitRepo(repo), BackportRequest(targets=("24.09", "26.8"), commits=(fix,), pad_minor=pad_minor))
        assert [target.target for target in plan.targets] == ["24.09", "26.8"]
    outcome, _ = backport(repo, BackportRequest(targets=("26.8", "24.09"), commits=(fix,), pad_minor=False))
    assert [u.target for u in outcome.updated] == ["26.8", "24.09"]
    assert message_of(repo, "26.8") == "fix: handle two\n\nBackported-From: main\nBackported-To: 26.8\n"
    assert message_of(repo, "24.09") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"


# Bad input --------------------------------------------------------------------------------------


def bad_requests(repo: Path) -> Dict[str, tuple]:
    fix = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    stray = commit_on(repo, "24.03", "fix: only on 24.03\n", {"stray.txt": "x\n"})
    git(repo, "switch", "-q", "-c", "topic", "main~1")
    commit(repo, "Topic\n", {"topic.txt": "x\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    merge = git(repo, "rev-parse", "HEAD")
    git(repo, "worktree", "add", "-q", str(repo.parent / "release-checkout"), "24.03")
    git(repo, "branch", "23.09", git(repo, "commit-tree", "-m", "Unrelated root", git(repo, "mktree", input="")))
    return {
        "unrelated-history": (
            request(fix, targets=("23.09",)),
            "`--to`: shares no history with the source branch (got `23.09`); pass a release branch",
        ),
        "unknown-branch": (request(fix, targets=("24.06",)), "`--to`: no such local branch (got `24.06`); create or fetch it first"),
        "not-a-release-branch": (
            request(fix, targets=("feature/x",)),
            "`--to`: not a release branch name (got `feature/x`); pass a branch such as `24.09`",
        ),
        "not-a-release-branch-unpadded-scheme": (
            BackportRequest(targets=("feature/x",), commits=(fix,), pad_minor=False),
            "`--to`: not a release branch name (got `feature/x`); pass a branch such as `26.8`",
        ),
        "checked-out-target": (
            request(fix, targets=("24.03",)),
            f"`--to`: the branch is checked out in `{repo.parent / 'release-checkout'}` (got `24.03`); "
            "switch that worktree to another branch first, so moving the branch leaves no files behind",
        ),
        "unknown-commit": (request("deadbeef"), "`--commit`: no such commit (got `deadbeef`); pass a commit of `main`"),
        "not-on-main": (
            request(stray[:10]),
            f"`--commit`: not on `main` (got `{stray[:10]}`); land fixes on `main` first, or pass `--yes` to backport it anyway",
        ),
        "merge-without-mainline": (
            request(merge),
            f"`--commit`: a merge commit needs a parent to diff against (got `{merge}`); pass `--mainline=N`",
        ),
        "mainline-out-of-range": (
            request(merge, mainline=3),
            f"`--mainline`: `{merge}` has 2 parents (got 3); pass 1 to 2",
        ),
        "mainline-zero": (request(fix, mainline=0), "`--mainline`: not a parent number (got 0); pass 1 or more"),
        "no-targets": (request(fix, targets=()), "`--to`: no release branch given (got none); pass `--to=X.Y`"),
        "no-commits": (request(), "`--commit`: no commit given (got none); pass `--commit=SHA`"),
        "unknown-source": (
            request(fix, source_branch="trunk"),
            "source branch: no such local branch (got `trunk`); create or fetch it first",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unrelated-history",
        "unknown-branch",
        "not-a-release-branch",
        "not-a-release-branch-unpadded-scheme",
        "checked-out-target",
        "unknown-commit",
        "not-on-main",
        "merge-without-mainline",
        "mainline-out-of-range",
        "mainline-zero",
        "no-targets",
        "no-commits",
        "unknown-source",
    ],
)
def test_bad_request_is_refused_before_writing(repo: Path, case: str) -> None:
    req, message = bad_requests(repo)[case]
    before = refs(repo)
    with pytest.raises(BackportError) as error:
        plan_backport(GitRepo(repo), req)
    assert str(error.value) == message
    assert refs(repo) == before
    assert not backport_left(repo)


# Conflicts --------------------------------------------------------------------------------------


@pytest.fixture
def conflicting(repo: Path) -> Dict[str, str]:
    """`24.09` changed line two; `conflict` on main changes it too, `clean` changes another file."""
    release = commit_on(repo, "24.09", "Release tweak\n", {"app.txt": "one\ntwo-release\nthree\n"})
    conflict = commit(repo, "fix: handle two\n", {"app.txt": "one\nTWO\nthree\n"})
    clean = commit(repo, "fix: handle notes\n", {"notes.txt": "v2\n"})
    return {"release": release, "conflict": conflict, "clean": clean}


def test_conflict_stops_and_keeps_state(repo: Path, conflicting: Dict[str, str]) -> None:
    outcome, lines = backport(repo, request(conflicting["conflict"], conflicting["clean"]))
    worktree = worktree_path(GitRepo(repo))
    assert outcome == BackportOutcome((), Conflict("24.09", conflicting["conflict"], ("app.txt",), worktree))
    assert lines == [
        f"Picking {conflicting['conflict'][:7]} onto 24.09 ...",
        f"Conflict picking {conflicting['conflict'][:7]} onto 24.09: app.txt",
        f"Resolve them in {worktree}, `git add` them, then run `pants backport --continue` or `pants backport --abort`",
    ]
    assert git(repo, "rev-parse", "24.09") == conflicting["release"]
    assert state_file(GitRepo(repo)).is_file()
    assert worktree == (repo / ".git" / "calver-release" / "backport" / "worktree").resolve()


def test_conflict_then_continue(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"], conflicting["clean"]))
    worktree = worktree_path(GitRepo(repo))
    lines: List[str] = []
    assert continue_backport(GitRepo(repo), lines.append).conflict == Conflict(
        "24.09", conflicting["conflict"], ("app.txt",), worktree
    )
    assert lines == [f"Still conflicted in {worktree}: app.txt"]
    (worktree / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree, "add", "app.txt")
    lines = []
    outcome = continue_backport(GitRepo(repo), lines.append)
    new = git(repo, "rev-parse", "24.09")
    assert outcome == BackportOutcome((BranchUpdate("24.09", conflicting["release"], new),))
    assert lines == [
        f"Picking {conflicting['clean'][:7]} onto 24.09 ...",
    ]
    assert subjects(repo, "24.09~2..24.09") == ["fix: handle two", "fix: handle notes"]
    assert message_of(repo, "24.09~1") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert author_of(repo, "24.09~1") == f"{FIXER} {FIX_DATE}"
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO-release\nthree"
    assert message_of(repo, "24.09") == "fix: handle notes\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert not worktree.exists() and not backport_left(repo)
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_continue_after_developer_committed(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"]))
    worktree = worktree_path(GitRepo(repo))
    (worktree / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree, "add", "app.txt")
    git(worktree, "commit", "-q", "-m", "my own message")
    continue_backport(GitRepo(repo), lambda line: None)
    assert message_of(repo, "24.09") == "fix: handle two\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert author_of(repo, "24.09") == f"{FIXER} {FIX_DATE}"
    assert git(repo, "rev-parse", "24.09^") == conflicting["release"]


def test_continue_refuses_several_commits_made_while_resolving(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"]))
    worktree = worktree_path(GitRepo(repo))
    (worktree / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree, "add", "app.txt")
    git(worktree, "commit", "-q", "-m", "first")
    git(worktree, "commit", "-q", "--allow-empty", "-m", "second")
    head = git(worktree, "rev-parse", "HEAD")
    with pytest.raises(BackportError) as error:
        continue_backport(GitRepo(repo), lambda line: None)
    assert str(error.value) == (
        f"worktree: HEAD moved by more than one commit while resolving (got {head[:7]}); "
        "run `pants backport --abort` and start again"
    )
    assert git(repo, "rev-parse", "24.09") == conflicting["release"]


def test_continue_after_resolving_to_nothing(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"]))
    git(worktree_path(GitRepo(repo)), "checkout", "HEAD", "--", "app.txt")
    lines: List[str] = []
    assert continue_backport(GitRepo(repo), lines.append) == BackportOutcome(())
    assert lines == [f"skip {conflicting['conflict'][:7]} on 24.09: no changes left after applying it"]
    assert git(repo, "rev-parse", "24.09") == conflicting["release"]
    assert not backport_left(repo)


def test_conflict_then_abort_restores_every_ref(repo: Path, conflicting: Dict[str, str]) -> None:
    before = refs(repo)
    outcome, _ = backport(repo, request(conflicting["conflict"], targets=("24.03", "24.09")))
    assert [u.target for u in outcome.updated] == ["24.03"]
    assert outcome.conflict is not None and outcome.conflict.target == "24.09"
    lines: List[str] = []
    abort_backport(GitRepo(repo), lines.append)
    assert refs(repo) == before
    assert lines == [f"Restored 24.03 to {git(repo, 'rev-parse', '24.03')[:7]}", "Backport aborted."]
    assert not worktree_path(GitRepo(repo)).exists() and not backport_left(repo)
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_abort_leaves_a_branch_moved_after_the_update(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"], targets=("24.03", "24.09")))
    later = commit_on(repo, "24.03", "Later work\n", {"later.txt": "x\n"})
    lines: List[str] = []
    abort_backport(GitRepo(repo), lines.append)
    assert git(repo, "rev-parse", "24.03") == later
    assert lines == [f"Left 24.03 at {later[:7]}: it moved after the backport updated it", "Backport aborted."]


def test_continue_refuses_a_branch_moved_during_the_run(repo: Path, conflicting: Dict[str, str]) -> None:
    backport(repo, request(conflicting["conflict"]))
    (worktree_path(GitRepo(repo)) / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree_path(GitRepo(repo)), "add", "app.txt")
    meanwhile = commit_on(repo, "24.09", "Meanwhile\n", {"later.txt": "x\n"})
    with pytest.raises(BackportError) as error:
        continue_backport(GitRepo(repo), lambda line: None)
    assert str(error.value) == (
        f"`--to`: `24.09` moved during the backport (got {meanwhile[:7]}); "
        "run `pants backport --continue` or `pants backport --abort`"
    )
    assert git(repo, "rev-parse", "24.09") == meanwhile
    assert state_file(GitRepo(repo)).is_file()


def test_pick_failing_without_conflicts_stops_then_retries(repo: Path, conflicting: Dict[str, str]) -> None:
    adds = commit(repo, "fix: add a file\n", {"added.txt": "from main\n"})
    backport(repo, request(conflicting["conflict"], adds))
    worktree = worktree_path(GitRepo(repo))
    (worktree / "app.txt").write_text("one\nTWO-release\nthree\n")
    git(worktree, "add", "app.txt")
    (worktree / "added.txt").write_text("left untracked by the developer\n")
    with pytest.raises(BackportError) as error:
        continue_backport(GitRepo(repo), lambda line: None)
    assert str(error.value) == (
        f"`git cherry-pick`: failed on {adds[:7]} (got `error: The following untracked working tree files "
        f"would be overwritten by merge:`); fix that in {worktree}, then "
        "run `pants backport --continue` or `pants backport --abort`"
    )
    (worktree / "added.txt").unlink()
    outcome = continue_backport(GitRepo(repo), lambda line: None)
    assert [u.target for u in outcome.updated] == ["24.09"]
    assert subjects(repo, "24.09~2..24.09") == ["fix: handle two", "fix: add a file"]
    assert git(repo, "show", "24.09:added.txt") == "from main"


def test_abort_cleans_a_worktree_left_without_state(repo: Path, conflicting: Dict[str, str]) -> None:
    before = refs(repo)
    backport(repo, request(conflicting["conflict"]))
    state_file(GitRepo(repo)).unlink()
    lines: List[str] = []
    abort_backport(GitRepo(repo), lines.append)
    assert lines == ["Backport aborted."]
    assert refs(repo) == before
    assert not worktree_path(GitRepo(repo)).exists() and not backport_left(repo)


def test_state_left_by_previous_run_blocks_a_new_one(repo: Path, conflicting: Dict[str, str]) -> None:
    req = request(conflicting["conflict"])
    plan = plan_backport(GitRepo(repo), req)
    run_backport(GitRepo(repo), plan, lambda line: None)
    expected = (
        f"`pants backport`: a backport is in progress (got `{state_file(GitRepo(repo))}`); "
        "run `pants backport --continue` or `pants backport --abort`"
    )
    for attempt in (lambda: plan_backport(GitRepo(repo), req), lambda: run_backport(GitRepo(repo), plan, print)):
        with pytest.raises(BackportError) as error:
            attempt()
        assert str(error.value) == expected


@pytest.mark.parametrize(
    "action, message",
    [
        pytest.param(
            continue_backport,
            "`--continue`: no backport in progress (got no `{state}`); start one with `pants backport --to=X.Y --commit=SHA`",
            id="continue",
        ),
        pytest.param(abort_backport, "`--abort`: no backport in progress (got no `{state}`); nothing to abort", id="abort"),
    ],
)
def test_resume_without_state(repo: Path, action, message: str) -> None:
    with pytest.raises(BackportError) as error:
        action(GitRepo(repo), print)
    assert str(error.value) == message.format(state=state_file(GitRepo(repo)))


@pytest.mark.parametrize("action", [continue_backport, abort_backport], ids=["continue", "abort"])
def test_corrupted_state_is_one_line(repo: Path, conflicting: Dict[str, str], action) -> None:
    run_backport(GitRepo(repo), plan_backport(GitRepo(repo), request(conflicting["conflict"])), lambda line: None)
    refs_before = refs(repo)
    state_file(GitRepo(repo)).write_text('{"plan": ')
    with pytest.raises(BackportError) as error:
        action(GitRepo(repo), print)
    assert str(error.value) == (
        f"`{state_file(GitRepo(repo))}`: damaged state file (got not JSON: Expecting value: line 1 column 10 (char 9)); "
        "nothing was run from it: check the release branches (`git reflog BRANCH` shows where each was), then run "
        f"`git worktree remove --force {worktree_path(GitRepo(repo))}` and delete the file"
    )
    assert refs(repo) == refs_before


# Migrations -------------------------------------------------------------------------------------


def test_migration_warnings(repo: Path) -> None:
    migration = commit(
        repo,
        "fix: add index\n",
        {"src/mgr/alembic/versions/abc123_add_index.py": "revision = 'abc123'\n", "app.txt": "one\nTWO\nthree\n"},
    )
    plain = commit(repo, "fix: no migration\n", {"notes.txt": "v2\n"})
    plan = plan_backport(GitRepo(repo), request(migration, plain, targets=("24.03", "24.09")))
    assert migration_warnings(GitRepo(repo), plan, ["src/mgr/alembic/versions/", "src/other/versions"]) == [
        f"warning: {migration[:7]} changes migrations (`src/mgr/alembic/versions/abc123_add_index.py`) "
        "backported to 24.03, 24.09; check that each of them has one alembic head"
    ]
    assert migration_warnings(GitRepo(repo), plan, ["src/other/versions"]) == []
