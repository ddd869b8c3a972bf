"""The backport executor stopped by real signals while a slow `git cherry-pick` runs, then resumed or aborted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from backport_runs import slow_git
from conftest import GIT, git
from git_history import commit, refs
from processes import alive

from calver_release.backport import executor
from calver_release.backport.engine import BackportRequest, plan_backport, state_file
from calver_release.runtime.git import GitRepo
from calver_release.runtime.schema import to_json

OPERATION = "pants backport --to=24.09 --to=24.03 --commit=fix"
RESUME = "run `pants backport --continue` to finish, or `pants backport --abort` to"

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """`main` with a fix after the point where `24.03` and `24.09` were cut."""
    path = tmp_path / "repo"
    subprocess.run([GIT, "init", "-q", "-b", "main", str(path)], check=True, timeout=60)
    commit(path, "Initial import\n", {"app.txt": "one\ntwo\n"})
    git(path, "branch", "24.03")
    git(path, "branch", "24.09")
    commit(path, "fix: handle two\n", {"app.txt": "one\nTWO\n"})
    return path


def start_executor(repo: Path, *args: str, slow_from: int = 0) -> subprocess.Popen:
    """The executor as the goal starts it, with the slow git first on `PATH` when `slow_from` is set."""
    bin_dir = slow_git(repo.parent / "bin")
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}" if slow_from else os.environ["PATH"]
    env = {
        **os.environ,
        "PATH": path,
        "PICKS": str(repo.parent / "picks"),
        "SLOW_FROM": str(slow_from),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    argv = [sys.executable, "-m", executor.__name__, *args[:1], str(repo), OPERATION, *args[1:]]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen) -> Tuple[int, List[str], List[str]]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out.splitlines(), err.splitlines()


def started_picks(repo: Path) -> List[int]:
    """The process ids of the slow git wrappers started so far, one per `cherry-pick`."""
    picks = repo.parent / "picks"
    return [int(line) for line in picks.read_text().split()] if picks.exists() else []



def wait_for_picks(proc: subprocess.Popen, repo: Path, count: int) -> None:
    """Wait until `count` picks started (the last one sleeps); fail showing the output if the executor ended."""
    while len(started_picks(repo)) < count and proc.poll() is None:
        time.sleep(0.05)
    assert len(started_picks(repo)) == count, finish(proc)


def interrupted_run(repo: Path, signum: int, at_pick: int) -> Tuple[Dict[str, str], int, List[str], List[str]]:
    """Start a backport to `24.09` then `24.03`, and send `signum` while its `at_pick`-th pick sleeps."""
    before = {branch: git(repo, "rev-parse", branch) for branch in ("24.09", "24.03")}
    plan = plan_backport(GitRepo(repo), BackportRequest(targets=("24.09", "24.03"), commits=("main",), pad_minor=True))
    proc = start_executor(repo, "run", json.dumps(to_json(plan)), slow_from=at_pick)
    wait_for_picks(proc, repo, at_pick)
    proc.send_signal(signum)
    code, out, err = finish(proc)
    assert not alive(started_picks(repo)[-1])  # the git step in flight was stopped with its group
    return before, code, out, err


def state(repo: Path) -> dict:
    document = json.loads(state_file(GitRepo(repo)).read_text())
    return {key: document[key] for key in ("current_target", "finished", "pending", "picking", "interrupted")}


def test_sigint_during_the_first_target_stops_before_the_second(repo: Path) -> None:
    fix = git(repo, "rev-parse", "main")
    before, code, out, err = interrupted_run(repo, signal.SIGINT, at_pick=1)
    assert (code, out) == (128 + signal.SIGINT, [])
    assert err == [
        f"Picking {fix[:7]} onto 24.09 ...",
        f"Interrupted by SIGINT while picking {fix[:7]} onto 24.09: no branch updated; not updated: 24.09, 24.03; "
        f"{RESUME} drop the run",
    ]
    assert {branch: git(repo, "rev-parse", branch) for branch in before} == before
    assert len(started_picks(repo)) == 1  # 24.03 was never picked
    assert state(repo) == {
        "current_target": "24.09",
        "finished": [],
        "pending": None,
        "picking": False,
        "interrupted": f"SIGINT while picking {fix[:7]} onto 24.09",
    }
    worktree = state_file(GitRepo(repo)).parent / "backport" / "worktree"
    assert git(worktree, "status", "--porcelain") == ""  # the half-applied pick was undone

    code, out, err = finish(start_executor(repo, "continue"))
    after = {branch: git(repo, "rev-parse", branch) for branch in before}
    assert (code, out) == (0, [f"Updated {b}: {before[b][:7]} -> {after[b][:7]}" for b in ("24.09", "24.03")])
    assert err == [
        f"Resuming the backport interrupted by SIGINT while picking {fix[:7]} onto 24.09",
        f"Picking {fix[:7]} onto 24.09 ...",
        f"Picking {fix[:7]} onto 24.03 ...",
    ]
    for branch in before:
        assert git(repo, "rev-parse", f"{branch}^") == before[branch]
        assert git(repo, "show", f"{branch}:app.txt") == "one\nTWO"
    assert not state_file(GitRepo(repo)).exists()


def test_sigterm_during_the_second_target_keeps_the_first_then_abort_restores_both(repo: Path) -> None:
    fix = git(repo, "rev-parse", "main")
    all_refs = refs(repo)
    before, code, out, err = interrupted_run(repo, signal.SIGTERM, at_pick=2)
    updated = git(repo, "rev-parse", "24.09")
    assert (code, out) == (128 + signal.SIGTERM, [])
    assert err == [
        f"Picking {fix[:7]} onto 24.09 ...",
        f"Picking {fix[:7]} onto 24.03 ...",
        f"Interrupted by SIGTERM while picking {fix[:7]} onto 24.03: updated 24.09 ({before['24.09'][:7]} -> "
        f"{updated[:7]}); not updated: 24.03; {RESUME} put back 24.09",
    ]
    assert git(repo, "rev-parse", "24.03") == before["24.03"]
    assert git(repo, "rev-parse", "24.09^") == before["24.09"]
    assert state(repo) == {
        "current_target": "24.03",
        "finished": ["24.09"],
        "pending": None,
        "picking": False,
        "interrupted": f"SIGTERM while picking {fix[:7]} onto 24.03",
    }

    code, out, err = finish(start_executor(repo, "abort"))
    assert (code, out, err) == (0, [f"Restored 24.09 to {before['24.09'][:7]}", "Backport aborted."], [])
    assert refs(repo) == all_refs
    assert not state_file(GitRepo(repo)).exists()


def test_a_pick_left_half_done_by_a_killed_executor_is_picked_again(repo: Path) -> None:
    """SIGKILL (Pants' last resort after its grace) leaves no record: `--continue` must not commit the half pick."""
    fix = git(repo, "rev-parse", "main")
    plan = plan_backport(GitRepo(repo), BackportRequest(targets=("24.09",), commits=("main",), pad_minor=True))
    proc = start_executor(repo, "run", json.dumps(to_json(plan)), slow_from=1)
    wait_for_picks(proc, repo, 1)
    proc.kill()
    finish(proc)
    os.killpg(started_picks(repo)[0], signal.SIGKILL)  # the git group outlives a killed executor
    worktree = state_file(GitRepo(repo)).parent / "backport" / "worktree"
    (worktree / "app.txt").write_text("half\n")  # what a pick cut short may leave
    git(worktree, "add", "app.txt")

    holder = json.loads((state_file(GitRepo(repo)).parent / "lock.json").read_text())
    code, out, err = finish(start_executor(repo, "continue"))
    assert (code, err) == (
        0,
        [
            f"Took over the lock left by `{OPERATION}` (process {proc.pid}, started {holder['started']}), which no "
            "longer runs.",
            f"The previous run stopped while picking {fix[:7]} onto 24.09 (its process ended); picking it again",
            f"Picking {fix[:7]} onto 24.09 ...",
        ],
    )
    assert out == [f"Updated 24.09: {git(repo, 'rev-parse', '24.09^')[:7]} -> {git(repo, 'rev-parse', '24.09')[:7]}"]
    assert git(repo, "show", "24.09:app.txt") == "one\nTWO"
