"""Thin wrapper around the `git` command line, shared by every goal that reads or writes a repository."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Mapping, Optional, Sequence


class GitError(RuntimeError):
    """A git command failed; the message holds the command and git's own error line."""


def git_env(extra: Optional[Mapping[str, str]] = None) -> dict:
    """The environment for git subprocesses: the caller's, without pager or editor prompts."""
    env = dict(os.environ)
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"})
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    if extra:
        env.update(extra)
    return env


def run_git(
    repo: Path,
    *args: str,
    input: Optional[str] = None,
    check: bool = True,
    env: Optional[Mapping[str, str]] = None,
) -> subprocess.CompletedProcess:
    """Run `git -C repo args...`, capturing text output; raise GitError on failure when `check`."""
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        text=True,
        env=git_env(env),
    )
    if check and proc.returncode != 0:
        detail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
        reason = detail[-1] if detail else f"exit code {proc.returncode}"
        raise GitError(f"`git {' '.join(args)}` failed: {reason}")
    return proc


def git_output(repo: Path, *args: str, input: Optional[str] = None) -> str:
    """The stdout of a successful git command, without the trailing newline."""
    return run_git(repo, *args, input=input).stdout.rstrip("\n")


def git_lines(repo: Path, *args: str) -> Sequence[str]:
    """The non-empty stdout lines of a successful git command."""
    return [line for line in git_output(repo, *args).splitlines() if line]


def rev_parse(repo: Path, rev: str) -> Optional[str]:
    """The full object id `rev` names as a commit, or None when it names nothing."""
    proc = run_git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_dir(repo: Path) -> Path:
    """The repository's common git directory (shared by all worktrees), as an absolute path."""
    out = git_output(repo, "rev-parse", "--git-common-dir")
    path = Path(out)
    return path if path.is_absolute() else (repo / path).resolve()


def current_branch(repo: Path) -> Optional[str]:
    """The checked-out branch's short name, or None with a detached HEAD."""
    proc = run_git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def local_branches(repo: Path) -> Sequence[str]:
    """Short names of all local branches."""
    return git_lines(repo, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/")


def tags(repo: Path) -> Sequence[str]:
    """Names of all tags."""
    return git_lines(repo, "for-each-ref", "--format=%(refname:lstrip=2)", "refs/tags/")


def is_dirty(repo: Path) -> bool:
    """True when tracked files have staged or unstaged changes."""
    return bool(git_output(repo, "status", "--porcelain", "--untracked-files=no"))


def show_file(repo: Path, rev: str, path: str) -> Optional[str]:
    """The text of `path` at `rev` read from git objects, or None when it does not exist there."""
    proc = run_git(repo, "show", f"{rev}:{path}", check=False)
    return proc.stdout if proc.returncode == 0 else None
