"""The plan of `pants topic-switch`: checks, per-environment alembic plans, exports, journal steps, reports.

No Pants import: the goal gathers its options into `SwitchSettings`, calls `build_plan`, and hands
the resulting journal to the executor (`calver_release.journal`), which runs the steps.
"""

from __future__ import annotations

import configparser
import json
import re
import subprocess
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import tomli

from calver_release.alembic_env import (
    AlembicEnvError,
    graph_from_blobs,
    parse_alembic_current,
    read_alembic_ini,
    read_blobs,
    read_ini_at,
    revision_blobs,
    tree_blobs,
)
from calver_release.calver import Scheme, is_release_branch
from calver_release.config_changes import ConfigChangeError, describe, diff_configs
from calver_release.git import GitError, current_branch, git_lines, rev_parse, show_file
from calver_release.journal import Command, Journal, Step
from calver_release.revision_graph import RevisionGraph, RevisionGraphError, plan_downgrade

OPERATION = "topic-switch"
DEFAULT_RESOLVES = ("python-default", "python-kernel", "mypy", "ruff")
DEFAULT_INI = "alembic.ini"
EXPORTED_VENVS = "dist/export/python/virtualenvs"
RELEASE_ADVICE = (
    "release branches are safer in a separate clone (`git worktree add ../{branch} {branch}`) "
    "than switched to and from in the development checkout"
)


class TopicSwitchError(ValueError):
    """A bad input or state found before anything changed; the message is the one line users see."""


class UnknownDatabaseRevision(TopicSwitchError):
    """`alembic current` found a revision the current commit has no file for."""

    def __init__(self, revision: str) -> None:
        super().__init__(revision)
        self.revision = revision


_UNKNOWN_REVISION = re.compile(r"Can't locate revision identified by '([^']+)'")


class ExportMode(Enum):
    ALL = "all"
    CHANGED = "changed"
    NONE = "none"


@dataclass(frozen=True)
class SwitchSettings:
    """Everything the plan depends on, from the goal's options and the user's environment."""

    build_root: Path
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
    scheme: Scheme = Scheme()


@dataclass(frozen=True)
class EnvironmentSwitch:
    """One alembic environment: the database's revisions, what to undo and apply, and the commands."""

    ini_path: str
    alembic: Tuple[str, ...]
    applied: Tuple[str, ...]
    assumed: bool
    to_undo: Tuple[str, ...]
    downgrade: Tuple[Tuple[str, ...], ...]
    kept_heads: Tuple[str, ...]
    to_apply: Tuple[str, ...]
    target_heads: Tuple[str, ...]
    undo_upgrade: Tuple[Tuple[str, ...], ...]
    url: Optional[str]


# ---- checks ---------------------------------------------------------------------------------------


def check_branches(repo: Path, target: str, allow_release: bool, scheme: Scheme) -> Tuple[str, str, str]:
    """`(current branch, current commit, target commit)`, or the first reason the switch is refused."""
    if not target:
        raise TopicSwitchError("`--to`: no branch given (got ``); name the branch to switch to, e.g. `--to=topic/x`")
    branch = current_branch(repo)
    if branch is None:
        head = rev_parse(repo, "HEAD") or "no commit"
        raise TopicSwitchError(
            f"HEAD: not on a branch (got detached `{head[:12]}`); `git switch` to the branch you are leaving first"
        )
    if target == branch:
        raise TopicSwitchError(f"`--to`: already on this branch (got `{target}`); name another branch")
    target_commit = rev_parse(repo, f"refs/heads/{target}")
    if target_commit is None:
        if rev_parse(repo, target) is not None:
            raise TopicSwitchError(
                f"`--to`: not a local branch (got `{target}`); create one with `git branch <name> {target}` "
                "and switch to that"
            )
        raise TopicSwitchError(f"`--to`: unknown branch (got `{target}`); `git branch` lists the local branches")
    for name, flag in ((branch, "HEAD"), (target, "`--to`")):
        if is_release_branch(name, scheme) and not allow_release:
            raise TopicSwitchError(
                f"{flag}: a release branch (got `{name}`); {RELEASE_ADVICE.format(branch=name)}; "
                "pass `--yes` to switch anyway"
            )
    return branch, rev_parse(repo, "HEAD") or "", target_commit


