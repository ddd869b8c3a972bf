"""The repository lock: one holder at a time, named to the next comer; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from calver_release.runtime.lock import HOLDER_FILE, LockHeldError, check_unlocked, repository_lock

HOLD = """
import sys, time
from pathlib import Path
from calver_release.runtime.lock import repository_lock
with repository_lock(Path(sys.argv[1]), "pants topic-switch --to=topic-a"):
    print("held", flush=True)
    time.sleep(60)
"""


def holding_process(root: Path) -> subprocess.Popen:
    """Another process that takes the lock and keeps it until killed."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(root)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def test_a_second_operation_is_refused_naming_the_running_one(tmp_path: Path) -> None:
    proc = holding_process(tmp_path)
    try:
        with pytest.raises(LockHeldError) as raised, repository_lock(tmp_path, "pants backport --continue"):
            pass
        started = json.loads((tmp_path / HOLDER_FILE).read_text())["started"]
        assert str(raised.value) == (
            "`pants backport --continue`: another operation is running in this repository: "
            f"`pants topic-switch --to=topic-a` (process {proc.pid}, started {started}); wait for it to finish, "
            "then run again"
        )
        with pytest.raises(LockHeldError):
            check_unlocked(tmp_path, "pants backport --continue")
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_of_a_killed_process_is_taken_over_with_a_line(tmp_path: Path) -> None:
    proc = holding_process(tmp_path)
    started = json.loads((tmp_path / HOLDER_FILE).read_text())["started"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    check_unlocked(tmp_path, "pants backport --continue")
    with repository_lock(tmp_path, "pants backport --continue") as note:
        assert note == (
            f"Took over the lock left by `pants topic-switch --to=topic-a` (process {proc.pid}, started {started}), "
            "which no longer runs."
        )
        assert json.loads((tmp_path / HOLDER_FILE).read_text())["operation"] == "pants backport --continue"


def test_the_lock_is_released_after_the_block_even_on_an_error(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), repository_lock(tmp_path, "pants halfstack-upgrade") as note:
        assert note is None
        raise KeyboardInterrupt
    assert not (tmp_path / HOLDER_FILE).exists()
    with repository_lock(tmp_path, "pants halfstack-upgrade --continue") as note:
        assert note is None


def test_the_lock_excludes_a_second_holder_in_the_same_process(tmp_path: Path) -> None:
    with repository_lock(tmp_path, "pants release-version --tag-release", pid=4242):
        with pytest.raises(LockHeldError, match=r"`pants release-version --tag-release` \(process 4242, started "):
            with repository_lock(tmp_path, "pants release-version --bump=patch"):
                pass
