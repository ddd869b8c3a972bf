"""`--autostash`: the switch's own stash entry, found again by its commit id, never by its place in the list.

`git stash pop` alone pops the newest entry, which after a `git stash push` of the user's own is
theirs. The switch step runs `python -m calver_release.topic_switch.autostash push MESSAGE RECORD`,
which stashes and writes the entry's commit id to RECORD (in the state store); `--abort` runs
`pop RECORD`, which pops the entry with that commit wherever it now is in `git stash list`, and
refuses in one line when it is gone. A re-run `push` that finds its entry there and nothing left to
stash does nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional, Sequence

from calver_release.runtime.files import write_atomically
from calver_release.runtime.git import GitError, GitRepo


class AutostashError(RuntimeError):
    """The switch's stash entry cannot be found."""


def _position(repo: GitRepo, commit: str) -> Optional[int]:
    """Where the entry with `commit` is in `git stash list` (0 is `stash@{0}`), or None."""
    commits = repo.output("stash", "list", "--format=%H").splitlines()
    return commits.index(commit) if commit in commits else None


def _recorded(record: Path) -> Optional[str]:
    try:
        return record.read_text().strip() or None
    except FileNotFoundError:
        return None


def push(repo: GitRepo, message: str, record: Path) -> None:
    """Stash the uncommitted changes and record the entry's commit id (once: a re-run finds it stashed)."""
    commit = _recorded(record)
    clean = not repo.output("status", "--porcelain", "--untracked-files=no")
    if clean and commit and _position(repo, commit) is not None:
        return
    repo.run("stash", "push", "-m", message)
    record.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(record, repo.output("rev-parse", "--verify", "refs/stash") + "\n")


def pop(repo: GitRepo, record: Path) -> None:
    """Pop the recorded entry wherever it is in the list; AutostashError when it is gone."""
    commit = _recorded(record)
    if commit is None:
        raise AutostashError(
            f"`{record}`: the switch's stash record is missing (got no file); find your changes in `git stash list`, "
            "`git stash pop` them yourself, then run `--abort` again"
        )
    position = _position(repo, commit)
    if position is None:
        raise AutostashError(
            f"`git stash list`: the switch's stash entry is gone (got no entry with commit `{commit[:12]}`); if you "
            f"dropped it by mistake, `git stash apply {commit}` may still restore it; then delete `{record}` "
            "and run `--abort` again"
        )
    repo.run("stash", "pop", f"stash@{{{position}}}")
    record.unlink()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not ((len(args) == 3 and args[0] == "push") or (len(args) == 2 and args[0] == "pop")):
        print("usage: python -m calver_release.topic_switch.autostash push MESSAGE RECORD | pop RECORD", file=sys.stderr)
        return 2
    repo = GitRepo(Path.cwd())
    try:
        if args[0] == "push":
            push(repo, args[1], Path(args[2]))
        else:
            pop(repo, Path(args[1]))
    except (AutostashError, GitError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
