"""Other processes in tests: one holding the repository's lock, as a running writing goal would; whether one still runs."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HOLD = """
import sys, time
from pathlib import Path
from calver_release.runtime.lock import repository_lock
with repository_lock(Path(sys.argv[1]), sys.argv[2]):
    print("held", flush=True)
    time.sleep(300)
"""


@contextmanager
def lock_held(store: Path, operation: str) -> Iterator[subprocess.Popen]:
    """A process holding the lock of the state store `store` as `operation` for the block (or until killed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(store), operation], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        yield proc
    finally:
        proc.kill()
        proc.wait()


def alive(pid: int) -> bool:
    """Whether the process `pid` still runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
