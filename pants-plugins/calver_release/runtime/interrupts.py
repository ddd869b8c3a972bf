"""Ctrl-C and SIGTERM in the plugin's own processes: stop the command in flight, then say where the run stopped.

Pants stops an `InteractiveProcess` when its run is cancelled (Ctrl-C on the client, with or
without pantsd) by sending SIGINT to the process's group and, after
`[GLOBAL].process_execution_graceful_shutdown_timeout` seconds (3 by default), SIGKILL. The
plugin's executors therefore turn SIGINT, SIGTERM and SIGHUP into `Interrupted`, stop the
command in flight with its whole process group at once, and record where they stopped well
within that time. Further signals are ignored while they do, so the record is never cut short.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from types import FrameType
from typing import Any, Dict, Iterator, Optional

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

STOP_GRACE_SECONDS = 1.0
"""How long a stopped command's group gets between SIGTERM and SIGKILL."""


class Interrupted(BaseException):
    """The run was asked to stop by a signal. A BaseException, like KeyboardInterrupt, so no `except Exception` eats it."""

    def __init__(self, signum: int) -> None:
        self.signal_name = signal.Signals(signum).name
        super().__init__(self.signal_name)

    @property
    def exit_code(self) -> int:
        return interrupted_exit_code(self.signal_name)


def interrupted_exit_code(signal_name: str) -> int:
    """The exit code of a run stopped by a signal, as a shell reports it: 128 + its number (130 for SIGINT)."""
    return 128 + signal.Signals[signal_name].value


def _ignore_further(signum: int, frame: Optional[FrameType]) -> None:
    """A second signal while the first is handled: the cleanup it would cut short matters more."""


def _raise_interrupted(signum: int, frame: Optional[FrameType]) -> None:
    for each in SIGNALS:
        signal.signal(each, _ignore_further)
    raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[None]:
    """Within the block, the first SIGINT, SIGTERM or SIGHUP raises `Interrupted`.

    From then on these signals are ignored for the rest of the process, which is about to record
    where it stopped and exit; a block left without a signal restores the previous handlers.
    """
    previous = {each: signal.signal(each, _raise_interrupted) for each in SIGNALS}
    try:
        yield
    except Interrupted:
        raise
    except BaseException:
        _restore(previous)
        raise
    else:
        _restore(previous)


def _restore(handlers: Dict[int, Any]) -> None:
    for each, handler in handlers.items():
        signal.signal(each, handler)


def start_in_own_group(argv: list, **popen_kwargs: object) -> subprocess.Popen:
    """Start a command in a process group of its own, so `stop_group` stops it with everything it started."""
    return subprocess.Popen(argv, start_new_session=True, **popen_kwargs)  # type: ignore[call-overload]


def run_in_own_group(argv: list, input: Optional[str] = None, **popen_kwargs: object) -> subprocess.CompletedProcess:
    """`subprocess.run` with captured text output, in a group of its own: whatever stops the wait (`Interrupted`)
    stops the command and its group first, so nothing it started outlives the run."""
    stdin = subprocess.PIPE if input is not None else subprocess.DEVNULL
    proc = start_in_own_group(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen_kwargs)
    try:
        stdout, stderr = proc.communicate(input)
    except BaseException:
        stop_group(proc)
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)


def stop_group(proc: subprocess.Popen) -> None:
    """Stop a command started by `start_in_own_group` and everything in its group: SIGTERM, a grace, SIGKILL."""
    _signal_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(proc, signal.SIGKILL)  # what outlived the grace, the leader's children included
    proc.wait()


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def say(line: str) -> None:
    """Print a line on stderr; one that cannot reach a terminal gone with a killed Pants client is lost, no more."""
    try:
        print(line, file=sys.stderr, flush=True)
    except OSError:
        pass
