"""Lockstep releases: which distributions carry the monorepo version, and the metadata that follows.

A distribution that declares no `version` of its own is released with exactly the monorepo
version, whatever its name (Backend.AI's client SDK included); one that declares a version keeps it
when the target says `calver_lockstep=False` or its name matches
`[release-version].independent_distributions`, and must otherwise declare the monorepo's. Every version
this module hands to setuptools is in PEP 440 form (`24.9.0rc1`), so the `==` pins Pants writes
between first-party distributions come out zero-stripped too.
"""

from __future__ import annotations

import fnmatch
from typing import Optional, Sequence, Tuple

from packaging.version import InvalidVersion, Version

from calver_release.release.calver import PRE_KINDS, CalVer, Kind, VersionError

DEVELOPMENT_STATUS = {
    Kind.DEV: "Development Status :: 2 - Pre-Alpha",
    Kind.ALPHA: "Development Status :: 3 - Alpha",
    Kind.BETA: "Development Status :: 4 - Beta",
    Kind.RC: "Development Status :: 4 - Beta",
    Kind.FINAL: "Development Status :: 5 - Production/Stable",
    Kind.POST: "Development Status :: 5 - Production/Stable",
}
"""The trove classifier each kind of version implies."""


class StampingError(ValueError):
    """A distribution's BUILD file contradicts the lockstep version."""


def is_lockstep(distribution: str, declared: Optional[bool], has_version: bool, independent: Sequence[str]) -> bool:
    """Whether `distribution` is released with the monorepo version.

    The target's `calver_lockstep` field decides when set; otherwise a distribution without a
    `version` of its own is lockstep, and one with a version is lockstep unless its name matches
    one of the `independent` glob patterns.
    """
    if declared is not None:
        return declared
    if not has_version:
        return True
    name = distribution.lower()
    return not any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in independent)


def kind_of(version: str) -> Kind:
    """The kind of any PEP 440 version, CalVer or not (client SDKs may use SemVer)."""
    parsed = Version(version)
    if parsed.is_devrelease:
        return Kind.DEV
    if parsed.pre is not None:
        return PRE_KINDS[parsed.pre[0]]
    return Kind.POST if parsed.is_postrelease else Kind.FINAL


def with_development_status(classifiers: Sequence[str], version: str) -> Tuple[str, ...]:
    """The classifiers plus the `Development Status` for `version`, unless one is already set."""
    if any(c.startswith("Development Status ::") for c in classifiers):
        return tuple(classifiers)
    return (*classifiers, DEVELOPMENT_STATUS[kind_of(version)])


def built_version(
    address: str,
    lockstep: bool,
    monorepo: Optional[CalVer],
    declared: Optional[str],
) -> str:
    """The version a distribution is built with: the monorepo's, or its own declared one normalized.

    `monorepo` may be None only for independent distributions. Raises StampingError where Pants
    would otherwise fail later without naming the rule (an independent distribution without a
    version) or stamp silently over the BUILD file (a lockstep one declaring another version).
    """
    if lockstep:
        assert monorepo is not None
        return lockstep_version(address, monorepo, declared)
    if declared is None:
        raise StampingError(
            f"{address}: an independent distribution needs its own `version` in `provides` (got "
            f"`calver_lockstep=False` and no `version`); add one, or remove `calver_lockstep=False` "
            f"to build it with the monorepo version"
        )
    try:
        return str(Version(declared))
    except InvalidVersion:
        raise StampingError(
            f"{address}: `version={declared!r}` in `provides` is not a PEP 440 version (got `{declared}`); "
            "write one such as `1.4.0`"
        ) from None


def lockstep_version(address: str, monorepo: CalVer, declared: Optional[str]) -> str:
    """The version a lockstep distribution is built with; refuses a different declared one."""
    if declared is not None and not _same_version(declared, monorepo):
        raise StampingError(
            f"{address}: `version={declared!r}` in `provides` differs from the monorepo version "
            f"`{monorepo.pep440()}` this lockstep distribution is built with; remove it, or set "
            f"`calver_lockstep=False` on the target to release it with its own version"
        )
    return monorepo.pep440()


def _same_version(declared: str, monorepo: CalVer) -> bool:
    try:
        return CalVer.parse(declared) == monorepo
    except VersionError:
        return False
