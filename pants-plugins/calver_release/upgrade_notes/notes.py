"""Upgrade notes built from two commits: versions, packages, database, configuration, halfstack, and the checklist.

No Pants import: the goal resolves the update (`versions.resolve_update`), gathers the options into
`NotesSettings` and calls `build_notes`, which reads everything else from git objects: the BUILD
files, requirements files and lockfiles, alembic environments, sample configs and compose files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Sequence, Tuple

from calver_release.halfstack.compose import DEFAULT_DB_SERVICE, ComposeError
from calver_release.migrations.alembic_env import AlembicEnvError, ParsedRevisions
from calver_release.migrations.revision_graph import RevisionGraphError
from calver_release.runtime.commit_files import shared_blob_reader
from calver_release.runtime.git import GitError, GitRepo
from calver_release.runtime.pants_toml import PantsTomlError, python_resolves
from calver_release.upgrade_notes import packages
from calver_release.upgrade_notes.build_files import ParsedBuildFiles, read_build_files
from calver_release.upgrade_notes.configs import DEFAULT_SAMPLE_GLOBS, local_checks, sample_changes
from calver_release.upgrade_notes.database import alembic_inis, environment_notes, prefetch
from calver_release.upgrade_notes.distributions import server_side
from calver_release.upgrade_notes.halfstack import halfstack_changes
from calver_release.upgrade_notes.report import (
    Configuration,
    DatabaseEnvironment,
    NotRead,
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

DEFAULT_BUILD_PATTERNS = ("BUILD", "BUILD.*")
"""Pants' default `[GLOBAL].build_patterns`."""


@dataclass(frozen=True)
class NotesSettings:
    """What the notes depend on besides the refs: `[GLOBAL]`, `[release-version]`, `[topic-switch]`,
    `[halfstack]` and `[upgrade-notes]` options."""

    repo: GitRepo
    inis: Tuple[str, ...] = ()
    source_root: str = "src"
    sample_globs: Tuple[str, ...] = DEFAULT_SAMPLE_GLOBS
    local_configs: Tuple[Tuple[str, str], ...] = ()
    db_service: str = DEFAULT_DB_SERVICE
    session_globs: Tuple[str, ...] = DEFAULT_SESSION_GLOBS
    independent: Tuple[str, ...] = ()
    build_patterns: Tuple[str, ...] = DEFAULT_BUILD_PATTERNS
    build_ignore: Tuple[str, ...] = ()
    pants: str = "pants"


def build_notes(settings: NotesSettings, update: Update) -> UpgradeNotes:
    """The whole report, read from git objects; UpgradeNotesError names the file or ref that is wrong."""
    old, new = update.old.files, update.new.files
    try:
        with shared_blob_reader(settings.repo):
            parsed: ParsedRevisions = {}
            for files in (old, new):
                files.listing()  # one `git ls-tree` per commit: every later lookup is filtered from it
            inis = alembic_inis(old, new, settings.inis)
            for files in (old, new):
                prefetch(files, inis, settings.source_root)
            database = tuple(environment_notes(old, new, ini, settings.source_root, parsed) for ini in inis)
            samples, samples_not_read = sample_changes(old, new, settings.sample_globs)
            local = local_checks(old, new, settings.local_configs, settings.sample_globs, settings.repo.root)
            package_notes = packages_of(settings, update)
            halfstack = halfstack_changes(
                old, new, update.old.version.series, update.new.version.series, settings.db_service, settings.pants
            )
            session_files = changed_files(settings.repo, old.commit, new.commit, settings.session_globs)
    except (AlembicEnvError, RevisionGraphError, ComposeError, GitError, PantsTomlError) as e:
        raise UpgradeNotesError(str(e)) from None
    notes = UpgradeNotes(
        from_ref=update.old.describe(),
        to_ref=update.new.describe(),
        kind=update.kind,
        summary=(),
        session_files=session_files,
        packages=package_notes,
        database=database,
        configuration=Configuration(samples, samples_not_read, local),
        halfstack=halfstack,
        steps=(),
    )
    return replace(notes, summary=summary(notes), steps=checklist(notes))


