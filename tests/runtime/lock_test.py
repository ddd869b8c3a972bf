"""The repository lock: one holder at a time, named to the next comer; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from processes import lock_held

from calver_release.runtime.lock import HOLDER_FILE, LockHeldError, check_unlocked, repository_lock

HOLDER = "pants topic-switch --to=topic-a"


def test_a_second_operation_is_refused_naming_the_running_one(tmp_path: Path) -> None:
    with lock_held(tmp_path, HOLDER) as proc:
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


def test_the_lock_of_a_killed_process_is_taken_over_with_a_line(tmp_path: Path) -> None:
    with lock_held(tmp_path, HOLDER) as proc:
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
