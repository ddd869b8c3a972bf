"""Temporary copies of the example monorepo, driven by the real `./pants` launcher."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from conftest import init_repo

EXAMPLE = "examples/monorepo"


def source_checkout() -> Path:
    """The repository under test: `pants test` passes its build root, plain pytest runs inside it."""
    configured = os.environ.get("CALVER_RELEASE_REPO")
    root = Path(configured) if configured else Path(__file__).resolve().parents[2]
    assert (root / "pants").is_file() and (root / EXAMPLE).is_dir(), f"not the calver_release checkout: {root}"
    return root


@dataclass(frozen=True)
class PantsRun:
    command: str
    exit_code: int
    stdout: str
    stderr: str

    def assert_success(self) -> PantsRun:
        assert self.exit_code == 0, str(self)
        return self

    @property
    def error_line(self) -> str:
        """The last line Pants printed on stderr: where a goal reports a user error."""
        return self.stderr.strip().splitlines()[-1]

    def __str__(self) -> str:
        return f"{self.command} exited {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def copy_example(tmp_path: Path) -> Path:
    """Lay out `pants`, `pants-plugins/` and the example beside each other, as in the checkout.

    The example becomes a git repository of its own on `main`; returns its build root.
    """
    source = source_checkout()
    shutil.copy2(source / "pants", tmp_path / "pants")
    shutil.copytree(source / "pants-plugins", tmp_path / "pants-plugins", ignore=shutil.ignore_patterns("__pycache__"))
    example = tmp_path / EXAMPLE
    shutil.copytree(
        source / EXAMPLE, example, symlinks=True, ignore=shutil.ignore_patterns(".pants.d", ".pids", "dist")
    )
    return init_repo(example)


def run_pants(build_root: Path, *args: str, pantsd: bool = False, env: Optional[Mapping[str, str]] = None) -> PantsRun:
    """Run the real launcher in `build_root` with `env` added to ours; without pantsd unless asked.

    A nested Pants must not use pantsd; a test that does stops it with `stop_pantsd`.
    """
    env = {
        **os.environ,
        **(env or {}),
        "PANTS_PANTSD": "true" if pantsd else "false",
        "PANTS_SHOW_LOG_TARGET": "false",
        "PANTS_LEVEL": "warn",
    }
    # A cold Pants on a busy machine can take minutes (the first run also builds PEXes).
    proc = subprocess.run(["../../pants", *args], cwd=build_root, capture_output=True, text=True, env=env, timeout=900)
    return PantsRun(f"pants {' '.join(args)}", proc.returncode, proc.stdout, proc.stderr)


def pantsd_pid(build_root: Path) -> int:
    """The process id of the pantsd serving `build_root` (its pid file under `.pids/`)."""
    (pid_file,) = build_root.glob(".pids/*/pantsd/pid")
    return int(pid_file.read_text())


def stop_pantsd(build_root: Path) -> None:
    """Terminate the pantsd a test started in `build_root`, if any."""
    for pid_file in build_root.glob(".pids/*/pantsd/pid"):
        try:
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pass
