"""Carrying out a backport in one process that Ctrl-C and SIGTERM stop, holding the repository's lock.

`python -m calver_release.backport.executor ACTION ROOT OPERATION [PLAN_JSON]` is what `pants backport`
starts, as an `InteractiveProcess`, for the runs that change something: `run` (the goal's plan),
`continue` and `abort`. Pants cancels an `InteractiveProcess` with the run (SIGINT to its group,
with or without pantsd), which a goal's own subprocesses never are. This process takes the lock
itself, so it is released when the process ends however it ends, never while it still records.
A signal stops the git step in flight with its group, nothing more runs, the state records where
the run stopped and one line says what was done and what to run next. Progress goes to stderr,
the `Updated ...` results to stdout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from calver_release.backport.engine import (
    BackportError,
    BackportOutcome,
    BackportPlan,
    abort_backport,
    continue_backport,
    record_interrupt,
    run_backport,
)
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.interrupts import Interrupted, interruptible, say
from calver_release.runtime.journal import StateStore
from calver_release.runtime.lock import LockHeldError, repository_lock
from calver_release.runtime.schema import SchemaError, from_json

Report = Callable[[str], None]
USAGE = "usage: python -m calver_release.backport.executor run|continue|abort ROOT OPERATION [PLAN_JSON]"


def render_updates(outcome: BackportOutcome) -> List[str]:
    """The result lines: one per release branch the run moved."""
    return [f"Updated {u.target}: {u.old[:7]} -> {u.new[:7]}" for u in outcome.updated]


def act(action: str, repo: GitRepo, plan: Optional[BackportPlan], report: Report) -> int:
    """Carry out `action`; its exit code (1 when a conflict stopped the run)."""
    if action == "abort":
        abort_backport(repo, lambda line: print(line, flush=True))
        return 0
    outcome = run_backport(repo, plan, report) if plan is not None else continue_backport(repo, report)
    for line in render_updates(outcome):
        print(line, flush=True)
    return 0 if outcome.conflict is None else 1


def execute(action: str, repo: GitRepo, operation: str, plan: Optional[BackportPlan], report: Report) -> int:
    """`act` under the repository's lock; a signal ends it with one line and exit code 128 + its number."""
    try:
        with interruptible(), repository_lock(StateStore(repo.git_dir()).root, operation) as took_over:
            try:
                if took_over:
                    report(took_over)
                return act(action, repo, plan, report)
            except Interrupted as stop:
                if action == "abort":
                    report(f"Interrupted by {stop.signal_name} while aborting; run `pants backport --abort` again to finish")
                else:
                    report(record_interrupt(repo, stop.signal_name))
                return stop.exit_code
    except Interrupted as stop:  # while the lock was taken or released
        report(
            f"Interrupted by {stop.signal_name} before the backport started or as it ended; "
            "`git log` the release branches to see which"
        )
        return stop.exit_code
    except (BackportError, GitError, LockHeldError) as e:
        report(str(e))
        return 1


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (3, 4) or args[0] not in ("run", "continue", "abort") or (len(args) == 4) != (args[0] == "run"):
        print(USAGE, file=sys.stderr)
        return 2
    plan = None
    if args[0] == "run":
        try:
            plan = from_json(BackportPlan, json.loads(args[3]))
        except (ValueError, SchemaError) as e:
            print(f"PLAN_JSON: not a backport plan ({e}); run `pants backport` instead", file=sys.stderr)
            return 2
    repo = GitRepo(Path(args[1]), stoppable=True)
    return execute(args[0], repo, args[2], plan, say)


if __name__ == "__main__":
    sys.exit(main())
