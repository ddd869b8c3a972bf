"""Resumable multi-step operations: typed journals in one store, and the executor that runs them.

A goal that changes the workspace in several steps (`topic-switch`, `halfstack-upgrade`) computes
its plan, saves it as a journal of steps in the `StateStore`, and starts this module as ONE
foreground process (`python -m calver_release.runtime.journal run|abort JOURNAL`). The executor
marks each step `running` before it starts and `done` or `failed` after, so a failure or a killed
process leaves a state that `--continue` resumes from the first unfinished step and `--abort`
undoes, newest first. Ctrl-C or SIGTERM stops the step's command with its process group, marks
the step `interrupted` with the signal, runs nothing more and says so in one line. Running the
steps outside the Pants engine also keeps Pants from restarting the goal when a step changes files
under the build root (`git switch` does).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple, Type, TypeVar

from calver_release.runtime.files import write_atomically
from calver_release.runtime.interrupts import (
    Interrupted,
    interrupted_exit_code,
    interruptible,
    say,
    start_in_own_group,
    stop_group,
)
from calver_release.runtime.schema import SchemaError, from_json, to_json
from calver_release.runtime.shell import mask_passwords, shell_command

T = TypeVar("T")

_NOT_A_REASON = re.compile(r"^(\(Background on this error at: |\[parameters: )")
"""Lines SQLAlchemy prints after its error line: a link and the parameters, which say less than the error."""

_STATEMENT = "[SQL: "
"""SQLAlchemy's statement block after its error line, `[SQL: ...]`, often over several lines ending in `]`."""

_ERROR_LINE = re.compile(
    r"^(?:[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Failure)(?::|$)"
    r"|(?:\S+: )*(?:error|fatal|ERROR|FATAL|PANIC|Error)(?::|\s|$))"
)
"""A line that states an error: Python's last traceback line (`RuntimeError: ...`,
`sqlalchemy.exc.OperationalError: ...`) or a tool's (`pg_dump: error: ...`, `fatal: ...`, `ERROR:  ...`)."""


def failure_reason(output: str) -> str:
    """The line of a failed command's stderr that says why: the last one that states an error, else the last one.

    SQLAlchemy's statement block and trailers are skipped, so a failed migration is reported by its
    error line, never by the `]` that closes the statement.
    """
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    reasons, in_statement = [], False
    for line in lines:
        if in_statement or line.startswith(_STATEMENT):
            in_statement = not line.endswith("]")
        elif not _NOT_A_REASON.match(line):
            reasons.append(line)
    reasons = reasons or lines
    errors = [line for line in reasons if _ERROR_LINE.match(line)]
    return (errors or reasons)[-1] if reasons else ""


class Status(Enum):
    """Where a step is: not started, started (and maybe killed), finished, failed, or stopped by a signal."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class StateFileError(RuntimeError):
    """A state file is unreadable or damaged, or missing where an operation needs it."""


@dataclass(frozen=True)
class Command:
    """One process to run: argv, extra environment, working directory (default: the build root)."""

    argv: Tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Optional[str] = None

    def render(self) -> str:
        """The command as a developer would type it (for plans and `--dry-run`), passwords masked."""
        assignments = [f"{key}={value}" for key, value in sorted(self.env.items())]
        return shell_command(*assignments, *self.argv)


@dataclass(frozen=True)
class Step:
    """A named step: its commands run in order; `undo` commands revert it for `--abort`."""

    name: str
    description: str
    commands: Tuple[Command, ...]
    undo: Tuple[Command, ...] = ()
    status: Status = Status.PENDING
    seconds: Optional[float] = None
    error: Optional[str] = None

    def label(self) -> str:
        """"`switch` (git switch topic-a)": the name, and the description when it says more."""
        return f"`{self.name}`" + (f" ({self.description})" if self.description != self.name else "")


@dataclass(frozen=True)
class Journal:
    """An operation in progress: its steps, its plan (the goal's own report type, JSON on disk), and
    what the user can run after it stopped (`next_commands`: "run `pants topic-switch --continue` ...")."""

    operation: str
    build_root: str
    steps: Tuple[Step, ...]
    plan: Any = None
    next_commands: str = ""

    def pending(self) -> Tuple[int, ...]:
        """The indices of the steps not done yet."""
        return tuple(i for i, step in enumerate(self.steps) if step.status is not Status.DONE)

    def stopped(self) -> Optional[Step]:
        """The step that failed or was interrupted, if any."""
        return next((s for s in self.steps if s.status in (Status.FAILED, Status.RUNNING, Status.INTERRUPTED)), None)

    def interruption(self) -> Optional[str]:
        """`step 2 `switch` (Switch to `topic-a`) was interrupted by SIGTERM` when the last run was, else None."""
        for index, step in enumerate(self.steps):
            if step.status is Status.INTERRUPTED:
                return f"step {index + 1} {step.label()} was interrupted by {step.error}"
        return None

    def with_step(self, index: int, **changes: Any) -> Journal:
        steps = list(self.steps)
        steps[index] = replace(steps[index], **changes)
        return replace(self, steps=tuple(steps))


# ---- the store ------------------------------------------------------------------------------------


def save_state(path: Path, value: Any) -> None:
    """Write a dataclass as JSON, atomically."""
    write_atomically(path, json.dumps(to_json(value), indent=2, sort_keys=True) + "\n")


DEFAULT_RECOVERY = "check the repository (branches, database), then delete the file"
"""What to do about a damaged state file when the operation has no better advice."""


def load_state(path: Path, cls: Type[T], recovery: str = DEFAULT_RECOVERY) -> Optional[T]:
    """The state at `path` as `cls`, None when there is none; StateFileError when it is damaged.

    `recovery` is what the user should do about a damaged file, in the operation's own terms.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise StateFileError(
            f"`{path}`: a directory where the state file belongs (got a directory); move it away, then run again"
        ) from None
    except NotADirectoryError:
        raise StateFileError(
            f"`{path.parent}`: not a directory, but the plugin keeps its state there (got a file); move it away, "
            "then run again"
        ) from None
    except OSError as e:
        raise StateFileError(f"`{path}`: unreadable state file (got {e.strerror}); check its permissions") from None
    except UnicodeDecodeError as e:
        raise _damaged(path, f"not UTF-8 text: byte {e.object[e.start]:#04x} at offset {e.start}", recovery) from None
    try:
        return from_json(cls, json.loads(text))
    except RecursionError:
        raise _damaged(path, "not JSON: nested too deeply", recovery) from None
    except SchemaError as e:
        raise _damaged(path, str(e), recovery) from None
    except ValueError as e:  # JSONDecodeError
        raise _damaged(path, f"not JSON: {e}", recovery) from None


