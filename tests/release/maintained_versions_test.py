"""The registry of maintained release lines: strict parsing, retirement rules, registration, rewriting."""

from __future__ import annotations

from datetime import date
from textwrap import dedent
from typing import Optional

import pytest

from calver_release.release.calver import Scheme, Series
from calver_release.release.maintained import (
    Line,
    Registration,
    Registry,
    RegistryError,
    Retirement,
    Status,
    check_branches,
    describe_registry,
    line_branch,
    parse_registry,
    register_line,
    registry_json,
    retire_after_for,
    today_from,
)

PATH = ".github/maintained-versions.yml"
UNPADDED = Scheme(pad_minor=False)

BACKEND_AI = dedent(
    """\
    # Release lines that receive backports.
    versions:
      - version: "26.8"
      - version: "26.4"
        lts: true
        retire_after: "2027-04-30"
    """
)
"""Backend.AI's registry as written, with a comment."""

LINE_26_8 = Line("26.8", Series(26, 8))
LINE_26_4 = Line("26.4", Series(26, 4), lts=True, retire_after=date(2027, 4, 30))


def registry(text: Optional[str], scheme: Scheme = UNPADDED) -> Registry:
    return parse_registry(PATH, text, scheme)


# Reading ----------------------------------------------------------------------------------------


def test_reads_backend_ai_format() -> None:
    parsed = registry(BACKEND_AI)
    assert parsed.lines == (LINE_26_8, LINE_26_4)
    assert parsed.maintained(date(2026, 9, 1)) == (LINE_26_8, LINE_26_4)


def test_unquoted_date_and_padded_scheme() -> None:
    parsed = registry("versions:\n- version: '24.09'\n- version: '24.03'\n  lts: true\n  retire_after: 2025-03-31\n", Scheme())
    assert parsed.lines == (
        Line("24.09", Series(24, 9)),
        Line("24.03", Series(24, 3), lts=True, retire_after=date(2025, 3, 31)),
    )


BOTH_ERAS = dedent(
    """\
    versions:
      - version: "26.8"
      - version: "26.4"
        lts: true
        retire_after: "2027-04-30"
      - version: "24.09"
        lts: true
        retire_after: "2026-09-30"
    """
)
"""A registry of a repository that crossed the 2025 change of scheme: both spellings at once."""


@pytest.mark.parametrize("scheme", [pytest.param(Scheme(), id="padded-scheme"), pytest.param(UNPADDED, id="unpadded-scheme")])
def test_both_spellings_are_read_as_written_in_either_scheme(scheme: Scheme) -> None:
    parsed = registry(BOTH_ERAS, scheme)
    assert [line.version for line in parsed.lines] == ["26.8", "26.4", "24.09"]
    assert [line.series for line in parsed.lines] == [Series(26, 8), Series(26, 4), Series(24, 9)]
    assert describe_registry(parsed, date(2026, 9, 1)) == [
        "26.8   maintained, regular",
        "26.4   maintained, LTS through 2027-04-30",
        "24.09  maintained, LTS through 2026-09-30",
        "edge: 26.8",
        "stable: 26.4",
    ]


def test_a_line_is_found_by_either_spelling() -> None:
    parsed = registry(BOTH_ERAS)
    assert (parsed.get("24.9"), parsed.get("24.09"), parsed.get("26.08"), parsed.get("26.5"), parsed.get("main")) == (
        parsed.lines[2],
        parsed.lines[2],
        parsed.lines[0],
        None,
        None,
    )


def test_missing_file_is_an_empty_registry() -> None:
    assert registry(None) == Registry(PATH, UNPADDED, None)


def test_empty_list() -> None:
    assert registry("versions: []\n").lines == ()
    assert registry("versions:\n").lines == ()


