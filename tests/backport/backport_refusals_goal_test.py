"""`pants backport` refuses what would make it do something else than asked: one line, exit code 1, nothing changed.

A real shallow clone (`git clone --depth=1`), refs that name two things or no commit, a state
directory that is a file or immutable, and state files whose plan lacks what they point at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from backport_runs import run_with_executor
from conftest import git, init_repo
from processes import lock_held
from git_history import commit
from pants.testutil.rule_runner import RuleRunner
from repository_state import immutable, repository_state, state_not_writable

from calver_release.backport.goal import BackportGoal

Prepare = Callable[[Path], None]
STATE = ".git/calver-release/backport.json"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main` with `24.09` cut at the first commit and one fix after it; built once."""
    path = tmp_path_factory.mktemp("template")
    (path / "app.txt").write_text("one\ntwo\n")
    init_repo(path)
    git(path, "branch", "24.09")
    commit(path, "fix: handle two\n", {"app.txt": "one\nTWO\n"})
    return path


@pytest.fixture
def repo(rule_runner: RuleRunner, template: Path) -> Path:
    return Path(shutil.copytree(template, rule_runner.build_root, symlinks=True, dirs_exist_ok=True))


def shallow_clone(tmp_path: Path, template: Path, root: Path) -> None:
    """The build root becomes a real `--depth=1` clone of the template, with its release branch local."""
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", "--no-single-branch", f"file://{template}", str(clone))
    git(clone, "branch", "24.09", "origin/24.09")
    shutil.copytree(clone, root, symlinks=True, dirs_exist_ok=True)


def state(document: dict) -> Prepare:
    def prepare(repo: Path) -> None:
        (repo / STATE).parent.mkdir(parents=True)
        (repo / STATE).write_text(json.dumps(document))

    return prepare


def off_plan(repo: Path, **changes: str) -> dict:
    fix, base = git(repo, "rev-parse", "main"), git(repo, "rev-parse", "24.09")
    plan = {"source_branch": "main", "targets": [{"target": "24.09", "base": base, "picks": [{"commit": fix, "subject": "fix"}]}]}
    return {"plan": plan, "current_target": "24.09", "pending": fix, **changes}


def recovery(repo: Path) -> str:
    worktree = (repo / ".git/calver-release/backport/worktree").resolve()
    return (
        "nothing was run from it: check the release branches (`git reflog BRANCH` shows where each was), then run "
        f"`git worktree remove --force {worktree}` and delete the file"
    )


SHALLOW = (
    "`{repo}`: a shallow clone, whose history stops early (got `{repo}/.git/shallow`); run `git fetch --unshallow` "
    "(in CI, check out with the full history), then run again"
)

CASES = [
    pytest.param("shallow", ["--missing"], SHALLOW, id="missing-in-a-shallow-clone"),
    pytest.param("shallow", ["--list", "--to=24.09"], SHALLOW, id="list-in-a-shallow-clone"),
    pytest.param("shallow", ["--to=24.09", "--commit=main"], SHALLOW, id="pick-in-a-shallow-clone"),
    pytest.param("shallow", ["--dry-run", "--to=24.09", "--commit=main"], SHALLOW, id="dry-run-in-a-shallow-clone"),
    pytest.param(
        lambda repo: git(repo, "tag", "main", "24.09"),
        ["--to=24.09", "--commit=main"],
        "`--commit`: both a tag and a branch are named so (got `main`); pass `--commit=refs/tags/main` for the tag or "
        "`--commit=refs/heads/main` for the branch",
        id="commit-both-a-tag-and-a-branch",
    ),
    pytest.param(
        lambda repo: git(repo, "tag", "-a", "notes", "-m", "a blob", git(repo, "rev-parse", "main:app.txt")),
        ["--dry-run", "--to=24.09", "--commit=notes"],
        "`--commit`: names a blob, not a commit (got `notes`); name a tag, branch or commit",
        id="commit-a-tag-of-a-blob",
    ),
    pytest.param(
        lambda repo: (repo / ".git/calver-release").write_text(""),
        ["--to=24.09", "--commit=main"],
        "`{repo}/.git/calver-release`: not a directory, but the plugin keeps its state there (got a file); move it "
        "away, then run again",
        id="state-directory-a-file",
    ),
    pytest.param(
        lambda repo: state(off_plan(repo, current_target="24.03"))(repo),
        ["--continue"],
        "`{state}`: damaged state file (got `current_target` `24.03`, which the plan has no target for); {recovery}",
        id="current-target-not-in-the-plan",
    ),
    pytest.param(
        lambda repo: state(off_plan(repo, pending="0123456789abcdef0123456789abcdef01234567"))(repo),
        ["--continue"],
        "`{state}`: damaged state file (got `pending` `0123456789abcdef0123456789abcdef01234567`, which the plan "
        "does not pick onto `24.09`); {recovery}",
        id="pending-not-in-the-plan",
    ),
]


