"""SIGTERM to a Pants run without pantsd: cancel the run as Ctrl-C does, instead of letting it finish.

Measured with Pants 2.17.1: without pantsd, Pants' Python SIGTERM handler runs only when the
engine hands the main thread back, i.e. after the goal finished, so a `kill` of `pants` let a
`--tag-release` commit and tag before Pants exited with an empty error. Ctrl-C is different: the
engine cancels the session at once and sends SIGINT to the running `InteractiveProcess`'s group.
So the plugin, loaded in the main thread of that process, asks Python to also write each signal's
number to a pipe (`signal.set_wakeup_fd`) and lets a thread turn a SIGTERM found there into a
SIGINT to its own process. Under pantsd the client's death cancels the session already (measured:
SIGINT reaches the executor within 20 ms), and SIGTERM to the daemon must keep meaning "stop the
daemon": nothing is installed there, nor where another wakeup descriptor is in use.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType
from typing import Optional

DAEMON_MODULE = "pants.bin.daemon_pants_runner"
"""Loaded in pantsd only."""


def cancel_on_sigterm() -> bool:
    """In a Pants process without pantsd, make SIGTERM cancel the run like Ctrl-C; whether it was installed."""
    if DAEMON_MODULE in sys.modules or threading.current_thread() is not threading.main_thread():
        return False
    read, write = os.pipe()
    os.set_blocking(write, False)
    previous = signal.set_wakeup_fd(write)
    if previous != -1:  # in use already (or installed before): put it back
        signal.set_wakeup_fd(previous)
        os.close(read)
        os.close(write)
        return False
    threading.Thread(target=_forward, args=(read,), name="calver-release-sigterm", daemon=True).start()
    signal.signal(signal.SIGTERM, _forwarded)
    return True


def _forwarded(signum: int, frame: Optional[FrameType]) -> None:
    """Pants' own SIGTERM handler, replaced: it would run after the cancelled run and end it with an empty
    `[ERROR]` line; the forwarded SIGINT already ends it as Ctrl-C does ("Interrupted by user.")."""


def _forward(read: int) -> None:
    while True:
        received = os.read(read, 64)
        if not received:
            return
        if signal.SIGTERM in received:
            os.kill(os.getpid(), signal.SIGINT)
