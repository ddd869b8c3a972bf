"""`pants topic-switch --to=BRANCH`: downgrade, switch, export and upgrade as one resumable operation."""

from __future__ import annotations

import dataclasses
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Mapping, Optional, Tuple

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.session import SessionValues
from pants.engine.rules import collect_rules, goal_rule, rule
from pants.option.option_types import BoolOption, DictOption, EnumOption, StrListOption, StrOption
from pants.util.docutil import bin_name
from pants.util.logging import LogLevel
from pants.util.strutil import help_text, softwrap

from calver_release.migrations.alembic_env import AlembicSettings
from calver_release.runtime.compat import typed_command
from calver_release.runtime.executor import run_executor
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import Journal, StateFileError, StateStore, load_journal, save_state
from calver_release.runtime.lock import LockHeldError, repository_lock
from calver_release.runtime.preflight import check_repository_state, check_state_directory
from calver_release.runtime.schema import to_json
from calver_release.topic_switch.plan import (
    DEFAULT_RESOLVES,
    OPERATION,
    ExportMode,
    SwitchSettings,
    TopicSwitchError,
    build_plan,
    release_advice,
)
from calver_release.topic_switch.report import JournaledSwitch, SwitchReport, render_config_report, render_text
from calver_release.topic_switch.state import describe_failed_abort, describe_stop


class OutputFormat(Enum):
    TEXT = "text"
    JSON = "json"


