"""Tests of the calendar version model and its command line; they must pass with any `packaging` >= 21.3."""

from __future__ import annotations

import datetime
import io
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from calver_release.release.calver import (
    ApiVersion,
    BumpKind,
    CalVer,
    Cadence,
    Kind,
    Scheme,
    Series,
    VersionError,
    is_release_branch,
    main,
    parse_canonical,
    release_branches_of,
    tags_of,
)
from calver_samples import INVALID, ORDERED, SPELLINGS

PADDED = Scheme()
UNPADDED = Scheme(pad_minor=False)
SEQUENTIAL = Scheme(pad_minor=False, cadence=Cadence.SEQUENTIAL)
PLUGINS_DIR = Path(__file__).resolve().parents[2] / "pants-plugins"


def test_version_error_is_a_value_error() -> None:
    assert issubclass(VersionError, ValueError)


@pytest.mark.parametrize(
    "text, padded, unpadded, pep440, kind",
    [pytest.param(*sample[1:], id=sample[0]) for sample in SPELLINGS],
)
def test_parse_renders_every_spelling(text: str, padded: str, unpadded: str, pep440: str, kind: str) -> None:
    version = CalVer.parse(text)
    assert (version.canonical(PADDED), version.canonical(UNPADDED), version.pep440(), version.kind) == (
        padded,
        unpadded,
        pep440,
        Kind(kind),
    )


@pytest.mark.parametrize(
    "text, written, series",
    [
        pytest.param("23.09.5", "23.09.5", "23.09", id="padded"),
        pytest.param("26.4.10", "26.4.10", "26.4", id="unpadded"),
        pytest.param("25.12.0", "25.12.0", "25.12", id="two-digit-minor"),
        pytest.param("23.09.8.rc1", "23.09.8rc1", "23.09", id="padded-non-canonical"),
        pytest.param("26.8.0dev0", "26.8.0.dev0", "26.8", id="unpadded-non-canonical"),
        pytest.param("24.09.01", "24.09.1", "24.09", id="padded-patch"),
    ],
)
def test_written_keeps_the_minor_as_written_in_any_scheme(text: str, written: str, series: str) -> None:
    version = CalVer.parse(text)
    assert (version.written(), version.series.written()) == (written, series)


def test_spelling_is_not_part_of_equality_or_order() -> None:
    padded, unpadded = CalVer.parse("24.09.9"), CalVer.parse("24.9.9")
    assert (padded == unpadded, hash(padded) == hash(unpadded), padded < CalVer.parse("26.4.0")) == (True, True, True)
    assert (padded.series == unpadded.series, len({padded.series, unpadded.series})) == (True, 1)
    assert (padded.written(), unpadded.written()) == ("24.09.9", "24.9.9")


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("24.09.0", CalVer(24, 9, 0), id="final"),
        pytest.param("23.03.0a2.dev", CalVer(23, 3, 0, pre=("a", 2), dev=0), id="pre-dev"),
        pytest.param("24.03.0c1", CalVer(24, 3, 0, pre=("rc", 1)), id="c-is-rc"),
        pytest.param("22.03.11.post1", CalVer(22, 3, 11, post=1), id="post"),
    ],
)
def test_parse_fields(text: str, expected: CalVer) -> None:
    assert CalVer.parse(text) == expected


@pytest.mark.parametrize("text, message", [pytest.param(*sample[1:], id=sample[0]) for sample in INVALID])
def test_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(VersionError) as error:
        CalVer.parse(text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param(
            dict(year=100, minor=1, patch=0),
            "the year must be between 0 and 99 (got `100`); write `YY.MM.PATCH`, as in `24.09.0`",
            id="year-100",
        ),
        pytest.param(
            dict(year=24, minor=9, patch=-1),
            "the patch must not be negative (got `-1`); use 0 or more",
            id="negative-patch",
        ),
        pytest.param(
            dict(year=24, minor=9, patch=0, pre=("c", 1)),
            "unknown pre-release segment (got `('c', 1)`); use `a`, `b` or `rc` and a number",
            id="unnormalized-letter",
        ),
        pytest.param(
            dict(year=24, minor=9, patch=0, pre=("a", -1)),
            "unknown pre-release segment (got `('a', -1)`); use `a`, `b` or `rc` and a number",
            id="negative-pre",
        ),
    ],
)
def test_constructor_validates(fields: dict, message: str) -> None:
    with pytest.raises(VersionError) as error:
        CalVer(**fields)
    assert str(error.value) == message


