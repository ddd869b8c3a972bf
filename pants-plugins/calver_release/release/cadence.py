"""Whether an explicitly set version belongs to a series the configured cadence produces.

Real histories have series no cadence would produce (Backend.AI's 6-month era ended with `24.12`),
so such a version is set with a warning. Under the 6-month cadence the minor is a month, so a
minor above 12 (`24.13.0`) is a typo and refused.
"""

from __future__ import annotations

from typing import Optional

from calver_release.release.calver import SIX_MONTH_MINORS, Cadence, CalVer, Scheme, Series, VersionError


def check_cadence(version: CalVer, scheme: Scheme) -> Optional[str]:
    """The warning for a version outside the cadence's series, or None; VersionError when it cannot be one."""
    if scheme.cadence is not Cadence.SIX_MONTH:
        return None
    series = version.series
    if series.minor > 12:
        raise VersionError(
            f"under the 6-month cadence the minor is a month, and `{series.minor}` is not one "
            f"(got `{version.canonical(scheme)}`); write a month such as `{Series(series.year, 9).branch(scheme)}`, "
            "or set `[release-version].cadence = \"sequential\"`"
        )
    if series.minor in SIX_MONTH_MINORS:
        return None
    produced = " and ".join(f"`{Series(series.year, minor).branch(scheme)}`" for minor in SIX_MONTH_MINORS)
    return (
        f"warning: `--set`: the 6-month cadence produces the series {produced}, not `{series.branch(scheme)}` "
        f"(got `{version.canonical(scheme)}`); setting it anyway"
    )
