"""Lockstep releases: which distributions carry the monorepo version, and the metadata that follows.

Server-side components (manager, agent, common, ...) are released with exactly the monorepo
version; independent distributions (client SDKs, the API spec) keep their own. Every version
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


def is_lockstep(distribution: str, declared: Optional[bool], independent: Sequence[str]) -> bool:
    """Whether `distribution` is released with the monorepo version.

    The target's `calver_lockstep` field decides when set; otherwise a distribution is lockstep
    unless its name matches one of the `independent` glob patterns.
    """
    if declared is not None:
        return declared
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
) -> Optional[str]:
    """The version a distribution is built with: the monorepo's, or its own declared one normalized.

    `monorepo` may be None only for independent distributions.
    """
    if lockstep:
        assert monorepo is not None
        return lockstep_version(address, monorepo, declared)
    if declared is None:
        return None
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
