"""The plan of `pants topic-switch`: checks, per-environment alembic plans, exports and journal steps.

No Pants import: the goal gathers its options into `SwitchSettings`, calls `build_plan`, and hands
the resulting journal to the executor (`calver_release.runtime.journal`), which runs the steps.
"""

from __future__ import annotations

import configparser
import re
import subprocess
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path
from typing import Dict, Mapping, Optional, Sequence, Tuple

from calver_release.migrations.alembic_env import (
    DEFAULT_INI,
    AlembicEnvError,
    ParsedRevisions,
    ini_text,
    load_graph,
    parse_alembic_current,
    read_alembic_ini,
)
from calver_release.migrations.revision_graph import MigrationPlan, RevisionGraphError, plan_migrations
from calver_release.release.calver import is_release_branch
from calver_release.runtime.commit_files import BlobTexts, CommitFiles
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.journal import Command, Journal, StateStore, Step, failure_reason
from calver_release.runtime.pants_toml import PantsTomlError, python_resolves
from calver_release.runtime.plugin_python import module_command, module_env
from calver_release.runtime.paths import PathError, check_sqlite_url
from calver_release.runtime.preflight import check_not_checked_out_elsewhere
from calver_release.runtime.shell import mask_passwords, shell_command
from calver_release.sample_configs.diff import ConfigChangeError, diff_configs
from calver_release.topic_switch import autostash
from calver_release.topic_switch.backup import BackupError, backup_commands, check_backup_files
from calver_release.topic_switch.report import (
    ConfigChangeReport,
    EnvironmentReport,
    JournaledSwitch,
    StepReport,
    SwitchReport,
)

OPERATION = "topic-switch"

AUTOSTASH = autostash.__name__
"""The module that stashes for `--autostash` and pops that very entry for `--abort` (imported, not only
named, so the plugin's wheel ships it)."""
DEFAULT_RESOLVES = ("python-default", "python-kernel", "mypy", "ruff")
EXPORTED_VENVS = "dist/export/python/virtualenvs"
RELEASE_ADVICE = (
    "release branches are safer in a separate clone (`{command}`) than switched to and from in the "
    "development checkout"
)


class TopicSwitchError(ValueError):
    """A bad input or state found before anything changed; the message is the one line users see."""


class UnknownDatabaseRevision(TopicSwitchError):
    """`alembic current` found a revision the current commit has no file for."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


class DatabaseStateUnknown(TopicSwitchError):
    """`alembic current` could not run or failed; `reason` is what it said."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


_UNKNOWN_REVISION = re.compile(r"Can't locate revision identified by '([^']+)'")
_UNREACHABLE = re.compile(r"OperationalError|could not connect|Connection refused|unable to open database", re.IGNORECASE)
"""What SQLAlchemy and the database drivers say when the database cannot be reached."""


class ExportMode(Enum):
    ALL = "all"
    CHANGED = "changed"
    NONE = "none"


@dataclass(frozen=True)
class SwitchSettings:
    """Everything the plan depends on, from the goal's options and the caller's environment."""

    repo: GitRepo
    target: str
    inis: Tuple[str, ...] = ()
    alembic_command: Tuple[str, ...] = ()
    db_urls: Mapping[str, str] = field(default_factory=dict)
    source_root: str = "src"
    resolves: Tuple[str, ...] = DEFAULT_RESOLVES
    export: ExportMode = ExportMode.CHANGED
    config_globs: Tuple[str, ...] = ("configs/**",)
    pants_command: Tuple[str, ...] = ("pants",)
    autostash: bool = False
    backup_db: Optional[str] = None
    allow_release: bool = False
    dry_run: bool = False

    @property
    def build_root(self) -> Path:
        return self.repo.root


@dataclass(frozen=True)
class EnvironmentSwitch:
    """One alembic environment: how to run alembic for it, its database, and its migration plan."""

    ini_path: str
    alembic: Tuple[str, ...]
    assumed: bool
    migrations: MigrationPlan
    url: Optional[str]

    def report(self) -> EnvironmentReport:
        plan = self.migrations
        return EnvironmentReport(
            applied=plan.applied,
            database_assumed_at_heads=self.assumed,
            downgrade=plan.downgrade.to_undo,
            n=plan.downgrade.n,
            downgrade_commands=plan.downgrade.commands,
            kept_heads=plan.downgrade.kept_heads,
            upgrade=plan.to_apply,
            heads_after=plan.target_heads,
        )


