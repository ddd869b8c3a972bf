"""Temporary copies of the example monorepo, driven by the real `./pants` launcher."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from conftest import git, init_repo

EXAMPLE = "examples/monorepo"
PANTS_LOG_LINE = re.compile(r"\d\d:\d\d:\d\d\.\d\d \[[A-Z]+\] ")
RESTARTED = "Filesystem changed during run: retrying"
"""What Pants logs (at `info`) when it restarts a goal whose inputs changed during the run."""


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
    def messages(self) -> List[str]:
        """The lines on stderr that are not Pants' own log lines: what the goal printed there."""
        return [line for line in self.stderr.strip().splitlines() if not PANTS_LOG_LINE.match(line)]

    @property
    def error_line(self) -> str:
        """The goal's last line on stderr: where it reports a user error."""
        return self.messages[-1]

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
    # The sample data the checkout tracks although the example's .gitignore names it.
    listing = git(source, "ls-files", "--cached", "--ignored", "--exclude-standard", "--", EXAMPLE)
    return init_repo(example, ignored=[str(Path(path).relative_to(EXAMPLE)) for path in listing.splitlines()])


def pants_env(pantsd: bool, level: str, env: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """Our environment with `env` added, pantsd on or off, at `level`.

    pytest's `PYTEST_CURRENT_TEST` stays out: Pants' Python backend skips a user error when it sees it.
    """
    return {
        **{name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"},
        **(env or {}),
        "PANTS_PANTSD": "true" if pantsd else "false",
        "PANTS_SHOW_LOG_TARGET": "false",
        "PANTS_LEVEL": level,
    }


def run_pants(
    build_root: Path,
    *args: str,
    pantsd: bool = False,
    level: str = "warn",
    env: Optional[Mapping[str, str]] = None,
    launcher: str = "../../pants",
) -> PantsRun:
    """Run the real `launcher` in `build_root` with `env` added to ours; without pantsd unless asked.

    A nested Pants must not use pantsd; a test that does stops it with `stop_pantsd`.
    """
    # A cold Pants on a busy machine can take minutes (the first run also builds PEXes or resolves
    # plugins from the package index).
    proc = subprocess.run(
        [launcher, *args], cwd=build_root, capture_output=True, text=True, env=pants_env(pantsd, level, env), timeout=900
    )
    return PantsRun(f"pants {' '.join(args)}", proc.returncode, proc.stdout, proc.stderr)


class StartedPants:
    """A `./pants` run in the background, to signal or to wait for (see `interrupt_pants`)."""

    def __init__(self, build_root: Path, *args: str, pantsd: bool, level: str = "info", env: Optional[Mapping[str, str]] = None) -> None:
        self.command = f"pants {' '.join(args)}"
        self.proc = subprocess.Popen(
            ["../../pants", *args],
            cwd=build_root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=pants_env(pantsd, level, env),
        )

    def wait_for(self, path: Path) -> None:
        """Wait until `path` exists: the step the test interrupts has started. Fails if the run ends first."""
        while not path.exists():
            assert self.proc.poll() is None, str(self.finish())
            time.sleep(0.05)

    def finish(self, signum: Optional[int] = None) -> PantsRun:
        """Send `signum` (if any), then wait for the run to end; its result."""
        if signum is not None:
            self.proc.send_signal(signum)
        stdout, stderr = self.proc.communicate(timeout=900)
        return PantsRun(self.command, self.proc.returncode, stdout, stderr)


def interrupt_pants(build_root: Path, *args: str, started: Path, signum: int, pantsd: bool, env: Optional[Mapping[str, str]] = None) -> PantsRun:
    """Run `pants args...`, send `signum` to it once `started` exists (a slow step is running), and wait for it."""
    run = StartedPants(build_root, *args, pantsd=pantsd, env=env)
    run.wait_for(started)
    return run.finish(signum)


def wait_until_unlocked(build_root: Path) -> None:
    """Wait until no goal holds the repository's lock: under pantsd a run goes on after its client was killed."""
    holder = build_root / ".git" / "calver-release" / "lock.json"
    for _ in range(1200):
        if not holder.exists():
            return
        time.sleep(0.05)
    raise AssertionError(f"still locked after a minute: {holder.read_text()}")


def pantsd_pid(build_root: Path) -> int:
    """The process id of the pantsd serving `build_root` (its pid file under `.pids/`)."""
    (pid_file,) = build_root.glob(".pids/*/pantsd/pid")
    return int(pid_file.read_text())


def stop_pantsd(build_root: Path) -> None:
    """Terminate the pantsd a test started in `build_root`, if any, and wait (up to a minute) until it has gone."""
    for pid_file in build_root.glob(".pids/*/pantsd/pid"):
        try:
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGTERM)
            for _ in range(600):
                time.sleep(0.1)
                os.kill(pid, 0)
        except (ProcessLookupError, ValueError):
            pass


class SharedExample:
    """One copy of the example and one pantsd for all the end-to-end tests of a pytest process.

    A cold Pants spends about 15 s here building its rule graph, a run served by a warm pantsd
    about 1 s, so the tests share the daemon and `reset` puts the copy back as first copied
    between them. Every run is at `info` level and fails on a goal that Pants restarted.
    """

    def __init__(self, tmp_path: Path) -> None:
        self.root = copy_example(tmp_path)
        self._refs = self._read_refs()
        self._config = (self.root / ".git" / "config").read_text()

    def run(self, *args: str, env: Optional[Mapping[str, str]] = None) -> PantsRun:
        """Run `pants args...` through the shared pantsd, with `env` added to ours."""
        result = run_pants(self.root, *args, pantsd=True, level="info", env=env)
        assert RESTARTED not in result.stderr, result
        return result

    def reset(self) -> None:
        """Restore the refs, HEAD, index, work tree and git config as first copied; drop every worktree and
        the plugin's state under `.git`. Pants' own `.pants.d`/`.pids` stay, and so does pantsd."""
        shutil.rmtree(self.root / ".git" / "calver-release", ignore_errors=True)
        git(self.root, "worktree", "prune")
        refs = self._read_refs()
        commands = [f"delete {ref}" for ref in refs.keys() - self._refs.keys()]
        commands += [f"update {ref} {sha}" for ref, sha in self._refs.items() if refs.get(ref) != sha]
        if commands:
            git(self.root, "update-ref", "--no-deref", "--stdin", input="".join(f"{c}\n" for c in commands))
        git(self.root, "symbolic-ref", "HEAD", "refs/heads/main")
        git(self.root, "reset", "--quiet", "--hard")
        git(self.root, "clean", "-ffdxq", "-e", "/.pants.d", "-e", "/.pids")
        (self.root / ".git" / "config").write_text(self._config)

    def stop(self) -> None:
        stop_pantsd(self.root)

    def _read_refs(self) -> Dict[str, str]:
        listing = git(self.root, "for-each-ref", "--format=%(refname) %(objectname)")
        return dict(line.split(" ") for line in listing.splitlines())