def load_journal(path: Path, plan_type: Any = Any, recovery: str = DEFAULT_RECOVERY) -> Optional[Journal]:
    """The journal at `path` with its plan read as `plan_type` (raw JSON data by default), or None.

    A journal without steps is damaged: no operation journals nothing, and resuming it would report
    an operation finished that never ran.
    """
    journal = load_state(path, Journal, recovery)
    if journal is None:
        return None
    if plan_type is not Any:
        try:
            journal = replace(journal, plan=from_json(plan_type, journal.plan, "$.plan"))
        except SchemaError as e:
            raise _damaged(path, str(e), recovery) from None
    if not journal.steps:
        raise _damaged(path, "$.steps: no steps", recovery)
    return journal


def _damaged(path: Path, reason: str, recovery: str) -> StateFileError:
    return StateFileError(f"`{path}`: damaged state file (got {reason}); nothing was run from it: {recovery}")


@dataclass(frozen=True)
class StateStore:
    """Where resumable operations keep their state: `<git dir>/calver-release/`, which `pants clean-all` spares.

    `<operation>.json` holds the state; `<operation>/` holds files it stages (compose files, a worktree).
    """

    git_dir: Path

    @property
    def root(self) -> Path:
        return self.git_dir / "calver-release"

    def file(self, operation: str) -> Path:
        return self.root / f"{operation}.json"

    def directory(self, operation: str) -> Path:
        return self.root / operation

    def load(self, operation: str, cls: Type[T], recovery: str = DEFAULT_RECOVERY) -> Optional[T]:
        return load_state(self.file(operation), cls, recovery)

    def save(self, operation: str, value: Any) -> None:
        save_state(self.file(operation), value)

    def remove(self, operation: str) -> None:
        """Delete the operation's staged files, then its state (last: a crash in between keeps the state)."""
        shutil.rmtree(self.directory(operation), ignore_errors=True)
        self.file(operation).unlink(missing_ok=True)


# ---- the executor ---------------------------------------------------------------------------------

Reporter = Callable[[str], None]
Runner = Callable[[Command, str], Tuple[int, str]]


def run_command(command: Command, build_root: str) -> Tuple[int, str]:
    """Run one command: its exit code and the stderr line that says why it failed (`failure_reason`).

    Its stdout goes to file descriptor 2 with the progress lines, keeping stdout for results; its
    stderr is copied there line by line. It runs in a process group of its own, stopped as a whole
    when the executor is interrupted.
    """
    env = {**os.environ, **command.env}
    last = ""
    proc = start_in_own_group(list(command.argv), cwd=command.cwd or build_root, env=env, stdout=2, stderr=subprocess.PIPE)
    try:
        assert proc.stderr is not None
        for raw in proc.stderr:
            _copy_to_stderr(raw)
            last = failure_reason(f"{last}\n{raw.decode(errors='replace')}")
        proc.wait()
    except Interrupted:
        stop_group(proc)
        raise
    finally:
        if proc.stderr is not None:
            proc.stderr.close()
    return proc.returncode, last


def _copy_to_stderr(raw: bytes) -> None:
    """Copy a line of a command's output; a terminal that went away (the Pants client killed) loses it."""
    try:
        os.write(2, raw)
    except OSError:
        pass


CANNOT_START = 127
"""The exit code of a step whose command could not be started, as a shell reports it."""


