"""`pants backport`: cherry-pick fixes of the main branch onto release branches, with trailers.

A thin layer over `calver_release.backport.engine`. Every write the engine makes is inside the git
directory (refs, and the worktree at `.git/calver-release/backport/worktree`), which Pants' file watcher
ignores, so the goal calls it directly: Pants never restarts the goal halfway.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import BoolOption, IntOption, StrListOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap

from calver_release.backport.engine import (
    BackportError,
    BackportOutcome,
    BackportRequest,
    abort_backport,
    continue_backport,
    describe_listing,
    describe_plan,
    list_backports,
    migration_warnings,
    plan_backport,
    run_backport,
)
from calver_release.release.subsystem import ReleaseVersionSubsystem
from calver_release.runtime.git import GitError, GitRepo

DEFAULT_MIGRATION_DIRS = ["src/ai/backend/manager/models/alembic/versions"]


class BackportSubsystem(GoalSubsystem):
    name = "backport"
    help = help_text(
        f"""
        Cherry-pick commits of the main branch onto release branches, adding the trailers
        `Backported-From: <main branch>` and `Backported-To: <release branch>`.

        `{bin_name()} backport --to=24.03 --to=24.09 --commit=SHA` picks the commits in order
        onto each release branch in a temporary worktree inside the git directory, and moves a
        branch only once its whole series applied. A conflict stops the run, listing the
        conflicting files and the worktree to resolve them in; then `--continue` or `--abort`.
        The release branch scheme and the main branch come from `[release-version]`.
        """
    )

    to = StrListOption(
        help=softwrap(
            """
            A release branch to backport to, named in the repository's scheme (`24.09` zero-padded,
            `26.8` unpadded). Repeat for several branches; they are updated in the order given.
            """
        ),
    )
    commit = StrListOption(
        help=softwrap(
            """
            A commit of the main branch to backport (any revision git understands). Repeat for
            several commits; they are picked in the order given. A commit already on a release
            branch, or whose change is already there, is skipped with a note.
            """
        ),
    )
    mainline = IntOption(
        default=None,
        help=softwrap(
            """
            For merge commits: the parent number (1 or more) to take the change against, as
            `git cherry-pick -m` does. A merge commit without it is refused.
            """
        ),
    )
    yes = BoolOption(
        default=False,
        help="Backport commits that are not on the main branch too, with a warning, instead of refusing.",
    )
    dry_run = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Validate, then print what would be picked or skipped where, and write nothing.
            Mutually exclusive with `--list`, `--continue` and `--abort`.
            """
        ),
    )
    list_backports = BoolOption(
        "--list",
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            For each `--to` branch, print its commits that carry backport trailers (in any
            capitalisation), then the `fix:` commits of the main branch since the branch point
            that have no backport there. Mutually exclusive with `--dry-run`, `--continue` and
            `--abort`.
            """
        ),
    )
    resume = BoolOption(
        "--continue",
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Resume a backport stopped by a conflict, after resolving and `git add`ing the files in
            its worktree. Mutually exclusive with `--dry-run`, `--list` and `--abort`.
            """
        ),
    )
    abort = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Give up a stopped backport: remove its worktree and put back every release branch it
            had already updated. Mutually exclusive with `--dry-run`, `--list` and `--continue`.
            """
        ),
    )
    migration_dirs = StrListOption(
        default=DEFAULT_MIGRATION_DIRS,
        advanced=True,
        help=softwrap(
            """
            Alembic versions directories, relative to the repository root. A backported commit
            that changes a file under one of them gets a warning to check the release branch's
            alembic heads.
            """
        ),
    )


class BackportGoal(Goal):
    subsystem_cls = BackportSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def unused_options(subsystem: BackportSubsystem) -> Optional[str]:
    """The error for options the chosen action does not take, or None."""
    given = {
        "--to": ", ".join(subsystem.to),
        "--commit": ", ".join(subsystem.commit),
        "--mainline": "" if subsystem.mainline is None else str(subsystem.mainline),
        "--yes": "true" if subsystem.yes else "",
    }
    if subsystem.resume or subsystem.abort:
        action, allowed = ("--continue" if subsystem.resume else "--abort"), ()
    elif subsystem.list_backports:
        action, allowed = "--list", ("--to",)
    else:
        return None
    for flag, value in given.items():
        if value and flag not in allowed:
            return f"`{flag}`: not used with `{action}` (got `{value}`); drop it"
    return None


def render_updates(outcome: BackportOutcome) -> List[str]:
    """The result lines: one per release branch the run moved."""
    return [f"Updated {u.target}: {u.old[:7]} -> {u.new[:7]}" for u in outcome.updated]


def backport_request(subsystem: BackportSubsystem, release: ReleaseVersionSubsystem) -> BackportRequest:
    return BackportRequest(
        targets=tuple(subsystem.to),
        commits=tuple(subsystem.commit),
        pad_minor=release.pad_minor,
        mainline=subsystem.mainline,
        source_branch=release.main_branch,
        migration_dirs=tuple(subsystem.migration_dirs),
        allow_unreachable=subsystem.yes,
    )


def listing_lines(repo: GitRepo, subsystem: BackportSubsystem, source_branch: str) -> List[str]:
    """The `--list` report of every `--to` branch."""
    if not subsystem.to:
        raise BackportError("`--list`: no release branch given (got none); pass `--to=X.Y`")
    return [
        line
        for target in dict.fromkeys(subsystem.to)
        for line in describe_listing(list_backports(repo, target, source_branch))
    ]


def dry_run_lines(repo: GitRepo, request: BackportRequest) -> List[str]:
    """The `--dry-run` report: warnings, then what would be picked or skipped where."""
    plan = plan_backport(repo, request)
    return [*describe_plan(plan), *migration_warnings(repo, plan, request.migration_dirs)]


def run(console: Console, repo: GitRepo, request: BackportRequest) -> BackportOutcome:
    """Validate, warn about migrations, then pick; progress goes to stderr."""
    plan = plan_backport(repo, request)
    for warning in migration_warnings(repo, plan, request.migration_dirs):
        console.print_stderr(warning)
    return run_backport(repo, plan, console.print_stderr)


def perform(
    console: Console, subsystem: BackportSubsystem, release: ReleaseVersionSubsystem, repo: GitRepo
) -> Tuple[List[str], int]:
    """Carry out the chosen action: its stdout lines and exit code."""
    if subsystem.abort:
        abort_backport(repo, console.print_stdout)
        return [], 0
    if subsystem.list_backports:
        return listing_lines(repo, subsystem, release.main_branch), 0
    request = backport_request(subsystem, release)
    if subsystem.dry_run:
        return dry_run_lines(repo, request), 0
    if subsystem.resume:
        outcome = continue_backport(repo, console.print_stderr)
    else:
        outcome = run(console, repo, request)
    return render_updates(outcome), 0 if outcome.conflict is None else 1


@goal_rule
async def backport(
    console: Console,
    subsystem: BackportSubsystem,
    release: ReleaseVersionSubsystem,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
) -> BackportGoal:
    error = unused_options(subsystem)
    if error is not None:
        console.print_stderr(error)
        return BackportGoal(exit_code=1)
    try:
        lines, exit_code = perform(console, subsystem, release, GitRepo(Path(build_root.path), dict(env)))
    except (BackportError, GitError) as e:
        console.print_stderr(str(e))
        return BackportGoal(exit_code=1)
    for line in lines:
        console.print_stdout(line)
    return BackportGoal(exit_code=exit_code)


def rules():
    return collect_rules()
