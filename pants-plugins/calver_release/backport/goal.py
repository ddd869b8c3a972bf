"""`pants backport`: cherry-pick fixes of the main branch onto release branches, with trailers.

A thin layer over `calver_release.backport.engine`: the goal reads and plans; what writes (picking,
`--continue`, `--abort`) runs in `calver_release.backport.executor`, started as an `InteractiveProcess`
so that Pants stops it when the run is cancelled (Ctrl-C, or SIGTERM to `pants`), and
holding the repository's lock. A second such run is refused before it plans.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from enum import Enum
from pathlib import Path
from typing import List, Mapping, Optional, Tuple

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.session import SessionValues
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import BoolOption, DictOption, EnumOption, IntOption, StrListOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap

from calver_release.backport import executor
from calver_release.backport.engine import (
    BackportError,
    BackportPlan,
    BackportRequest,
    check_resumable,
    describe_plan,
    migration_warnings,
    plan_backport,
)
from calver_release.backport.listing import describe_listing, list_backports
from calver_release.backport.missing import check_waivers, describe_gate, find_missing, gate_json
from calver_release.backport.targets import (
    decide_commits,
    restrict_plan,
    union_of_targets,
    unmaintained_error,
)
from calver_release.release.maintained import TODAY_VARIABLE, Registry, RegistryError, load_registry, today_from
from calver_release.release.subsystem import ReleaseVersionSubsystem
from calver_release.runtime.compat import typed_command
from calver_release.runtime.executor import run_module
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import StateStore
from calver_release.runtime.lock import LockHeldError, check_unlocked
from calver_release.runtime.preflight import check_full_history, check_state_directory
from calver_release.runtime.refs import check_user_ref
from calver_release.runtime.schema import to_json

DEFAULT_MIGRATION_DIRS = ["src/ai/backend/manager/models/alembic/versions"]


class BackportFormat(Enum):
    TEXT = "text"
    JSON = "json"


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
        Ctrl-C stops a run at once, saying which branches were updated and which not; then
        `--continue` or `--abort` too. One such run at a time holds the repository's lock.
        Without `--to`, each commit goes to the lines its message chooses: a `Backport: X.Y, ...`
        trailer, or every maintained line for a `fix:` subject (the registry is
        `[release-version].maintained_versions_file`). `{bin_name()} backport --missing` lists
        the commits each maintained line still lacks, for CI.
        The main branch and the registry come from `[release-version]`.
        """
    )

    to = StrListOption(
        help=softwrap(
            """
            A release branch to backport to, named either way (`24.09` zero-padded, `26.8`
            unpadded). Repeat for several branches; they are updated in the order given.
            Without it, each commit's message chooses its targets among the maintained lines.
            With `--missing`, the registered lines to check.
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
            Validate, then print the targets each commit's message chose (without `--to`) and what
            would be picked or skipped where, and write nothing. Mutually exclusive with `--list`,
            `--missing`, `--continue` and `--abort`.
            """
        ),
    )
    list_backports = BoolOption(
        "--list",
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            For each `--to` branch, print its backports since the branch point, each with the
            commit of the main branch it brought and the rule that found it (as `--missing` finds
            them), or its backport trailers, then the `fix:` commits of the main branch since the
            branch point that have not arrived there. Mutually exclusive with `--dry-run`,
            `--missing`, `--continue` and `--abort`.
            """
        ),
    )
    missing = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            The gate CI runs before tagging: for every maintained line (or each `--to`), list the
            commits of the main branch since the line's branch point that their messages send
            there and that have not arrived (no commit there names them, carries their
            pull-request number `(#N)`, has their subject once pull-request numbers and backport
            markers are removed, or their patch id), with the rule that requires each. Exit code
            1 when any is missing. Mutually exclusive with `--dry-run`, `--list`, `--continue`
            and `--abort`.
            """
        ),
    )
    output_format = EnumOption(
        "--format",
        default=BackportFormat.TEXT,
        help=softwrap(
            """
            How `--missing` prints its report: `text`, or `json`, which also lists the commits
            that arrived and the rule that found each.
            """
        ),
    )
    waived = DictOption[str](
        default={},
        help=softwrap(
            """
            Commits whose backport was abandoned, each with the reason, which `--missing` lists
            as waived instead of missing: in `pants.toml`, a `[backport.waived]` table of
            `"<commit id>" = "<reason>"` lines (7 to 40 hex digits).
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
            its worktree, or one stopped by Ctrl-C. Mutually exclusive with `--dry-run`, `--list`,
            `--missing` and `--abort`.
            """
        ),
    )
    abort = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Give up a stopped backport: remove its worktree and put back every release branch it
            had already updated. Mutually exclusive with `--dry-run`, `--list`, `--missing` and
            `--continue`.
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
        "--format": "" if subsystem.output_format is BackportFormat.TEXT else subsystem.output_format.value,
    }
    if subsystem.resume or subsystem.abort:
        action, allowed = ("--continue" if subsystem.resume else "--abort"), ()
    elif subsystem.list_backports:
        action, allowed = "--list", ("--to",)
    elif subsystem.missing:
        action, allowed = "--missing", ("--to", "--format")
    else:
        action = "--dry-run" if subsystem.dry_run else "--commit"
        allowed = ("--to", "--commit", "--mainline", "--yes")
    for flag, value in given.items():
        if value and flag not in allowed:
            return f"`{flag}`: not used with `{action}` (got `{value}`); drop it"
    return None


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


