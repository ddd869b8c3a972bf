"""The calendar version model: parse, validate, order, render and bump `YY.MM.PATCH` versions.

Two schemes exist. The classic one zero-pads the minor (`24.09.0`, release branch `24.09`);
the one Backend.AI adopted in 2025 does not (`26.8.0rc1`, release branch `26.8`). Either way
the year is two digits, tags carry no `v` prefix, and the order is exactly PEP 440's.

Read as written, write in the scheme: real histories carry both spellings (`24.09.9` and
`26.4.10` in one repository), so parsing accepts either spelling of the minor and records it
(`padded`, which equality and order ignore: `24.09.0 == 24.9.0`), and `written()` shows a version,
series or branch as the repository wrote it. The `Scheme` decides only what the plugin writes
next: `canonical(scheme)`, `branch(scheme)`, `tag(scheme)`, and what `bump` and `Series.next` return.

Edge rules:
- `CalVer.parse` accepts any PEP 440 spelling (`24.03.0dev0`, `23.09.8.rc1`, `24.03.0-alpha1`)
  with exactly three release parts and a year written with two digits; it refuses a `v`
  prefix (`v` belongs to API versions such as `v8.20240915`), an epoch, a local part and any
  whitespace (callers strip the one trailing newline of a `VERSION` file themselves).
- The minor is 1..99 and the year 0..99; nothing ties the minor to a month.
- A post-release cannot be combined with a pre-release or dev segment (`24.09.0rc1.post1`,
  `24.09.0.post1.dev0`): the release process never produces them.
- A version with a dev segment is of kind DEV, even when it leads to a pre-release
  (`24.09.0a2.dev0`).

`VersionError` messages say what is wrong and what to do; callers prefix where the value came
from (`VERSION: ...`, `--set: ...`). Run `python3 -m calver_release.release.calver --help` for the CLI.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import functools
import re
import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from packaging.version import InvalidVersion, Version


class VersionError(ValueError):
    """A version string that is not valid in the repository's scheme."""


class Kind(Enum):
    """What a version is: the stage of the release it belongs to."""

    DEV = "dev"
    ALPHA = "alpha"
    BETA = "beta"
    RC = "rc"
    FINAL = "final"
    POST = "post"


class Cadence(Enum):
    """How release series follow each other."""

    SIX_MONTH = "6-month"
    SEQUENTIAL = "sequential"


class BumpKind(Enum):
    """Which part of a version `CalVer.bump` moves."""

    PATCH = "patch"
    MINOR = "minor"
    DEV = "dev"
    ALPHA = "alpha"
    BETA = "beta"
    RC = "rc"
    FINAL = "final"
    POST = "post"


@dataclass(frozen=True)
class Scheme:
    """How a repository writes its versions and how its series follow each other."""

    pad_minor: bool = True
    cadence: Cadence = Cadence.SIX_MONTH


PRE_KINDS: Dict[str, Kind] = {"a": Kind.ALPHA, "b": Kind.BETA, "rc": Kind.RC}
"""Normalized pre-release letters, in PEP 440 order, and the kind each one marks."""

PRE_LETTERS: Dict[BumpKind, str] = {BumpKind.ALPHA: "a", BumpKind.BETA: "b", BumpKind.RC: "rc"}
"""The pre-release letter each pre-release bump produces."""

SIX_MONTH_MINORS = (3, 9)
"""The minors of a six-month cadence: a March and a September series every year."""

_BRANCH = re.compile(r"([0-9]{2})\.([0-9]{1,2})")


