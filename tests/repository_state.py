"""Everything a refused run must leave as it was, read back from a real repository, to compare before and after."""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List

from conftest import git

PANTS_FILES = (".pants.d", "BUILDROOT", "dist/")
"""What Pants itself writes under the build root while a goal runs."""

GIT_STATE = ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "BISECT_LOG", "index.lock", "shallow")
"""Files of the git directory that say what git is in the middle of."""

LOCK_FILES = (".git/calver-release", ".git/calver-release/lock")
"""The repository lock (and the directory it makes) that every writing run takes, refused or not."""


def plugin_state(root: Path) -> List[str]:
    """The plugin's state files in the git directory (journals, staged files), the repository lock aside."""
    store = root / ".git" / "calver-release"
    return sorted(path.name for path in store.glob("*") if path.name != "lock") if store.is_dir() else []


def repository_state(root: Path) -> Dict[str, str]:
    """Every file of the work tree with its content (a symlink as its target, a directory as such), the
    git directory's state files and the plugin's state directory, then refs, HEAD, the stash, the index,
    the worktrees. A SQLite database in the work tree is one of the files."""
    found: Dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        if name.startswith(PANTS_FILES) or name in LOCK_FILES:
            continue
        if name.startswith(".git/") and not (
            name.startswith(".git/calver-release") or name[len(".git/") :] in GIT_STATE or "/rebase-" in f"/{name}"
        ):
            continue
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[name] = "(directory)"
        elif path.is_file():
            found[name] = path.read_bytes().hex()
    if (root / ".git").exists():
        found["refs"] = git(root, "for-each-ref", "--format=%(refname) %(objectname)")
        found["HEAD"] = git(root, "rev-parse", "--symbolic-full-name", "HEAD") + " " + git(root, "rev-parse", "HEAD")
        found["stash"] = git(root, "stash", "list")
        found["index"] = git(root, "ls-files", "--stage")
        status = git(root, "status", "--porcelain", "--untracked-files=all").splitlines()
        found["status"] = "\n".join(line for line in status if not line[3:].startswith(PANTS_FILES))
        found["worktrees"] = git(root, "worktree", "list", "--porcelain")
    return found


@contextmanager
def immutable(path: Path) -> Iterator[None]:
    """`path` cannot be written in the block: as root, permission bits stop nothing, `chattr +i` does."""
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def state_not_writable(state: Path) -> str:
    """The line with which every goal refuses a state directory it cannot write."""
    return (
        f"`{state}`: the plugin cannot keep its state there (got Operation not permitted); make it writable "
        "(`chattr -i`, a read-write mount), then run again"
    )