@pytest.mark.parametrize(
    "text, error",
    [
        pytest.param(
            "versions:\n  - version: \"26.8\"\n  lts: [\n",
            "not valid YAML (got `expected <block end>, but found '?'` at line 3); fix the file",
            id="not-yaml",
        ),
        pytest.param(
            "",
            'no `versions` list (got `None`); write `versions:` followed by one `- version: "X.Y"` entry per maintained line',
            id="empty-file",
        ),
        pytest.param(
            "- version: \"26.8\"\n",
            "no `versions` list (got `[{'version': '26.8'}]`); "
            'write `versions:` followed by one `- version: "X.Y"` entry per maintained line',
            id="top-level-list",
        ),
        pytest.param(
            "versions: \"26.8\"\n",
            "`versions` is not a list (got `26.8`); write one `- version:` entry per line",
            id="versions-not-a-list",
        ),
        pytest.param(
            "versions:\n  - version: \"26.8\"\nlines: []\n",
            "unknown top-level key (got `lines`); only `versions` is read, remove it",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "versions:\n  - version: \"26.8\"\n  - lts: true\n    retire_after: \"2027-04-30\"\n",
            "entry 2 has no `version` (got `{'lts': True, 'retire_after': '2027-04-30'}`); add `version: \"X.Y\"`",
            id="entry-without-version",
        ),
        pytest.param(
            "versions:\n  - \"26.8\"\n",
            'entry 1 is not a mapping (got `26.8`); write `- version: "X.Y"`',
            id="entry-not-a-mapping",
        ),
        pytest.param(
            "versions:\n  - version: \"main\"\n",
            "entry 1: `version` is not a release line: not a release branch name (got `main`); "
            "release branches are named `YY.MM`, as in `24.09` or `26.4`",
            id="version-not-a-line",
        ),
        pytest.param(
            "versions:\n  - version: 26.10\n",
            'entry 1: `version` is not a string (got `26.1`); quote it, as in `version: "24.9"`',
            id="version-a-number",
        ),
        pytest.param(
            "versions:\n  - version: \"26.4\"\n    lts: \"yes\"\n    retire_after: \"2027-04-30\"\n",
            "entry 1 (`26.4`): `lts` is not a boolean (got `yes`); write `lts: true` or `lts: false`",
            id="lts-not-boolean",
        ),
        pytest.param(
            "versions:\n  - version: \"26.4\"\n    lts: true\n    retire_after: \"April 2027\"\n",
            'entry 1 (`26.4`): `retire_after` is not a date (got `April 2027`); write `retire_after: "YYYY-MM-DD"`',
            id="retire-after-not-a-date",
        ),
        pytest.param(
            "versions:\n  - version: \"26.4\"\n    lts: true\n    retire_after: 2027-04-30 12:00:00\n",
            "entry 1 (`26.4`): `retire_after` is not a date (got `datetime.datetime(2027, 4, 30, 12, 0)`); "
            'write `retire_after: "YYYY-MM-DD"`',
            id="retire-after-a-timestamp",
        ),
        pytest.param(
            "versions:\n  - version: \"26.4\"\n    lts: true\n",
            'entry 1 (`26.4`): an LTS line without `retire_after` (got none); add `retire_after: "YYYY-MM-DD"`, '
            "the end of the month one year after its rc",
            id="lts-without-date",
        ),
        pytest.param(
            "versions:\n  - version: \"26.8\"\n    retire_after: \"2027-04-30\"\n",
            "entry 1 (`26.8`): `retire_after` on a regular line (got `2027-04-30`); add `lts: true` or remove it "
            "(a regular line retires when a newer line is registered)",
            id="date-on-regular-line",
        ),
        pytest.param(
            "versions:\n  - version: \"26.4\"\n    lts: true\n    retire-after: \"2027-04-30\"\n",
            "entry 1 has an unknown key (got `retire-after`); the keys are `version`, `lts` and `retire_after`",
            id="unknown-key",
        ),
        pytest.param(
            "versions:\n  - version: \"26.8\"\n  - version: \"26.8\"\n",
            "entry 2 (`26.8`) is registered twice; remove one of them",
            id="duplicate",
        ),
        pytest.param(
            "versions:\n  - version: \"24.09\"\n  - version: \"24.9\"\n",
            "entry 2 (`24.9`) is registered twice (also as `24.09`); remove one of them",
            id="duplicate-in-the-other-spelling",
        ),
    ],
)
def test_bad_registry(text: str, error: str) -> None:
    with pytest.raises(RegistryError) as raised:
        registry(text)
    assert str(raised.value) == f"`{PATH}`: {error}"