def _show(text: str) -> str:
    """`text` with control characters escaped, so an error message stays on one line."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _scheme_label(scheme: Scheme) -> str:
    return "zero-padded" if scheme.pad_minor else "unpadded"


def _check_range(what: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise VersionError(
            f"the {what} must be between {low} and {high} (got `{value}`); "
            f"write `YY.MM.PATCH`, as in `24.09.0`"
        )


def _check_series(year: int, minor: int) -> None:
    _check_range("year", year, 0, 99)
    _check_range("minor", minor, 1, 99)


def _spell(year: int, minor: int, padded: bool) -> str:
    """`YY.MM` with the minor zero-padded to two digits (`24.09`), or `YY.S` as it is (`24.9`)."""
    return f"{year:02d}.{minor:02d}" if padded else f"{year:02d}.{minor}"


def _is_padded(minor: str) -> bool:
    """Whether a minor was written with a leading zero (`09`)."""
    return len(minor) > 1 and minor.startswith("0")


@dataclass(frozen=True)
class Series:
    """A release series, named by its release branch: `24.09` (zero-padded) or `26.8`.

    `padded` records how it was written; equality ignores it (`24.09` and `24.9` are one series).
    """

    year: int
    minor: int
    padded: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        _check_series(self.year, self.minor)

    def branch(self, scheme: Scheme) -> str:
        """The release branch name the plugin writes: `24.09` in the zero-padded scheme, `24.9` otherwise."""
        return _spell(self.year, self.minor, scheme.pad_minor)

    def written(self) -> str:
        """The name as it was written (`24.09`, `26.4`), whatever the scheme."""
        return _spell(self.year, self.minor, self.padded)

    def next(self, scheme: Scheme) -> Series:
        """The series after this one, spelled in `scheme`.

        Six-month cadence: the next of the minors 3 and 9 (`24.05` -> `24.09`, `24.09` -> `25.03`).
        Sequential cadence: the minor plus one in the same year (`25.19` -> `25.20`); a new year
        starts only with an explicitly set version.
        """
        if scheme.cadence is Cadence.SEQUENTIAL:
            return self._checked_next(self.year, self.minor + 1, scheme)
        later = [minor for minor in SIX_MONTH_MINORS if minor > self.minor]
        if later:
            return Series(self.year, later[0], scheme.pad_minor)
        return self._checked_next(self.year + 1, SIX_MONTH_MINORS[0], scheme)

    def _checked_next(self, year: int, minor: int, scheme: Scheme) -> Series:
        if year > 99 or minor > 99:
            raise VersionError(
                f"no series follows the last one of the scheme (got `{self.written()}`); "
                f"set the next version explicitly"
            )
        return Series(year, minor, scheme.pad_minor)

    @classmethod
    def parse_branch(cls, name: str) -> Series:
        """The series a release branch name denotes, in either spelling (`24.09`, `26.4`)."""
        match = _BRANCH.fullmatch(name)
        if match is None:
            raise VersionError(
                f"not a release branch name (got `{_show(name)}`); "
                f"release branches are named `YY.MM`, as in `24.09` or `26.4`"
            )
        year, minor = match.groups()
        return cls(int(year), int(minor), _is_padded(minor))


def is_release_branch(name: str) -> bool:
    """True when `name` is a release branch name, in either spelling (`24.09`, `26.4`)."""
    try:
        Series.parse_branch(name)
    except VersionError:
        return False
    return True


def release_branches_of(series: Series, names: Iterable[str]) -> List[str]:
    """The names among `names` that are release branches of `series`, in either spelling, sorted."""
    return sorted(name for name in names if is_release_branch(name) and Series.parse_branch(name) == series)


def tags_of(version: CalVer, tags: Iterable[str]) -> List[str]:
    """The tags among `tags` that name `version`, in any spelling (`24.09.0`, `24.9.0`), sorted."""
    prefix = f"{version.year:02d}."
    return sorted(tag for tag in tags if tag.startswith(prefix) and spells(tag, version))


def spells(text: str, version: CalVer) -> bool:
    """True when `text` is a spelling of `version` (`24.09.0`, `24.9.0`, `24.09.0.rc1` of `24.9.0rc1`)."""
    try:
        return CalVer.parse(text) == version
    except VersionError:
        return False


@functools.total_ordering
@dataclass(frozen=True)
class CalVer:
    """One calendar version. Equality and order are PEP 440's: `24.09.0 == 24.9.0`.

    `padded` records whether the minor was written zero-padded; `written()` renders it so.
    """

    year: int
    minor: int
    patch: int
    pre: Optional[Tuple[str, int]] = None
    post: Optional[int] = None
    dev: Optional[int] = None
    padded: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        _check_series(self.year, self.minor)
        if self.patch < 0:
            raise VersionError(f"the patch must not be negative (got `{self.patch}`); use 0 or more")
        if self.pre is not None and (self.pre[0] not in PRE_KINDS or self.pre[1] < 0):
            raise VersionError(
                f"unknown pre-release segment (got `{self.pre}`); use `a`, `b` or `rc` and a number"
            )
        if self.post is not None and (self.pre is not None or self.dev is not None):
            raise VersionError(
                f"a post-release cannot also be a pre-release or dev version "
                f"(got `{self.pep440()}`); release a new patch instead"
            )

    @classmethod
    def parse(cls, text: str) -> CalVer:
        """Parse any PEP 440 spelling of a calendar version (see the module docstring for the rules)."""
        _check_spelling(text)
        try:
            version = Version(text)
        except InvalidVersion:
            raise VersionError(
                f"not a PEP 440 version (got `{_show(text)}`); write `YY.MM.PATCH`, as in `24.09.0`"
            ) from None
        _check_parts(text, version)
        year, minor, patch = version.release
        padded = _is_padded(text.split(".")[1])
        return cls(year, minor, patch, pre=version.pre, post=version.post, dev=version.dev, padded=padded)

    def canonical(self, scheme: Scheme) -> str:
        """The spelling the plugin writes to `VERSION` files: `24.03.0.dev0`, `23.09.8rc1`, `26.8.0rc1`."""
        return self._render(scheme.pad_minor)

    def written(self) -> str:
        """The canonical spelling with the minor as it was written: `24.09.5`, `26.4.10` in any scheme."""
        return self._render(self.padded)

    def _render(self, padded: bool) -> str:
        pre = "".join(str(part) for part in self.pre) if self.pre else ""
        post = f".post{self.post}" if self.post is not None else ""
        dev = f".dev{self.dev}" if self.dev is not None else ""
        return f"{_spell(self.year, self.minor, padded)}.{self.patch}{pre}{post}{dev}"

    def pep440(self) -> str:
        """The normalized PEP 440 form, as setuptools writes it: `24.9.0.dev0`."""
        return str(Version(self._render(padded=False)))

    def tag(self, scheme: Scheme) -> str:
        """The git tag the plugin creates for this version: its canonical form, without a `v` prefix."""
        return self.canonical(scheme)

    @property
    def series(self) -> Series:
        """The release series (and so the release branch) this version belongs to, spelled as written."""
        return Series(self.year, self.minor, self.padded)

    @property
    def kind(self) -> Kind:
        """DEV whenever a dev segment is present, else alpha/beta/rc, post or final."""
        if self.dev is not None:
            return Kind.DEV
        if self.pre is not None:
            return PRE_KINDS[self.pre[0]]
        return Kind.POST if self.post is not None else Kind.FINAL

    @property
    def is_prerelease(self) -> bool:
        """True for dev versions and alpha, beta and rc releases."""
        return self.dev is not None or self.pre is not None

    def bump(self, kind: BumpKind, scheme: Scheme) -> CalVer:
        """The version after this one; raises VersionError when `kind` cannot follow this version.

        patch: the next patch's final release. minor: the next series' `.0.dev0`.
        dev: the next dev release towards the same target (`a2.dev0` -> `a2.dev1`), or towards
        the next pre-release (`a1` -> `a2.dev0`) or patch (`24.09.2` -> `24.09.3.dev0`).
        alpha/beta/rc: up the ladder, releasing the pre-release a dev version leads to
        (`a2.dev0` -> `a2`), starting the next patch from a final or post release.
        final: drops the pre-release and dev segments. post: the next post-release of a final.
        The result is spelled in `scheme` (`24.09.9` bumped in the unpadded scheme is `24.9.10`).
        """
        return dataclasses.replace(_BUMPS[kind](self, kind, scheme), padded=scheme.pad_minor)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, CalVer):
            return NotImplemented
        return Version(self.pep440()) < Version(other.pep440())


MAX_LENGTH = 64
"""Far longer than any calendar version: a longer text is refused before `packaging` turns its numbers
into integers, which Python refuses past 4300 digits."""


def _check_spelling(text: str) -> None:
    """Refuse what packaging would accept but the release process forbids, before parsing."""
    if not text:
        raise VersionError("empty version (got ``); write `YY.MM.PATCH`, as in `24.09.0`")
    if len(text) > MAX_LENGTH:
        raise VersionError(
            f"too long for a version, {len(text)} characters (got `{_show(text[:24])}...`); write `YY.MM.PATCH`, "
            "as in `24.09.0`"
        )
    if any(char.isspace() for char in text):
        raise VersionError(f"a version has no whitespace (got `{_show(text)}`); remove it")
    if text[0] in "vV":
        raise VersionError(
            f"release versions have no `v` prefix (got `{_show(text)}`); drop the `v` "
            f"(it belongs to API versions such as `v8.20240915`)"
        )
    if "!" in text:
        raise VersionError(f"a version has no epoch (got `{_show(text)}`); drop the `N!` prefix")


def _check_parts(text: str, version: Version) -> None:
    """Refuse a local part, a release that is not `YY.MM.PATCH`, and a year not written with two digits."""
    if version.local is not None:
        raise VersionError(
            f"a version has no local part (got `+{version.local}`); drop everything from `+`"
        )
    if len(version.release) != 3:
        raise VersionError(
            f"a version has exactly three release parts (got `{_show(text)}`); "
            f"write `YY.MM.PATCH`, as in `24.09.0`"
        )
    year = text.split(".", 1)[0]
    if len(year) != 2:
        raise VersionError(
            f"the year must be written with two digits (got `{year}`); "
            f"write the last two digits of the year, as in `24.09.0`"
        )


def _bump_patch(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    return CalVer(version.year, version.minor, version.patch + 1)


def _bump_minor(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    series = version.series.next(scheme)
    return CalVer(series.year, series.minor, 0, dev=0)


def _bump_dev(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    if version.dev is not None:
        return dataclasses.replace(version, dev=version.dev + 1)
    if version.pre is not None:
        letter, number = version.pre
        return dataclasses.replace(version, pre=(letter, number + 1), dev=0)
    return CalVer(version.year, version.minor, version.patch + 1, dev=0)


def _bump_pre(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    letter = PRE_LETTERS[kind]
    if version.pre is None:
        patch = version.patch if version.dev is not None else version.patch + 1
        return CalVer(version.year, version.minor, patch, pre=(letter, 1))
    current, number = version.pre
    letters = list(PRE_KINDS)
    if letters.index(letter) < letters.index(current):
        raise VersionError(
            f"cannot go back from {PRE_KINDS[current].value} to {kind.value} "
            f"(got `{version.written()}`); bump `{PRE_KINDS[current].value}` or a later stage"
        )
    if letter != current:
        number = 1
    elif version.dev is None:
        number += 1
    return dataclasses.replace(version, pre=(letter, number), dev=None)


def _bump_final(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    if not version.is_prerelease:
        raise VersionError(
            f"already a final release (got `{version.written()}`); "
            f"bump `patch`, `post` or `minor` instead"
        )
    return CalVer(version.year, version.minor, version.patch)


def _bump_post(version: CalVer, kind: BumpKind, scheme: Scheme) -> CalVer:
    if version.is_prerelease:
        raise VersionError(
            f"only a final release can get a post-release (got `{version.written()}`); "
            f"bump `final` first"
        )
    return dataclasses.replace(version, post=(version.post or 0) + 1)


_BUMPS: Dict[BumpKind, Callable[[CalVer, BumpKind, Scheme], CalVer]] = {
    BumpKind.PATCH: _bump_patch,
    BumpKind.MINOR: _bump_minor,
    BumpKind.DEV: _bump_dev,
    BumpKind.ALPHA: _bump_pre,
    BumpKind.BETA: _bump_pre,
    BumpKind.RC: _bump_pre,
    BumpKind.FINAL: _bump_final,
    BumpKind.POST: _bump_post,
}


def parse_canonical(text: str, scheme: Scheme) -> CalVer:
    """Parse `text` and require it to be spelled exactly as `CalVer.canonical(scheme)` renders it."""
    version = CalVer.parse(text)
    canonical = version.canonical(scheme)
    if text != canonical:
        raise VersionError(
            f"not canonical for the {_scheme_label(scheme)} scheme (got `{text}`); write `{canonical}`"
        )
    return version


_API_VERSION = re.compile(r"(?:api-)?v(0|[1-9][0-9]*)\.([0-9]{4})([0-9]{2})([0-9]{2})")


@dataclass(frozen=True)
class ApiVersion:
    """An API version `v<major>.<YYYYMMDD>`, tagged `api-v<major>.<YYYYMMDD>`."""

    major: int
    date: datetime.date

    @classmethod
    def parse(cls, text: str) -> ApiVersion:
        """Parse `v8.20240915` or its tag form `api-v8.20240915`; the date must exist."""
        match = _API_VERSION.fullmatch(text)
        if match is None:
            raise VersionError(
                f"not an API version (got `{_show(text)}`); write `v<major>.<YYYYMMDD>`, "
                f"as in `v8.20240915`"
            )
        major, year, month, day = (int(group) for group in match.groups())
        try:
            date = datetime.date(year, month, day)
        except ValueError:
            raise VersionError(
                f"the API version's date does not exist (got `{text}`); use a real `YYYYMMDD` date"
            ) from None
        return cls(major, date)

    def __str__(self) -> str:
        return f"v{self.major}.{self.date:%Y%m%d}"

    def tag(self) -> str:
        """The git tag of this API version: `api-v8.20240915`."""
        return f"api-{self}"


# Command line: `python3 -m calver_release.release.calver COMMAND [--unpadded] [--cadence=...] [VERSION ...]`

COMMANDS = {
    "normalize": "print the PEP 440 form",
    "canonical": "print the canonical form",
    "branch": "print the release branch",
    "kind": "print the kind (dev, alpha, beta, rc, final, post)",
    "bump": "bump KIND: print the bumped canonical version",
    "compare": "print `<`, `=` or `>` for two versions A B (on stdin: one pair a line)",
}
"""The CLI's commands and what each one prints for each input."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m calver_release.release.calver",
        description=(
            "Read calendar versions from the arguments or, without any, one per line from stdin; "
            "print one result per line. Commands: "
            + "; ".join(f"{name}: {text}" for name, text in COMMANDS.items())
        ),
    )
    parser.add_argument("command", choices=list(COMMANDS))
    parser.add_argument("arguments", nargs="*", metavar="ARG", help="for `bump`, the KIND, then the versions")
    parser.add_argument("--unpadded", action="store_true", help="use the unpadded scheme (`26.8.0`)")
    parser.add_argument(
        "--cadence",
        choices=[cadence.value for cadence in Cadence],
        default=Cadence.SIX_MONTH.value,
        help="how release series follow each other (for `bump minor`)",
    )
    return parser


