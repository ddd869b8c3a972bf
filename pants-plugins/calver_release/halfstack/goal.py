"""`pants halfstack-upgrade`: move the development halfstack to another release's compose file, keeping ports and data.

The goal checks everything it can first (files, services, port mappings, backups in the way), then
journals the steps of `calver_release.halfstack.plan` in the git directory and runs them in ONE
foreground executor process (`calver_release.runtime.journal`), started as an engine-visible side effect:
the steps move directories and rewrite files under the build root, which would otherwise make
Pants restart the goal halfway. A failed step stops the run; `--continue` resumes it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sys
from pathlib import Path
from typing import Dict, Mapping, Optional

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.internals.session import SessionValues
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import BoolOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap

from calver_release.halfstack.compose import ComposeError, HalfstackServices, rewrite_compose
from calver_release.halfstack.plan import (
    OPERATION,
    HalfstackError,
    HalfstackReport,
    HalfstackSettings,
    check_workspace,
    final_message,
    headline,
    parse_exec_prefix,
    plan_upgrade,
    project_name,
    read_compose_files,
    render_plan,
    target_compose_file,
)
from calver_release.halfstack.subsystem import HalfstackSubsystem
from calver_release.runtime.compat import typed_command
from calver_release.runtime.executor import run_executor
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import Journal, StateFileError, StateStore, Status, load_journal, save_state
from calver_release.runtime.lock import LockHeldError, repository_lock
from calver_release.runtime.paths import PathError, check_own_path, write_target
from calver_release.runtime.preflight import check_state_directory
from calver_release.runtime.shell import shell_command

PASSED_ENV = (
    "PATH",
    "HOME",
    "USER",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DOCKER_HOST",
    "DOCKER_CONTEXT",
    "DOCKER_CONFIG",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
    "DATADIR_PREFIX",
)
"""The user's variables the steps see (with every `GIT_*` one): docker's own, and `DATADIR_PREFIX`, which
Backend.AI's compose files use."""


def passed_env(env: Mapping[str, str]) -> Dict[str, str]:
    """The caller's `PASSED_ENV` and `GIT_*` variables: what git and the steps run with."""
    return {key: value for key, value in env.items() if key in PASSED_ENV or key.startswith("GIT_")}


def recovery(staging: str) -> str:
    """What to do about a damaged journal: it cannot be resumed, so check the halfstack by hand, then delete it."""
    return (
        "check the halfstack (`docker compose ps`, the data directory, the backups the plan named), then delete "
        f"the file and `{staging}`"
    )


class HalfstackUpgradeSubsystem(GoalSubsystem):
    name = "halfstack-upgrade"
    help = help_text(
        f"""
        Upgrade the development halfstack to another release's compose file, keeping your host
        ports and your database.

        `{bin_name()} halfstack-upgrade --target=2409 --yes` dumps and verifies the database,
        runs `docker compose down`, moves the PostgreSQL data directory aside, overwrites the
        current compose file with `docker-compose.halfstack-2409.yml` keeping the db, redis and
        etcd host ports, runs `up -d` and restores the dump. With the same PostgreSQL major in
        both files only the compose steps run. Each step is journaled in the git directory;
        after a failure, fix the cause and run `--continue`. Names come from `[halfstack]`.
        """
    )

    target = StrOption(
        default=None,
        mutually_exclusive_group="target",
        help="The release to upgrade to, as `YYMM`: its compose file is `docker-compose.halfstack-<target>.yml`.",
    )
    compose_file = StrOption(
        default=None,
        mutually_exclusive_group="target",
        help="The target compose file, relative to the build root, instead of `--target`.",
    )
    yes = BoolOption(
        default=False,
        help=softwrap(
            """
            Confirm that step 1, terminating all compute sessions and stopping the Backend.AI
            services, is done. Without it the goal prints what to do and exits with code 1.
            """
        ),
    )
    dry_run = BoolOption(
        default=False,
        help="Print every step with its commands and the compose file's diff; change nothing.",
    )
    resume = BoolOption(
        "--continue",
        default=False,
        help=(
            "Resume the journaled upgrade from its first unfinished step, e.g. after fixing a failed or interrupted "
            "one; the journal holds the target and compose file, so `--target` and `--compose-file` are refused with it."
        ),
    )


class HalfstackUpgradeGoal(Goal):
    subsystem_cls = HalfstackUpgradeSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def target_file(goal: HalfstackUpgradeSubsystem) -> str:
    """The target compose file from `--compose-file` or `--target`."""
    if goal.compose_file:
        return goal.compose_file
    if not goal.target:
        raise HalfstackError(
            "`--target`: no target release given (got none); pass `--target=YYMM` or `--compose-file=PATH`"
        )
    return target_compose_file(goal.target)