def test_every_line_needs_its_branch() -> None:
    assert check_branches(registry(BACKEND_AI), ["main", "26.8"]) == [
        f"`{PATH}`: entry 2 (`26.4`) has no release branch (got no local branch `26.4` or `26.04`); "
        "create or fetch the branch, or remove the entry"
    ]
    assert check_branches(registry(BACKEND_AI), ["main", "26.8", "26.4"]) == []


@pytest.mark.parametrize(
    "version, branches, expected",
    [
        pytest.param("26.8", ["26.8", "main"], "26.8", id="same-name"),
        pytest.param("24.09", ["24.09", "26.8"], "24.09", id="same-name-padded"),
        pytest.param("24.9", ["24.09", "main"], "24.09", id="only-the-other-spelling"),
        pytest.param("24.09", ["24.9"], "24.9", id="only-the-other-spelling-unpadded"),
        pytest.param("24.9", ["24.09", "24.9"], "24.9", id="both-spellings-the-same-name-wins"),
        pytest.param("24.9", ["24.03", "25.09", "24.09.1"], None, id="none-of-the-series"),
    ],
)
def test_a_line_matches_its_branch(version: str, branches: list, expected: Optional[str]) -> None:
    parsed = registry(f'versions:\n  - version: "{version}"\n')
    problem = (
        f"`{PATH}`: entry 1 (`24.9`) has no release branch (got no local branch `24.9` or `24.09`); "
        "create or fetch the branch, or remove the entry"
    )
    assert (line_branch(parsed.lines[0], branches), check_branches(parsed, branches)) == (
        expected,
        [] if expected else [problem],
    )


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(None, date(2026, 9, 1), id="unset"),
        pytest.param("", date(2026, 9, 1), id="empty"),
        pytest.param("2027-05-01", date(2027, 5, 1), id="set"),
    ],
)
def test_today(value: Optional[str], expected: date) -> None:
    assert today_from(value, date(2026, 9, 1)) == expected


def test_today_must_be_a_date() -> None:
    with pytest.raises(RegistryError, match=r"^`CALVER_RELEASE_TODAY`: not a date \(got `tomorrow`\); write `YYYY-MM-DD` or unset it$"):
        today_from("tomorrow", date(2026, 9, 1))


# Retirement rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rc, expected",
    [
        pytest.param(date(2026, 4, 14), date(2027, 4, 30), id="april"),
        pytest.param(date(2027, 2, 3), date(2028, 2, 29), id="february-into-a-leap-year"),
        pytest.param(date(2027, 12, 31), date(2028, 12, 31), id="december"),
        pytest.param(date(2026, 1, 1), date(2027, 1, 31), id="first-day"),
    ],
)
def test_retire_after_is_the_end_of_the_month_a_year_later(rc: date, expected: date) -> None:
    assert retire_after_for(rc) == expected


@pytest.mark.parametrize(
    "today, status",
    [
        pytest.param(date(2027, 4, 30), Status.MAINTAINED, id="on-retire-after"),
        pytest.param(date(2027, 5, 1), Status.EXPIRED, id="the-day-after"),
    ],
)
def test_lts_line_expires_after_retire_after(today: date, status: Status) -> None:
    assert registry(BACKEND_AI).status(LINE_26_4, today) is status


def test_regular_line_is_superseded_by_any_newer_line() -> None:
    parsed = registry('versions:\n  - version: "26.12"\n    lts: true\n    retire_after: "2027-12-31"\n  - version: "26.8"\n')
    assert parsed.status(LINE_26_8, date(2026, 12, 1)) is Status.SUPERSEDED
    assert parsed.maintained(date(2026, 12, 1)) == (Line("26.12", Series(26, 12), True, date(2027, 12, 31)),)


