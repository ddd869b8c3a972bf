"""The real `./pants backport` in a copy of the example monorepo."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from backport_runs import slow_git
from conftest import git
from example_repo import PantsRun, SharedExample, pantsd_pid

MODULE = "src/ai/backend/common/limits.py"
FIXER = "Fixer <fixer@example.com>"


def commit_module(repo: Path, text: str, message: str) -> str:
    (repo / MODULE).write_text(text)
    git(repo, "add", MODULE)
    git(repo, "commit", "--quiet", f"--author={FIXER}", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def released_repo(example: SharedExample) -> Path:
    """The example with `limits.py` on `main`, `24.03` and `24.09`."""
    repo = example.root
    commit_module(repo, "MAX_SESSIONS = 10\nMAX_KERNELS = 4\n", "Add limits")
    git(repo, "branch", "24.03")
    git(repo, "branch", "24.09")
    return repo


def message_of(repo: Path, rev: str) -> str:
    return git(repo, "cat-file", "commit", rev).split("\n\n", 1)[1] + "\n"


def test_backport_to_two_branches(example: SharedExample) -> None:
    repo = released_repo(example)
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")
    old = {b: git(repo, "rev-parse", b) for b in ("24.03", "24.09")}
    (repo / "VERSION").write_text("24.09.0rc9\n")
    (repo / "scratch.txt").write_text("work in progress\n")
    status = git(repo, "status", "--porcelain", "--untracked-files=no")

    # `example.run` also fails if Pants restarted the goal ("Filesystem changed during run: retrying").
    result = example.run("backport", "--to=24.03", "--to=24.09", f"--commit={fix}")
    assert result.exit_code == 0, result
    new = {b: git(repo, "rev-parse", b) for b in ("24.03", "24.09")}
    assert result.stdout.splitlines() == [f"Updated {b}: {old[b][:7]} -> {new[b][:7]}" for b in ("24.03", "24.09")]
    for branch in ("24.03", "24.09"):
        assert result.stderr.count(f"Picking {fix[:7]} onto {branch} ...") == 1, result
        assert message_of(repo, branch) == (
            f"fix: raise the session limit\n\nBackported-From: main\nBackported-To: {branch}\n"
        )
        assert git(repo, "log", "-1", "--format=%an <%ae>", branch) == FIXER
        assert git(repo, "rev-parse", f"{branch}^") == old[branch]
        assert git(repo, "show", f"{branch}:{MODULE}") == "MAX_SESSIONS = 100\nMAX_KERNELS = 4"

    assert (git(repo, "symbolic-ref", "HEAD"), git(repo, "rev-parse", "HEAD")) == ("refs/heads/main", fix)
    # Untracked files are compared by content: Pants leaves `__pycache__` beside the example's plugins.
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == status == "M VERSION"
    assert (repo / "VERSION").read_text() == "24.09.0rc9\n"
    assert (repo / "scratch.txt").read_text() == "work in progress\n"
    assert not (repo / ".git" / "calver-release" / "backport").exists()
    assert not (repo / ".git" / "calver-release" / "backport.json").exists()


def test_conflict_then_continue(example: SharedExample) -> None:
    repo = released_repo(example)
    git(repo, "switch", "--quiet", "24.09")
    release = commit_module(repo, "MAX_SESSIONS = 20\nMAX_KERNELS = 4\n", "Tune limits for 24.09")
    git(repo, "switch", "--quiet", "main")
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")

    stopped = example.run("backport", "--to=24.09", f"--commit={fix}")
    worktree = (repo / ".git" / "calver-release" / "backport" / "worktree").resolve()
    assert (stopped.exit_code, stopped.stdout) == (1, ""), stopped
    assert stopped.messages[-2:] == [
        f"Conflict picking {fix[:7]} onto 24.09: {MODULE}",
        f"Resolve them in {worktree}, `git add` them, then "
        "run `pants backport --continue` or `pants backport --abort`",
    ]
    assert git(repo, "rev-parse", "24.09") == release

    (worktree / MODULE).write_text("MAX_SESSIONS = 100\nMAX_KERNELS = 4\n")
    git(worktree, "add", MODULE)
    resumed = example.run("backport", "--continue").assert_success()
    new = git(repo, "rev-parse", "24.09")
    assert resumed.stdout == f"Updated 24.09: {release[:7]} -> {new[:7]}\n"
    assert git(repo, "rev-parse", "24.09^") == release
    assert message_of(repo, "24.09") == "fix: raise the session limit\n\nBackported-From: main\nBackported-To: 24.09\n"
    assert git(repo, "show", f"24.09:{MODULE}") == "MAX_SESSIONS = 100\nMAX_KERNELS = 4"
    assert not (repo / ".git" / "calver-release" / "backport").exists()
    assert not (repo / ".git" / "calver-release" / "backport.json").exists()


def test_git_runs_with_the_callers_identity_under_pantsd(example: SharedExample) -> None:
    """pantsd keeps the environment it started with; the backport commit must still get the shell's identity.

    The first run starts pantsd with another committer, unless an earlier test's run did; the second,
    served by that same daemon, sets a third in its shell. The backport keeps the fix's author
    (GIT_AUTHOR_NAME does not override it) and is committed by the second shell's committer.
    """
    repo = released_repo(example)
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")
    daemon = {"GIT_COMMITTER_NAME": "Daemon Starter", "GIT_COMMITTER_EMAIL": "daemon@example.com"}
    shell = {
        "GIT_AUTHOR_NAME": "Shell Identity",
        "GIT_AUTHOR_EMAIL": "shell@example.com",
        "GIT_COMMITTER_NAME": "Shell Identity",
        "GIT_COMMITTER_EMAIL": "shell@example.com",
    }
    example.run("backport", "--list", "--to=24.09", env=daemon).assert_success()
    pid = pantsd_pid(repo)
    example.run("backport", "--to=24.09", f"--commit={fix}", env=shell).assert_success()
    assert pantsd_pid(repo) == pid  # the daemon that served the first identity served the second run
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "24.09") == (
        "Fixer <fixer@example.com>|Shell Identity <shell@example.com>"
    )
    assert message_of(repo, "24.09") == "fix: raise the session limit\n\nBackported-From: main\nBackported-To: 24.09\n"


def start_backport(repo: Path, *args: str, slow_from: int, pantsd: bool = True) -> subprocess.Popen:
    """`pants backport args...` as `SharedExample.run` starts it, with `slow_git` first on `PATH`; stderr is
    read as it comes."""
    tools = slow_git(repo.parent / "slow-git")
    (tools / "picks").unlink(missing_ok=True)
    env = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
    env.update(
        PATH=f"{tools}{os.pathsep}{env['PATH']}",
        PICKS=str(tools / "picks"),
        SLOW_FROM=str(slow_from),
        PANTS_PANTSD="true" if pantsd else "false",
        PANTS_SHOW_LOG_TARGET="false",
        PANTS_LEVEL="info",
    )
    argv = ["../../pants", "backport", *args]
    return subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def interrupt_at(proc: subprocess.Popen, repo: Path, line: str, picks_started: int, signum: int) -> PantsRun:
    """Send `signum` to the client once it printed `line` and `picks_started` picks started (the last one sleeps)."""
    assert proc.stderr is not None
    seen = []
    for printed in proc.stderr:
        seen.append(printed)
        if printed.rstrip("\n") == line:
            break
    picks = repo.parent / "slow-git" / "picks"
    while (not picks.exists() or len(picks.read_text().split()) < picks_started) and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=300)
    return PantsRun(f"pants {' '.join(proc.args[1:])}", proc.returncode, out, "".join(seen) + err)


def wait_until_stopped(repo: Path) -> None:
    """Wait until the executor released the lock (its holder file goes with it), then a few seconds more:
    a run still going on would move a branch by then."""
    holder = repo / ".git" / "calver-release" / "lock.json"
    for _ in range(600):
        if not holder.exists():
            break
        time.sleep(0.1)
    assert not holder.exists()
    time.sleep(3)
    pids = (repo.parent / "slow-git" / "picks").read_text().split()
    assert not Path(f"/proc/{pids[-1]}").exists()  # the sleeping git was stopped with its group


def backport_state(repo: Path) -> dict:
    document = json.loads((repo / ".git" / "calver-release" / "backport.json").read_text())
    return {key: document[key] for key in ("current_target", "finished", "pending", "interrupted")}


def test_ctrl_c_under_pantsd_stops_the_run_then_continue_finishes(example: SharedExample) -> None:
    repo = released_repo(example)
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")
    old = {b: git(repo, "rev-parse", b) for b in ("24.09", "24.03")}
    proc = start_backport(repo, "--to=24.09", "--to=24.03", f"--commit={fix}", slow_from=2)
    stopped = interrupt_at(proc, repo, f"Picking {fix[:7]} onto 24.03 ...", 2, signal.SIGINT)
    wait_until_stopped(repo)
    moved = git(repo, "rev-parse", "24.09")
    assert stopped.exit_code == 1, stopped
    assert (
        f"Interrupted by SIGINT while picking {fix[:7]} onto 24.03: updated 24.09 ({old['24.09'][:7]} -> "
        f"{moved[:7]}); not updated: 24.03; run `pants backport --continue` to finish, or `pants backport --abort` "
        "to put back 24.09"
    ) in stopped.messages, stopped
    assert "Traceback" not in stopped.stderr
    assert (git(repo, "rev-parse", "24.09^"), git(repo, "rev-parse", "24.03")) == (old["24.09"], old["24.03"])
    assert backport_state(repo) == {
        "current_target": "24.03",
        "finished": ["24.09"],
        "pending": None,
        "interrupted": f"SIGINT while picking {fix[:7]} onto 24.03",
    }

    resumed = example.run("backport", "--continue").assert_success()
    new = git(repo, "rev-parse", "24.03")
    assert resumed.stdout.splitlines() == [
        f"Updated 24.09: {old['24.09'][:7]} -> {moved[:7]}",
        f"Updated 24.03: {old['24.03'][:7]} -> {new[:7]}",
    ]
    assert f"Resuming the backport interrupted by SIGINT while picking {fix[:7]} onto 24.03" in resumed.messages
    assert (git(repo, "rev-parse", "24.09"), git(repo, "rev-parse", "24.03^")) == (moved, old["24.03"])
    assert message_of(repo, "24.03") == "fix: raise the session limit\n\nBackported-From: main\nBackported-To: 24.03\n"
    assert not (repo / ".git" / "calver-release" / "backport.json").exists()


def test_sigterm_to_the_client_under_pantsd_stops_the_run_and_the_next_one_says_so(example: SharedExample) -> None:
    """The client dies at once, before any line; pantsd cancels the run, which stops the executor (with SIGINT)."""
    repo = released_repo(example)
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")
    before = git(repo, "for-each-ref")
    proc = start_backport(repo, "--to=24.09", "--to=24.03", f"--commit={fix}", slow_from=1)
    stopped = interrupt_at(proc, repo, f"Picking {fix[:7]} onto 24.09 ...", 1, signal.SIGTERM)
    wait_until_stopped(repo)
    assert stopped.exit_code == -signal.SIGTERM, stopped
    assert git(repo, "for-each-ref") == before
    assert backport_state(repo)["interrupted"] == f"SIGINT while picking {fix[:7]} onto 24.09"

    again = example.run("backport", "--to=24.03", f"--commit={fix}")
    state = (repo / ".git" / "calver-release" / "backport.json").resolve()
    assert (again.exit_code, again.error_line) == (
        1,
        f"`pants backport`: the backport interrupted by SIGINT while picking {fix[:7]} onto 24.09 is in progress "
        f"(got `{state}`); run `pants backport --continue` or `pants backport --abort`",
    )
    example.run("backport", "--abort").assert_success()
    assert git(repo, "for-each-ref") == before


def test_sigterm_without_pantsd_stops_the_run(example: SharedExample) -> None:
    """Without pantsd, the plugin turns SIGTERM to `pants` into a cancelled run, as Ctrl-C (runtime/sigterm.py)."""
    repo = released_repo(example)
    fix = commit_module(repo, "MAX_SESSIONS = 100\nMAX_KERNELS = 4\n", "fix: raise the session limit")
    before = git(repo, "for-each-ref")
    proc = start_backport(repo, "--to=24.09", "--to=24.03", f"--commit={fix}", slow_from=1, pantsd=False)
    stopped = interrupt_at(proc, repo, f"Picking {fix[:7]} onto 24.09 ...", 1, signal.SIGTERM)
    wait_until_stopped(repo)
    assert stopped.exit_code == 1, stopped
    assert stopped.messages[-2:] == [
        f"Interrupted by SIGINT while picking {fix[:7]} onto 24.09: no branch updated; not updated: 24.09, 24.03; "
        "run `pants backport --continue` to finish, or `pants backport --abort` to drop the run",
        "Interrupted by user.",
    ]
    assert git(repo, "for-each-ref") == before
    resumed = example.run("backport", "--continue").assert_success()
    assert [line.split(":")[0] for line in resumed.stdout.splitlines()] == ["Updated 24.09", "Updated 24.03"]
