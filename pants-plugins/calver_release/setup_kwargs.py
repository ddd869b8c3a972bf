"""Stamping `python_distribution`s through Pants' `SetupKwargsRequest` extension point.

See https://www.pantsbuild.org/v2.17/docs/plugins-setup-py. Lockstep (server-side) distributions
get the monorepo version in PEP 440 form; every distribution gets a `Development Status`
classifier unless its BUILD file sets one. Pants then pins first-party dependencies with these
versions (`backend.ai-common==24.9.0rc1`), zero-stripped.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass
from typing import Any, Dict

from pants.backend.python.target_types import PythonProvidesField
from pants.backend.python.util_rules.package_dists import SetupKwargs, SetupKwargsRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionMembership, UnionRule, union
from pants.util.logging import LogLevel

from calver_release.calver import CalVer
from calver_release.goals.release_version import ReleaseVersionSubsystem
from calver_release.distributions import distribution_version, target_is_lockstep
from calver_release.lockstep import StampingError, with_development_status
from calver_release.version_file import VersionFileError, VersionFileRequest, get_version_file


@union
@dataclass(frozen=True)
class CalverSetupKwargsRequest(ABC):
    """Extends the kwargs of every distribution after calver_release stamped them.

    Pants allows one applicable `SetupKwargsRequest` per target, and calver_release's applies to
    every `python_distribution`. A repository with its own setup-kwargs plugin (checks, README
    as `long_description`, `url`, ...) subclasses this instead, registers
    `UnionRule(CalverSetupKwargsRequest, MyRequest)` and a rule `MyRequest -> SetupKwargs` that
    starts from `request.stamped.kwargs`. Applicable members run in class-name order; none may
    change the version.
    """

    target: Target
    stamped: SetupKwargs

    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return True


class StampedSetupKwargsRequest(SetupKwargsRequest):
    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return target.has_field(PythonProvidesField)


async def monorepo_version(subsystem: ReleaseVersionSubsystem) -> CalVer:
    """The parsed version file, as a StampingError when it is unusable (no console here)."""
    version_file = await get_version_file(VersionFileRequest(subsystem.file))
    try:
        return version_file.parse()
    except VersionFileError as e:
        raise StampingError(str(e)) from None


async def extend_setup_kwargs(request: CalverSetupKwargsRequest) -> SetupKwargs:
    """Run one extension member (on Pants 2.32+ a call of the union's rule by name)."""
    return await Get(SetupKwargs, CalverSetupKwargsRequest, request)


@rule(desc="Stamp a `python_distribution` with the monorepo version", level=LogLevel.DEBUG)
async def stamp_setup_kwargs(
    request: StampedSetupKwargsRequest,
    subsystem: ReleaseVersionSubsystem,
    union_membership: UnionMembership,
) -> SetupKwargs:
    target = request.target
    kwargs: Dict[str, Any] = request.explicit_kwargs
    lockstep = target_is_lockstep(target, subsystem.independent_distributions)
    monorepo = await monorepo_version(subsystem) if lockstep else None
    version = distribution_version(target, lockstep, monorepo).version
    if version is not None:
        kwargs["version"] = version
        kwargs["classifiers"] = list(with_development_status(kwargs.get("classifiers", ()), version))
    stamped = SetupKwargs(kwargs, address=target.address)

    members = sorted(union_membership.get(CalverSetupKwargsRequest), key=lambda member: member.__name__)
    for member in members:
        if not member.is_applicable(target):
            continue
        extended = await extend_setup_kwargs(member(target, stamped))
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
    ]