def today(env: Mapping[str, str]) -> date:
    """Today's date, or `CALVER_RELEASE_TODAY` when set (to reproduce a decision)."""
    return today_from(env.get(TODAY_VARIABLE), date.today())


def registry_of(repo: GitRepo, release: ReleaseVersionSubsystem) -> Registry:
    """The registry of maintained lines, strictly checked (its file must exist)."""
    return load_registry(repo.root, release.maintained_versions_file, release.scheme, repo.local_branches())


def plan_by_rule(
    repo: GitRepo, request: BackportRequest, release: ReleaseVersionSubsystem, env: Mapping[str, str]
) -> Tuple[List[str], Optional[BackportPlan]]:
    """Without `--to`: the lines saying which targets each commit's message chose, and the plan (None: nothing to do)."""
    if not request.commits:
        return [], plan_backport(repo, request)
    if not (repo.root / release.maintained_versions_file).exists():
        raise BackportError(
            f"`--to`: no release branch given, and no `{release.maintained_versions_file}` to decide them from "
            "(got none); pass `--to=X.Y`, or register the maintained lines"
        )
    registry = registry_of(repo, release)
    day = today(env)
    decisions = decide_commits(repo, request.commits, registry, day, request.source_branch)
    for decision in decisions:
        if decision.targets.unmaintained:
            raise BackportError(unmaintained_error(decision, registry, day))
    lines = [decision.describe() for decision in decisions]
    targets = tuple(registry.branch(version) for version in union_of_targets(decisions, registry, day))
    if not targets:
        return [*lines, "Nothing to backport."], None
    plan = plan_backport(repo, replace(request, targets=targets))
    return lines, restrict_plan(plan, {d.commit: [registry.branch(v) for v in d.targets.versions] for d in decisions})


def plan_lines(
    repo: GitRepo, request: BackportRequest, release: ReleaseVersionSubsystem, env: Mapping[str, str]
) -> Tuple[List[str], Optional[BackportPlan]]:
    """The decided targets (without `--to`) and the plan, or the `--to` plan alone."""
    if request.targets:
        return [], plan_backport(repo, request)
    return plan_by_rule(repo, request, release, env)


def dry_run_lines(repo: GitRepo, request: BackportRequest, release: ReleaseVersionSubsystem, env: Mapping[str, str]) -> List[str]:
    """The `--dry-run` report: decided targets, warnings, then what would be picked or skipped where."""
    lines, plan = plan_lines(repo, request, release, env)
    if plan is None:
        return lines
    return [*lines, *describe_plan(plan), *migration_warnings(repo, plan, request.migration_dirs)]


def plan_to_run(
    console: Console, repo: GitRepo, request: BackportRequest, release: ReleaseVersionSubsystem, env: Mapping[str, str]
) -> Optional[BackportPlan]:
    """Validate, say which targets were chosen and warn about migrations; the plan to pick (None: nothing to do)."""
    lines, plan = plan_lines(repo, request, release, env)
    for line in lines:
        console.print_stderr(line)
    if plan is not None:
        for warning in migration_warnings(repo, plan, request.migration_dirs):
            console.print_stderr(warning)
    return plan