# ---- checks ---------------------------------------------------------------------------------------


def check_branches(repo: GitRepo, target: str, allow_release: bool) -> Tuple[str, str, str]:
    """`(current branch, current commit, target commit)`, or the first reason the switch is refused."""
    if not target:
        raise TopicSwitchError("`--to`: no branch given (got ``); name the branch to switch to, e.g. `--to=topic/x`")
    branch = repo.current_branch()
    if branch is None:
        head = repo.rev_parse("HEAD") or "no commit"
        raise TopicSwitchError(
            f"HEAD: not on a branch (got detached `{head[:12]}`); `git switch` to the branch you are leaving first"
        )
    if target == branch:
        raise TopicSwitchError(f"`--to`: already on this branch (got `{target}`); name another branch")
    target_commit = repo.rev_parse(f"refs/heads/{target}")
    if target_commit is None:
        if repo.rev_parse(target) is not None:
            raise TopicSwitchError(
                f"`--to`: not a local branch (got `{target}`); create one with "
                f"`{shell_command('git', 'branch', 'NAME', target)}` and switch to that"
            )
        raise TopicSwitchError(f"`--to`: unknown branch (got `{target}`); `git branch` lists the local branches")
    for name, flag in ((branch, "HEAD"), (target, "`--to`")):
        if is_release_branch(name) and not allow_release:
            raise TopicSwitchError(f"{flag}: a release branch (got `{name}`); {release_hint(name)}; pass `--yes` to switch anyway")
    check_not_checked_out_elsewhere(repo, target, "`--to`")
    return branch, repo.rev_parse("HEAD") or "", target_commit


def release_hint(branch: str) -> str:
    """The process's advice to keep a release branch in a worktree of its own."""
    return RELEASE_ADVICE.format(command=shell_command("git", "worktree", "add", f"../{branch}", branch))


def release_advice(branch: str, target: str) -> Optional[str]:
    """The process's advice when either side of the switch is a release branch (`24.09`, `26.4`), else None."""
    release = next((name for name in (target, branch) if is_release_branch(name)), None)
    return None if release is None else f"note: {release_hint(release)}"


def check_working_tree(repo: GitRepo, target: CommitFiles, autostash: bool) -> Tuple[str, ...]:
    """The dirty tracked files (to stash with `--autostash`); refuse what `git switch` would trip on.

    An index lock and a git operation in progress are refused before, by `check_repository_state`.
    """
    untracked = set(repo.lines("ls-files", "--others", "--exclude-standard"))
    blocking = sorted(untracked.intersection(target.listing())) if untracked else []
    if blocking:
        raise TopicSwitchError(
            f"working tree: untracked files the target branch tracks (got {_ticks(blocking)}); "
            "move or delete them, then run again"
        )
    dirty = tuple(repo.dirty_files())
    if dirty and not autostash:
        raise TopicSwitchError(
            f"working tree: uncommitted changes (got {_ticks(dirty)}); commit them, or pass `--autostash` "
            "to stash them before the switch"
        )
    return dirty


