"""Signals in the plugin's executors: the first one interrupts, later ones wait; a stopped command takes its group along."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import alive

from calver_release.runtime.interrupts import interruptible, start_in_own_group, stop_group

EXECUTOR = """
import sys, time
from calver_release.runtime.interrupts import Interrupted, interruptible
try:
    with interruptible():
        print("ready", flush=True)
        time.sleep(60)
except Interrupted as e:
    print("interrupted by", e.signal_name, flush=True)
    time.sleep(0.5)  # a cleanup, during which the second signal arrives
    print("cleaned up", flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_first_signal_interrupts_and_a_second_does_not_cut_the_cleanup_short(signum: int) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", EXECUTOR], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    proc.send_signal(signum)
    assert proc.stdout.readline() == f"interrupted by {signal.Signals(signum).name}\n"
    proc.send_signal(signum)
    out, _ = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (0, "cleaned up\n")



def test_stopping_a_command_stops_what_it_started_even_when_it_ignores_sigterm(tmp_path: Path) -> None:
    script = "trap '' TERM; sleep 60 & echo $! > child; echo started > ready; wait"
    proc = start_in_own_group(["sh", "-c", script], cwd=tmp_path)
    while not (tmp_path / "ready").exists():
        time.sleep(0.05)
    child = int((tmp_path / "child").read_text())
    stop_group(proc)
    assert proc.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_a_block_left_without_a_signal_restores_the_handlers() -> None:
    before = [signal.getsignal(each) for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)]
    with interruptible():
        assert signal.getsignal(signal.SIGTERM) not in before
    assert [signal.getsignal(each) for each in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)] == before