def test_order_is_pep440() -> None:
    shuffled = list(ORDERED)
    random.Random(0).shuffle(shuffled)
    assert [v.canonical(PADDED) for v in sorted(CalVer.parse(text) for text in shuffled)] == [
        CalVer.parse(text).canonical(PADDED) for text in ORDERED
    ]


@pytest.mark.parametrize(
    "left, right, expected",
    [
        pytest.param("24.09.0.dev0", "24.09.0a1.dev0", (True, True, False, False, False), id="dev-before-alpha-dev"),
        pytest.param("24.09.0", "24.9.0", (False, True, True, True, False), id="padding-is-equal"),
        pytest.param("24.09.0.post1", "24.09.0", (False, False, False, True, True), id="post-after-final"),
    ],
)
def test_comparisons(left: str, right: str, expected: tuple) -> None:
    a, b = CalVer.parse(left), CalVer.parse(right)
    assert (a < b, a <= b, a == b, a >= b, a > b) == expected


def test_equal_versions_hash_alike() -> None:
    assert {CalVer.parse("24.09.0"), CalVer.parse("24.9.0")} == {CalVer(24, 9, 0)}


def test_ordering_against_another_type_is_refused() -> None:
    with pytest.raises(TypeError):
        CalVer(24, 9, 0) < "24.09.1"  # noqa: B015


@pytest.mark.parametrize(
    "text, is_prerelease",
    [
        pytest.param("24.09.0.dev0", True, id="dev"),
        pytest.param("24.09.0a2.dev0", True, id="pre-dev"),
        pytest.param("24.09.0rc1", True, id="rc"),
        pytest.param("24.09.0", False, id="final"),
        pytest.param("24.09.0.post1", False, id="post"),
    ],
)
def test_is_prerelease(text: str, is_prerelease: bool) -> None:
    assert CalVer.parse(text).is_prerelease is is_prerelease


@pytest.mark.parametrize(
    "text, scheme, series, branch, tag, written",
    [
        pytest.param("24.09.0rc1", PADDED, Series(24, 9), "24.09", "24.09.0rc1", "24.09", id="padded"),
        pytest.param("26.8.0rc1", UNPADDED, Series(26, 8), "26.8", "26.8.0rc1", "26.8", id="unpadded"),
        pytest.param("24.9.2", PADDED, Series(24, 9), "24.09", "24.09.2", "24.9", id="padded-from-unpadded"),
        pytest.param("24.09.9", UNPADDED, Series(24, 9), "24.9", "24.9.9", "24.09", id="unpadded-from-padded"),
        pytest.param("25.12.0", UNPADDED, Series(25, 12), "25.12", "25.12.0", "25.12", id="two-digit-minor"),
    ],
)
def test_series_branch_and_tag(text: str, scheme: Scheme, series: Series, branch: str, tag: str, written: str) -> None:
    """The scheme decides the branch and tag the plugin writes; `written()` keeps the version's own spelling."""
    version = CalVer.parse(text)
    assert (version.series, version.series.branch(scheme), version.tag(scheme), version.series.written()) == (
        series,
        branch,
        tag,
        written,
    )


@pytest.mark.parametrize(
    "series, scheme, expected",
    [
        pytest.param(Series(22, 9), PADDED, Series(23, 3), id="september-to-march"),
        pytest.param(Series(23, 3), PADDED, Series(23, 9), id="march-to-september"),
        pytest.param(Series(24, 1), PADDED, Series(24, 3), id="january-to-march"),
        pytest.param(Series(24, 5), PADDED, Series(24, 9), id="may-to-september"),
        pytest.param(Series(24, 12), PADDED, Series(25, 3), id="december-to-march"),
        pytest.param(Series(25, 19), SEQUENTIAL, Series(25, 20), id="sequential"),
    ],
)
def test_series_next(series: Series, scheme: Scheme, expected: Series) -> None:
    assert series.next(scheme) == expected


@pytest.mark.parametrize(
    "series, scheme, written",
    [
        pytest.param(Series(24, 9, padded=True), UNPADDED, "25.3", id="padded-to-unpadded"),
        pytest.param(Series(24, 9), PADDED, "25.03", id="unpadded-to-padded"),
    ],
)
def test_series_next_is_spelled_in_the_scheme(series: Series, scheme: Scheme, written: str) -> None:
    assert series.next(scheme).written() == written


