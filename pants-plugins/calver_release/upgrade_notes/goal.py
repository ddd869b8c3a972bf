"""`pants upgrade-notes --from=REF [--to=REF]`: what an installation must do to go from one release to another."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Tuple

from pants.base.build_root import BuildRoot
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.option.global_options import GlobalOptions
from pants.option.option_types import BoolOption, EnumOption, StrListOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap

from calver_release.halfstack.subsystem import HalfstackSubsystem
from calver_release.migrations.alembic_env import AlembicSettings
from calver_release.release.subsystem import ReleaseVersionSubsystem
from calver_release.runtime.commit_files import shared_blob_reader
from calver_release.runtime.git import GitError, GitRepo
from calver_release.upgrade_notes.configs import DEFAULT_SAMPLE_GLOBS, parse_config_options
from calver_release.upgrade_notes.notes import DEFAULT_SESSION_GLOBS, NotesSettings, build_notes
from calver_release.upgrade_notes.render import render_markdown, render_text
from calver_release.upgrade_notes.report import UpgradeNotes, UpgradeNotesError, render_json
from calver_release.upgrade_notes.versions import resolve_update


class NotesFormat(Enum):
    MARKDOWN = "markdown"
    TEXT = "text"
    JSON = "json"


RENDERERS = {NotesFormat.MARKDOWN: render_markdown, NotesFormat.TEXT: render_text, NotesFormat.JSON: render_json}


class UpgradeNotesSubsystem(GoalSubsystem):
    name = "upgrade-notes"
    help = help_text(
        """
        Report what an installation must do to go from one release to another: packages,
        migrations, configuration and halfstack changes, and the operator's checklist.

        Both commits are read from git objects (no checkout, no import of application code): the
        server-side distributions come from the BUILD files at `--to`.
        """
    )

    from_ref = StrOption("--from", default=None, help="Required: the installed release, a tag, branch or commit.")
    to_ref = StrOption("--to", default="HEAD", help="The release to go to: a tag, branch or commit.")
    output_format = EnumOption(
        "--format",
        default=NotesFormat.MARKDOWN,
        help="`markdown` (release notes), `text` (a terminal) or `json` (installers and CI; schema in docs/upgrade-notes.md).",
    )
    local_configs = StrListOption(
        "--config",
        default=[],
        help=softwrap(
            """
            `SAMPLE=LOCAL` (repeatable): also check the operator's file `LOCAL` against the sample
            config `SAMPLE` at `--to`, e.g. `configs/manager/sample.toml=/etc/backend.ai/manager.toml`.
            A relative `LOCAL` is taken from the build root.
            """
        ),
    )
    allow_downgrade = BoolOption(
        default=False,
        help="Report a downgrade (`--to` older than `--from`, migrations run backwards) instead of refusing it.",
    )
    sample_globs = StrListOption(
        default=list(DEFAULT_SAMPLE_GLOBS),
        advanced=True,
        help=softwrap(
            """
            The sample configs operators copy (git globs): their keys added, removed and changed are
            reported. TOML, JSON and YAML by suffix; other files (`sample.conf`) by content.
            """
        ),
    )
    session_globs = StrListOption(
        default=list(DEFAULT_SESSION_GLOBS),
        advanced=True,
        help=softwrap(
            """
            Where the agent and the kernel runner live (git globs): a change there means terminating
            compute sessions before the services stop.
            """
        ),
    )


class UpgradeNotesGoal(Goal):
    subsystem_cls = UpgradeNotesSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def compute_notes(
    subsystem: UpgradeNotesSubsystem,
    release: ReleaseVersionSubsystem,
    alembic: AlembicSettings,
    halfstack: HalfstackSubsystem,
    global_options: GlobalOptions,
    repo: GitRepo,
) -> UpgradeNotes:
    """Validate the options and refs, then build the notes from git objects."""
    pairs = parse_config_options(subsystem.local_configs)
    with shared_blob_reader(repo):
        update = resolve_update(repo, subsystem.from_ref, subsystem.to_ref, release.file, subsystem.allow_downgrade)
        return build_notes(notes_settings(subsystem, release, alembic, halfstack, global_options, repo, pairs), update)


def notes_settings(
    subsystem: UpgradeNotesSubsystem,
    release: ReleaseVersionSubsystem,
    alembic: AlembicSettings,
    halfstack: HalfstackSubsystem,
    global_options: GlobalOptions,
    repo: GitRepo,
    pairs: Tuple[Tuple[str, str], ...],
) -> NotesSettings:
    """The options `build_notes` depends on."""
    return NotesSettings(
        repo=repo,
        inis=alembic.inis,
        source_root=alembic.import_root,
        sample_globs=tuple(subsystem.sample_globs),
        local_configs=pairs,
        db_service=halfstack.db_service,
        session_globs=tuple(subsystem.session_globs),
        independent=tuple(release.independent_distributions),
        build_patterns=tuple(global_options.build_patterns),
        build_ignore=(*global_options.pants_ignore, *global_options.build_ignore),
        pants=bin_name(),
    )


@goal_rule
async def upgrade_notes(
    console: Console,
    subsystem: UpgradeNotesSubsystem,
    release: ReleaseVersionSubsystem,
    alembic: AlembicSettings,
    halfstack: HalfstackSubsystem,
    global_options: GlobalOptions,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
) -> UpgradeNotesGoal:
    repo = GitRepo(Path(build_root.path), dict(env))
    try:
        notes = compute_notes(subsystem, release, alembic, halfstack, global_options, repo)
    except (UpgradeNotesError, GitError) as e:
        console.print_stderr(str(e))
        return UpgradeNotesGoal(exit_code=1)
    console.print_stdout(RENDERERS[subsystem.output_format](notes), end="")
    return UpgradeNotesGoal(exit_code=0)


def rules():
    return collect_rules()
