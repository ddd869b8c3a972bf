"""`pants release-version`: show, set, bump and check the monorepo version, and cut release branches."""

from __future__ import annotations

import dataclasses
import glob
import json
import os
from enum import Enum
from pathlib import Path
from typing import List, Optional, Sequence

from pants.backend.python.target_types import PythonRequirementsField
from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.fs import PathGlobs
from pants.engine.console import Console
from pants.engine.goal import Goal, GoalSubsystem
from pants.engine.rules import collect_rules, goal_rule
from pants.option.option_types import BoolOption, EnumOption, StrListOption, StrOption
from pants.util.docutil import bin_name
from pants.util.strutil import help_text, softwrap
from pants.base.build_root import BuildRoot

from calver_release.calver import BumpKind, Cadence, CalVer, Scheme, VersionError, parse_canonical
from calver_release.compat import all_targets, read_files
from calver_release.distributions import DistributionVersion, distribution_versions
from calver_release.git import GitError, run_git
from calver_release.release_checks import (
    check_api_version,
    check_branch_names,
    check_canonical,
    check_package_version_files,
    check_requirement_pins,
)
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
    check = BoolOption(
        default=False,
        mutually_exclusive_group="action",
        help=softwrap(
            """
            Check the release invariants and print one line per problem: the version file's
            canonical form, the per-package version files, the API version, zero-padded pins
            of first-party or calendar-versioned packages, and branch names that collide with
            tags or wear another series' release-branch name. Return code 0 means no problem,
            1 means at least one. Mutually exclusive with `--set`, `--bump` and `--cut-release`.
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
    independent_distributions = StrListOption(
        default=["*-client", "*-client-*", "*-sdk"],
        advanced=True,
        help=softwrap(
            """
            Glob patterns of distribution names that keep their own `version` (client SDKs, the
            API spec). Every other `python_distribution` is server-side and built with the
            monorepo version. A target's `calver_lockstep` field overrides this.
            """
        ),
    )
    package_version_files = StrListOption(
        default=["src/ai/backend/*/VERSION"],
        advanced=True,
        help="Glob patterns of per-package version files that must link to, or equal, the root version file.",
    )
    api_version_file = StrOption(
        default=None,
        advanced=True,
        help="The file declaring the API specification version (`vN.yyyymmdd`) that `--check` validates.",
    )
    api_version_pattern = StrOption(
        default=None,
        advanced=True,
        help=softwrap(
            """
            A regular expression whose first group is the API version inside
            `[release-version].api_version_file`; unset, the whole file is the version.
            """
        ),
    )

    @property
    def scheme(self) -> Scheme:
        return Scheme(pad_minor=self.pad_minor, cadence=self.cadence)


class ReleaseVersionGoal(Goal):
    subsystem_cls = ReleaseVersionSubsystem
    environment_behavior = Goal.EnvironmentBehavior.LOCAL_ONLY


def render_json(version: CalVer, scheme: Scheme, components: Sequence[DistributionVersion]) -> str:
    """The `--format=json` report of a version and of the distributions built with it."""
    report = {
        "version": version.canonical(scheme),
        "pep440": version.pep440(),
        "series": version.series.branch(scheme),
        "release_branch": version.series.branch(scheme),
        "tag": version.tag(scheme),
        "kind": version.kind.value,
        "is_prerelease": version.is_prerelease,
        "components": [dataclasses.asdict(component) for component in components],
    }
    return json.dumps(report, indent=2, sort_keys=True)


def render_version(version: CalVer, scheme: Scheme, output_format: OutputFormat) -> str:
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


async def find_problems(
    subsystem: ReleaseVersionSubsystem, build_root: BuildRoot, version_file: VersionFile, current: CalVer
) -> List[str]:
    """Every `--check` problem, one line each, in a stable order."""
    root = Path(build_root.path)
    targets = await all_targets()
    distributions, conflicts = distribution_versions(targets, subsystem.independent_distributions, current)
    problems = check_canonical(subsystem.file, current, version_file.line(), subsystem.scheme)
    # glob.glob, unlike Path.glob, lists broken symlinks too.
    package_files = {
        os.path.relpath(path, root) for pattern in subsystem.package_version_files for path in glob.glob(str(root / pattern))
    }
    problems += check_package_version_files(root, version_file.line(), package_files)
    if subsystem.api_version_file:
        contents = await read_files(PathGlobs([subsystem.api_version_file]))
        text = contents[0].content.decode() if contents else None
        problems += check_api_version(subsystem.api_version_file, text, subsystem.api_version_pattern)
    problems += conflicts
    requirements = [
        (target.address.spec, str(requirement))
        for target in targets
        if target.has_field(PythonRequirementsField)
        for requirement in target[PythonRequirementsField].value
    ]
    problems += check_requirement_pins(requirements, [d.name for d in distributions])
    if run_git(root, "rev-parse", "--git-dir", check=False).returncode == 0:
        problems += check_branch_names(root, subsystem.file, subsystem.scheme)
    return problems


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
    if subsystem.check:
        problems = await find_problems(subsystem, build_root, version_file, current)
        for problem in problems:
            console.print_stderr(problem)
        return ReleaseVersionGoal(exit_code=1 if problems else 0)
    if new is None and subsystem.output_format is OutputFormat.JSON:
        components, conflicts = distribution_versions(
            await all_targets(), subsystem.independent_distributions, current
        )
        for conflict in conflicts:
            console.print_stderr(conflict)
        if not conflicts:
            console.print_stdout(render_json(current, scheme, components))
        return ReleaseVersionGoal(exit_code=1 if conflicts else 0)
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


def rules():
    return collect_rules()
