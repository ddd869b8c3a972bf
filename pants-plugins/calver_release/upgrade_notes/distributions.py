"""The server-side distributions of each side of an update, from the BUILD files at each commit.

The selection is stamping's (`release.lockstep`): a distribution is server-side (released with the
monorepo version) unless its target says `calver_lockstep=False` or it declares its own `version`
and its name matches `[release-version].independent_distributions`. At `--to` a lockstep
distribution declaring another version than `--to`'s is refused, as `pants package` would refuse it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple

from calver_release.release.calver import CalVer
from calver_release.release.lockstep import StampingError, is_lockstep, lockstep_version
from calver_release.upgrade_notes.build_files import BuildFiles, DeclaredDistribution
from calver_release.upgrade_notes.report import UpgradeNotesError


@dataclass(frozen=True)
class ServerSide:
    """The server-side distributions at `--to`, and those `--to` adds and drops against `--from`."""

    distributions: Tuple[str, ...]
    added: Tuple[str, ...]
    removed: Tuple[str, ...]


def is_server_side(distribution: DeclaredDistribution, independent: Sequence[str]) -> bool:
    has_version = distribution.version is not None
    return is_lockstep(distribution.name, distribution.lockstep, has_version, independent)


def server_side(old: BuildFiles, new: BuildFiles, independent: Sequence[str], version: CalVer) -> ServerSide:
    """The names at `--to` (sorted) and the difference with `--from`; UpgradeNotesError for a conflicting version."""
    names = []
    for distribution in (d for d in new.distributions if is_server_side(d, independent)):
        try:
            lockstep_version(distribution.address, version, distribution.version)
        except StampingError as e:
            raise UpgradeNotesError(str(e)) from None
        names.append(distribution.name)
    before = {d.name for d in old.distributions if is_server_side(d, independent)}
    after = set(names)
    return ServerSide(tuple(sorted(after)), tuple(sorted(after - before)), tuple(sorted(before - after)))
