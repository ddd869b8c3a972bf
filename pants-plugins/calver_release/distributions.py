"""The `python_distribution` side of lockstep releases: the `calver_lockstep` field and versions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from pants.backend.python.target_types import PythonDistribution, PythonProvidesField
from pants.engine.target import Target, TriBoolField
from pants.util.strutil import help_text

from calver_release.calver import CalVer
from calver_release.lockstep import StampingError, built_version, is_lockstep


class CalverLockstepField(TriBoolField):
    alias = "calver_lockstep"
    help = help_text(
        """
        Whether this distribution is released with the monorepo version (`True`) or keeps the
        `version` in its `provides` (`False`). Unset, it is lockstep unless its name matches
        `[release-version].independent_distributions`.
        """
    )


@dataclass(frozen=True)
class DistributionVersion:
    """What a distribution is built with; `--format=json` reports it as a component."""

    address: str
    name: str
    version: Optional[str]
    server_side: bool


def target_is_lockstep(target: Target, independent: Sequence[str]) -> bool:
    """Whether the distribution `target` is released with the monorepo version."""
    name = str(target[PythonProvidesField].value.kwargs.get("name", ""))
    return is_lockstep(name, target[CalverLockstepField].value, independent)


def distribution_version(target: Target, lockstep: bool, monorepo: Optional[CalVer]) -> DistributionVersion:
    """The version `target` will be built with; raises StampingError on a conflicting `version`."""
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


def rules():
    return [PythonDistribution.register_plugin_field(CalverLockstepField)]
