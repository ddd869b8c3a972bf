"""The `git` command line, run for one repository with the caller's environment.

Under pantsd the plugin's `os.environ` is the daemon's, so goals pass the caller's variables
(`GIT_AUTHOR_NAME`, `PATH`, ...) into `GitRepo(root, env)`; pure callers and tests may leave
`env` unset to use this process's environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from calver_release.runtime.interrupts import run_in_own_group
from calver_release.runtime.shell import shell_command


class GitError(RuntimeError):
    """A git command failed; the message is one line naming the ref or file involved when git names one."""


_LOCK_FILE = re.compile(r"Unable to create '([^']+\.lock)': File exists")
_REF_IN_THE_WAY = re.compile(r"'refs/heads/([^']+)' exists; cannot create 'refs/heads/([^']+)'")
_NOT_A_REPOSITORY = re.compile(r"not a git repository")


def explain_failure(root: Path, args: Sequence[str], output: str, returncode: int, retry: str = "run again") -> str:
    """One line for a failed `git args...`: what is in the way and what to do (then `retry`), or git's own last line."""
    command = f"`{shell_command('git', *args)}`"
    lock = _LOCK_FILE.search(output)
    if lock:
        return (
            f"`{lock.group(1)}`: a lock file of another git process is in the way (got {command} failing); "
            f"if no git process is running, delete the file and {retry}"
        )
    in_the_way = _REF_IN_THE_WAY.search(output)
    if in_the_way:
        existing, wanted = in_the_way.groups()
        return (
            f"`{wanted}`: the branch name collides with the branch `{existing}` (got {command} failing); "
            f"rename or delete `{existing}` (`{shell_command('git', 'branch', '-m', existing, 'NEW')}`), then {retry}"
        )
    if _NOT_A_REPOSITORY.search(output):
        return f"`{root}`: not a git repository (got {command} failing); run inside the repository's checkout"
    detail = output.strip().splitlines()
    reason = detail[-1] if detail else f"exit code {returncode}"
    return f"{command} failed: {reason}"


@dataclass(frozen=True)
class GitRepo:
    """A repository (or one of its worktrees) at `root`, and the environment git runs with there."""

    root: Path
    env: Optional[Mapping[str, str]] = field(default=None, compare=False)
    stoppable: bool = field(default=False, compare=False)
    """Start each git in a process group of its own, stopped with it when the run is interrupted (executors)."""

    def process_env(self) -> Dict[str, str]:
        """The environment of git processes: the caller's, without pagers, prompts or a redirected repository."""
        env = dict(os.environ if self.env is None else self.env)
        env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"})
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        return env

    def at(self, root: Path) -> GitRepo:
        """The same repository seen from another worktree."""
        return replace(self, root=root)

    def argv(self, env: Mapping[str, str], *args: str) -> List[str]:
        """`git -C root args...`, with git's absolute path on the caller's `PATH` when it has one.

        An absolute path and `close_fds=False` (every descriptor Python and Pants open is already
        non-inheritable) let `subprocess` start git with `posix_spawn` (vfork) instead of fork: forking
        pantsd, a large process, costs tens of milliseconds per git run.
        """
        return [shutil.which("git", path=env.get("PATH", os.defpath)) or "git", "-C", str(self.root), *args]

    def run(self, *args: str, input: Optional[str] = None, check: bool = True) -> subprocess.CompletedProcess:
        """Run `git -C root args...`, capturing text output; raise GitError on failure when `check`."""
        env = self.process_env()
        try:
            if self.stoppable:
                proc = run_in_own_group(self.argv(env, *args), input=input, env=env)
            else:
                proc = subprocess.run(
                    self.argv(env, *args), input=input, capture_output=True, text=True, env=env, close_fds=False
                )
        except OSError as e:
            raise GitError(f"`git`: cannot run it ({e.strerror}) (got PATH `{env.get('PATH', '')}`); install git") from None
        if check and proc.returncode != 0:
            raise self.error(args, proc)
        return proc

    def error(self, args: Sequence[str], proc: subprocess.CompletedProcess, retry: str = "run again") -> GitError:
        """The GitError for a failed `git args...` run with `check=False`; `retry` is how to go on once fixed."""
        output = _text(proc.stderr).strip() or _text(proc.stdout)
        return GitError(explain_failure(self.root, args, output, proc.returncode, retry))

    def output(self, *args: str, input: Optional[str] = None) -> str:
        """The stdout of a successful git command, without the trailing newline."""
        return self.run(*args, input=input).stdout.rstrip("\n")

    def lines(self, *args: str) -> List[str]:
        """The non-empty stdout lines of a successful git command."""
        return [line for line in self.output(*args).splitlines() if line]

    def rev_parse(self, rev: str) -> Optional[str]:
        """The full object id `rev` names as a commit, or None when it names nothing."""
        proc = self.run("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def git_dir(self) -> Path:
        """The repository's common git directory (shared by all worktrees), as an absolute path.

        Asked of git once per `GitRepo`: a backport finds its state and worktree through it a score of
        times, and each answer would be another git process.
        """
        return self._common_dir

    @cached_property
    def _common_dir(self) -> Path:
        path = Path(self.output("rev-parse", "--git-common-dir"))
        return path if path.is_absolute() else (self.root / path).resolve()

    def index_lock(self) -> Optional[Path]:
        """The index lock file of this worktree when one exists (a git process running, or one that crashed)."""
        path = Path(self.output("rev-parse", "--git-path", "index.lock"))
        path = path if path.is_absolute() else self.root / path
        return path if path.exists() else None

    def current_branch(self) -> Optional[str]:
        """The checked-out branch's name (`main`), or None with a detached HEAD.

        Taken from the full ref: `--short` would say `heads/main` when a tag `main` exists too.
        """
        proc = self.run("symbolic-ref", "--quiet", "HEAD", check=False)
        ref = proc.stdout.strip()
        return ref[len("refs/heads/") :] if proc.returncode == 0 and ref.startswith("refs/heads/") else None

    def local_branches(self) -> List[str]:
        """Short names of all local branches."""
        return self.lines("for-each-ref", "--format=%(refname:lstrip=2)", "refs/heads/")

    def tags(self) -> List[str]:
        """Names of all tags."""
        return self.lines("for-each-ref", "--format=%(refname:lstrip=2)", "refs/tags/")

    def dirty_files(self) -> List[str]:
        """Tracked files with staged or unstaged changes."""
        return [line[3:] for line in self.lines("status", "--porcelain", "--untracked-files=no")]



def _text(output: object) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output if isinstance(output, str) else ""