class TopicSwitchSubsystem(GoalSubsystem):
    name = "topic-switch"
    help = help_text(
        """
        Switch topic branches with the database, virtualenvs and configs following the code.

        `--to=BRANCH` downgrades the alembic revisions the target branch lacks (explicit targets,
        per environment), runs `git switch`, exports the resolves whose lockfiles changed, runs
        `alembic upgrade heads`, and reports sample-config keys that changed. The steps run in one
        executor process and are journaled in the git directory: after a failure, `--continue`
        resumes and `--abort` goes back.
        """
    )

    to = StrOption(
        default=None,
        mutually_exclusive_group="action",
        help="The local branch to switch to. Mutually exclusive with `--continue` and `--abort`.",
    )
    continue_ = BoolOption(
        "--continue",
        default=False,
        mutually_exclusive_group="action",
        help="Resume the interrupted switch from its failed step. Mutually exclusive with `--to` and `--abort`.",
    )
    abort = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Undo the interrupted switch, newest step first: downgrade what the target branch
            applied, switch back, upgrade the database to its original revisions. Mutually
            exclusive with `--to` and `--continue`.
            """
        ),
    )
    dry_run = BoolOption(default=False, help="Print the plan (commands, revisions, resolves, config report); change nothing.")
    output_format = EnumOption("--format", default=OutputFormat.TEXT, help="How `--dry-run` prints the plan: `text` or `json`.")
    export = EnumOption(
        default=ExportMode.CHANGED,
        help="Which resolves to export after the switch: `changed` (lockfile differs, or never exported), `all` or `none`.",
    )
    autostash = BoolOption(
        default=False,
        help="Stash uncommitted changes (`git stash push`) before switching instead of refusing; `--abort` pops them.",
    )
    backup_db = StrOption(
        default=None,
        help="Dump the database to this file before the first downgrade: `pg_dump` for PostgreSQL, a copy for SQLite.",
    )
    yes = BoolOption(default=False, help="Switch to or from a release branch (`x.y`) anyway.")
    alembic_inis = StrListOption(
        default=[],
        advanced=True,
        help="The alembic ini files, one per environment, relative to the build root; default `alembic.ini` when it exists.",
    )
    alembic_command = StrListOption(
        default=[],
        advanced=True,
        help=softwrap(
            """
            How to run alembic (argv before `-c INI`). Default: `python -m alembic` with the
            exported `python-default` virtualenv's interpreter, like Backend.AI's `./py -m alembic`.
            """
        ),
    )
    db_urls = DictOption[str](
        default={},
        advanced=True,
        help=softwrap(
            """
            `{ini: URL}`: pass `-x db=URL` to alembic for that environment (its env.py must read
            it); otherwise the ini's `sqlalchemy.url` applies.
            """
        ),
    )
    import_root = StrOption(
        default="src",
        advanced=True,
        help="Put on `PYTHONPATH` for alembic and used to resolve `package:dir` script locations.",
    )
    resolves = StrListOption(
        default=list(DEFAULT_RESOLVES),
        advanced=True,
        help="Resolves to keep exported; those `pants.toml` does not define on the target branch are ignored.",
    )
    config_globs = StrListOption(
        default=["configs/**"],
        advanced=True,
        help="Sample configs (TOML, JSON/etcd, YAML) whose keys the configuration report compares.",
    )
    pants_command = StrListOption(
        default=[],
        advanced=True,
        help="How to start the nested Pants that exports (run without pantsd); default: the running Pants.",
    )


class TopicSwitchGoal(Goal):
    subsystem_cls = TopicSwitchSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def settings_from(subsystem: TopicSwitchSubsystem, repo: GitRepo) -> SwitchSettings:
    return SwitchSettings(
        repo=repo,
        target=subsystem.to or "",
        inis=tuple(subsystem.alembic_inis),
        alembic_command=tuple(subsystem.alembic_command),
        db_urls=dict(subsystem.db_urls),
        source_root=subsystem.import_root,
        resolves=tuple(subsystem.resolves),
        export=subsystem.export,
        config_globs=tuple(subsystem.config_globs),
        pants_command=tuple(subsystem.pants_command) or running_pants(),
        autostash=subsystem.autostash,
        backup_db=subsystem.backup_db,
        allow_release=subsystem.yes,
        dry_run=subsystem.dry_run,
    )


def running_pants() -> Tuple[str, ...]:
    """The `pants` script beside the interpreter running Pants (the launcher's venv), else `pants`."""
    script = Path(sys.executable).with_name("pants")
    return (str(script),) if script.is_file() else ("pants",)


def option_error(subsystem: TopicSwitchSubsystem) -> Optional[str]:
    """The error for options that would be ignored silently, or None: they refuse the run instead."""
    if subsystem.backup_db is not None and not subsystem.backup_db.strip():
        return "`--backup-db`: names no file (got ``); name the file to back the database up to, or drop `--backup-db`"
    if subsystem.output_format is OutputFormat.JSON and not subsystem.dry_run:
        return (
            "`--format=json`: only a `--dry-run` plan is printed as JSON (got no `--dry-run`); add `--dry-run`, "
            "or drop `--format`"
        )
    if not (subsystem.continue_ or subsystem.abort):
        return None
    action = "--continue" if subsystem.continue_ else "--abort"
    given = {
        "--dry-run": "true" if subsystem.dry_run else "",
        "--backup-db": subsystem.backup_db or "",
        "--autostash": "true" if subsystem.autostash else "",
        "--yes": "true" if subsystem.yes else "",
        "--export": "" if subsystem.export is ExportMode.CHANGED else subsystem.export.value,
    }
    for flag, value in given.items():
        if value:
            return f"`{flag}`: not used with `{action}`, which resumes the journaled plan (got `{value}`); drop it"
    return None


def recovery() -> str:
    """What to do about a damaged journal: it cannot be resumed or undone, so check by hand, then delete it."""
    return (
        "check the branch (`git status`) and each database (`alembic current`), then delete the file and "
        f"start again with `{bin_name()} topic-switch --to=BRANCH`"
    )


def print_summary(console: Console, report: SwitchReport) -> None:
    console.print_stdout(f"Switched `{report.from_branch}` -> `{report.to_branch}`")
    for ini, env in report.environments.items():
        console.print_stdout(
            f"{ini}: undid {len(env.downgrade)}, applied {len(env.upgrade)}; at {', '.join(env.heads_after) or 'base'}"
        )
    if report.export:
        console.print_stdout(f"exported: {', '.join(report.export)}")
    for line in render_config_report(report):
        console.print_stdout(line)
    if report.stashed:
        console.print_stdout(f"your changes on `{report.from_branch}` are stashed: `git stash pop` restores them there")


def next_commands(report: SwitchReport) -> str:
    """What to run after the switch stopped, for the executor's line."""
    return (
        f"run `{bin_name()} topic-switch --continue` to finish the switch, or `{bin_name()} topic-switch --abort` "
        f"to go back to `{report.from_branch}`"
    )


async def resume(console: Console, run: bool, path: Path, journal: Journal, env: Mapping[str, str]) -> int:
    """Run (or abort) the journal in the executor, then report the outcome read back; the executor's exit code.

    After an interruption (Pants cancelled the executor: -1) nothing more runs: the executor said where it stopped.
    """
    interruption = journal.interruption()
    if interruption:
        console.print_stderr(f"The last run stopped: {interruption}; {'resuming' if run else 'undoing it'}")
    code = await run_executor("run" if run else "abort", path, env)
    report: SwitchReport = journal.plan.report
    if code == 0 and run:
        print_summary(console, report)
        return 0
    if code == 0:
        console.print_stdout(f"Aborted: back on `{report.from_branch}` with the database at its original revisions")
        return 0
    try:
        left = load_journal(path, JournaledSwitch, recovery()) or journal
    except StateFileError as e:
        console.print_stderr(str(e))
        return code
    if code < 0 or left.interruption():
        return code
    describe = describe_stop if run else describe_failed_abort
    console.print_stderr(describe(left, env, bin_name()))
    return code


async def switch(
    console: Console, subsystem: TopicSwitchSubsystem, repo: GitRepo, path: Path, env: CompleteEnvironmentVars
) -> int:
    """Start, resume or abort a switch (under the repository's lock unless `--dry-run`); the exit code."""
    try:
        journal = load_journal(path, JournaledSwitch, recovery())
        check_repository_state(repo)
    except (GitError, StateFileError) as e:
        console.print_stderr(str(e))
        return 1
    if subsystem.continue_ or subsystem.abort:
        flag = "--continue" if subsystem.continue_ else "--abort"
        if journal is None:
            console.print_stderr(
                f"`{flag}`: no topic switch in progress (got no `{path}`); start one with "
                f"`{bin_name()} topic-switch --to=BRANCH`"
            )
            return 1
        return await resume(console, subsystem.continue_, path, journal, env)
    if journal is not None and not subsystem.dry_run:
        running: SwitchReport = journal.plan.report
        stopped = f"; its {journal.interruption()}" if journal.interruption() else ""
        console.print_stderr(
            f"`--to`: a switch `{running.from_branch}` -> `{running.to_branch}` is in progress (got `{path}`{stopped}); "
            f"run `{bin_name()} topic-switch --continue` or `--abort` first"
        )
        return 1
    settings = settings_from(subsystem, repo)
    try:
        plan = build_plan(settings, env)
    except TopicSwitchError as e:
        console.print_stderr(str(e))
        return 1
    advice = release_advice(plan.branch, plan.target)
    if advice:
        console.print_stderr(advice)
    if subsystem.dry_run:
        if subsystem.output_format is OutputFormat.JSON:
            console.print_stdout(json.dumps(to_json(plan.report()), indent=2, sort_keys=True))
        else:
            console.print_stdout("\n".join(render_text(plan.report())))
        return 0
    journal = dataclasses.replace(plan.journal(settings), next_commands=next_commands(plan.report()))
    save_state(path, journal)
    return await resume(console, True, path, journal, env)


@goal_rule
async def topic_switch(
    console: Console,
    subsystem: TopicSwitchSubsystem,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
    session: SessionValues,
) -> TopicSwitchGoal:
    error = option_error(subsystem)
    if error is not None:
        console.print_stderr(error)
        return TopicSwitchGoal(exit_code=1)
    repo = GitRepo(Path(build_root.path), dict(env))
    try:
        path = StateStore(repo.git_dir()).file(OPERATION)
        if not subsystem.dry_run:
            check_state_directory(path.parent)
    except GitError as e:
        console.print_stderr(str(e))
        return TopicSwitchGoal(exit_code=1)
    if subsystem.dry_run:
        return TopicSwitchGoal(exit_code=await switch(console, subsystem, repo, path, env))
    try:
        with repository_lock(path.parent, typed_command(session)) as note:
            if note:
                console.print_stderr(note)
            return TopicSwitchGoal(exit_code=await switch(console, subsystem, repo, path, env))
    except LockHeldError as e:
        console.print_stderr(str(e))
        return TopicSwitchGoal(exit_code=1)


@rule(desc="Read the alembic environments from `[topic-switch]`", level=LogLevel.DEBUG)
async def alembic_settings(subsystem: TopicSwitchSubsystem) -> AlembicSettings:
    return AlembicSettings(tuple(subsystem.alembic_inis), subsystem.import_root)


def rules():
    return collect_rules()
