"""The real `./pants backport` in a copy of the example monorepo."""

from __future__ import annotations

from pathlib import Path

from conftest import git
from example_repo import SharedExample, pantsd_pid

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