def _ticks(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(f"`{item}`" for item in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# ---- alembic environments -------------------------------------------------------------------------


def environment_inis(
    current: CommitFiles, target: CommitFiles, configured: Sequence[str], names: Tuple[str, str]
) -> Tuple[str, ...]:
    """The alembic environments of the switch: the configured inis, or `alembic.ini` when either side has one.

    Every environment needs its ini on both sides (at the commit, or as an untracked local file):
    without it on the current side the database state is unknown, without it on the target side
    nothing would upgrade the database. The default ini missing on both sides means no environment.
    """
    has = lambda files, ini: _has_file(files, ini, current)  # noqa: E731
    inis = tuple(configured) or ((DEFAULT_INI,) if has(current, DEFAULT_INI) or has(target, DEFAULT_INI) else ())
    for ini in inis:
        here, there = has(current, ini), has(target, ini)
        if here != there:
            missing, present = names if there else names[::-1]
            raise TopicSwitchError(
                f"{ini}: missing on `{missing}` but present on `{present}` (got no file at "
                f"`{(current if there else target).commit[:12]}` nor in the working tree); the switch cannot "
                f"follow the database across it: add the ini on `{missing}`, or switch with `git switch` and "
                "migrate by hand"
            )
    return inis


def _has_file(files: CommitFiles, path: str, current: CommitFiles) -> bool:
    """At the commit, or untracked in the working tree (a local file, which stays there across the switch)."""
    return files.blob(path) is not None or (current.blob(path) is None and (files.repo.root / path).is_file())


def check_script_location(files: CommitFiles, ini: str, source_root: str, branch: str, current: CommitFiles) -> None:
    """Refuse an environment whose `script_location` holds no `env.py` at the commit (or untracked locally)."""
    config = read_alembic_ini(ini_text(files, ini), ini, source_root)
    env_py = f"{config.script_location}/env.py"
    if not _has_file(files, env_py, current):
        raise TopicSwitchError(
            f"{ini}: `script_location` names no alembic environment on `{branch}` (got `{config.script_location}`, "
            f"which has no `env.py`); point `script_location` at the directory holding `env.py`, or fix "
            "`[topic-switch].import_root` for `package:dir` locations"
        )


def default_alembic_command(build_root: Path, dry_run: bool) -> Tuple[str, ...]:
    """`python -m alembic` with the exported `python-default` virtualenv's interpreter.

    A dry run goes on without one: `alembic current` then fails and the plan assumes the heads.
    """
    pythons = sorted((build_root / EXPORTED_VENVS / "python-default").glob("*/bin/python"))
    if not pythons and dry_run:
        return (f"{EXPORTED_VENVS}/python-default/*/bin/python", "-m", "alembic")
    if not pythons:
        raise TopicSwitchError(
            f"`{EXPORTED_VENVS}/python-default`: no exported virtualenv (got none); run "
            "`pants export --resolve=python-default` once, or set `[topic-switch].alembic_command`"
        )
    return (str(pythons[-1]), "-m", "alembic")


def alembic_env(settings: SwitchSettings) -> Dict[str, str]:
    """Extra environment of every alembic run: the source root importable, no bytecode under the build root."""
    return {"PYTHONPATH": settings.source_root, "PYTHONDONTWRITEBYTECODE": "1"}


def alembic_argv(settings: SwitchSettings, command: Sequence[str], ini: str) -> Tuple[str, ...]:
    """`<alembic> -c INI [-x db=URL]`: the URL comes from `[topic-switch].db_urls` when set there."""
    url_args = ("-x", f"db={settings.db_urls[ini]}") if ini in settings.db_urls else ()
    return (*command, "-c", ini, *url_args)


def database_url(settings: SwitchSettings, ini: str, text: str) -> Optional[str]:
    """The environment's database: `[topic-switch].db_urls`, else the ini's `sqlalchemy.url`."""
    if ini in settings.db_urls:
        return settings.db_urls[ini]
    parser = configparser.ConfigParser(defaults={"here": str((settings.build_root / ini).parent)})
    try:
        parser.read_string(text, source=ini)
        return parser.get("alembic", "sqlalchemy.url", fallback=None)
    except configparser.Error:
        return None


def alembic_current(build_root: Path, argv: Sequence[str], env: Mapping[str, str], ini: str) -> Tuple[str, ...]:
    """The revisions the database is at, asked of alembic in the current branch's environment."""
    try:
        proc = subprocess.run([*argv, "current"], cwd=build_root, capture_output=True, text=True, env={**env})
    except OSError as e:
        reason = f"{e.strerror}: `{argv[0]}`"
        raise DatabaseStateUnknown(
            f"{ini}: cannot run alembic (got {reason}); fix `[topic-switch].alembic_command`", reason
        ) from None
    unknown = _UNKNOWN_REVISION.search(proc.stdout + proc.stderr)
    if proc.returncode != 0 and unknown:
        raise UnknownDatabaseRevision(unknown.group(1))
    if proc.returncode != 0:
        output = proc.stderr.strip() or proc.stdout.strip()
        reason = mask_passwords(failure_reason(output)) or f"exit code {proc.returncode}"
        advice = (
            "start the database or fix its URL"
            if _UNREACHABLE.search(output)
            else f"run `{shell_command(*argv, 'current')}` to see why, fix that"
        )
        raise DatabaseStateUnknown(
            f"{ini}: `alembic current` failed, so the database state is unknown (got {reason}); "
            f"{advice}, then run again; nothing was changed",
            reason,
        )
    return parse_alembic_current(proc.stdout)


def plan_environment_switch(
    settings: SwitchSettings,
    command: Sequence[str],
    ini: str,
    current: CommitFiles,
    target: CommitFiles,
    env: Mapping[str, str],
) -> EnvironmentSwitch:
    """Read both graphs, ask the database where it is (or assume the heads in a dry run), plan both ways."""
    parsed: ParsedRevisions = {}
    current_graph = load_graph(current, ini, settings.source_root, parsed)
    target_graph = load_graph(target, ini, settings.source_root, parsed)
    argv = alembic_argv(settings, command, ini)
    assumed = False
    try:
        applied = alembic_current(settings.build_root, argv, {**env, **alembic_env(settings)}, ini)
    except UnknownDatabaseRevision as e:
        applied = (e.revision,)  # plan_migrations says which commit, if any, has it
    except DatabaseStateUnknown:
        if not settings.dry_run:
            raise
        applied, assumed = current_graph.heads, True
    migrations = plan_migrations(current_graph, target_graph, applied)
    return EnvironmentSwitch(ini, argv, assumed, migrations, database_url(settings, ini, ini_text(current, ini)))


# ---- resolves -------------------------------------------------------------------------------------


def defined_resolves(files: CommitFiles) -> Dict[str, str]:
    """`{resolve: lockfile}` from `[python.resolves]` of `pants.toml` at the commit."""
    try:
        return python_resolves(files)
    except PantsTomlError as e:
        raise TopicSwitchError(str(e)) from None


def plan_exports(settings: SwitchSettings, current: CommitFiles, target: CommitFiles) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """`(export, skip)`: the configured resolves the target defines, split by whether their lockfile changed.

    A resolve that was never exported counts as changed: `--export=changed` keeps the virtualenvs current.
    """
    target_resolves = defined_resolves(target)
    wanted = tuple(name for name in settings.resolves if name in target_resolves)
    if settings.export is ExportMode.ALL:
        return wanted, ()
    if settings.export is ExportMode.NONE:
        return (), wanted
    current_resolves = defined_resolves(current)
    export = tuple(
        name
        for name in wanted
        if _blob(current, current_resolves.get(name)) != _blob(target, target_resolves[name])
        or not (settings.build_root / EXPORTED_VENVS / name).is_dir()
    )
    return export, tuple(name for name in wanted if name not in export)


def _blob(files: CommitFiles, path: Optional[str]) -> Optional[str]:
    return files.blob(path) if path else None


# ---- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchPlan:
    """Everything `--dry-run` shows and the executor runs."""

    branch: str
    target: str
    commit: str
    target_commit: str
    environments: Tuple[EnvironmentSwitch, ...]
    export: Tuple[str, ...]
    skip_export: Tuple[str, ...]
    config_changes: Tuple[ConfigChangeReport, ...]
    stashed: Tuple[str, ...]
    steps: Tuple[Step, ...] = ()

    def report(self) -> SwitchReport:
        """The plan as data: what `--dry-run --format=json` prints and the journal keeps."""
        return SwitchReport(
            from_branch=self.branch,
            to_branch=self.target,
            from_commit=self.commit,
            to_commit=self.target_commit,
            environments={e.ini_path: e.report() for e in self.environments},
            export=self.export,
            skip_export=self.skip_export,
            config_changes=self.config_changes,
            stashed=self.stashed,
            steps=tuple(StepReport(s.name, s.description, tuple(c.render() for c in s.commands)) for s in self.steps),
        )

    def journal(self, settings: SwitchSettings) -> Journal:
        """The journal the executor runs; its plan keeps how to run alembic, to read the databases after a failure."""
        alembic = {e.ini_path: Command(e.alembic, alembic_env(settings)) for e in self.environments}
        return Journal(OPERATION, str(settings.build_root), self.steps, JournaledSwitch(self.report(), alembic))


def build_plan(settings: SwitchSettings, env: Mapping[str, str]) -> SwitchPlan:
    """Check the inputs and compute the whole switch without changing anything; raises TopicSwitchError."""
    repo = settings.repo
    try:
        branch, commit, target_commit = check_branches(repo, settings.target, settings.allow_release)
        texts: BlobTexts = {}
        current, target = CommitFiles(repo, commit, texts), CommitFiles(repo, target_commit, texts)
        dirty = check_working_tree(repo, target, settings.autostash)
        inis = environment_inis(current, target, settings.inis, (branch, settings.target))
        for ini in inis:
            check_script_location(current, ini, settings.source_root, branch, current)
            check_script_location(target, ini, settings.source_root, settings.target, current)
        urls = {ini: database_url(settings, ini, ini_text(current, ini)) for ini in inis}
        for ini, url in urls.items():
            if url:
                origin = "`[topic-switch].db_urls`" if ini in settings.db_urls else f"{ini}: `sqlalchemy.url`"
                check_sqlite_url(url, settings.build_root, origin)
        if settings.backup_db:
            check_backup_files(repo, settings.backup_db, [url for url in urls.values() if url])
        command = settings.alembic_command or (default_alembic_command(repo.root, settings.dry_run) if inis else ())
        environments = tuple(plan_environment_switch(settings, command, ini, current, target, env) for ini in inis)
        export, skip = plan_exports(settings, current, target)
        changes = diff_configs(current, target, settings.config_globs)
        config = tuple(ConfigChangeReport.of(change) for change in changes)
        plan = SwitchPlan(branch, settings.target, commit, target_commit, environments, export, skip, config, dirty)
        return replace(plan, steps=build_steps(settings, plan))
    except (AlembicEnvError, RevisionGraphError, ConfigChangeError, GitError, BackupError, PathError) as e:
        raise TopicSwitchError(str(e)) from None


def build_steps(settings: SwitchSettings, plan: SwitchPlan) -> Tuple[Step, ...]:
    """backup?, downgrade?, switch, export?, upgrade?; each with the commands that undo it for `--abort`."""
    envs = plan.environments
    alembic_extra = alembic_env(settings)
    steps = []
    if settings.backup_db:
        urls = [e.url for e in envs if e.url]
        steps.append(Step("backup", f"back up the database to {settings.backup_db}", backup_commands(settings.backup_db, urls)))
    if any(e.migrations.downgrade.commands for e in envs):
        steps.append(
            Step(
                "downgrade",
                "downgrade " + "; ".join(f"{e.ini_path}: {describe_undo(e)}" for e in envs if e.migrations.downgrade.commands),
                tuple(Command((*e.alembic, *c), alembic_extra) for e in envs for c in e.migrations.downgrade.commands),
                undo=tuple(Command((*e.alembic, "upgrade", rev), alembic_extra) for e in envs for rev in e.migrations.applied),
            )
        )
    record = str(StateStore(settings.repo.git_dir()).directory(OPERATION) / "autostash")
    message = f"topic-switch: left on {plan.branch}"
    stash = (Command(module_command(AUTOSTASH, "push", message, record), module_env()),) if plan.stashed else ()
    unstash = (Command(module_command(AUTOSTASH, "pop", record), module_env()),) if plan.stashed else ()
    steps.append(
        Step(
            "switch",
            shell_command("git", "switch", plan.target),
            (*stash, Command(("git", "switch", plan.target))),
            undo=(Command(("git", "switch", plan.branch)), *unstash),
        )
    )
    if plan.export:
        argv = (*settings.pants_command, "export", *(f"--resolve={name}" for name in plan.export))
        steps.append(Step("export", f"export {', '.join(plan.export)}", (Command(argv, {"PANTS_PANTSD": "false"}),)))
    if any(e.migrations.to_apply for e in envs):
        steps.append(
            Step(
                "upgrade",
                "upgrade heads "
                + "; ".join(f"{e.ini_path}: {len(e.migrations.to_apply)} to apply" for e in envs if e.migrations.to_apply),
                tuple(Command((*e.alembic, "upgrade", "heads"), alembic_extra) for e in envs if e.migrations.to_apply),
                undo=tuple(Command((*e.alembic, *c), alembic_extra) for e in envs for c in e.migrations.undo_upgrade),
            )
        )
    return tuple(steps)


def describe_undo(env: EnvironmentSwitch) -> str:
    """`N=2 (t2, t1)`: the N the manual process's `alembic downgrade -N` needed, and the revisions."""
    downgrade = env.migrations.downgrade
    return f"N={downgrade.n} ({', '.join(downgrade.to_undo)})"
