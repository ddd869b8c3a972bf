"""One operation per repository at a time: an advisory lock in the state store that names its holder.

Every goal that changes the repository, the database or the halfstack holds the lock for its whole
run, `--continue` and `--abort` included. The lock is a `flock` on `<state store>/lock`, so the
kernel releases it when its process ends, however it ends; `lock.json` beside it names the holder.
A holder file found with the lock free was left by a process that stopped without releasing it:
the next run takes it over and says so. The store is in git's common directory, so the worktrees
of one repository (which share its branches and database) share one lock. Both files are removed
on release; a run that locked a file removed meanwhile opens the new one and tries again.

Where it is held follows where a goal's state is written. `topic-switch`, `halfstack-upgrade` and
`release-version` create or read their journal in the goal, so the goal holds the lock, in the
Pants process that runs it (pantsd, or `pants` without it), from before it reads the journal until
it has reported; the executors it starts (`InteractiveProcess`) never take it, as a flock belongs
to its open file description, which they do not share. Measured with Pants 2.17.1, with and
without pantsd, on Ctrl-C and on SIGTERM to the client: Pants returns from the
`InteractiveProcess` (exit code -1) only once the executor has exited, and the goal then leaves
its `with` block, so an interrupted executor finishes recording where it stopped before another
run can take the lock. The holder named is the Pants process (under pantsd, the daemon's).
`backport` plans in the goal without writing anything and hands the plan to its executor, which
takes the lock itself before it writes the backport state; its goal refuses early with
`check_unlocked`, and the holder named is the executor.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator, Optional

from calver_release.runtime.files import write_atomically

LOCK_FILE = "lock"
HOLDER_FILE = "lock.json"


class LockHeldError(RuntimeError):
    """Another live process holds the repository's lock."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: the operation as the user typed it, its process, and since when (UTC)."""

    operation: str
    pid: int
    started: str

    def describe(self) -> str:
        return f"`{self.operation}` (process {self.pid}, started {self.started})"


def _read_holder(root: Path) -> Optional[Holder]:
    """The holder file's record; None when there is none or it cannot be read (a torn write is no holder)."""
    try:
        data = json.loads((root / HOLDER_FILE).read_text())
        return Holder(str(data["operation"]), int(data["pid"]), str(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _open_lock(root: Path) -> IO[str]:
    root.mkdir(parents=True, exist_ok=True)
    return open(root / LOCK_FILE, "a")


def _is_current(root: Path, handle: IO[str]) -> bool:
    """Whether `handle` is still the file at `<root>/lock` (its holder may have removed it on release)."""
    try:
        return os.stat(root / LOCK_FILE).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _held_error(root: Path, operation: str) -> LockHeldError:
    holder = _read_holder(root)
    running = holder.describe() if holder else "an operation whose record is not written yet"
    return LockHeldError(
        f"`{operation}`: another operation is running in this repository: {running}; wait for it to finish, "
        "then run again"
    )


def check_unlocked(root: Path, operation: str) -> None:
    """Refuse early (LockHeldError) when another process holds the lock; takes nothing."""
    if not (root / LOCK_FILE).exists():
        return
    with open(root / LOCK_FILE) as handle:
        if not _try_lock(handle):
            raise _held_error(root, operation)


@contextmanager
def repository_lock(root: Path, operation: str, pid: Optional[int] = None) -> Iterator[Optional[str]]:
    """Hold the repository's lock for the block; yields a line to print when a left-over lock was taken over.

    `operation` is the command as the user typed it (`pants topic-switch --to=topic-a`); `pid` the
    process to name as the holder (default: this one). LockHeldError when another process holds it.
    """
    handle = _open_lock(root)
    while True:
        if not _try_lock(handle):
            handle.close()
            raise _held_error(root, operation)
        if _is_current(root, handle):
            break
        handle.close()
        handle = _open_lock(root)
    try:
        left = _read_holder(root)
        holder = Holder(operation, os.getpid() if pid is None else pid, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
        write_atomically(root / HOLDER_FILE, json.dumps(holder.__dict__) + "\n")
        try:
            yield f"Took over the lock left by {left.describe()}, which no longer runs." if left else None
        finally:
            (root / HOLDER_FILE).unlink(missing_ok=True)
            (root / LOCK_FILE).unlink(missing_ok=True)
    finally:
        handle.close()