def missing_report(
    console: Console, subsystem: BackportSubsystem, release: ReleaseVersionSubsystem, repo: GitRepo, env: Mapping[str, str]
) -> Tuple[List[str], int]:
    """The `--missing` gate: its report and exit code 1 when a line lacks a commit."""
    registry = registry_of(repo, release)
    waivers = check_waivers(repo, subsystem.waived)
    day = today(env)
    versions: List[str] = []
    for version in subsystem.to:
        line = registry.get(version)
        if line is None:
            registered = ", ".join(f"`{entry.version}`" for entry in registry.newest_first()) or "none"
            raise BackportError(
                f"`--to`: not a line of `{registry.path}` (got `{version}`); pass a registered line: {registered}"
            )
        if line.version not in versions:
            versions.append(line.version)
    if not versions:
        versions = [line.version for line in registry.maintained(day)]
        for line in registry.newest_first():
            if line.version not in versions:
                console.print_stderr(f"not checked: {line.version} is {registry.describe(line, day)}")
    if not versions:
        console.print_stderr(f"not checked: no line of `{registry.path}` is maintained")
    gate = find_missing(repo, registry, versions, release.main_branch, waivers, day)
    for problem in gate.problems:
        console.print_stderr(problem)
    if subsystem.output_format is BackportFormat.JSON:
        lines = [json.dumps(gate_json(gate, release.main_branch), indent=2, sort_keys=True)]
    else:
        lines = describe_gate(gate)
    return lines, 1 if gate.failed else 0


def check_repository(subsystem: BackportSubsystem, repo: GitRepo) -> None:
    """Refuse what would make the action do something else than asked: RepositoryStateError or RefError.

    Reading branch points needs the whole history (not a shallow clone); a `--commit` must name one
    commit (not a blob, not a name both a tag and a branch carry); a run that picks or resumes keeps
    its state in the git directory, which must be writable.
    """
    if not (subsystem.resume or subsystem.abort):
        check_full_history(repo)
    for commit in subsystem.commit:
        check_user_ref(repo, "--commit", commit)
    if not is_read_only(subsystem):
        check_state_directory(StateStore(repo.git_dir()).root)


def report(
    console: Console, subsystem: BackportSubsystem, release: ReleaseVersionSubsystem, repo: GitRepo, env: Mapping[str, str]
) -> Tuple[List[str], int]:
    """Carry out a read-only action (`--list`, `--missing`, `--dry-run`): its stdout lines and exit code."""
    if subsystem.list_backports:
        return listing_lines(repo, subsystem, release.main_branch), 0
    if subsystem.missing:
        return missing_report(console, subsystem, release, repo, env)
    return dry_run_lines(repo, backport_request(subsystem, release), release, env), 0


def executor_args(
    console: Console,
    subsystem: BackportSubsystem,
    release: ReleaseVersionSubsystem,
    repo: GitRepo,
    env: Mapping[str, str],
    operation: str,
) -> Optional[Tuple[str, ...]]:
    """Refuse a run another operation's lock or a bad request would stop; the executor's arguments (None: nothing to do)."""
    check_unlocked(StateStore(repo.git_dir()).root, operation)
    common = (str(repo.root), operation)
    if subsystem.resume or subsystem.abort:
        action = "--continue" if subsystem.resume else "--abort"
        check_resumable(repo, action)
        return (action[2:], *common)
    plan = plan_to_run(console, repo, backport_request(subsystem, release), release, env)
    return None if plan is None else ("run", *common, json.dumps(to_json(plan)))


def is_read_only(subsystem: BackportSubsystem) -> bool:
    return subsystem.dry_run or subsystem.list_backports or subsystem.missing


@goal_rule
async def backport(
    console: Console,
    subsystem: BackportSubsystem,
    release: ReleaseVersionSubsystem,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
    session_values: SessionValues,
) -> BackportGoal:
    error = unused_options(subsystem)
    if error is not None:
        console.print_stderr(error)
        return BackportGoal(exit_code=1)
    repo = GitRepo(Path(build_root.path), dict(env))
    lines: List[str] = []
    exit_code, args = 0, None
    try:
        check_repository(subsystem, repo)
        if is_read_only(subsystem):
            lines, exit_code = report(console, subsystem, release, repo, env)
        else:
            args = executor_args(console, subsystem, release, repo, env, typed_command(session_values))
    except (BackportError, GitError, RegistryError, LockHeldError) as e:
        console.print_stderr(str(e))
        return BackportGoal(exit_code=1)
    for line in lines:
        console.print_stdout(line)
    if args is not None:
        # Imported, not only named, so the plugin's wheel ships the module.
        exit_code = await run_module(executor.__name__, *args, env=env)
    return BackportGoal(exit_code=exit_code)


def rules():
    return collect_rules()
