"""`pants upgrade-notes --from=REF [--to=REF]`: what an installation must do to go from one release to another."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Iterable, Tuple

from pants.backend.python.target_types import PythonRequirementTarget
from pants.base.build_root import BuildRoot
from pants.core.target_types import TargetGeneratorSourcesHelperSourcesField, TargetGeneratorSourcesHelperTarget
from pants.engine.console import Console
from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.engine.target import Target
from pants.option.option_types import BoolOption, EnumOption, StrListOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap

from calver_release.halfstack.subsystem import HalfstackSubsystem
from calver_release.release.rules import distribution_versions
from calver_release.release.subsystem import ReleaseVersionSubsystem
from calver_release.runtime.compat import all_targets
from calver_release.runtime.git import GitError, GitRepo
from calver_release.topic_switch.goal import TopicSwitchSubsystem
from calver_release.upgrade_notes.configs import parse_config_options
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

        Both commits are read from git objects (no checkout, no import of application code); the
        server-side distributions come from the checked-out targets.
        """
    )

    from_ref = StrOption("--from", default=None, help="The installed release: a tag, branch or commit.")
    to_ref = StrOption("--to", default="HEAD", help="The release to go to: a tag, branch or commit.")
    output_format = EnumOption(
        "--format",
        default=NotesFormat.MARKDOWN,
        help="`markdown` (release notes), `text` (a terminal) or `json` (installers and CI; schema in the README).",
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


def requirement_files(targets: Iterable[Target]) -> Tuple[str, ...]:
    """The files `python_requirements`-style generators read, found through the targets they generated."""
    generator = lambda target: target.address.maybe_convert_to_target_generator()  # noqa: E731
    requirements = {generator(t) for t in targets if isinstance(t, PythonRequirementTarget)}
    helpers = (t for t in targets if isinstance(t, TargetGeneratorSourcesHelperTarget) and generator(t) in requirements)
    return tuple(sorted(t[TargetGeneratorSourcesHelperSourcesField].file_path for t in helpers))


async def compute_notes(
    subsystem: UpgradeNotesSubsystem,
    release: ReleaseVersionSubsystem,
    topic: TopicSwitchSubsystem,
    halfstack: HalfstackSubsystem,
    repo: GitRepo,
) -> UpgradeNotes:
    """Validate the options and refs, list the distributions and requirements files, build the notes."""
    pairs = parse_config_options(subsystem.local_configs)
    update = resolve_update(repo, subsystem.from_ref, subsystem.to_ref, release.file, subsystem.allow_downgrade)
    targets = await all_targets()
    distributions, conflicts = distribution_versions(targets, release.independent_distributions, update.new.version)
    if conflicts:
        raise UpgradeNotesError(conflicts[0])
    settings = NotesSettings(
        repo=repo,
        inis=tuple(topic.alembic_inis),
        source_root=topic.import_root,
        config_globs=tuple(topic.config_globs),
        local_configs=pairs,
        db_service=halfstack.db_service,
        session_globs=tuple(subsystem.session_globs),
        requirement_files=requirement_files(targets),
        pants=bin_name(),
    )
    return build_notes(settings, update, [d.name for d in distributions if d.server_side])


@goal_rule
async def upgrade_notes(
    console: Console,
    subsystem: UpgradeNotesSubsystem,
    release: ReleaseVersionSubsystem,
    topic: TopicSwitchSubsystem,
    halfstack: HalfstackSubsystem,
    build_root: BuildRoot,
    env: CompleteEnvironmentVars,
) -> UpgradeNotesGoal:
    repo = GitRepo(Path(build_root.path), dict(env))
    try:
        notes = await compute_notes(subsystem, release, topic, halfstack, repo)
    except (UpgradeNotesError, GitError) as e:
        console.print_stderr(str(e))
        return UpgradeNotesGoal(exit_code=1)
    console.print_stdout(RENDERERS[subsystem.output_format](notes), end="")
    return UpgradeNotesGoal(exit_code=0)


def rules():
    return collect_rules()
