"""The repository lock in the goals: a second writing run is refused naming the first; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from conftest import git, init_repo, run_goal
from processes import lock_held
from pants.testutil.rule_runner import RuleRunner
from repository_state import repository_state

from calver_release.halfstack.goal import HalfstackUpgradeGoal
from calver_release.release.goal import ReleaseVersionGoal
from calver_release.topic_switch.goal import TopicSwitchGoal

@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    rule_runner.write_files({"VERSION": "24.09.0\n"})
    return init_repo(Path(rule_runner.build_root))


@pytest.fixture
def holder(repo: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the repository's lock, as a running `pants topic-switch` would."""
    with lock_held(repo / ".git/calver-release", "pants topic-switch --to=topic-a") as proc:
        yield proc


@pytest.mark.parametrize(
    "goal, args, typed",
    [
        pytest.param(ReleaseVersionGoal, ["--bump=patch"], "pants release-version --bump=patch", id="bump"),
        pytest.param(ReleaseVersionGoal, ["--set=24.09.3"], "pants release-version --set=24.09.3", id="set"),
        pytest.param(ReleaseVersionGoal, ["--cut-release"], "pants release-version --cut-release", id="cut"),
        pytest.param(ReleaseVersionGoal, ["--tag-release"], "pants release-version --tag-release", id="tag"),
        pytest.param(TopicSwitchGoal, ["--continue"], "pants topic-switch --continue", id="topic-switch-continue"),
        pytest.param(TopicSwitchGoal, ["--abort"], "pants topic-switch --abort", id="topic-switch-abort"),
        pytest.param(HalfstackUpgradeGoal, ["--continue"], "pants halfstack-upgrade --continue", id="halfstack-continue"),
    ],
)
def test_a_second_writing_run_is_refused_naming_the_first(
    rule_runner: RuleRunner, repo: Path, holder: subprocess.Popen, goal, args: list, typed: str
) -> None:
    before = repository_state(repo)
    started = json.loads((repo / ".git/calver-release/lock.json").read_text())["started"]
    result = run_goal(rule_runner, goal, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"`{typed}`: another operation is running in this repository: `pants topic-switch --to=topic-a` "
        f"(process {holder.pid}, started {started}); wait for it to finish, then run again\n",
    )
    assert repository_state(repo) == before


@pytest.mark.parametrize("args", [[], ["--check"], ["--maintained"], ["--tag-release", "--dry-run"]])
def test_reading_runs_do_not_wait_for_the_lock(rule_runner: RuleRunner, repo: Path, holder: subprocess.Popen, args: list) -> None:
    result = run_goal(rule_runner, ReleaseVersionGoal, *args)
    assert "another operation is running" not in result.stderr


def test_the_lock_of_a_process_that_is_gone_is_taken_over(rule_runner: RuleRunner, repo: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (repo / ".git/calver-release").mkdir()
    holder = {"operation": "pants release-version --bump=rc", "pid": int(gone), "started": "2026-12-01 09:00:00 UTC"}
    (repo / ".git/calver-release/lock.json").write_text(json.dumps(holder))
    result = run_goal(rule_runner, ReleaseVersionGoal, "--bump=patch")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "24.09.0 -> 24.09.1\n",
        f"Took over the lock left by `pants release-version --bump=rc` (process {gone}, started 2026-12-01 09:00:00 "
        "UTC), which no longer runs.\n",
    )
    assert (repo / "VERSION").read_text() == "24.09.1\n"
    assert sorted(os.listdir(repo / ".git/calver-release")) == []
    assert git(repo, "status", "--porcelain") == "M VERSION"
