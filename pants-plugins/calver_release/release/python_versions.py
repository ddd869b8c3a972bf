"""What the interpreter constraints a distribution is built with tell its users: `python_requires`
and the `Programming Language :: Python :: X.Y` classifiers.

Pants writes a distribution's one interpreter constraint as its `python_requires` unchanged
(`CPython==3.11.*` gives `==3.11.*`). Setup plugins such as Backend.AI's `setupgen` wrote the
range instead (`>=3.11,<3.12`); `python_requires` here does the same for every prefix match and
keeps every other clause as written, so any single constraint has a `python_requires`:

- `==3.11.*` -> `>=3.11,<3.12`; `==3.*` -> `>=3,<4`; `==3.11.*,!=3.11.2` -> `>=3.11,<3.12,!=3.11.2`
- `>=3.9,<3.12`, `>=3.9`, `~=3.10`, `==3.11.4`, `!=3.10.*` stay as they are.

Lower bounds come first, then upper bounds, then the rest; of several `>=` or `<` bounds, which
Pants' merged constraints repeat, only the tightest is kept. What cannot be derived is refused:
several constraints (Pants' "OR", which `python_requires` cannot express and Pants refuses to
package anyway), none at all, a constraint without a version (`CPython`), and a prefix match of
an epoch (`==1!3.11.*`).
"""

from __future__ import annotations

import re
from typing import Iterable, List, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

PATCH_UPPER_BOUND = 30
"""The highest patch probed for a minor version, as Pants enumerates interpreter versions."""

CLASSIFIER_PREFIX = "Programming Language :: Python :: "

_OPERATOR_ORDER = {">=": 0, ">": 0, "<": 1, "<=": 1, "~=": 2, "==": 3, "!=": 4, "===": 5}


class PythonVersionsError(ValueError):
    """Interpreter constraints or a `python_requires` that say nothing usable about Python versions."""


def python_requires(constraints: Sequence[str]) -> str:
    """The `python_requires` of a distribution built with `constraints`, Pants' ORed interpreter constraints."""
    if not constraints:
        raise PythonVersionsError(
            "cannot derive `python_requires` without interpreter constraints (got none); set "
            "`[python].interpreter_constraints`, such as `[\"CPython==3.11.*\"]`"
        )
    if len(constraints) > 1:
        raise PythonVersionsError(
            f"cannot derive `python_requires` from several interpreter constraints (got "
            f"`{' OR '.join(sorted(constraints))}`); Pants packages a distribution with one: write them as "
            f"one constraint, such as `CPython>=3.10,<3.12`"
        )
    (constraint,) = constraints
    # The interpreter name, then a specifier set (`CPython==3.11.*`), as Pants parses it.
    try:
        clauses = list(SpecifierSet(re.sub(r"^\s*[A-Za-z][A-Za-z0-9._-]*", "", constraint)))
    except InvalidSpecifier:
        raise PythonVersionsError(
            f"cannot derive `python_requires` from an invalid interpreter constraint (got `{constraint}`); "
            "write one such as `CPython==3.11.*`"
        ) from None
    if not clauses:
        raise PythonVersionsError(
            f"cannot derive `python_requires` from an interpreter constraint without a version (got "
            f"`{constraint}`); give it one, such as `CPython==3.11.*`, or set `python_requires` in `provides`"
        )
    spelled = [part for clause in clauses for part in _spelled(clause, constraint)]
    return ",".join(sorted(_tightest(spelled), key=_clause_order))


def python_classifiers(requires: str, universe: Iterable[str]) -> Tuple[str, ...]:
    """`Programming Language :: Python :: X.Y` for each `X.Y` of `universe` (Pants'
    `[python].interpreter_versions_universe`) that `requires` admits in some patch release."""
    try:
        specifier = SpecifierSet(requires)
    except InvalidSpecifier:
        raise PythonVersionsError(
            f"`python_requires={requires!r}` is not a PEP 440 version specifier (got `{requires}`); "
            "write one such as `>=3.11,<3.12`"
        ) from None
    minors = sorted({_minor(text) for text in universe})
    return tuple(
        f"{CLASSIFIER_PREFIX}{major}.{minor}"
        for major, minor in minors
        if any(specifier.contains(f"{major}.{minor}.{patch}") for patch in range(PATCH_UPPER_BOUND + 1))
    )


def is_minor_classifier(classifier: str) -> bool:
    """Whether `classifier` names one minor Python version (`... :: Python :: 3.11`)."""
    return re.fullmatch(re.escape(CLASSIFIER_PREFIX) + r"\d+\.\d+", classifier) is not None


def _spelled(clause: Specifier, constraint: str) -> List[str]:
    """`clause` as `python_requires` writes it: a prefix match becomes the range it stands for."""
    if clause.operator != "==" or not clause.version.endswith(".*"):
        return [str(clause)]
    prefix = clause.version[: -len(".*")]
    try:
        release = Version(prefix).release
    except InvalidVersion:
        release = ()
    if ".".join(map(str, release)) != prefix:
        raise PythonVersionsError(
            f"cannot derive `python_requires` from the prefix match `{clause}` (got `{constraint}`); "
            "write the range it means, such as `>=3.11,<3.12`"
        )
    upper = ".".join(map(str, (*release[:-1], release[-1] + 1)))
    return [f">={prefix}", f"<{upper}"]


def _tightest(clauses: Iterable[str]) -> List[str]:
    """`clauses` once each, keeping of the `>=` and the `<` bounds only the tightest: Pants' merged
    constraints repeat them (`>=3.9` from `[python]`, `>=3.10` from a target)."""
    unique = list(dict.fromkeys(clauses))
    lower = [c for c in unique if c.startswith(">=")]
    upper = [c for c in unique if c.startswith("<") and not c.startswith("<=")]
    try:
        kept = {max(lower, key=_bound)} if lower else set()
        kept |= {min(upper, key=_bound)} if upper else set()
    except InvalidVersion:
        return unique
    return [c for c in unique if c in kept or c not in lower + upper]


def _bound(clause: str) -> Version:
    return Version(clause.lstrip("<>="))


def _clause_order(clause: str) -> Tuple[int, Tuple[int, ...], str]:
    operator = re.match(r"[<>=!~]+", clause)
    rank = _OPERATOR_ORDER.get(operator.group(0) if operator else "", len(_OPERATOR_ORDER))
    return rank, tuple(int(number) for number in re.findall(r"\d+", clause)), clause


def _minor(text: str) -> Tuple[int, int]:
    major, minor = text.split(".", 1)
    return int(major), int(minor)