def packages_of(settings: NotesSettings, update: Update) -> Packages:
    """The server-side distributions from the BUILD files at both refs, and the third-party requirement changes."""
    old, new = update.old.files, update.new.files
    parsed: ParsedBuildFiles = {}
    builds = [read_build_files(files, settings.build_patterns, settings.build_ignore, parsed) for files in (old, new)]
    distributions = server_side(builds[0], builds[1], settings.independent, update.new.version)
    lockfiles = {**python_resolves(old), **python_resolves(new)}.values()
    declared = sorted({path for build in builds for path in build.requirement_files})
    requirements = requirement_changes(old, new, declared, lockfiles)
    unread_builds = [NotRead(path, ref, why) for ref, build in zip(("from", "to"), builds) for path, why in build.not_read]
    version = update.new.version.pep440()
    names = distributions.distributions
    return Packages(
        version=version,
        distributions=names,
        constraints=packages.constraints(names, version),
        upgrade_command=packages.upgrade_command(names, version) if names else None,
        distributions_added=distributions.added,
        distributions_removed=distributions.removed,
        requirement_files=requirements.files,
        requirements=requirements.changes,
        not_read=tuple(sorted([*unread_builds, *requirements.not_read], key=lambda n: (n.path, n.ref))),
    )


def changed_files(repo: GitRepo, old: str, new: str, globs: Sequence[str]) -> Tuple[str, ...]:
    """The files under `globs` that differ between the commits."""
    if not globs:
        return ()
    return tuple(repo.lines("diff", "--name-only", "--relative", old, new, "--", *(f":(glob){glob}" for glob in globs)))


def summary(notes: UpgradeNotes) -> Tuple[str, ...]:
    """What kind of update this is, said plainly, and which files could not be read."""
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
    unread = sorted({n.path for n in (*notes.packages.not_read, *notes.configuration.not_read)})
    if not unread:
        return (kind,)
    files = ", ".join(f"`{path}`" for path in unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
    return (kind, f"Some files could not be read ({files}): see why below, and check them by hand.")


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
        steps.append(Step(install, (notes.packages.upgrade_command,), distribution_details(notes)))
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


def distribution_details(notes: UpgradeNotes) -> Tuple[str, ...]:
    """What the package command does not do: install distributions new at `--to`, remove those it drops."""
    packages, old = notes.packages, notes.from_ref.version
    details = []
    if packages.distributions_added:
        details.append(
            f"new in {notes.to_ref.version}: {ticks(packages.distributions_added)}; the command installs them only "
            "where another distribution requires them: install the ones this host should run"
        )
    if packages.distributions_removed:
        details.append(
            f"no longer released: {ticks(packages.distributions_removed)}; the command leaves them at {old}: "
            "uninstall them if nothing needs them"
        )
    return tuple(details)


def config_edits(configuration: Configuration) -> Tuple[str, ...]:
    """One line per changed sample, per sample not read, and per checked local file that needs an edit."""
    lines = [
        f"{s.path}: {s.file}; {len(s.added)} added, {len(s.removed)} removed, {len(s.changed)} changed defaults"
        + (f" (read line by line: not valid TOML at {', '.join(f'`--{w.ref}`' for w in s.line_wise)})" if s.line_wise else "")
        for s in configuration.samples
    ]
    lines += [f"{n.path}: could not be read at `--{n.ref}`; compare it by hand" for n in configuration.not_read]
    for check in configuration.local:
        needs = [f"add {ticks(k.key for k in check.missing)}"] if check.missing else []
        needs += [f"remove {ticks(check.obsolete)}"] if check.obsolete else []
        if needs:
            lines.append(f"{check.local}: {'; '.join(needs)}")
    return tuple(lines)


def ticks(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names) or "none"
