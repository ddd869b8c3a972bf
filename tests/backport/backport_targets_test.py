"""Backport targets decided from a commit's message: `Backport:` trailer, `fix:` subject, or none."""

from __future__ import annotations

from datetime import date

import pytest

from calver_release.backport.engine import BackportPlan, Pick, Skip, TargetPlan
from calver_release.backport.targets import (
    CommitTargets,
    Rule,
    Targets,
    backport_trailer,
    decide_targets,
    restrict_plan,
    unmaintained_error,
)
from calver_release.release.calver import Scheme
from calver_release.release.maintained import parse_registry

PATH = ".github/maintained-versions.yml"
REGISTRY = parse_registry(
    PATH,
    'versions:\n  - version: "26.8"\n  - version: "26.4"\n    lts: true\n    retire_after: "2027-04-30"\n'
    '  - version: "25.15"\n    lts: true\n    retire_after: "2026-03-31"\n',
    Scheme(pad_minor=False),
)
"""26.8 (regular) and 26.4 (LTS) maintained on TODAY; 25.15 an expired LTS still listed."""
TODAY = date(2026, 9, 1)


@pytest.mark.parametrize(
    "message, expected",
    [
        pytest.param("fix: crash\n", Targets(Rule.FIX, ("26.8", "26.4")), id="fix"),
        pytest.param("fix(manager): crash\n", Targets(Rule.FIX, ("26.8", "26.4")), id="fix-scope"),
        pytest.param("Fix!: crash\n", Targets(Rule.FIX, ("26.8", "26.4")), id="fix-breaking-any-case"),
        pytest.param("feat: new thing\n", Targets(Rule.NONE), id="feature"),
        pytest.param("fixture: more data\n", Targets(Rule.NONE), id="not-quite-fix"),
        pytest.param(
            "feat: new thing\n\nBackport: 26.8, 26.4\n", Targets(Rule.TRAILER, ("26.8", "26.4"), ("26.8", "26.4")), id="trailer-commas"
        ),
        pytest.param(
            "feat: new thing\n\nbackport: 26.4 26.8\n", Targets(Rule.TRAILER, ("26.8", "26.4"), ("26.4", "26.8")), id="trailer-spaces"
        ),
        pytest.param("fix: crash\n\nBackport: 26.4\n", Targets(Rule.TRAILER, ("26.4",), ("26.4",)), id="trailer-narrows-a-fix"),
        pytest.param("fix: crash\n\nBackport: none\n", Targets(Rule.TRAILER, (), ("none",)), id="backport-none"),
        pytest.param("fix: crash\n\nBackport: None\n", Targets(Rule.TRAILER, (), ("None",)), id="backport-none-any-case"),
        pytest.param(
            "fix: squashed\n\n* part one\n\nBackport: 26.4\n\n* part two\nBackport: 26.8\n",
            Targets(Rule.TRAILER, ("26.8", "26.4"), ("26.4", "26.8")),
            id="trailers-buried-by-a-squash",
        ),
        pytest.param(
            "fix: crash\n\nBackport: 26.8, 26.5\n", Targets(Rule.TRAILER, ("26.8",), ("26.8", "26.5"), ("26.5",)), id="unregistered"
        ),
        pytest.param("fix: crash\n\nBackport: 25.15\n", Targets(Rule.TRAILER, (), ("25.15",), ("25.15",)), id="expired-lts"),
        pytest.param(
            "feat: x\n\nBackport: 26.04, 26.8\n", Targets(Rule.TRAILER, ("26.8", "26.4"), ("26.04", "26.8")), id="other-spelling"
        ),
        pytest.param("fix: crash\n\nBackport: none 26.8\n", Targets(Rule.TRAILER, ("26.8",), ("none", "26.8"), ("none",)), id="none-and-a-line"),
        pytest.param("fix: crash\n\nBackport:\n", Targets(Rule.TRAILER, unmaintained=("",)), id="empty-trailer"),
        pytest.param("feat: x\n\nBackported-To: 26.4\n", Targets(Rule.NONE), id="backported-to-is-not-a-request"),
    ],
)
def test_decide_targets(message: str, expected: Targets) -> None:
    assert decide_targets(message, REGISTRY, TODAY) == expected


def test_trailer_values() -> None:
    assert backport_trailer("fix: x\n\nBackport: 26.8,26.4 ,26.8\n") == ("26.8", "26.4")
    assert backport_trailer("fix: x\n") is None


@pytest.mark.parametrize(
    "targets, expected",
    [
        pytest.param(Targets(Rule.TRAILER, ("26.8",), ("26.8", "26.4")), "`Backport: 26.8, 26.4` trailer", id="trailer"),
        pytest.param(Targets(Rule.FIX, ("26.8",)), "`fix:` subject", id="fix"),
        pytest.param(Targets(Rule.NONE), "no `Backport:` trailer and not a `fix:` subject", id="none"),
    ],
)
def test_rule_in_words(targets: Targets, expected: str) -> None:
    assert targets.describe() == expected


@pytest.mark.parametrize(
    "message, reasons",
    [
        pytest.param("fix: x\n\nBackport: 26.5\n", f"`26.5` is not in `{PATH}`", id="unregistered"),
        pytest.param(
            "fix: x\n\nBackport: 25.15, 26.8\n",
            f"`25.15` is expired, LTS through 2026-03-31; remove it from `{PATH}`",
            id="expired",
        ),
        pytest.param("fix: x\n\nBackport: none, 26.8\n", "`none` together with versions", id="none-with-versions"),
        pytest.param("fix: x\n\nBackport:\n", "an empty `Backport:` trailer", id="empty"),
    ],
)
def test_unmaintained_error(message: str, reasons: str) -> None:
    decision = CommitTargets("0123456789abcdef", "fix: x", decide_targets(message, REGISTRY, TODAY))
    assert unmaintained_error(decision, REGISTRY, TODAY) == (
        f"`Backport:` trailer of 0123456: names a line that is not maintained ({reasons}) "
        f"(got {decision.targets.describe()}); the maintained lines are `26.8`, `26.4`: fix the trailer, "
        "or pass `--to=X.Y` to choose the targets yourself"
    )


def test_restrict_plan_keeps_each_commit_on_its_own_targets() -> None:
    a, b = Pick("a" * 40, "fix: a"), Pick("b" * 40, "feat: b")
    skip = Skip("a" * 40, "fix: a", "already on 26.4")
    plan = BackportPlan(
        "main", (TargetPlan("26.8", "t8", (a, b)), TargetPlan("26.4", "t4", (b,), (skip,))), ("warning: w",)
    )
    restricted = restrict_plan(plan, {a.commit: ("26.8", "26.4"), b.commit: ("26.8",)})
    assert restricted == BackportPlan(
        "main", (TargetPlan("26.8", "t8", (a, b)), TargetPlan("26.4", "t4", (), (skip,))), ("warning: w",)
    )