@pytest.mark.parametrize(
    "series, scheme, message",
    [
        pytest.param(
            Series(99, 9, padded=True),
            PADDED,
            "no series follows the last one of the scheme (got `99.09`); set the next version explicitly",
            id="six-month-past-99",
        ),
        pytest.param(
            Series(25, 99),
            SEQUENTIAL,
            "no series follows the last one of the scheme (got `25.99`); set the next version explicitly",
            id="sequential-past-99",
        ),
    ],
)
def test_series_next_refuses(series: Series, scheme: Scheme, message: str) -> None:
    with pytest.raises(VersionError) as error:
        series.next(scheme)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "name, expected",
    [
        pytest.param("24.09", Series(24, 9), id="padded"),
        pytest.param("24.9", Series(24, 9), id="unpadded-of-the-padded-era"),
        pytest.param("26.8", Series(26, 8), id="unpadded"),
        pytest.param("26.08", Series(26, 8), id="padded-of-the-unpadded-era"),
        pytest.param("25.12", Series(25, 12), id="two-digits"),
    ],
)
def test_parse_branch_reads_either_spelling(name: str, expected: Series) -> None:
    series = Series.parse_branch(name)
    assert (series, series.written(), is_release_branch(name)) == (expected, name, True)


@pytest.mark.parametrize(
    "name, message",
    [
        pytest.param(
            "main",
            "not a release branch name (got `main`); release branches are named `YY.MM`, as in `24.09` or `26.4`",
            id="main",
        ),
        pytest.param(
            "24.09.0",
            "not a release branch name (got `24.09.0`); release branches are named `YY.MM`, as in `24.09` or `26.4`",
            id="tag",
        ),
        pytest.param(
            "2024.09",
            "not a release branch name (got `2024.09`); release branches are named `YY.MM`, as in `24.09` or `26.4`",
            id="four-digit-year",
        ),
        pytest.param(
            "24.09\n",
            "not a release branch name (got `24.09\\n`); release branches are named `YY.MM`, as in `24.09` or `26.4`",
            id="trailing-newline",
        ),
        pytest.param(
            "24.00",
            "the minor must be between 1 and 99 (got `0`); write `YY.MM.PATCH`, as in `24.09.0`",
            id="minor-zero",
        ),
    ],
)
def test_parse_branch_refuses(name: str, message: str) -> None:
    with pytest.raises(VersionError) as error:
        Series.parse_branch(name)
    assert (str(error.value), is_release_branch(name)) == (message, False)


def test_release_branches_and_tags_of_a_series_in_either_spelling() -> None:
    names = ["main", "24.09", "24.9", "24.03", "24.09.0", "24.9.1", "feature/24.09", "26.4"]
    assert release_branches_of(Series(24, 9), names) == ["24.09", "24.9"]
    assert tags_of(CalVer.parse("24.9.0"), ["24.09.0", "24.9.0rc1", "24.9.0", "24.09.0.post1", "v24.09.0", "api-v8.20240915"]) == [
        "24.09.0",
        "24.9.0",
    ]


