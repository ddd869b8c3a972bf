"""The release package's rules: reading the version file, and stamping `python_distribution`s.

Stamping goes through Pants' `SetupKwargsRequest` extension point, see https://www.pantsbuild.org/v2.17/docs/plugins-setup-py. Lockstep (server-side) distributions
get the monorepo version in PEP 440 form; every distribution gets a `Development Status`
classifier unless its BUILD file sets one, and the metadata of `[distribution-metadata]`
(metadata.py). Pants then pins first-party dependencies with these versions
(`backend.ai-common==24.9.0rc1`), zero-stripped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import LongDescriptionPathField, PythonDistribution, PythonProvidesField
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.backend.python.util_rules.package_dists import SetupKwargs, SetupKwargsRequest
from pants.engine.fs import GlobMatchErrorBehavior, PathGlobs
from pants.engine.rules import collect_rules, rule
from pants.engine.target import Target, TransitiveTargetsRequest, TriBoolField
from pants.engine.unions import UnionMembership, UnionRule
from pants.util.logging import LogLevel
from pants.util.strutil import help_text

from calver_release.release.calver import CalVer
from calver_release.release.extension import CalverSetupKwargsRequest
from calver_release.release.lockstep import StampingError, built_version, is_lockstep
from calver_release.release.metadata import Readme, check_provides, find_readme, readme_paths, stamped_kwargs
from calver_release.release.metadata_subsystem import DistributionMetadataSubsystem
from calver_release.release.subsystem import ReleaseVersionSubsystem
from calver_release.release.version_file import VersionFile, VersionFileError, VersionFileRequest
from calver_release.runtime.compat import extended_setup_kwargs, read_files, snapshot, transitive_targets, version_file


class CalverLockstepField(TriBoolField):
    alias = "calver_lockstep"
    help = help_text(
        """
        Whether this distribution is released with the monorepo version (`True`) or keeps the
        `version` in its `provides` (`False`, which needs a `version`). Unset, a distribution
        without a `version` is lockstep, and one with a `version` keeps it only when its name
        matches `[release-version].independent_distributions`.
        """
    )


@dataclass(frozen=True)
class DistributionVersion:
    """What a distribution is built with; `--format=json` reports it as a component."""

    address: str
    name: str
    version: str
    server_side: bool


def target_is_lockstep(target: Target, independent: Sequence[str]) -> bool:
    """Whether the distribution `target` is released with the monorepo version."""
    kwargs = target[PythonProvidesField].value.kwargs
    has_version = kwargs.get("version") is not None
    return is_lockstep(str(kwargs.get("name", "")), target[CalverLockstepField].value, has_version, independent)


def distribution_version(target: Target, lockstep: bool, monorepo: Optional[CalVer]) -> DistributionVersion:
    """The version `target` will be built with; raises StampingError on a missing or conflicting `version`."""
    kwargs = target[PythonProvidesField].value.kwargs
    declared = kwargs.get("version")
    version = built_version(target.address.spec, lockstep, monorepo, None if declared is None else str(declared))
    return DistributionVersion(target.address.spec, str(kwargs.get("name", "")), version, lockstep)


def distribution_versions(
    targets: Sequence[Target], independent: Sequence[str], monorepo: CalVer
) -> Tuple[List[DistributionVersion], List[str]]:
    """The versions of every distribution among `targets`, sorted, and the conflicts found."""
    versions, conflicts = [], []
    for target in targets:
        if not target.has_field(PythonProvidesField):
            continue
        try:
            versions.append(distribution_version(target, target_is_lockstep(target, independent), monorepo))
        except StampingError as e:
            conflicts.append(str(e))
    return sorted(versions, key=lambda v: v.address), conflicts


class StampedSetupKwargsRequest(SetupKwargsRequest):
    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return target.has_field(PythonProvidesField)


async def monorepo_version(subsystem: ReleaseVersionSubsystem) -> CalVer:
    """The parsed version file, as a StampingError when it is unusable (no console here)."""
    file = await version_file(VersionFileRequest(subsystem.file))
    try:
        return file.parse()
    except VersionFileError as e:
        raise StampingError(str(e)) from None


async def package_readme(target: Target) -> Optional[Readme]:
    """The README next to the distribution's BUILD file, through the engine (pantsd sees edits)."""
    directory = target.address.spec_path
    globs = PathGlobs(readme_paths(directory), glob_match_error_behavior=GlobMatchErrorBehavior.ignore)
    contents = await read_files(globs)
    return find_readme(directory, {file.path: file.content for file in contents})


async def interpreter_constraints(target: Target, python_setup: PythonSetup) -> Tuple[str, ...]:
    """The interpreter constraints Pants packages `target` with: those of its closure, merged, or `[python]`'s."""
    closure = await transitive_targets(TransitiveTargetsRequest([target.address]))
    constraints = InterpreterConstraints.create_from_targets(closure.closure, python_setup) or InterpreterConstraints(
        python_setup.interpreter_constraints
    )
    return tuple(sorted(str(constraint) for constraint in constraints))


@rule(desc="Read the monorepo version file", level=LogLevel.DEBUG)
async def read_version_file(request: VersionFileRequest) -> VersionFile:
    globs = PathGlobs([request.path], glob_match_error_behavior=GlobMatchErrorBehavior.ignore)
    contents = await read_files(globs)
    if contents:
        return VersionFile(request.path, contents[0].content.decode(errors="replace"))
    return VersionFile(request.path, None, is_directory=request.path in (await snapshot(globs)).dirs)


@rule(desc="Stamp a `python_distribution` with the monorepo version and metadata", level=LogLevel.DEBUG)
async def stamp_setup_kwargs(
    request: StampedSetupKwargsRequest,
    subsystem: ReleaseVersionSubsystem,
    metadata: DistributionMetadataSubsystem,
    python_setup: PythonSetup,
    union_membership: UnionMembership,
) -> SetupKwargs:
    target = request.target
    provides: Dict[str, Any] = request.explicit_kwargs
    settings = metadata.settings
    long_description_path = target[LongDescriptionPathField].value
    check_provides(target.address.spec, provides, settings, long_description_path)
    lockstep = target_is_lockstep(target, subsystem.independent_distributions)
    monorepo = await monorepo_version(subsystem) if lockstep else None
    # Raised here, before Pants' own `InvalidSetupPyArgs` for a missing version can appear.
    version = distribution_version(target, lockstep, monorepo).version
    readme = await package_readme(target) if settings.reads_readme(provides, long_description_path) else None
    derives = settings.derives_python_requires(provides)
    constraints = await interpreter_constraints(target, python_setup) if derives else None
    kwargs = stamped_kwargs(
        target.address.spec,
        provides,
        settings,
        version=version,
        readme=readme,
        long_description_path=long_description_path,
        constraints=constraints,
        universe=python_setup.interpreter_versions_universe,
    )
    stamped = SetupKwargs(kwargs, address=target.address)

    members = sorted(union_membership.get(CalverSetupKwargsRequest), key=lambda member: member.__name__)
    for member in members:
        if not member.is_applicable(target):
            continue
        extended = await extended_setup_kwargs(member(target, stamped))
        if extended.kwargs["version"] != stamped.kwargs["version"]:
            raise StampingError(
                f"{target.address.spec}: `{member.__name__}` changed the version from "
                f"`{stamped.kwargs['version']}` to `{extended.kwargs['version']}`; extensions may not"
            )
        stamped = extended
    return stamped


def rules():
    return [
        *collect_rules(),
        UnionRule(SetupKwargsRequest, StampedSetupKwargsRequest),
        PythonDistribution.register_plugin_field(CalverLockstepField),
    ]