@pytest.mark.parametrize("prepare, args, error", CASES)
def test_refused_with_one_line_and_nothing_changed(
    rule_runner: RuleRunner, repo: Path, template: Path, tmp_path: Path, prepare, args: list, error: str
) -> None:
    if prepare == "shallow":
        shallow_clone(tmp_path, template, repo)
    elif prepare:
        prepare(repo)
    before = repository_state(repo)
    result = run_with_executor(rule_runner, BackportGoal, *args)
    expected = error.format(repo=repo, state=(repo / STATE).resolve(), recovery=recovery(repo))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected + "\n")
    assert repository_state(repo) == before


def test_a_state_directory_that_cannot_be_written_is_refused_before_the_first_pick(
    rule_runner: RuleRunner, repo: Path
) -> None:
    state_dir = repo / ".git/calver-release"
    state_dir.mkdir()
    before = repository_state(repo)
    with immutable(state_dir):
        result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", "--commit=main")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", state_not_writable(state_dir.resolve()) + "\n")
    assert repository_state(repo) == before


def test_a_merge_in_the_checkout_does_not_stop_a_backport(rule_runner: RuleRunner, repo: Path) -> None:
    """The picks happen in a worktree of their own: the user's merge in progress is left as it is."""
    git(repo, "switch", "-q", "-c", "topic", "24.09")
    git(repo, "commit", "-q", "--allow-empty", "-m", "topic")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "topic")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", "--commit=main")
    assert result.exit_code == 0, result.stderr
    assert (repo / ".git/MERGE_HEAD").exists()



@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--to=24.09", "--commit=main"], id="pick"),
        pytest.param(["--continue"], id="continue"),
        pytest.param(["--abort"], id="abort"),
    ],
)
def test_a_second_backport_is_refused_while_another_holds_the_lock(rule_runner: RuleRunner, repo: Path, args: list) -> None:
    if args != ["--to=24.09", "--commit=main"]:
        state(off_plan(repo))(repo)  # a run stopped on a conflict, to resume or abort
    with lock_held(repo / ".git/calver-release", "pants backport --to=24.03 --commit=main") as holder:
        before = repository_state(repo)
        result = run_with_executor(rule_runner, BackportGoal, *args)
        started = json.loads((repo / ".git/calver-release/lock.json").read_text())["started"]
        assert (result.exit_code, result.stdout, result.stderr) == (
            1,
            "",
            f"`pants backport {' '.join(args)}`: another operation is running in this repository: `pants backport "
            f"--to=24.03 --commit=main` (process {holder.pid}, started {started}); wait for it to finish, then run again\n",
        )
        assert repository_state(repo) == before


def test_a_lock_left_by_a_process_gone_is_taken_over(rule_runner: RuleRunner, repo: Path) -> None:
    holder = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(holder.stdout)
    (repo / ".git/calver-release").mkdir()
    (repo / ".git/calver-release/lock.json").write_text(
        json.dumps({"operation": "pants backport --continue", "pid": gone, "started": "2026-12-01 09:00:00 UTC"})
    )
    fix = git(repo, "rev-parse", "main")
    old = git(repo, "rev-parse", "24.09")
    result = run_with_executor(rule_runner, BackportGoal, "--to=24.09", f"--commit={fix}")
    new = git(repo, "rev-parse", "24.09")
    assert (result.exit_code, result.stdout.splitlines(), result.stderr.splitlines()) == (
        0,
        [f"Updated 24.09: {old[:7]} -> {new[:7]}"],
        [
            f"Took over the lock left by `pants backport --continue` (process {gone}, started 2026-12-01 09:00:00 UTC), "
            "which no longer runs.",
            f"Picking {fix[:7]} onto 24.09 ...",
        ],
    )
    assert not (repo / ".git/calver-release/lock.json").exists()


def test_read_only_actions_run_while_the_lock_is_held(rule_runner: RuleRunner, repo: Path) -> None:
    with lock_held(repo / ".git/calver-release", "pants backport --to=24.03 --commit=main"):
        fix = git(repo, "rev-parse", "main")
        result = run_with_executor(rule_runner, BackportGoal, "--dry-run", "--to=24.09", f"--commit={fix}")
    assert (result.exit_code, result.stdout) == (0, f"Would pick {fix[:7]} onto 24.09: fix: handle two\n")