def release_advice(branch: str, target: str, scheme: Scheme) -> Optional[str]:
    """The process's advice when either side of the switch is a release branch (`24.09`), else None."""
    release = next((name for name in (target, branch) if is_release_branch(name, scheme)), None)
    return None if release is None else f"note: {RELEASE_ADVICE.format(branch=release)}"


def dirty_files(repo: Path) -> Tuple[str, ...]:
    """Tracked files with staged or unstaged changes (git would carry them over or refuse)."""
    return tuple(line[3:] for line in git_lines(repo, "status", "--porcelain", "--untracked-files=no"))


def check_working_tree(repo: Path, target_commit: str, autostash: bool) -> Tuple[str, ...]:
    """The dirty tracked files (to stash with `--autostash`); refuse what `git switch` would trip on."""
    untracked = set(git_lines(repo, "ls-files", "--others", "--exclude-standard"))
    blocking = sorted(untracked.intersection(tree_blobs(repo, target_commit))) if untracked else []
    if blocking:
        raise TopicSwitchError(
            f"working tree: untracked files the target branch tracks (got {_ticks(blocking)}); "
            "move or delete them, then run again"
        )
    dirty = dirty_files(repo)
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


def environment_inis(repo: Path, commit: str, configured: Sequence[str]) -> Tuple[str, ...]:
    """The configured ini files, or `alembic.ini` when the repository has one, else none."""
    if configured:
        return tuple(configured)
    has_default = show_file(repo, commit, DEFAULT_INI) is not None or (repo / DEFAULT_INI).is_file()
    return (DEFAULT_INI,) if has_default else ()


def default_alembic_command(repo: Path, dry_run: bool) -> Tuple[str, ...]:
    """`python -m alembic` with the exported `python-default` virtualenv's interpreter.

    A dry run goes on without one: `alembic current` then fails and the plan assumes the heads.
    """
    pythons = sorted((repo / EXPORTED_VENVS / "python-default").glob("*/bin/python"))
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


def database_url(settings: SwitchSettings, ini: str, ini_text: str) -> Optional[str]:
    """The environment's database: `[topic-switch].db_urls`, else the ini's `sqlalchemy.url`."""
    if ini in settings.db_urls:
        return settings.db_urls[ini]
    here = str((settings.build_root / ini).parent)
    parser = configparser.ConfigParser(defaults={"here": here})
    try:
        parser.read_string(ini_text, source=ini)
        return parser.get("alembic", "sqlalchemy.url", fallback=None)
    except configparser.Error:
        return None


def alembic_current(repo: Path, argv: Sequence[str], env: Mapping[str, str], ini: str) -> Tuple[str, ...]:
    """The revisions the database is at, asked of alembic in the current branch's environment."""
    try:
        proc = subprocess.run([*argv, "current"], cwd=repo, capture_output=True, text=True, env={**env})
    except OSError as e:
        raise TopicSwitchError(
            f"{ini}: cannot run alembic (got {e.strerror}: `{argv[0]}`); fix `[topic-switch].alembic_command`"
        ) from None
    unknown = _UNKNOWN_REVISION.search(proc.stdout + proc.stderr)
    if proc.returncode != 0 and unknown:
        raise UnknownDatabaseRevision(unknown.group(1))
    if proc.returncode != 0:
        lines = (proc.stderr.strip() or proc.stdout.strip() or f"exit code {proc.returncode}").splitlines()
        raise TopicSwitchError(
            f"{ini}: `alembic current` failed, so the database state is unknown (got {lines[-1].strip()}); "
            "start the database or fix its URL, then run again; nothing was changed"
        )
    return parse_alembic_current(proc.stdout)