BUMPS = [
    # (id, start, bump, scheme, expected canonical)
    ("patch-final", "24.09.2", "patch", PADDED, "24.09.3"),
    ("patch-rc", "24.09.0rc1", "patch", PADDED, "24.09.1"),
    ("patch-dev", "24.09.0.dev0", "patch", PADDED, "24.09.1"),
    ("minor-september", "22.09.0", "minor", PADDED, "23.03.0.dev0"),
    ("minor-march", "23.03.0", "minor", PADDED, "23.09.0.dev0"),
    ("minor-off-cadence", "24.05.1", "minor", PADDED, "24.09.0.dev0"),
    ("minor-december", "24.12.1", "minor", PADDED, "25.03.0.dev0"),
    ("minor-sequential", "25.19.2", "minor", SEQUENTIAL, "25.20.0.dev0"),
    ("minor-from-dev", "24.03.0.dev1", "minor", PADDED, "24.09.0.dev0"),
    ("dev-dev", "24.09.0.dev0", "dev", PADDED, "24.09.0.dev1"),
    ("dev-pre-dev", "24.09.0a2.dev0", "dev", PADDED, "24.09.0a2.dev1"),
    ("dev-final", "24.09.2", "dev", PADDED, "24.09.3.dev0"),
    ("dev-pre", "24.09.0a1", "dev", PADDED, "24.09.0a2.dev0"),
    ("dev-post", "22.03.11.post1", "dev", PADDED, "22.03.12.dev0"),
    ("alpha-dev", "24.09.0.dev3", "alpha", PADDED, "24.09.0a1"),
    ("beta-dev", "24.09.0.dev3", "beta", PADDED, "24.09.0b1"),
    ("rc-dev", "24.09.0.dev3", "rc", PADDED, "24.09.0rc1"),
    ("alpha-alpha", "24.09.0a1", "alpha", PADDED, "24.09.0a2"),
    ("beta-alpha", "24.09.0a2", "beta", PADDED, "24.09.0b1"),
    ("rc-beta", "24.09.0b3", "rc", PADDED, "24.09.0rc1"),
    ("alpha-releases-pre-dev", "24.09.0a2.dev0", "alpha", PADDED, "24.09.0a2"),
    ("beta-from-alpha-dev", "24.09.0a2.dev0", "beta", PADDED, "24.09.0b1"),
    ("rc-from-zero", "24.09.0rc", "rc", PADDED, "24.09.0rc1"),
    ("alpha-final", "24.09.2", "alpha", PADDED, "24.09.3a1"),
    ("rc-post", "22.03.11.post1", "rc", PADDED, "22.03.12rc1"),
    ("rc-unpadded", "26.8.0rc1", "rc", UNPADDED, "26.8.0rc2"),
    ("patch-padded-in-unpadded", "24.09.9", "patch", UNPADDED, "24.9.10"),
    ("patch-unpadded-in-padded", "24.9.9", "patch", PADDED, "24.09.10"),
    ("minor-padded-in-unpadded", "24.12.1", "minor", UNPADDED, "25.3.0.dev0"),
    ("final-rc", "24.09.0rc1", "final", PADDED, "24.09.0"),
    ("final-dev", "24.09.0.dev0", "final", PADDED, "24.09.0"),
    ("final-pre-dev", "24.09.0a2.dev0", "final", PADDED, "24.09.0"),
    ("post-final", "22.03.11", "post", PADDED, "22.03.11.post1"),
    ("post-post", "22.03.11.post1", "post", PADDED, "22.03.11.post2"),
]


@pytest.mark.parametrize(
    "start, bump, scheme, expected", [pytest.param(*sample[1:], id=sample[0]) for sample in BUMPS]
)
def test_bump(start: str, bump: str, scheme: Scheme, expected: str) -> None:
    """A bump is spelled in the scheme, whatever the spelling it started from."""
    bumped = CalVer.parse(start).bump(BumpKind(bump), scheme)
    assert (bumped.canonical(scheme), bumped.written()) == (expected, expected)


BUMP_ERRORS = [
    # (id, start, bump, VersionError message)
    (
        "rc-to-alpha",
        "24.09.0rc1",
        "alpha",
        "cannot go back from rc to alpha (got `24.09.0rc1`); bump `rc` or a later stage",
    ),
    (
        "beta-to-alpha",
        "24.09.0b1",
        "alpha",
        "cannot go back from beta to alpha (got `24.09.0b1`); bump `beta` or a later stage",
    ),
    (
        "rc-dev-to-beta",
        "24.09.0rc2.dev0",
        "beta",
        "cannot go back from rc to beta (got `24.09.0rc2.dev0`); bump `rc` or a later stage",
    ),
    (
        "final-of-final",
        "24.09.0",
        "final",
        "already a final release (got `24.09.0`); bump `patch`, `post` or `minor` instead",
    ),
    (
        "final-of-post",
        "22.03.11.post1",
        "final",
        "already a final release (got `22.03.11.post1`); bump `patch`, `post` or `minor` instead",
    ),
    (
        "post-of-rc",
        "24.09.0rc1",
        "post",
        "only a final release can get a post-release (got `24.09.0rc1`); bump `final` first",
    ),
    (
        "post-of-dev",
        "24.09.0.dev0",
        "post",
        "only a final release can get a post-release (got `24.09.0.dev0`); bump `final` first",
    ),
    (
        "minor-past-99",
        "99.09.1",
        "minor",
        "no series follows the last one of the scheme (got `99.09`); set the next version explicitly",
    ),
]


