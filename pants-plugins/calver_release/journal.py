"""Resumable multi-step operations: a journal in the git directory and the executor that runs it.

A goal that changes the workspace in several steps (`topic-switch`, `halfstack-upgrade`) computes
its plan, writes it here as a journal of steps, and starts this module as ONE foreground process
(`python -m calver_release.journal run|abort JOURNAL`). The executor marks each step `running`
before it starts and `done` or `failed` after, so a failure or a killed process leaves a state
that `--continue` resumes from the first unfinished step and `--abort` undoes, newest first.
Running the steps outside the Pants engine also keeps Pants from restarting the goal when a step
changes files under the build root (`git switch` does).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"

_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
"""The password of a `scheme://user:password@host` database URL."""


class JournalError(RuntimeError):
    """A journal is missing, unreadable, or in the way of a new operation."""


@dataclass(frozen=True)
class Command:
    """One process to run: argv, extra environment, working directory (default: the build root)."""

    argv: Tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Optional[str] = None

    def render(self) -> str:
        """The command as a developer would type it (for plans and `--dry-run`), passwords masked."""
        prefix = " ".join(f"{k}={v}" for k, v in sorted(self.env.items()))
        return _PASSWORD_IN_URL.sub(r"\1***@", " ".join(filter(None, [prefix, " ".join(_quote(a) for a in self.argv)])))


@dataclass(frozen=True)
class Step:
    """A named step: its commands run in order; `undo` commands revert it for `--abort`."""

    name: str
    description: str
    commands: Tuple[Command, ...]
    undo: Tuple[Command, ...] = ()
    status: str = PENDING
    seconds: Optional[float] = None


@dataclass(frozen=True)
class Journal:
    """An operation in progress: what it is, its plan (JSON data for reports) and its steps."""

    operation: str
    build_root: str
    plan: Dict[str, Any]
    steps: Tuple[Step, ...]

    def pending(self) -> Tuple[int, ...]:
        return tuple(i for i, step in enumerate(self.steps) if step.status != DONE)

    def finished(self) -> bool:
        return not self.pending()


def journal_path(git_dir: Path, operation: str) -> Path:
    """Where `operation`'s journal lives: inside the git directory, which `pants clean-all` spares."""
    return git_dir / "calver-release" / f"{operation}.json"


def write_journal(path: Path, journal: Journal) -> None:
    """Save the journal atomically (a temporary file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(journal), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def read_journal(path: Path) -> Optional[Journal]:
    """The journal at `path`, or None when there is none."""
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError as e:
        raise JournalError(f"`{path}`: unreadable journal ({e}); remove it after checking the repository state")
    steps = tuple(
        Step(
            **{
                **step,
                "commands": tuple(_command(c) for c in step["commands"]),
                "undo": tuple(_command(c) for c in step["undo"]),
            }
        )
        for step in data["steps"]
    )
    return Journal(data["operation"], data["build_root"], data["plan"], steps)


def _command(data: Mapping[str, Any]) -> Command:
    return Command(tuple(data["argv"]), dict(data["env"]), data.get("cwd"))


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:=@,+%^" for c in arg) else repr(arg)


Reporter = Callable[[str], None]


def _run_command(command: Command, build_root: str) -> int:
    """Run one command; its output goes to file descriptor 2 with the progress lines, keeping stdout for results."""
    env = {**os.environ, **command.env}
    return subprocess.run(list(command.argv), cwd=command.cwd or build_root, env=env, stdout=2).returncode


def run_journal(path: Path, report: Reporter, run: Callable[[Command, str], int] = _run_command) -> int:
    """Run every unfinished step in order, journaling each; 0 when all are done.

    A step found `running` was interrupted (the process was killed) and is run again: steps are
    written to be repeatable (explicit alembic targets, `git switch`, `export`).
    """
    journal = _require(path)
    total = len(journal.steps)
    for index in journal.pending():
        step = journal.steps[index]
        journal = _with_step(journal, index, status=RUNNING)
        write_journal(path, journal)
        report(f"[{index + 1}/{total}] {step.description} ...")
        started = time.monotonic()
        failed_code = next((code for code in (run(c, journal.build_root) for c in step.commands) if code != 0), 0)
        seconds = round(time.monotonic() - started, 2)
        journal = _with_step(journal, index, status=FAILED if failed_code else DONE, seconds=seconds)
        write_journal(path, journal)
        if failed_code:
            report(f"✕ [{index + 1}/{total}] {step.description} failed (exit code {failed_code}) after {seconds:.1f}s")
            return failed_code
        report(f"✓ [{index + 1}/{total}] {step.description} done in {seconds:.1f}s")
    path.unlink()
    return 0


def abort_journal(path: Path, report: Reporter, run: Callable[[Command, str], int] = _run_command) -> int:
    """Undo every step that started (done, failed or interrupted), newest first; 0 on success.

    The journal is removed once everything is undone; on a failure it stays for another try.
    """
    journal = _require(path)
    started = [i for i, step in enumerate(journal.steps) if step.status != PENDING]
    for index in reversed(started):
        step = journal.steps[index]
        if not step.undo:
            journal = _with_step(journal, index, status=PENDING)
            continue
        report(f"Undoing: {step.description} ...")
        code = next((c for c in (run(cmd, journal.build_root) for cmd in step.undo) if c != 0), 0)
        if code:
            write_journal(path, journal)
            report(f"✕ Undoing {step.description} failed (exit code {code}); fix it and run --abort again")
            return code
        journal = _with_step(journal, index, status=PENDING)
        write_journal(path, journal)
        report(f"✓ Undone: {step.description}")
    path.unlink()
    return 0


def _require(path: Path) -> Journal:
    journal = read_journal(path)
    if journal is None:
        raise JournalError(f"`{path}`: no operation in progress")
    return journal


def _with_step(journal: Journal, index: int, **changes: Any) -> Journal:
    steps = list(journal.steps)
    steps[index] = replace(steps[index], **changes)
    return replace(journal, steps=tuple(steps))


def executor_command(action: str, path: Path) -> List[str]:
    """The argv that runs this module as the executor process, with the interpreter running now."""
    return [sys.executable, "-m", "calver_release.journal", action, str(path)]


def executor_env() -> Dict[str, str]:
    """Environment for the executor: it must import `calver_release` like Pants did."""
    plugin_root = str(Path(__file__).resolve().parent.parent)
    return {"PYTHONPATH": os.pathsep.join(filter(None, [plugin_root, os.environ.get("PYTHONPATH", "")]))}


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in ("run", "abort"):
        print("usage: python -m calver_release.journal run|abort JOURNAL", file=sys.stderr)
        return 2

    def report(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    action, path = args[0], Path(args[1])
    try:
        return (run_journal if action == "run" else abort_journal)(path, report)
    except JournalError as e:
        report(str(e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