def load_graph(repo: Path, commit: str, ini: str, source_root: str, cache: Dict[str, Any]) -> RevisionGraph:
    """The environment's revision graph at `commit`, from git objects; `cache` keeps blobs read and parsed."""
    config = read_alembic_ini(read_ini_at(repo, commit, ini), ini, source_root)
    blobs = revision_blobs(repo, commit, config)
    texts = cache.setdefault("texts", {})
    texts.update(read_blobs(repo, [oid for oid in blobs.values() if oid not in texts]))
    return graph_from_blobs(blobs, texts, cache.setdefault("parsed", {}))


def plan_environment_switch(
    settings: SwitchSettings, command: Sequence[str], ini: str, current: str, target: str, env: Mapping[str, str]
) -> EnvironmentSwitch:
    """Read both graphs, ask the database where it is (or assume the heads in a dry run), plan both ways."""
    repo = settings.build_root
    ini_text = read_ini_at(repo, current, ini)
    cache: Dict[str, Any] = {}
    current_graph = load_graph(repo, current, ini, settings.source_root, cache)
    target_graph = load_graph(repo, target, ini, settings.source_root, cache)
    argv = alembic_argv(settings, command, ini)
    assumed = False
    try:
        applied = alembic_current(repo, argv, {**env, **alembic_env(settings)}, ini)
    except UnknownDatabaseRevision as e:
        applied = (e.revision,)  # plan_downgrade says which commit, if any, has it
    except TopicSwitchError:
        if not settings.dry_run:
            raise
        applied, assumed = current_graph.heads, True
    downgrade = plan_downgrade(current_graph, target_graph, applied)
    kept = current_graph.ancestors(downgrade.kept_heads)
    to_apply = tuple(rev for rev in target_graph if rev not in kept)
    undo_upgrade = plan_downgrade(target_graph, current_graph, target_graph.heads).commands
    return EnvironmentSwitch(
        ini_path=ini,
        alembic=argv,
        applied=tuple(sorted(applied)),
        assumed=assumed,
        to_undo=downgrade.to_undo,
        downgrade=downgrade.commands,
        kept_heads=downgrade.kept_heads,
        to_apply=to_apply,
        target_heads=target_graph.heads,
        undo_upgrade=undo_upgrade,
        url=database_url(settings, ini, ini_text),
    )


# ---- resolves -------------------------------------------------------------------------------------


def defined_resolves(repo: Path, commit: str) -> Dict[str, str]:
    """`{resolve: lockfile}` from `[python.resolves]` of `pants.toml` at `commit`."""
    text = show_file(repo, commit, "pants.toml")
    if text is None:
        return {}
    try:
        config = tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        raise TopicSwitchError(f"pants.toml: not valid TOML at `{commit[:12]}` (got {e}); fix it on that branch")
    resolves = config.get("python", {}).get("resolves", {})
    return {name: path for name, path in resolves.items() if isinstance(path, str)}


def plan_exports(settings: SwitchSettings, current: str, target: str) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """`(export, skip)`: the configured resolves the target defines, split by whether their lockfile changed.

    A resolve that was never exported counts as changed: `--export=changed` keeps the virtualenvs current.
    """
    repo = settings.build_root
    target_resolves = defined_resolves(repo, target)
    wanted = tuple(name for name in settings.resolves if name in target_resolves)
    if settings.export is ExportMode.ALL:
        return wanted, ()
    if settings.export is ExportMode.NONE:
        return (), wanted
    current_resolves = defined_resolves(repo, current)
    export = tuple(
        name
        for name in wanted
        if _blob(repo, current, current_resolves.get(name)) != _blob(repo, target, target_resolves[name])
        or not (repo / EXPORTED_VENVS / name).is_dir()
    )
    return export, tuple(name for name in wanted if name not in export)


