"""Ctrl-C and SIGTERM to the journal executor: the step in flight stops with its group, nothing after it runs,
the journal says where, one line says what to do, and `--continue`/`--abort` then finish."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import List, Tuple

import pytest
from processes import alive

from calver_release.runtime.journal import Command, Journal, StateStore, Status, Step, load_journal, run_journal, abort_journal, save_state
from calver_release.runtime.plugin_python import module_command, module_env

SLOW = "echo $$ > sleeper; touch started; sleep 60"
"""A slow step: it records its shell's pid (the group's leader) and sleeps, while the file `slow` exists."""


def step(name: str, script: str = "") -> Step:
    return Step(
        name,
        f"step {name}",
        (Command(("sh", "-c", f"echo {name} >> log{'; ' + script if script else ''}")),),
        undo=(Command(("sh", "-c", f"echo undo-{name} >> log")),),
    )


def journal(tmp_path: Path) -> Path:
    path = StateStore(tmp_path / ".git").file("op")
    steps = (step("one"), step("two", f"[ -e slow ] && {{ {SLOW}; }}; true"), step("three"))
    save_state(path, Journal("op", str(tmp_path), steps, next_commands="run `pants op --continue`"))
    (tmp_path / "slow").touch()
    return path


def interrupt(tmp_path: Path, path: Path, action: str, signum: int) -> Tuple[int, List[str]]:
    """Start the executor, wait until the slow step is running, send `signum`; its exit code and stderr lines."""
    command = module_command("calver_release.runtime.journal", action, str(path))
    proc = subprocess.Popen(command, env={**os.environ, **module_env()}, stderr=subprocess.PIPE, text=True)
    while not (tmp_path / "started").exists():
        assert proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err.splitlines()



@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_step_is_recorded_and_nothing_after_it_runs(tmp_path: Path, signum: int) -> None:
    path = journal(tmp_path)
    code, lines = interrupt(tmp_path, path, "run", signum)
    name = signal.Signals(signum).name
    assert code == 128 + signum
    assert lines[-1] == (
        f"✕ op: interrupted by {name}: step 2 `two` (step two) stopped; done: `one`; not run: `three`; "
        "run `pants op --continue`"
    )
    assert not any("Traceback" in line for line in lines)
    stopped = load_journal(path)
    assert [(s.status, s.error) for s in stopped.steps] == [(Status.DONE, None), (Status.INTERRUPTED, name), (Status.PENDING, None)]
    assert stopped.interruption() == f"step 2 `two` (step two) was interrupted by {name}"
    assert (tmp_path / "log").read_text().split() == ["one", "two"]
    assert not alive(int((tmp_path / "sleeper").read_text()))

    (tmp_path / "slow").unlink()
    assert run_journal(path, lambda line: None) == 0
    assert (tmp_path / "log").read_text().split() == ["one", "two", "two", "three"]


def test_abort_after_an_interruption_undoes_the_interrupted_step_too(tmp_path: Path) -> None:
    path = journal(tmp_path)
    assert interrupt(tmp_path, path, "run", signal.SIGINT)[0] == 130
    assert abort_journal(path, lambda line: None) == 0
    assert (tmp_path / "log").read_text().split() == ["one", "two", "undo-two", "undo-one"]
    assert not path.exists()


def test_an_interrupted_abort_keeps_what_is_still_to_undo(tmp_path: Path) -> None:
    path = journal(tmp_path)
    (tmp_path / "slow").unlink()
    save_state(path, load_journal(path).with_step(0, status=Status.DONE).with_step(1, status=Status.DONE))
    slow_undo = Command(("sh", "-c", f"echo undo-two >> log; [ -e slow ] && {{ {SLOW}; }}; true"))
    save_state(path, load_journal(path).with_step(1, undo=(slow_undo,)))
    (tmp_path / "slow").touch()
    code, lines = interrupt(tmp_path, path, "abort", signal.SIGTERM)
    assert code == 143
    assert lines[-1] == (
        "✕ op --abort: interrupted by SIGTERM; still to undo: `one`, `two`; run the same `--abort` again to finish "
        "going back"
    )
    (tmp_path / "slow").unlink()
    assert abort_journal(path, lambda line: None) == 0
    assert (tmp_path / "log").read_text().split() == ["undo-two", "undo-two", "undo-one"]