def _stdin_lines() -> List[str]:
    lines = sys.stdin.read().split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _split_arguments(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> Tuple[Optional[BumpKind], List[str]]:
    """The bump kind (for `bump`) and the inputs: the arguments (for `compare`, one pair) or stdin's lines."""
    arguments = list(args.arguments)
    bump_kind = None
    if args.command == "bump":
        kinds = [kind.value for kind in BumpKind]
        if not arguments or arguments[0] not in kinds:
            parser.error(f"`bump` needs a KIND first, one of {', '.join(kinds)}")
        bump_kind = BumpKind(arguments.pop(0))
    if args.command == "compare" and len(arguments) not in (0, 2):
        parser.error(f"`compare` takes two versions (got {len(arguments)})")
    if not arguments:
        return bump_kind, _stdin_lines()
    return bump_kind, [" ".join(arguments)] if args.command == "compare" else arguments


def _compare(line: str) -> str:
    fields = line.split()
    if len(fields) != 2:
        raise VersionError(
            f"expected two versions separated by whitespace (got {len(fields)} fields); "
            f"write `A B`, as in `24.09.0 24.9.0`"
        )
    left, right = (CalVer.parse(field) for field in fields)
    return "<" if left < right else ">" if left > right else "="


def _result(command: str, bump_kind: Optional[BumpKind], scheme: Scheme, item: str) -> str:
    if command == "compare":
        return _compare(item)
    version = CalVer.parse(item)
    if command == "normalize":
        return version.pep440()
    if command == "canonical":
        return version.canonical(scheme)
    if command == "branch":
        return version.series.branch(scheme)
    if command == "kind":
        return version.kind.value
    return version.bump(bump_kind, scheme).canonical(scheme)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI; return 0, or 1 when any input failed (usage errors exit 2)."""
    parser = _build_parser()
    args = parser.parse_intermixed_args(argv)
    bump_kind, items = _split_arguments(args, parser)
    scheme = Scheme(pad_minor=not args.unpadded, cadence=Cadence(args.cadence))
    status = 0
    for item in items:
        try:
            print(_result(args.command, bump_kind, scheme, item))
        except VersionError as error:
            print(f"error: {_show(item)}: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