def settings_from(goal: HalfstackUpgradeSubsystem, halfstack: HalfstackSubsystem, build_root: Path) -> HalfstackSettings:
    return HalfstackSettings(
        project=halfstack.project or project_name(build_root.name),
        current_file=halfstack.current_file,
        target_file=target_file(goal),
        services=HalfstackServices(halfstack.db_service, (halfstack.redis_service, halfstack.etcd_service)),
        db_user=halfstack.db_user,
        db_name=halfstack.db_name,
        data_dir=halfstack.data_dir,
        backup_file=halfstack.backup_file,
        exec_prefix=parse_exec_prefix(halfstack.exec_prefix),
        python=(sys.executable,),
    )


def relative_to(path: Path, build_root: Path) -> str:
    """`path` relative to the build root when inside it (shorter commands), else absolute."""
    return os.path.relpath(path, build_root) if path.is_relative_to(build_root) else str(path)


async def execute(console: Console, journal_file: Path, report: HalfstackReport, env: Mapping[str, str]) -> int:
    """Run the journal's executor in the foreground; print where the backups are, or which step failed.

    After an interruption (Pants cancelled the executor: -1) nothing more runs: the executor said where it stopped.
    """
    exit_code = await run_executor("run", journal_file, env)
    if exit_code == 0:
        console.print_stdout(final_message(report))
        return 0
    journal = load_journal(journal_file)
    if exit_code < 0 or (journal and journal.interruption()):
        return exit_code
    steps = journal.steps if journal else ()
    failed = next((i for i, step in enumerate(steps) if step.status is not Status.DONE), 0)
    reason = steps[failed].error if steps and steps[failed].error else f"exit code {exit_code}"
    console.print_stderr(
        f"`{report.steps[failed].title}`: step {failed + 1} failed (got {reason}); "
        f"nothing after it ran: fix the cause, then run `{bin_name()} halfstack-upgrade --continue`"
    )
    return 1


async def start(
    console: Console,
    goal: HalfstackUpgradeSubsystem,
    halfstack: HalfstackSubsystem,
    root: Path,
    journal_file: Path,
    env: Mapping[str, str],
) -> int:
    """Plan, check, and (unless `--dry-run`) journal and run a new upgrade; the exit code."""
    staging = journal_file.parent / OPERATION
    try:
        settings = settings_from(goal, halfstack, root)
        check_paths(goal, settings, GitRepo(root, env))
        current_text, target_text = read_compose_files(settings, root)
        rewrite = rewrite_compose(
            current_text, target_text, settings.services, settings.current_file, settings.target_file
        )
        plan = plan_upgrade(settings, current_text, target_text, rewrite, relative_to(staging, root))
        check_workspace(settings, root, plan.decision, relative_to(staging, root))
    except (HalfstackError, ComposeError, PathError, GitError) as e:
        console.print_stderr(str(e))
        return 1
    journal = plan.journal(str(root), settings.target_file)
    text = render_plan(journal.plan.steps, headline(settings, plan.decision), rewrite.notes)
    if goal.dry_run:
        console.print_stdout(f"{text}\n")
        console.print_stdout(rewrite.unified_diff(current_text), end="")
        return 0
    error = refusal(goal, settings, env)
    if error:
        console.print_stderr(error)
        return 1
    staging.mkdir(parents=True)
    (staging / "previous.yml").write_text(current_text, encoding="utf-8")
    (staging / "new.yml").write_text(rewrite.text, encoding="utf-8")
    journal = dataclasses.replace(
        journal, next_commands=f"fix what stopped it, then run `{bin_name()} halfstack-upgrade --continue`"
    )
    save_state(journal_file, journal)
    console.print_stderr(text)
    return await execute(console, journal_file, journal.plan, env)


def check_paths(goal: HalfstackUpgradeSubsystem, settings: HalfstackSettings, repo: GitRepo) -> None:
    """PathError when a path the upgrade writes or moves is not its own, or the target is the current file."""
    current = "`[halfstack].current_file`"
    write_target(repo.root, settings.current_file, current)
    check_own_path(repo, settings.data_dir, "`[halfstack].data_dir`", "move aside")
    check_own_path(repo, settings.backup_file, "`[halfstack].backup_file`", "write")
    current_path, target_path = repo.root / settings.current_file, repo.root / settings.target_file
    if current_path.exists() and target_path.exists() and os.path.samefile(current_path, target_path):
        flag = f"--compose-file={goal.compose_file}" if goal.compose_file else f"--target={goal.target}"
        raise PathError(
            f"`{flag.split('=', 1)[0]}`: the current compose file itself, nothing to upgrade to (got "
            f"`{settings.target_file}`); name another release's compose file"
        )


