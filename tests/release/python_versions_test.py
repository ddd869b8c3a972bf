"""`python_requires` and `Programming Language :: Python :: X.Y` classifiers from interpreter constraints."""

from __future__ import annotations

import pytest

from calver_release.release.python_versions import (
    PythonVersionsError,
    is_minor_classifier,
    python_classifiers,
    python_requires,
)

UNIVERSE = ("2.7", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12")
"""Pants 2.17's default `[python].interpreter_versions_universe`."""


@pytest.mark.parametrize(
    "constraint, expected",
    [
        pytest.param("CPython==3.11.*", ">=3.11,<3.12", id="prefix-match-as-setupgen-wrote-it"),
        pytest.param("CPython==3.9.*", ">=3.9,<3.10", id="prefix-match-3.9"),
        pytest.param("CPython==3.*", ">=3,<4", id="major-prefix"),
        pytest.param("CPython==3.11.*,!=3.11.2", ">=3.11,<3.12,!=3.11.2", id="prefix-and-exclusion"),
        pytest.param("CPython<3.12,>=3.9", ">=3.9,<3.12", id="range-lower-bound-first"),
        pytest.param("CPython>=3.9", ">=3.9", id="open-range-stays-open"),
        pytest.param("CPython~=3.10", "~=3.10", id="compatible-release"),
        pytest.param("CPython==3.11.4", "==3.11.4", id="exact"),
        pytest.param("CPython>=3.8,!=3.9.*", ">=3.8,!=3.9.*", id="excluded-prefix-stays"),
        pytest.param("CPython==3.11.*,<3.12", ">=3.11,<3.12", id="duplicate-bound-once"),
        pytest.param("PyPy==3.9.*", ">=3.9,<3.10", id="other-implementation"),
        pytest.param("CPython<3.12,<3.13,>=3.10,>=3.9", ">=3.10,<3.12", id="merged-constraints-tightest-bounds"),
        pytest.param("CPython==3.11.*,>=3.9,<=3.11.7", ">=3.11,<=3.11.7,<3.12", id="only-lt-and-ge-are-tightened"),
    ],
)
def test_python_requires(constraint: str, expected: str) -> None:
    assert python_requires([constraint]) == expected


@pytest.mark.parametrize(
    "constraints, message",
    [
        pytest.param(
            ["CPython==3.11.*", "CPython==3.10.*"],
            "cannot derive `python_requires` from several interpreter constraints (got `CPython==3.10.* OR "
            "CPython==3.11.*`); Pants packages a distribution with one: write them as one constraint, such as "
            "`CPython>=3.10,<3.12`",
            id="several",
        ),
        pytest.param(
            [],
            "cannot derive `python_requires` without interpreter constraints (got none); set "
            '`[python].interpreter_constraints`, such as `["CPython==3.11.*"]`',
            id="none",
        ),
        pytest.param(
            ["CPython"],
            "cannot derive `python_requires` from an interpreter constraint without a version (got `CPython`); "
            "give it one, such as `CPython==3.11.*`, or set `python_requires` in `provides`",
            id="no-version",
        ),
        pytest.param(
            ["CPython==1!3.11.*"],
            "cannot derive `python_requires` from the prefix match `==1!3.11.*` (got `CPython==1!3.11.*`); "
            "write the range it means, such as `>=3.11,<3.12`",
            id="prefix-with-an-epoch",
        ),
        pytest.param(
            ["CPython>=three"],
            "cannot derive `python_requires` from an invalid interpreter constraint (got `CPython>=three`); "
            "write one such as `CPython==3.11.*`",
            id="invalid",
        ),
    ],
)
def test_what_cannot_be_derived(constraints, message: str) -> None:
    with pytest.raises(PythonVersionsError) as error:
        python_requires(constraints)
    assert str(error.value) == message


@pytest.mark.parametrize(
    "requires, expected",
    [
        pytest.param(">=3.11,<3.12", ("3.11",), id="one-minor"),
        pytest.param(">=3.9,<3.12", ("3.9", "3.10", "3.11"), id="range"),
        pytest.param(">=3.10", ("3.10", "3.11", "3.12"), id="open-range-up-to-the-universe"),
        pytest.param(">=3.11.4,<3.12", ("3.11",), id="patch-lower-bound-keeps-the-minor"),
        pytest.param(">=3.8,!=3.9.*,<3.11", ("3.8", "3.10"), id="excluded-minor"),
        pytest.param(">=3.13", (), id="beyond-the-universe"),
    ],
)
def test_python_classifiers(requires: str, expected) -> None:
    assert python_classifiers(requires, UNIVERSE) == tuple(f"Programming Language :: Python :: {v}" for v in expected)


def test_python_classifiers_follow_the_universe_order_numerically() -> None:
    assert python_classifiers(">=3.9", ["3.10", "3.9"]) == (
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
    )


def test_invalid_python_requires_is_refused() -> None:
    with pytest.raises(PythonVersionsError) as error:
        python_classifiers(">=three", UNIVERSE)
    assert str(error.value) == (
        "`python_requires='>=three'` is not a PEP 440 version specifier (got `>=three`); write one such as `>=3.11,<3.12`"
    )


@pytest.mark.parametrize(
    "classifier, expected",
    [
        ("Programming Language :: Python :: 3.11", True),
        ("Programming Language :: Python :: 3", False),
        ("Programming Language :: Python :: 3 :: Only", False),
        ("Programming Language :: Python", False),
    ],
)
def test_is_minor_classifier(classifier: str, expected: bool) -> None:
    assert is_minor_classifier(classifier) is expected
