"""Upgrade notes built from two commits: versions, packages, database, configuration, halfstack, and the checklist.

No Pants import: the goal resolves the update (`versions.resolve_update`), lists the server-side
distributions and requirements files from the checked-out targets, and calls `build_notes`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence, Tuple

from calver_release.halfstack.compose import DEFAULT_DB_SERVICE, ComposeError
from calver_release.migrations.alembic_env import AlembicEnvError, ParsedRevisions
from calver_release.migrations.revision_graph import RevisionGraphError
from calver_release.runtime.git import GitError, GitRepo
from calver_release.topic_switch.config_changes import DEFAULT_GLOBS, ConfigChangeError
from calver_release.topic_switch.plan import TopicSwitchError, defined_resolves
from calver_release.upgrade_notes import packages
from calver_release.upgrade_notes.configs import local_checks, sample_changes
from calver_release.upgrade_notes.database import alembic_inis, environment_notes
from calver_release.upgrade_notes.halfstack import halfstack_changes
from calver_release.upgrade_notes.report import (
    Configuration,
    DatabaseEnvironment,
    Packages,
    Step,
    UpgradeKind,
    UpgradeNotes,
    UpgradeNotesError,
)
from calver_release.upgrade_notes.requirements import requirement_changes
from calver_release.upgrade_notes.versions import Update

DEFAULT_SESSION_GLOBS = ("src/ai/backend/agent/**", "src/ai/backend/kernel/**", "src/ai/backend/runner/**")
"""Where the agent and the kernel runner live: a change there means compute sessions end before the update."""


@dataclass(frozen=True)
class NotesSettings:
    """What the notes depend on besides the refs: `[topic-switch]`, `[halfstack]` and `[upgrade-notes]` options."""

    repo: GitRepo
    inis: Tuple[str, ...] = ()
    source_root: str = "src"
    config_globs: Tuple[str, ...] = DEFAULT_GLOBS
    local_configs: Tuple[Tuple[str, str], ...] = ()
    db_service: str = DEFAULT_DB_SERVICE
    session_globs: Tuple[str, ...] = DEFAULT_SESSION_GLOBS
    requirement_files: Tuple[str, ...] = ()
    pants: str = "pants"


def build_notes(settings: NotesSettings, update: Update, distributions: Sequence[str]) -> UpgradeNotes:
    """The whole report, read from git objects; UpgradeNotesError names the file or ref that is wrong."""
    old, new = update.old.files, update.new.files
    try:
        parsed: ParsedRevisions = {}
        inis = alembic_inis(old, new, settings.inis)
        database = tuple(environment_notes(old, new, ini, settings.source_root, parsed) for ini in inis)
        configuration = Configuration(
            sample_changes(old, new, settings.config_globs),
            local_checks(old, new, settings.local_configs, settings.config_globs, settings.repo.root),
        )
        lockfiles = {**defined_resolves(old), **defined_resolves(new)}.values()
        requirements = requirement_changes(old, new, settings.requirement_files, lockfiles)
        halfstack = halfstack_changes(
            old, new, update.old.version.series, update.new.version.series, settings.db_service, settings.pants
        )
        session_files = changed_files(settings.repo, old.commit, new.commit, settings.session_globs)
        checkout = settings.repo.rev_parse("HEAD") or ""
    except (AlembicEnvError, RevisionGraphError, ConfigChangeError, ComposeError, GitError, TopicSwitchError) as e:
        raise UpgradeNotesError(str(e)) from None
    version = update.new.version.pep440()
    package_notes = Packages(
        version=version,
        distributions=tuple(sorted(distributions)),
        constraints=packages.constraints(distributions, version),
        upgrade_command=packages.upgrade_command(distributions, version) if distributions else None,
        targets_commit=checkout,
        targets_at_to=checkout == new.commit,
        requirements=requirements,
    )
    notes = UpgradeNotes(
        from_ref=update.old.describe(),
        to_ref=update.new.describe(),
        kind=update.kind,
        summary=(),
        session_files=session_files,
        packages=package_notes,
        database=database,
        configuration=configuration,
        halfstack=halfstack,
        steps=(),
    )
    return replace(notes, summary=summary(notes), steps=checklist(notes))


def changed_files(repo: GitRepo, old: str, new: str, globs: Sequence[str]) -> Tuple[str, ...]:
    """The files under `globs` that differ between the commits."""
    if not globs:
        return ()
    return tuple(repo.lines("diff", "--name-only", "--relative", old, new, "--", *(f":(glob){glob}" for glob in globs)))


def summary(notes: UpgradeNotes) -> Tuple[str, ...]:
    """What kind of update this is, said plainly, and where the distribution list came from."""
    old, new = notes.from_ref, notes.to_ref
    kind = {
        UpgradeKind.PATCH: f"A patch update within the {new.series} release series.",
        UpgradeKind.RELEASE: (
            f"A release upgrade from the {old.series} series to {new.series}: the upgrade guide of {new.series} "
            "applies. Everything below is what the repository itself knows; follow the guide too."
        ),
        UpgradeKind.DOWNGRADE: (
            "A downgrade: migrations run backwards, with the packages of `--from` still installed, before the "
            "older packages go in."
        ),
        UpgradeKind.SAME_VERSION: (
            f"Both refs carry version {new.version}: pip leaves installed distributions of that version as they "
            "are, so the package step changes nothing unless you add `--force-reinstall`."
        ),
    }[notes.kind]
    if notes.packages.targets_at_to:
        return (kind,)
    where = (
        f"The distribution list was read from the checked-out commit `{notes.packages.targets_commit[:12]}`, not "
        f"from `--to` (`{new.commit[:12]}`); check out `--to` and run again to be sure it is right."
    )
    return (kind, where)


def checklist(notes: UpgradeNotes) -> Tuple[Step, ...]:
    """The operator's ordered steps: stop, downgrade first if needed, packages, migrations, configuration, start."""
    steps = []
    if notes.kind is UpgradeKind.RELEASE:
        guide = f"Read the upgrade guide of {notes.to_ref.series}: it applies to this release upgrade."
        steps.append(Step(guide, (), ()))
    if notes.terminate_sessions:
        changed = ", ".join(f"`{path}`" for path in notes.session_files[:5])
        more = f" and {len(notes.session_files) - 5} more" if len(notes.session_files) > 5 else ""
        detail = f"the agent or kernel runner changed ({changed}{more})"
        steps.append(Step("Terminate all compute sessions, then stop the Backend.AI services.", (), (detail,)))
    else:
        steps.append(Step("Stop the Backend.AI services.", (), ()))
    undo = [env for env in notes.database if env.to_undo]
    if undo:
        steps.append(
            Step(
                f"Downgrade the database while the packages of {notes.from_ref.version} are still installed.",
                tuple(command for env in undo for command in env.downgrade_commands),
                tuple(f"{env.ini}: undo {ticks(r.revision for r in env.to_undo)}" for env in undo),
            )
        )
    if notes.packages.upgrade_command:
        install = f"Install {notes.packages.version} of the server-side packages the virtualenv has (run in it)."
        steps.append(Step(install, (notes.packages.upgrade_command,), ()))
    apply = [env for env in notes.database if env.to_apply]
    if apply:
        steps.append(
            Step(
                "Upgrade the database.",
                tuple(env.upgrade_command for env in apply),
                tuple(upgrade_detail(env) for env in apply),
            )
        )
    edits = config_edits(notes.configuration)
    if edits:
        steps.append(Step("Update the configuration files (TOML) and etcd settings (JSON samples).", (), edits))
    steps.append(Step("Start the Backend.AI services.", (), ()))
    return tuple(steps)


def upgrade_detail(env: DatabaseEnvironment) -> str:
    count = len(env.to_apply)
    return f"{env.ini}: apply {count} revision{'s' if count != 1 else ''}, ending at {ticks(env.heads)}"


def config_edits(configuration: Configuration) -> Tuple[str, ...]:
    """One line per changed sample and per checked local file that needs an edit."""
    lines = [
        f"{s.path}: {s.file}; {len(s.added)} added, {len(s.removed)} removed, {len(s.changed)} changed defaults"
        for s in configuration.samples
    ]
    for check in configuration.local:
        needs = [f"add {ticks(k.key for k in check.missing)}"] if check.missing else []
        needs += [f"remove {ticks(check.obsolete)}"] if check.obsolete else []
        if needs:
            lines.append(f"{check.local}: {'; '.join(needs)}")
    return tuple(lines)


def ticks(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or "none"