@pytest.mark.parametrize("start, bump, message", [pytest.param(*sample[1:], id=sample[0]) for sample in BUMP_ERRORS])
def test_bump_refuses(start: str, bump: str, message: str) -> None:
    with pytest.raises(VersionError) as error:
        CalVer.parse(start).bump(BumpKind(bump), PADDED)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "text, scheme",
    [
        pytest.param("24.03.0.dev0", PADDED, id="padded-dev"),
        pytest.param("23.03.0a2.dev0", PADDED, id="padded-pre-dev"),
        pytest.param("22.03.11.post1", PADDED, id="padded-post"),
        pytest.param("26.8.0rc1", UNPADDED, id="unpadded-rc"),
    ],
)
def test_parse_canonical_accepts(text: str, scheme: Scheme) -> None:
    assert parse_canonical(text, scheme).canonical(scheme) == text


@pytest.mark.parametrize(
    "text, scheme, message",
    [
        pytest.param(
            "24.3.0", PADDED, "not canonical for the zero-padded scheme (got `24.3.0`); write `24.03.0`", id="unpadded"
        ),
        pytest.param(
            "24.03.0dev0",
            PADDED,
            "not canonical for the zero-padded scheme (got `24.03.0dev0`); write `24.03.0.dev0`",
            id="dev-no-dot",
        ),
        pytest.param(
            "23.09.8.rc1",
            PADDED,
            "not canonical for the zero-padded scheme (got `23.09.8.rc1`); write `23.09.8rc1`",
            id="rc-dotted",
        ),
        pytest.param(
            "26.08.0", UNPADDED, "not canonical for the unpadded scheme (got `26.08.0`); write `26.8.0`", id="padded"
        ),
        pytest.param(
            "v24.09.0",
            PADDED,
            "release versions have no `v` prefix (got `v24.09.0`); drop the `v` "
            "(it belongs to API versions such as `v8.20240915`)",
            id="unparseable",
        ),
    ],
)
def test_parse_canonical_refuses(text: str, scheme: Scheme, message: str) -> None:
    with pytest.raises(VersionError) as error:
        parse_canonical(text, scheme)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("v8.20240915", ApiVersion(8, datetime.date(2024, 9, 15)), id="plain"),
        pytest.param("api-v2.20170315", ApiVersion(2, datetime.date(2017, 3, 15)), id="tag"),
        pytest.param("v0.20240229", ApiVersion(0, datetime.date(2024, 2, 29)), id="leap-day"),
    ],
)
def test_api_version_parse(text: str, expected: ApiVersion) -> None:
    version = ApiVersion.parse(text)
    assert (version, str(version), version.tag()) == (expected, text.replace("api-", ""), "api-" + str(version))


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param(
            "v8.20240231",
            "the API version's date does not exist (got `v8.20240231`); use a real `YYYYMMDD` date",
            id="no-such-day",
        ),
        pytest.param(
            "v8.20230229",
            "the API version's date does not exist (got `v8.20230229`); use a real `YYYYMMDD` date",
            id="not-a-leap-year",
        ),
        pytest.param(
            "8.20240915",
            "not an API version (got `8.20240915`); write `v<major>.<YYYYMMDD>`, as in `v8.20240915`",
            id="no-v",
        ),
        pytest.param(
            "v08.20240915",
            "not an API version (got `v08.20240915`); write `v<major>.<YYYYMMDD>`, as in `v8.20240915`",
            id="padded-major",
        ),
        pytest.param(
            "v8.2024091",
            "not an API version (got `v8.2024091`); write `v<major>.<YYYYMMDD>`, as in `v8.20240915`",
            id="short-date",
        ),
        pytest.param(
            "v8.20240915\n",
            "not an API version (got `v8.20240915\\n`); write `v<major>.<YYYYMMDD>`, as in `v8.20240915`",
            id="trailing-newline",
        ),
    ],
)
def test_api_version_refuses(text: str, message: str) -> None:
    with pytest.raises(VersionError) as error:
        ApiVersion.parse(text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "argv, stdout",
    [
        pytest.param(["normalize", "24.09.0", "23.03.0a2.dev"], "24.9.0\n23.3.0a2.dev0\n", id="normalize"),
        pytest.param(["canonical", "24.3.0", "24.03.0dev0"], "24.03.0\n24.03.0.dev0\n", id="canonical"),
        pytest.param(["canonical", "--unpadded", "26.08.0rc1"], "26.8.0rc1\n", id="canonical-unpadded"),
        pytest.param(["branch", "24.09.2", "26.8.0rc1"], "24.09\n26.08\n", id="branch"),
        pytest.param(["branch", "--unpadded", "26.8.0rc1"], "26.8\n", id="branch-unpadded"),
        pytest.param(["kind", "24.09.0a2.dev0", "22.03.11.post1"], "dev\npost\n", id="kind"),
        pytest.param(["bump", "minor", "24.09.0", "24.05.1"], "25.03.0.dev0\n24.09.0.dev0\n", id="bump-minor"),
        pytest.param(
            ["bump", "minor", "--unpadded", "--cadence=sequential", "25.19.0"], "25.20.0.dev0\n", id="bump-sequential"
        ),
        pytest.param(["bump", "rc", "24.09.0.dev3"], "24.09.0rc1\n", id="bump-rc"),
        pytest.param(["compare", "24.09.0", "24.9.0"], "=\n", id="compare-equal"),
        pytest.param(["compare", "24.09.0rc1", "24.09.0"], "<\n", id="compare-less"),
        pytest.param(["compare", "24.09.0.post1", "24.09.0"], ">\n", id="compare-greater"),
        pytest.param(["--unpadded", "branch", "26.8.0rc1"], "26.8\n", id="options-first"),
        pytest.param(["canonical", "24.3.0", "--unpadded", "26.08.0"], "24.3.0\n26.8.0\n", id="options-between"),
    ],
)
def test_cli_arguments(argv: List[str], stdout: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 0
    assert capsys.readouterr() == (stdout, "")


@pytest.mark.parametrize(
    "argv, stdin, status, stdout, stderr",
    [
        pytest.param(["normalize"], "24.09.0\n26.8.0rc1\n", 0, "24.9.0\n26.8.0rc1\n", "", id="stdin"),
        pytest.param(["normalize"], "24.09.0", 0, "24.9.0\n", "", id="no-final-newline"),
        pytest.param(["normalize"], "", 0, "", "", id="no-input"),
        pytest.param(
            ["canonical"],
            "24.9.0\n\nv1.0.0\n24.3.0\n",
            1,
            "24.09.0\n24.03.0\n",
            "error: : empty version (got ``); write `YY.MM.PATCH`, as in `24.09.0`\n"
            "error: v1.0.0: release versions have no `v` prefix (got `v1.0.0`); drop the `v` "
            "(it belongs to API versions such as `v8.20240915`)\n",
            id="errors-continue",
        ),
        pytest.param(
            ["compare"],
            "24.09.0 24.9.0\n24.09.0rc1\t24.09.0\n24.09.0\n24.09.0 1.2\n",
            1,
            "=\n<\n",
            "error: 24.09.0: expected two versions separated by whitespace (got 1 fields); "
            "write `A B`, as in `24.09.0 24.9.0`\n"
            "error: 24.09.0 1.2: a version has exactly three release parts (got `1.2`); "
            "write `YY.MM.PATCH`, as in `24.09.0`\n",
            id="compare-stdin",
        ),
        pytest.param(
            ["bump", "final"],
            "24.09.0rc1\n24.09.0\n",
            1,
            "24.09.0\n",
            "error: 24.09.0: already a final release (got `24.09.0`); bump `patch`, `post` or `minor` instead\n",
            id="bump-error",
        ),
        pytest.param(
            ["kind"],
            "24.09.0\r\n",
            1,
            "",
            "error: 24.09.0\\r: a version has no whitespace (got `24.09.0\\r`); remove it\n",
            id="carriage-return",
        ),
    ],
)
def test_cli_stdin(
    argv: List[str],
    stdin: str,
    status: int,
    stdout: str,
    stderr: str,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert main(argv) == status
    assert capsys.readouterr() == (stdout, stderr)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["bump", "major", "24.09.0"], id="unknown-bump"),
        pytest.param(["bump"], id="bump-without-kind"),
        pytest.param(["compare", "24.09.0"], id="compare-one"),
        pytest.param(["compare", "24.09.0", "24.09.1", "24.09.2"], id="compare-three"),
        pytest.param(["kind", "--cadence=yearly", "24.09.0"], id="unknown-cadence"),
    ],
)
def test_cli_usage_error_exits_2(argv: List[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert (exit_info.value.code, capsys.readouterr().out) == (2, "")


def _run_module(args: List[str], stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PLUGINS_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "calver_release.release.calver", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_as_a_module() -> None:
    result = _run_module(["bump", "minor"], "23.09.0\n2024.09.0\n")
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "24.03.0.dev0\n",
        "error: 2024.09.0: the year must be written with two digits (got `2024`); "
        "write the last two digits of the year, as in `24.09.0`\n",
    )


def test_cli_imports_no_pants() -> None:
    code = "import sys, calver_release.release.calver; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pants'))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PLUGINS_DIR)},
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "[]\n")