def refusal(goal: HalfstackUpgradeSubsystem, settings: HalfstackSettings, env: Mapping[str, str]) -> Optional[str]:
    """Why a real run may not start: step 1 not confirmed, or no `docker` on the user's PATH."""
    if not goal.yes:
        target = f"--compose-file={goal.compose_file}" if goal.compose_file else f"--target={goal.target}"
        return (
            "`--yes`: step 1 is yours: terminate all compute sessions and stop the Backend.AI services (got no `--yes`); "
            f"do so, then run `{shell_command(bin_name(), 'halfstack-upgrade', target, '--yes')}`, or preview with `--dry-run`"
        )
    if shutil.which(settings.docker, path=env.get("PATH", "")) is None:
        return f"`{settings.docker}`: not found on your PATH (got `{env.get('PATH', '')}`); install Docker with its compose plugin"
    return None


async def resume(
    console: Console, goal: HalfstackUpgradeSubsystem, journal_file: Path, journal: Optional[Journal], env: Mapping[str, str]
) -> int:
    """Run the journaled upgrade's unfinished steps (print them only, with `--dry-run`)."""
    if journal is None:
        console.print_stderr(
            f"`--continue`: no halfstack upgrade in progress (got no journal at `{journal_file}`); "
            f"start one with `{bin_name()} halfstack-upgrade --target=YYMM --yes`"
        )
        return 1
    pending = journal.pending()
    steps = [journal.plan.steps[i] for i in pending]
    first = pending[0] + 1 if pending else len(journal.steps) + 1
    text = render_plan(steps, f"Resuming the halfstack upgrade to `{journal.plan.target_file}`", (), first)
    if goal.dry_run:
        console.print_stdout(text)
        return 0
    interruption = journal.interruption()
    if interruption:
        console.print_stderr(f"The last run stopped: {interruption}; resuming")
    console.print_stderr(text)
    return await execute(console, journal_file, journal.plan, env)


async def upgrade(
    console: Console,
    goal: HalfstackUpgradeSubsystem,
    halfstack: HalfstackSubsystem,
    root: Path,
    journal_file: Path,
    env: Mapping[str, str],
) -> int:
    """Start or resume an upgrade (under the repository's lock unless `--dry-run`); the exit code."""
    try:
        existing = load_journal(journal_file, HalfstackReport, recovery(relative_to(journal_file.parent / OPERATION, root)))
    except StateFileError as e:
        console.print_stderr(str(e))
        return 1
    if goal.resume:
        return await resume(console, goal, journal_file, existing, env)
    if existing is not None:
        stopped = f"; its {existing.interruption()}" if existing.interruption() else ""
        console.print_stderr(
            f"`{journal_file}`: an upgrade to `{existing.plan.target_file}` is in progress (got its journal{stopped}); "
            f"resume it with `{bin_name()} halfstack-upgrade --continue`"
        )
        return 1
    return await start(console, goal, halfstack, root, journal_file, env)


@goal_rule
async def halfstack_upgrade(
    console: Console,
    goal: HalfstackUpgradeSubsystem,
    halfstack: HalfstackSubsystem,
    build_root: BuildRoot,
    caller_env: CompleteEnvironmentVars,
    session: SessionValues,
) -> HalfstackUpgradeGoal:
    root = Path(build_root.path)
    env = passed_env(caller_env)
    if goal.resume and (goal.target or goal.compose_file):
        flag, value = ("--target", goal.target) if goal.target else ("--compose-file", goal.compose_file)
        console.print_stderr(
            f"`{flag}`: not used with `--continue`, which resumes the journaled upgrade (got `{value}`); drop it"
        )
        return HalfstackUpgradeGoal(exit_code=1)
    try:
        journal_file = StateStore(GitRepo(root, env).git_dir()).file(OPERATION)
    except GitError as e:
        console.print_stderr(str(e))
        return HalfstackUpgradeGoal(exit_code=1)
    if goal.dry_run:
        return HalfstackUpgradeGoal(exit_code=await upgrade(console, goal, halfstack, root, journal_file, env))
    try:
        check_state_directory(journal_file.parent)
        with repository_lock(journal_file.parent, typed_command(session)) as note:
            if note:
                console.print_stderr(note)
            return HalfstackUpgradeGoal(exit_code=await upgrade(console, goal, halfstack, root, journal_file, env))
    except (LockHeldError, GitError) as e:
        console.print_stderr(str(e))
        return HalfstackUpgradeGoal(exit_code=1)


def rules():
    return collect_rules()