def _run_all(commands: Sequence[Command], build_root: str, run: Runner) -> Tuple[int, Optional[str]]:
    """Run `commands` in order up to the first failure: `(0, None)`, or its exit code and why it failed."""
    for command in commands:
        if not command.argv:
            return CANNOT_START, "cannot start an empty command"
        try:
            code, last_line = run(command, build_root)
        except OSError as e:
            return CANNOT_START, f"cannot start `{command.argv[0]}`: {e.strerror}"
        if code != 0:
            reason = mask_passwords(last_line)
            return code, f"exit code {code}: {reason}" if reason else f"exit code {code}"
    return 0, None


def _names(journal: Journal, indices: Sequence[int]) -> str:
    return ", ".join(f"`{journal.steps[i].name}`" for i in indices) or "none"


def run_journal(path: Path, report: Reporter, run: Runner = run_command) -> int:
    """Run every unfinished step in order, journaling each; 0 when all are done (the journal is then deleted).

    A step found `running` was interrupted (the process was killed) and is run again: steps are
    written to be repeatable (explicit alembic targets, `git switch`, `export`). SIGINT, SIGTERM or
    SIGHUP stops the step in flight, records it `interrupted` and runs nothing more: 128 + the signal.
    """
    journal = _require(path)
    total = len(journal.steps)
    index: Optional[int] = None
    try:
        with interruptible():
            for index in journal.pending():
                step = journal.steps[index]
                journal = journal.with_step(index, status=Status.RUNNING, error=None)
                save_state(path, journal)
                report(f"[{index + 1}/{total}] {step.description} ...")
                started = time.monotonic()
                code, error = _run_all(step.commands, journal.build_root, run)
                seconds = round(time.monotonic() - started, 2)
                status = Status.FAILED if code else Status.DONE
                journal = journal.with_step(index, status=status, seconds=seconds, error=error)
                save_state(path, journal)
                if code:
                    report(f"✕ [{index + 1}/{total}] {step.description} failed ({error}) after {seconds:.1f}s")
                    return code
                report(f"✓ [{index + 1}/{total}] {step.description} done in {seconds:.1f}s")
    except Interrupted as e:
        return _record_interruption(path, journal, index, e.signal_name, report)
    path.unlink()
    return 0


def _record_interruption(path: Path, journal: Journal, index: Optional[int], signal_name: str, report: Reporter) -> int:
    """Mark the step in flight `interrupted` (a step already done stays done) and say where the run stopped."""
    if index is not None and journal.steps[index].status is not Status.DONE:
        journal = journal.with_step(index, status=Status.INTERRUPTED, error=signal_name)
        save_state(path, journal)
        what = f"step {index + 1} {journal.steps[index].label()} stopped"
    else:
        what = "stopped between steps"
    done = [i for i, step in enumerate(journal.steps) if step.status is Status.DONE]
    report(
        f"✕ {journal.operation}: interrupted by {signal_name}: {what}; done: {_names(journal, done)}; not run: "
        f"{_names(journal, [i for i in journal.pending() if i != index])}; {journal.next_commands}".rstrip("; ")
    )
    return interrupted_exit_code(signal_name)


def abort_journal(path: Path, report: Reporter, run: Runner = run_command) -> int:
    """Undo every step that started (done, failed or interrupted), newest first; 0 on success.

    The journal is removed once everything is undone; on a failure it stays for another try.
    """
    journal = _require(path)
    started = [i for i, step in enumerate(journal.steps) if step.status is not Status.PENDING]
    try:
        with interruptible():
            for index in reversed(started):
                step = journal.steps[index]
                if step.undo:
                    report(f"Undoing: {step.description} ...")
                    code, error = _run_all(step.undo, journal.build_root, run)
                    if code:
                        save_state(path, journal.with_step(index, error=f"undo: {error}"))
                        report(f"✕ Undoing {step.description} failed ({error}); fix it and run --abort again")
                        return code
                    report(f"✓ Undone: {step.description}")
                journal = journal.with_step(index, status=Status.PENDING, error=None)
                save_state(path, journal)
    except Interrupted as e:
        left = [i for i, step in enumerate(journal.steps) if step.status is not Status.PENDING]
        report(
            f"✕ {journal.operation} --abort: interrupted by {e.signal_name}; still to undo: {_names(journal, left)}; "
            "run the same `--abort` again to finish going back"
        )
        return e.exit_code
    path.unlink()
    return 0


def _require(path: Path) -> Journal:
    journal = load_journal(path)
    if journal is None:
        raise StateFileError(f"`{path}`: no operation in progress")
    return journal


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] not in ("run", "abort"):
        print("usage: python -m calver_release.runtime.journal run|abort JOURNAL", file=sys.stderr)
        return 2

    action, path = args[0], Path(args[1])
    try:
        with interruptible():
            return (run_journal if action == "run" else abort_journal)(path, say)
    except StateFileError as e:
        say(str(e))
        return 1
    except Interrupted as e:  # before the journal was read: nothing ran
        say(f"✕ interrupted by {e.signal_name} before any step started; nothing was changed")
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