def _blob(repo: Path, commit: str, path: Optional[str]) -> Optional[str]:
    return tree_blobs(repo, commit, path).get(path) if path else None


# ---- backup ---------------------------------------------------------------------------------------


def backup_commands(target_file: str, urls: Sequence[str]) -> Tuple[Command, ...]:
    """`pg_dump` for PostgreSQL URLs, a file copy for SQLite; one file per database (`FILE`, `FILE.2`, ...)."""
    commands = []
    for index, url in enumerate(dict.fromkeys(urls)):
        out = target_file if index == 0 else f"{target_file}.{index + 1}"
        scheme = url.split(":", 1)[0].split("+", 1)[0]
        if scheme in ("postgresql", "postgres"):
            plain = re.sub(r"^[^:]+://", "postgresql://", url)
            commands.append(Command(("pg_dump", f"--dbname={plain}", f"--file={out}")))
        elif scheme == "sqlite" and url.startswith("sqlite:///"):
            commands.append(Command(("cp", "-p", url[len("sqlite:///") :], out)))
        else:
            raise TopicSwitchError(
                f"`--backup-db`: cannot back up this database (got `{scheme}`); only PostgreSQL and SQLite "
                "file URLs are supported, back it up yourself and run without `--backup-db`"
            )
    return tuple(commands)


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
    config_changes: Tuple[Dict[str, Any], ...]
    stashed: Tuple[str, ...]
    steps: Tuple[Step, ...]


def build_plan(settings: SwitchSettings, env: Mapping[str, str]) -> SwitchPlan:
    """Check the inputs and compute the whole switch without changing anything; raises TopicSwitchError."""
    repo = settings.build_root
    try:
        branch, commit, target_commit = check_branches(repo, settings.target, settings.allow_release, settings.scheme)
        dirty = check_working_tree(repo, target_commit, settings.autostash)
        inis = environment_inis(repo, commit, settings.inis)
        command = settings.alembic_command or (default_alembic_command(repo, settings.dry_run) if inis else ())
        environments = tuple(
            plan_environment_switch(settings, command, ini, commit, target_commit, env) for ini in inis
        )
        export, skip = plan_exports(settings, commit, target_commit)
        changes = diff_configs(repo, commit, target_commit, settings.config_globs)
    except (AlembicEnvError, RevisionGraphError, ConfigChangeError, GitError) as e:
        raise TopicSwitchError(str(e)) from None
    config = tuple(json.loads(json.dumps({**vars(c), "text": describe(c)}, default=str)) for c in changes)
    plan = SwitchPlan(branch, settings.target, commit, target_commit, environments, export, skip, config, dirty, ())
    return SwitchPlan(**{**vars(plan), "steps": build_steps(settings, plan)})


def build_steps(settings: SwitchSettings, plan: SwitchPlan) -> Tuple[Step, ...]:
    """backup?, downgrade?, switch, export?, upgrade?; each with the commands that undo it for `--abort`."""
    envs = plan.environments
    alembic_extra = alembic_env(settings)
    steps = []
    if settings.backup_db:
        urls = [e.url for e in envs if e.url]
        steps.append(Step("backup", f"back up the database to {settings.backup_db}", backup_commands(settings.backup_db, urls)))
    if any(e.downgrade for e in envs):
        steps.append(
            Step(
                "downgrade",
                "downgrade " + "; ".join(f"{e.ini_path}: {describe_undo(e)}" for e in envs if e.downgrade),
                tuple(Command((*e.alembic, *c), alembic_extra) for e in envs for c in e.downgrade),
                undo=tuple(Command((*e.alembic, "upgrade", rev), alembic_extra) for e in envs for rev in e.applied),
            )
        )
    stash = (Command(("git", "stash", "push", "-m", f"topic-switch: left on {plan.branch}")),) if plan.stashed else ()
    unstash = (Command(("git", "stash", "pop")),) if plan.stashed else ()
    steps.append(
        Step(
            "switch",
            f"git switch {plan.target}",
            (*stash, Command(("git", "switch", plan.target))),
            undo=(Command(("git", "switch", plan.branch)), *unstash),
        )
    )
    if plan.export:
        argv = (*settings.pants_command, "export", *(f"--resolve={name}" for name in plan.export))
        steps.append(Step("export", f"export {', '.join(plan.export)}", (Command(argv, {"PANTS_PANTSD": "false"}),)))
    if any(e.to_apply for e in envs):
        steps.append(
            Step(
                "upgrade",
                "upgrade heads " + "; ".join(f"{e.ini_path}: {len(e.to_apply)} to apply" for e in envs if e.to_apply),
                tuple(Command((*e.alembic, "upgrade", "heads"), alembic_extra) for e in envs if e.to_apply),
                undo=tuple(Command((*e.alembic, *c), alembic_extra) for e in envs for c in e.undo_upgrade),
            )
        )
    return tuple(steps)


