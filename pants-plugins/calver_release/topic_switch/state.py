"""Where a stopped topic switch really is: read back from the checkout, the databases and the journal.

After a failed step the plan says only what should have happened. What is printed instead is read
again: the checked-out branch from git, each database's revisions from `alembic current` run with
the code now checked out and the journal's alembic command, and the step statuses from the journal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional, Tuple

from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import Journal, Status, Step
from calver_release.topic_switch.plan import DatabaseStateUnknown, UnknownDatabaseRevision, alembic_current
from calver_release.topic_switch.report import JournaledSwitch


def observed_branch(repo: GitRepo) -> str:
    """The checkout as a phrase: `on `topic-b``, `at a detached HEAD (abc123456789)`, or why it is unknown."""
    try:
        branch = repo.current_branch()
        return f"on `{branch}`" if branch else f"at a detached HEAD ({(repo.rev_parse('HEAD') or 'no commit')[:12]})"
    except GitError as e:
        return f"unknown ({e})"


def observed_database(build_root: Path, ini: str, alembic: Tuple[str, ...], env: Mapping[str, str]) -> str:
    """`alembic.ini at b1` as `alembic current` reports it now, or why it could not say."""
    try:
        revisions = alembic_current(build_root, alembic, env, ini)
    except UnknownDatabaseRevision as e:
        return f"{ini} at {e.revision} (a revision the checked-out code does not have)"
    except DatabaseStateUnknown as e:
        return f"{ini} unknown (`alembic current`: {e.reason})"
    return f"{ini} at {', '.join(revisions) or 'base'}"


def observed_state(journal: Journal, env: Mapping[str, str]) -> str:
    """The checkout and every database, read now: "the checkout is on `topic-b`; alembic.ini at b1"."""
    root = Path(journal.build_root)
    plan: JournaledSwitch = journal.plan
    databases = [
        observed_database(root, ini, command.argv, {**env, **command.env}) for ini, command in plan.alembic.items()
    ]
    return "; ".join([f"the checkout is {observed_branch(GitRepo(root, env))}", *databases])


def _steps(journal: Journal, status: Status) -> str:
    return ", ".join(f"`{step.name}`" for step in journal.steps if step.status is status) or "none"


def describe_stop(journal: Journal, env: Mapping[str, str], pants: str) -> str:
    """One line after `run` stopped: the step, its reason, what is done, the real state, and how to go on."""
    stopped: Optional[Step] = journal.stopped()
    origin = journal.plan.report.from_branch
    what = (
        f"step `{stopped.name}` ({stopped.description}) {stopped.status.value} ({stopped.error or 'interrupted'})"
        if stopped
        else "the executor stopped before any step"
    )
    return (
        f"topic-switch: {what}; done: {_steps(journal, Status.DONE)}; {observed_state(journal, env)}; fix the cause "
        f"and run `{pants} topic-switch --continue`, or `{pants} topic-switch --abort` to go back to `{origin}`"
    )


def describe_failed_abort(journal: Journal, env: Mapping[str, str], pants: str) -> str:
    """One line after `abort` stopped: the step it could not undo, what is still to undo, the real state."""
    undoing = next((s for s in reversed(journal.steps) if s.status is not Status.PENDING), None)
    what = f"undoing step `{undoing.name}` failed ({undoing.error or 'interrupted'})" if undoing else "`--abort` stopped"
    left = ", ".join(f"`{s.name}`" for s in journal.steps if s.status is not Status.PENDING) or "none"
    return (
        f"topic-switch: {what}; still to undo: {left}; {observed_state(journal, env)}; fix the cause and run "
        f"`{pants} topic-switch --abort` again"
    )