def test_maintained_report_shows_what_is_past_its_time() -> None:
    parsed = registry(
        dedent(
            """\
            versions:
              - version: "26.8"
              - version: "26.4"
                lts: true
                retire_after: "2027-04-30"
              - version: "26.2"
              - version: "25.15"
                lts: true
                retire_after: "2026-03-31"
            """
        )
    )
    today = date(2026, 9, 1)
    assert describe_registry(parsed, today) == [
        "26.8   maintained, regular",
        "26.4   maintained, LTS through 2027-04-30",
        f"26.2   superseded by 26.8; remove it from `{PATH}`",
        f"25.15  expired, LTS through 2026-03-31; remove it from `{PATH}`",
        "edge: 26.8",
        "stable: 26.4",
    ]
    assert registry_json(parsed, today) == {
        "file": PATH,
        "today": "2026-09-01",
        "edge": "26.8",
        "stable": "26.4",
        "versions": [
            {"version": "26.8", "lts": False, "retire_after": None, "status": "maintained"},
            {"version": "26.4", "lts": True, "retire_after": "2027-04-30", "status": "maintained"},
            {"version": "26.2", "lts": False, "retire_after": None, "status": "superseded"},
            {"version": "25.15", "lts": True, "retire_after": "2026-03-31", "status": "expired"},
        ],
    }


@pytest.mark.parametrize(
    "text, today, edge, stable",
    [
        pytest.param(BACKEND_AI, date(2026, 9, 1), "26.8", "26.4", id="regular-and-lts"),
        pytest.param(BACKEND_AI, date(2027, 5, 1), "26.8", None, id="lts-expired"),
        pytest.param('versions:\n  - version: "26.8"\n', date(2026, 9, 1), "26.8", None, id="no-lts-line"),
        pytest.param(
            'versions:\n  - version: "26.12"\n    lts: true\n    retire_after: "2027-12-31"\n  - version: "26.8"\n',
            date(2026, 12, 1),
            "26.12",
            "26.12",
            id="newest-is-lts",
        ),
        pytest.param(
            'versions:\n  - version: "26.4"\n    lts: true\n    retire_after: "2027-04-30"\n  - version: "24.09"\n'
            '    lts: true\n    retire_after: "2026-09-30"\n',
            date(2026, 9, 1),
            "26.4",
            "26.4",
            id="newest-lts-across-spellings",
        ),
        pytest.param("versions: []\n", date(2026, 9, 1), None, None, id="empty"),
    ],
)
def test_edge_and_stable_channels(text: str, today: date, edge: Optional[str], stable: Optional[str]) -> None:
    parsed = registry(text)
    report = registry_json(parsed, today)
    assert (report["edge"], report["stable"]) == (edge, stable)
    assert describe_registry(parsed, today)[-2:] == [
        f"edge: {edge}" if edge else "edge: none (no line is maintained)",
        f"stable: {stable}" if stable else "stable: none (no LTS line is maintained)",
    ]


# Registering ------------------------------------------------------------------------------------


def test_regular_cut_retires_the_previous_regular_line_and_keeps_the_lts() -> None:
    outcome = register_line(registry(BACKEND_AI), Series(26, 12), lts=False, rc_date=date(2026, 12, 2))
    assert outcome.registry.text == dedent(
        """\
        # Release lines that receive backports.
        versions:
          - version: "26.12"
          - version: "26.4"
            lts: true
            retire_after: "2027-04-30"
        """
    )
    new = Line("26.12", Series(26, 12))
    assert (outcome.added, outcome.retired) == (new, (Retirement(LINE_26_8, "superseded by 26.12"),))
    assert outcome.registry.lines == (new, LINE_26_4)
    assert outcome.report() == [
        f"Registered 26.12 in `{PATH}`",
        f"Retired 26.8 from `{PATH}`: superseded by 26.12",
    ]


def test_lts_cut_records_retire_after_and_retires_an_expired_lts() -> None:
    outcome = register_line(registry(BACKEND_AI), Series(27, 5), lts=True, rc_date=date(2027, 5, 6))
    assert outcome.registry.text == dedent(
        """\
        # Release lines that receive backports.
        versions:
          - version: "27.5"
            lts: true
            retire_after: "2028-05-31"
        """
    )
    assert outcome.report() == [
        f"Registered 27.5 in `{PATH}` as LTS, supported through 2028-05-31",
        f"Retired 26.8 from `{PATH}`: superseded by 27.5",
        f"Retired 26.4 from `{PATH}`: LTS supported through 2027-04-30",
    ]