def describe_undo(env: EnvironmentSwitch) -> str:
    """`N=2 (t2, t1)`: the N the manual process's `alembic downgrade -N` needed, and the revisions."""
    return f"N={len(env.to_undo)} ({', '.join(env.to_undo)})"


def make_journal(settings: SwitchSettings, plan: SwitchPlan) -> Journal:
    return Journal(OPERATION, str(settings.build_root), plan_report(plan), plan.steps)


# ---- reports --------------------------------------------------------------------------------------


def plan_report(plan: SwitchPlan) -> Dict[str, Any]:
    """The plan as JSON data: what `--dry-run --format=json` prints and the journal keeps."""
    return {
        "from": plan.branch,
        "to": plan.target,
        "from_commit": plan.commit,
        "to_commit": plan.target_commit,
        "environments": {
            e.ini_path: {
                "applied": list(e.applied),
                "database_assumed_at_heads": e.assumed,
                "downgrade": list(e.to_undo),
                "n": len(e.to_undo),
                "downgrade_commands": [list(c) for c in e.downgrade],
                "kept_heads": list(e.kept_heads),
                "upgrade": list(e.to_apply),
                "heads_after": list(e.target_heads),
            }
            for e in plan.environments
        },
        "export": list(plan.export),
        "skip_export": list(plan.skip_export),
        "config_changes": list(plan.config_changes),
        "stashed": list(plan.stashed),
        "steps": [{"name": s.name, "description": s.description, "commands": [c.render() for c in s.commands]} for s in plan.steps],
    }


def render_text(report: Mapping[str, Any]) -> List[str]:
    """The `--dry-run` plan as lines for people."""
    lines = [f"Plan: switch `{report['from']}` -> `{report['to']}` (dry run: nothing was changed)"]
    for ini, env in report["environments"].items():
        note = " (database unreachable: assumed at the current commit's heads)" if env["database_assumed_at_heads"] else ""
        lines.append(f"{ini}: database at {_ids(env['applied'])}{note}")
        lines.append(f"  downgrade N={env['n']}: {_ids(env['downgrade'])}; then upgrade heads applies {_ids(env['upgrade'])}")
    if not report["environments"]:
        lines.append("alembic: no environment configured (no `alembic.ini` at the build root)")
    lines.append(f"export: {_ids(report['export'])}; skip (lockfile unchanged): {_ids(report['skip_export'])}")
    lines.append("steps:")
    for index, step in enumerate(report["steps"], 1):
        lines.append(f"  {index}. {step['description']}")
        lines.extend(f"     $ {command}" for command in step["commands"])
    return lines + render_config_report(report)


def render_config_report(report: Mapping[str, Any]) -> List[str]:
    """The configuration report: keys added, removed and changed in the sample configs."""
    changes = report["config_changes"]
    if not changes:
        return ["configuration changes: none"]
    return ["configuration changes (update your local configs):", *(f"  {c['text']}" for c in changes)]


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids) if ids else "none"
