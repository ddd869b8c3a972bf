"""`--set` of a series the cadence would not produce: a warning, or a refusal when the minor is no month."""

from __future__ import annotations

from typing import Optional

import pytest

from calver_release.release.cadence import check_cadence
from calver_release.release.calver import Cadence, CalVer, Scheme, VersionError

SIX_MONTH, SEQUENTIAL = Scheme(), Scheme(pad_minor=False, cadence=Cadence.SEQUENTIAL)


@pytest.mark.parametrize(
    "version, scheme, warning",
    [
        pytest.param("24.09.0", SIX_MONTH, None, id="september"),
        pytest.param("25.03.0.dev0", SIX_MONTH, None, id="march"),
        pytest.param(
            "24.05.0",
            SIX_MONTH,
            "warning: `--set`: the 6-month cadence produces the series `24.03` and `24.09`, not `24.05` "
            "(got `24.05.0`); setting it anyway",
            id="may",
        ),
        pytest.param(
            "24.12.1",
            SIX_MONTH,
            "warning: `--set`: the 6-month cadence produces the series `24.03` and `24.09`, not `24.12` "
            "(got `24.12.1`); setting it anyway",
            id="backend-ai-24.12",
        ),
        pytest.param("25.13.0", SEQUENTIAL, None, id="sequential-takes-any-minor"),
    ],
)
def test_out_of_cadence_series_warn(version: str, scheme: Scheme, warning: Optional[str]) -> None:
    assert check_cadence(CalVer.parse(version), scheme) == warning


@pytest.mark.parametrize(
    "version, scheme, message",
    [
        pytest.param(
            "24.13.0",
            SIX_MONTH,
            "under the 6-month cadence the minor is a month, and `13` is not one (got `24.13.0`); write a month "
            'such as `24.09`, or set `[release-version].cadence = "sequential"`',
            id="thirteen",
        ),
        pytest.param(
            "26.20.0rc1",
            Scheme(pad_minor=False),
            "under the 6-month cadence the minor is a month, and `20` is not one (got `26.20.0rc1`); write a month "
            'such as `26.9`, or set `[release-version].cadence = "sequential"`',
            id="unpadded-six-month",
        ),
    ],
)
def test_a_minor_that_is_no_month_is_refused_under_the_six_month_cadence(version: str, scheme: Scheme, message: str) -> None:
    with pytest.raises(VersionError) as error:
        check_cadence(CalVer.parse(version), scheme)
    assert str(error.value) == message
