"""`pants release-version`: show, set, bump and check the monorepo version, and cut release branches."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Optional

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import BoolOption, EnumOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap
from pants.base.build_root import BuildRoot

from calver_release.calver import BumpKind, Cadence, CalVer, Scheme, VersionError, parse_canonical
from calver_release.git import GitError
from calver_release.release_cut import (
    ReleaseCutError,
    commit_next_version,
    create_release_branch,
    delete_release_branch,
    plan_release_cut,
)
from calver_release.version_file import (
    VersionFile,
    VersionFileError,
    VersionFileRequest,
    get_version_file,
    write_file_atomically,
)


class OutputFormat(Enum):
    TEXT = "text"
    PEP440 = "pep440"
    JSON = "json"


class ReleaseVersionSubsystem(GoalSubsystem):
    name = "release-version"
    help = help_text(
        """
        Show, set, bump or check the monorepo's calendar version, or cut a release branch.

        With no option, prints the canonical version read from the version file. `--set`,
        `--bump` and `--cut-release` change it; they are mutually exclusive.
        """
    )

    output_format = EnumOption(
        "--format",
        default=OutputFormat.TEXT,
        help="How to print the version: `text` (canonical), `pep440` (as setuptools writes it) or `json`.",
    )
    set_version = StrOption(
        "--set",
        default=None,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Write this version, in canonical form, to the version file and print `old -> new`.
            Mutually exclusive with `--bump` and `--cut-release`.
            """
        ),
    )
    bump = EnumOption(
        default=None,
        enum_type=BumpKind,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Bump the version and print `old -> new`: `patch`, `minor` (the next release series'
            `.0.dev0`), `dev`, `alpha`, `beta`, `rc` (up the pre-release ladder only), `final`
            or `post`. Mutually exclusive with `--set` and `--cut-release`.
            """
        ),
    )
    cut_release = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            On the main branch at `x.y.0` with a dev or pre-release suffix: create the `x.y`
            release branch at the main branch's tip, then commit the next series' `.dev0` on
            the main branch. Refuses, changing nothing, on another branch, with uncommitted
            changes, or when the branch or its tag exists. Mutually exclusive with `--set` and
            `--bump`.
            """
        ),
    )
    file = StrOption(
        default="VERSION",
        advanced=True,
        help="The monorepo version file, relative to the build root: one line holding the version.",
    )
    pad_minor = BoolOption(
        default=True,
        advanced=True,
        help=softwrap(
            """
            Zero-pad the minor to two digits (`24.09.0`, release branch `24.09`), as the classic
            Backend.AI process does. Off gives the unpadded `year.sprint.patch` scheme (`26.8.0`).
            """
        ),
    )
    cadence = EnumOption(
        default=Cadence.SIX_MONTH,
        advanced=True,
        help=softwrap(
            """
            How `--bump=minor` and `--cut-release` find the next release series: `6-month`
            (`23.03` -> `23.09` -> `24.03`) or `sequential` (`25.19` -> `25.20`).
            """
        ),
    )
    main_branch = StrOption(
        default="main",
        advanced=True,
        help="The branch fixes land on first and release branches are cut from.",
    )

    @property
    def scheme(self) -> Scheme:
        return Scheme(pad_minor=self.pad_minor, cadence=self.cadence)


class ReleaseVersionGoal(Goal):
    subsystem_cls = ReleaseVersionSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def render_json(version: CalVer, scheme: Scheme) -> str:
    """The `--format=json` report of a version."""
    report = {
        "version": version.canonical(scheme),
        "pep440": version.pep440(),
        "series": version.series.branch(scheme),
        "release_branch": version.series.branch(scheme),
        "tag": version.tag(scheme),
        "kind": version.kind.value,
        "is_prerelease": version.is_prerelease,
    }
    return json.dumps(report, indent=2, sort_keys=True)


def render_version(version: CalVer, scheme: Scheme, output_format: OutputFormat) -> str:
    if output_format is OutputFormat.JSON:
        return render_json(version, scheme)
    if output_format is OutputFormat.PEP440:
        return version.pep440()
    return version.canonical(scheme)


def requested_version(subsystem: ReleaseVersionSubsystem, current: CalVer) -> Optional[CalVer]:
    """The version `--set` or `--bump` asks for, or None when neither is given."""
    if subsystem.set_version is not None:
        try:
            return parse_canonical(subsystem.set_version, subsystem.scheme)
        except VersionError as e:
            raise VersionError(f"`--set`: {e}") from None
    if subsystem.bump is not None:
        try:
            return current.bump(subsystem.bump, subsystem.scheme)
        except VersionError as e:
            raise VersionError(f"`--bump={subsystem.bump.value}`: {e}") from None
    return None


@goal_rule
async def release_version(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    build_root: BuildRoot,
    bash: BashBinary,
) -> ReleaseVersionGoal:
    scheme = subsystem.scheme
    version_file = await get_version_file(VersionFileRequest(subsystem.file))
    try:
        current = version_file.parse()
        new = requested_version(subsystem, current)
    except (VersionFileError, VersionError) as e:
        console.print_stderr(str(e))
        return ReleaseVersionGoal(exit_code=1)

    if subsystem.cut_release:
        return ReleaseVersionGoal(
            exit_code=await cut_release(console, subsystem, build_root, bash, version_file, current)
        )
    if new is None:
        console.print_stdout(render_version(current, scheme, subsystem.output_format))
        return ReleaseVersionGoal(exit_code=0)

    try:
        await write_file_atomically(bash, build_root.path, subsystem.file, new.canonical(scheme) + "\n")
    except VersionFileError as e:
        console.print_stderr(str(e))
        return ReleaseVersionGoal(exit_code=1)
    console.print_stdout(f"{current.canonical(scheme)} -> {new.canonical(scheme)}")
    return ReleaseVersionGoal(exit_code=0)


async def cut_release(
    console: Console,
    subsystem: ReleaseVersionSubsystem,
    build_root: BuildRoot,
    bash: BashBinary,
    version_file: VersionFile,
    current: CalVer,
) -> int:
    """Create the release branch, then commit the next version on the main branch; 0 on success."""
    scheme = subsystem.scheme
    repo = Path(build_root.path)
    try:
        cut = plan_release_cut(repo, current, scheme, subsystem.main_branch)
    except (ReleaseCutError, GitError) as e:
        console.print_stderr(str(e))
        return 1
    create_release_branch(repo, cut)
    try:
        await write_file_atomically(bash, build_root.path, subsystem.file, cut.next_version.canonical(scheme) + "\n")
        commit = commit_next_version(repo, cut, subsystem.file, scheme)
    except (GitError, VersionFileError) as e:
        await write_file_atomically(bash, build_root.path, subsystem.file, version_file.text or "")
        delete_release_branch(repo, cut)
        console.print_stderr(f"`--cut-release`: {e}; nothing was changed")
        return 1
    console.print_stdout(
        f"Created release branch {cut.branch} at {cut.head[:12]} ({current.canonical(scheme)})"
    )
    console.print_stdout(
        f"{subsystem.main_branch}: {current.canonical(scheme)} -> "
        f"{cut.next_version.canonical(scheme)} (commit {commit[:12]})"
    )
    console.print_stderr(
        f"Push with `git push origin {cut.branch} {subsystem.main_branch}`; "
        f"later `{bin_name()} release-version --bump=...` on {cut.branch} sets its releases."
    )
    return 0


def rules():
    return collect_rules()