def test_rewrite_keeps_comments_quoting_and_order() -> None:
    text = dedent(
        """\
        # Release lines that receive backports (see the release guide).
        versions:
            # current regular line
            -   version: '26.8'   # fast track
            -   version: "26.4"
                lts: true         # a year of fixes
                retire_after: 2027-04-30

            -   version: "25.15"
                lts: true
                retire_after: "2027-01-31"
        # keep this list newest first
        """
    )
    outcome = register_line(registry(text), Series(26, 12), lts=True, rc_date=date(2026, 12, 2))
    assert outcome.registry.text == dedent(
        """\
        # Release lines that receive backports (see the release guide).
        versions:
            -   version: "26.12"
                lts: true
                retire_after: "2027-12-31"
            -   version: "26.4"
                lts: true         # a year of fixes
                retire_after: 2027-04-30

            -   version: "25.15"
                lts: true
                retire_after: "2027-01-31"
        # keep this list newest first
        """
    )


def test_oldest_first_file_gets_the_new_line_last() -> None:
    text = 'versions:\n- version: "26.4"\n  lts: true\n  retire_after: "2027-04-30"\n- version: "26.8"\n'
    outcome = register_line(registry(text), Series(26, 12), lts=False, rc_date=date(2026, 12, 2))
    assert outcome.registry.text == (
        'versions:\n- version: "26.4"\n  lts: true\n  retire_after: "2027-04-30"\n- version: "26.12"\n'
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param(None, 'versions:\n  - version: "26.12"\n', id="no-file"),
        pytest.param("versions: []  # none yet\n", 'versions:  # none yet\n  - version: "26.12"\n', id="empty-list"),
        pytest.param("# lines\nversions:\n", '# lines\nversions:\n  - version: "26.12"\n', id="null-list"),
    ],
)
def test_first_line(text: Optional[str], expected: str) -> None:
    outcome = register_line(registry(text), Series(26, 12), lts=False, rc_date=date(2026, 12, 2))
    assert (outcome.registry.text, outcome.added, outcome.retired) == (expected, Line("26.12", Series(26, 12)), ())


def test_registering_again_changes_nothing() -> None:
    outcome = register_line(registry(BACKEND_AI), Series(26, 8), lts=False, rc_date=date(2026, 9, 1))
    assert outcome == Registration(registry(BACKEND_AI), None, previous_text=BACKEND_AI)
    assert not outcome.changed


def test_a_line_registered_in_the_other_spelling_is_not_registered_again() -> None:
    """`24.09` is registered; cutting series 24.9 in the unpadded scheme finds it instead of adding `24.9`."""
    text = 'versions:\n  - version: "24.09"\n'
    outcome = register_line(registry(text, UNPADDED), Series(24, 9), lts=False, rc_date=date(2024, 9, 2))
    assert (outcome.added, outcome.changed, outcome.registry.text) == (None, False, text)


def test_a_new_line_is_written_in_the_scheme_next_to_the_other_spelling() -> None:
    outcome = register_line(registry(BOTH_ERAS, UNPADDED), Series(26, 12), lts=False, rc_date=date(2026, 12, 2))
    assert [line.version for line in outcome.registry.lines] == ["26.12", "26.4"]
    assert outcome.report() == [
        f"Registered 26.12 in `{PATH}`",
        f"Retired 26.8 from `{PATH}`: superseded by 26.12",
        f"Retired 24.09 from `{PATH}`: LTS supported through 2026-09-30",
    ]


@pytest.mark.parametrize(
    "text, series, lts, error",
    [
        pytest.param(
            BACKEND_AI,
            Series(26, 6),
            False,
            "`26.6` is older than the registered `26.8` (got `26.6`); a line is registered when its branch is cut, "
            "so edit the file by hand to add an older one",
            id="older-line",
        ),
        pytest.param(
            BACKEND_AI,
            Series(26, 8),
            True,
            "`26.8` is already registered as a regular line (got `--lts`); make it LTS by hand (`lts: true` and its `retire_after`)",
            id="regular-line-again-as-lts",
        ),
        pytest.param(
            'versions: [{version: "26.8"}]\n',
            Series(26, 12),
            False,
            "`versions` is written in flow style (got `[...]`); write one `- version:` entry per line so it can be rewritten",
            id="flow-style",
        ),
    ],
)
def test_refused_registration(text: str, series: Series, lts: bool, error: str) -> None:
    with pytest.raises(RegistryError) as raised:
        register_line(registry(text), series, lts, date(2026, 12, 2))
    assert str(raised.value) == f"`{PATH}`: {error}"
