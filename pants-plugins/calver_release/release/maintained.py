"""The registry of maintained release lines (`.github/maintained-versions.yml`): read, check, register, retire.

The file format is Backend.AI's, so a repository that already has one uses it unchanged:

    versions:
      - version: "26.8"
      - version: "26.4"
        lts: true
        retire_after: "2027-04-30"

Rules: every entry names a release line (`version`) in either spelling (`24.09`, `26.8`), shown as
written, and that line must have a local branch: the branch of the same name, or else the branch
of its series written the other way (`24.9` is branch `24.09` when only that one exists). Two
entries of one series (`24.09` and `24.9`) are one line registered twice. A line is registered when
its branch is cut, named as the scheme writes branches; LTS is never inferred, and an LTS line
records `retire_after`, the end of the same month one year after its rc. A regular line retires as
soon as a newer line is registered; an LTS line once `retire_after` has passed. Reading retires
nothing: an entry past its time is reported, with its status, until a registration (or a person)
removes it. The newest maintained line is the `edge` channel, the newest maintained LTS line the
`stable` one (Backend.AI's installer links).

Rewriting splices whole entries in and out of the text (an entry is its lines plus the comment
lines directly above it at the dash's indentation), so every other byte (comments, quoting, key
order, entry order) stays as written; the result is parsed again and must hold exactly the expected
lines. ruamel.yaml's round-trip loader gives the values and where each entry starts.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from calver_release.release.calver import Scheme, Series, VersionError, release_branches_of

DEFAULT_REGISTRY = ".github/maintained-versions.yml"
"""Where Backend.AI keeps its registry; `[release-version].maintained_versions_file`."""

KEYS = ("version", "lts", "retire_after")
"""The keys an entry may have."""

TODAY_VARIABLE = "CALVER_RELEASE_TODAY"
"""The environment variable that overrides today's date (`YYYY-MM-DD`), to reproduce a decision."""


class RegistryError(ValueError):
    """The registry cannot be read, is malformed, or cannot take the requested change; one line for the user."""


class Status(Enum):
    """Where a registered line stands on a given day."""

    MAINTAINED = "maintained"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Line:
    """One registered release line, `version` as written; `retire_after` is set for LTS lines only.

    `branch` is its local branch, once `load_registry` has found it (see `line_branch`).
    """

    version: str
    series: Series
    lts: bool = False
    retire_after: Optional[date] = None
    branch: Optional[str] = field(default=None, compare=False)


@dataclass(frozen=True)
class _Span:
    """The text lines `[start, end)` of one entry, and the column of its dash and of its keys."""

    start: int
    end: int
    dash: int
    keys: int


@dataclass(frozen=True)
class Registry:
    """The parsed registry: its lines in file order and the text they came from (`None`: no file yet)."""

    path: str
    scheme: Scheme
    text: Optional[str]
    lines: Tuple[Line, ...] = ()
    spans: Tuple[_Span, ...] = field(default=(), compare=False, repr=False)
    versions_line: Optional[int] = field(default=None, compare=False, repr=False)
    flow: bool = field(default=False, compare=False, repr=False)

    def get(self, version: str) -> Optional[Line]:
        """The registered line named `version`, or else the one of its series written the other way; None if neither."""
        exact = next((line for line in self.lines if line.version == version), None)
        if exact is not None:
            return exact
        try:
            series = Series.parse_branch(version)
        except VersionError:
            return None
        return self.of_series(series)

    def of_series(self, series: Series) -> Optional[Line]:
        """The registered line of `series`, however it is written, or None."""
        return next((line for line in self.lines if line.series == series), None)

    def branch(self, version: str) -> str:
        """The local branch of the line `version` names (as `load_registry` found it), or `version` itself."""
        line = self.get(version)
        return (line.branch or line.version) if line is not None else version

    def status(self, line: Line, today: date) -> Status:
        """`line`'s status on `today` by the retirement rules."""
        if line.lts:
            return Status.EXPIRED if line.retire_after is not None and today > line.retire_after else Status.MAINTAINED
        if any(_order(other) > _order(line) for other in self.lines):
            return Status.SUPERSEDED
        return Status.MAINTAINED

    def newest_first(self) -> Tuple[Line, ...]:
        """Every registered line, newest first."""
        return tuple(sorted(self.lines, key=_order, reverse=True))

    def maintained(self, today: date) -> Tuple[Line, ...]:
        """The lines maintained on `today`, newest first."""
        return tuple(line for line in self.newest_first() if self.status(line, today) is Status.MAINTAINED)

    def edge(self, today: date) -> Optional[Line]:
        """The `edge` channel: the newest line maintained on `today`, or None."""
        return next(iter(self.maintained(today)), None)

    def stable(self, today: date) -> Optional[Line]:
        """The `stable` channel: the newest LTS line maintained on `today`, or None."""
        return next((line for line in self.maintained(today) if line.lts), None)

    def describe(self, line: Line, today: date) -> str:
        """`line`'s status in words: `maintained, LTS through 2027-04-30`, `superseded by 26.8; remove it ...`."""
        status = self.status(line, today)
        kind = f"LTS through {line.retire_after}" if line.lts else "regular"
        if status is Status.MAINTAINED:
            return f"maintained, {kind}"
        remove = f"remove it from `{self.path}`"
        if status is Status.EXPIRED:
            return f"expired, {kind}; {remove}"
        return f"superseded by {self.newest_first()[0].version}; {remove}"


@dataclass(frozen=True)
class Retirement:
    """A line a registration removed, and why."""

    line: Line
    reason: str


@dataclass(frozen=True)
class Registration:
    """The outcome of `register_line`: the new registry (its `text` is what to write)."""

    registry: Registry
    added: Optional[Line]
    retired: Tuple[Retirement, ...] = ()
    previous_text: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.added is not None or bool(self.retired)

    def report(self) -> List[str]:
        """One line per change, for the user."""
        path = self.registry.path
        lines = []
        if self.added is not None:
            lts = f" as LTS, supported through {self.added.retire_after}" if self.added.lts else ""
            lines.append(f"Registered {self.added.version} in `{path}`{lts}")
        lines.extend(f"Retired {r.line.version} from `{path}`: {r.reason}" for r in self.retired)
        return lines


# Reading ----------------------------------------------------------------------------------------


def read_registry(root: Path, path: str, scheme: Scheme) -> Registry:
    """Parse the registry at `root / path` (a missing file is an empty registry with `text` None).

    Read from the working tree, not through the engine: Pants ignores dot-directories such as
    `.github/` by default, and goals run on every invocation anyway.
    """
    file = root / path
    try:
        text: Optional[str] = file.read_text(encoding="utf-8") if file.exists() else None
    except (OSError, UnicodeDecodeError) as e:
        raise RegistryError(f"`{path}`: cannot be read (got `{e}`); fix the file or `[release-version].maintained_versions_file`") from None
    return parse_registry(path, text, scheme)


def parse_registry(path: str, text: Optional[str], scheme: Scheme) -> Registry:
    """The registry `text` holds, checked strictly; RegistryError naming the file and the entry otherwise."""
    if text is None:
        return Registry(path, scheme, None)
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as e:
        raise RegistryError(f"`{path}`: not valid YAML ({_yaml_problem(e)}); fix the file") from None
    except ValueError as e:  # a value YAML reads as a date that does not exist: `retire_after: 2024-02-30`
        raise RegistryError(
            f'`{path}`: a value YAML cannot read (got `{e}`); write dates quoted and real, as in `retire_after: "2024-02-29"`'
        ) from None
    if not hasattr(document, "get") or "versions" not in document:
        raise RegistryError(
            f"`{path}`: no `versions` list (got {_got(document)}); "
            'write `versions:` followed by one `- version: "X.Y"` entry per maintained line'
        )
    extra = [key for key in document if key != "versions"]
    if extra:
        raise RegistryError(f"`{path}`: unknown top-level key (got `{extra[0]}`); only `versions` is read, remove it")
    entries = document["versions"]
    if entries is None:
        return Registry(path, scheme, text, versions_line=document.lc.key("versions")[0])
    if not isinstance(entries, list):
        raise RegistryError(f"`{path}`: `versions` is not a list (got {_got(entries)}); write one `- version:` entry per line")
    lines = tuple(_parse_entry(path, index, entry, scheme) for index, entry in enumerate(entries, start=1))
    seen: Dict[Series, str] = {}
    for index, line in enumerate(lines, start=1):
        if line.series in seen:
            also = "" if seen[line.series] == line.version else f" (also as `{seen[line.series]}`)"
            raise RegistryError(
                f"`{path}`: entry {index} (`{line.version}`) is registered twice{also}; remove one of them"
            )
        seen[line.series] = line.version
    flow = bool(entries.fa.flow_style())
    text_lines = text.splitlines()
    spans = () if flow else tuple(_span(text_lines, *entries.lc.item(index)) for index in range(len(entries)))
    return Registry(path, scheme, text, lines, spans, document.lc.key("versions")[0], flow)


def _parse_entry(path: str, index: int, entry: Any, scheme: Scheme) -> Line:
    where = f"`{path}`: entry {index}"
    if not isinstance(entry, dict):
        raise RegistryError(f'{where} is not a mapping (got {_got(entry)}); write `- version: "X.Y"`')
    unknown = [key for key in entry if key not in KEYS]
    if unknown:
        raise RegistryError(f"{where} has an unknown key (got `{unknown[0]}`); the keys are `version`, `lts` and `retire_after`")
    if "version" not in entry:
        raise RegistryError(f'{where} has no `version` (got {_got(dict(entry))}); add `version: "X.Y"`')
    version = entry["version"]
    if not isinstance(version, str):
        raise RegistryError(f'{where}: `version` is not a string (got {_got(version)}); quote it, as in `version: "{_example(scheme)}"`')
    try:
        series = Series.parse_branch(version)
    except VersionError as e:
        raise RegistryError(f"{where}: `version` is not a release line: {e}") from None
    where = f"`{path}`: entry {index} (`{version}`)"
    lts = entry.get("lts", False)
    if not isinstance(lts, bool):
        raise RegistryError(f"{where}: `lts` is not a boolean (got {_got(lts)}); write `lts: true` or `lts: false`")
    retire_after = _retire_after(where, entry.get("retire_after"))
    if lts and retire_after is None:
        raise RegistryError(
            f'{where}: an LTS line without `retire_after` (got none); add `retire_after: "YYYY-MM-DD"`, '
            "the end of the month one year after its rc"
        )
    if not lts and retire_after is not None:
        raise RegistryError(
            f"{where}: `retire_after` on a regular line (got `{retire_after}`); add `lts: true` or remove it "
            "(a regular line retires when a newer line is registered)"
        )
    return Line(version, series, lts, retire_after)


def _retire_after(where: str, value: Any) -> Optional[date]:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RegistryError(f'{where}: `retire_after` is not a date (got {_got(value)}); write `retire_after: "YYYY-MM-DD"`')


def _span(text_lines: Sequence[str], line: int, column: int) -> _Span:
    """The lines of the entry whose first key is at (`line`, `column`)."""
    dash_line = line
    if "-" not in text_lines[line][:column]:
        dash_line -= 1
        while not text_lines[dash_line].lstrip().startswith("-"):
            dash_line -= 1
    dash = text_lines[dash_line].index("-")
    start = dash_line
    while start > 0 and text_lines[start - 1].lstrip().startswith("#") and _indent(text_lines[start - 1]) == dash:
        start -= 1
    end = dash_line + 1
    while end < len(text_lines) and text_lines[end].strip() and _indent(text_lines[end]) > dash:
        end += 1
    return _Span(start, end, dash, column)


def load_registry(root: Path, path: str, scheme: Scheme, branches: Collection[str]) -> Registry:
    """The registry at `root / path`, which must exist, be well formed and name existing branches.

    Each line's `branch` is set to the local branch `line_branch` finds for it.
    """
    registry = read_registry(root, path, scheme)
    if registry.text is None:
        raise RegistryError(
            f"`{path}`: no registry of maintained lines (got no file); `--cut-release` creates it, "
            "or write it by hand, or set `[release-version].maintained_versions_file`"
        )
    problems = check_branches(registry, branches)
    if problems:
        raise RegistryError(problems[0])
    return replace(registry, lines=tuple(replace(line, branch=line_branch(line, branches)) for line in registry.lines))


def line_branch(line: Line, branches: Collection[str]) -> Optional[str]:
    """The local branch of `line`: the one of its name, else the one of its series written the other way, or None.

    Without a branch of its own name there is at most one other: a minor has only two spellings.
    """
    if line.version in branches:
        return line.version
    return next(iter(release_branches_of(line.series, branches)), None)


def check_branches(registry: Registry, branches: Collection[str]) -> List[str]:
    """One problem per registered line that has no local branch (`line_branch`)."""
    return [
        f"`{registry.path}`: entry {index} (`{line.version}`) has no release branch (got no local branch "
        f"`{line.version}`{_other_spelling(line)}); create or fetch the branch, or remove the entry"
        for index, line in enumerate(registry.lines, start=1)
        if line_branch(line, branches) is None
    ]


def _other_spelling(line: Line) -> str:
    other = Series(line.series.year, line.series.minor, not line.series.padded).written()
    return f" or `{other}`" if other != line.version else ""


def today_from(env_value: Optional[str], fallback: date) -> date:
    """`CALVER_RELEASE_TODAY` when set (`YYYY-MM-DD`), otherwise `fallback` (the real date)."""
    if not env_value:
        return fallback
    try:
        return date.fromisoformat(env_value)
    except ValueError:
        raise RegistryError(
            f"`{TODAY_VARIABLE}`: not a date (got `{env_value}`); write `YYYY-MM-DD` or unset it"
        ) from None


# Registering ------------------------------------------------------------------------------------


def retire_after_for(rc_date: date) -> date:
    """The last day an LTS line is maintained: the end of the same month, one year after its rc."""
    year = rc_date.year + 1
    return date(year, rc_date.month, calendar.monthrange(year, rc_date.month)[1])


def register_line(registry: Registry, series: Series, lts: bool, rc_date: date) -> Registration:
    """Register `series` (cut on `rc_date`, which is also today) and apply the retirement rules.

    A line already registered is left as it is (re-running a cut or a tag must not fail); the
    retirement rules apply either way. A line older than a registered one is refused: lines are
    registered when they are cut, newest last.
    """
    version = series.branch(registry.scheme)
    newest = registry.newest_first()[0] if registry.lines else None
    added: Optional[Line] = None
    existing = registry.of_series(series)
    if existing is not None and lts and not existing.lts:
        raise RegistryError(
            f"`{registry.path}`: `{existing.version}` is already registered as a regular line (got `--lts`); "
            "make it LTS by hand (`lts: true` and its `retire_after`)"
        )
    if existing is None:
        if newest is not None and _order(newest) > (series.year, series.minor):
            raise RegistryError(
                f"`{registry.path}`: `{version}` is older than the registered `{newest.version}` (got `{version}`); "
                "a line is registered when its branch is cut, so edit the file by hand to add an older one"
            )
        if registry.flow and registry.lines:
            raise RegistryError(
                f"`{registry.path}`: `versions` is written in flow style (got `[...]`); "
                "write one `- version:` entry per line so it can be rewritten"
            )
        added = Line(version, series, lts, retire_after_for(rc_date) if lts else None)
    lines = [*registry.lines, *([added] if added else [])]
    with_added = replace(registry, lines=tuple(lines))
    retired = tuple(
        Retirement(line, _retirement_reason(with_added, line, rc_date))
        for line in registry.lines
        if with_added.status(line, rc_date) is not Status.MAINTAINED
    )
    if added is None and not retired:
        return Registration(registry, None, previous_text=registry.text)
    text = _rewrite(registry, added, {r.line.version for r in retired})
    expected = tuple(line for line in lines if line.version not in {r.line.version for r in retired})
    result = parse_registry(registry.path, text, registry.scheme)
    if sorted(result.lines, key=lambda line: line.version) != sorted(expected, key=lambda line: line.version):
        raise RegistryError(f"`{registry.path}`: its layout could not be rewritten safely (got an unexpected result); edit it by hand")
    return Registration(result, added, retired, registry.text)


def _retirement_reason(registry: Registry, line: Line, today: date) -> str:
    if registry.status(line, today) is Status.EXPIRED:
        return f"LTS supported through {line.retire_after}"
    return f"superseded by {registry.newest_first()[0].version}"


def _rewrite(registry: Registry, added: Optional[Line], removed: Collection[str]) -> str:
    """The registry's text with the entries named in `removed` cut out and `added` spliced in."""
    text = registry.text
    if text is None:
        return "versions:\n" + _entry_text(added, 2, 2) if added else ""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    spans = registry.spans
    if added is not None:
        if spans:
            ascending = len(registry.lines) > 1 and list(registry.lines) == sorted(registry.lines, key=_order)
            at = spans[-1].end if ascending else spans[0].start
            first = spans[0]
            new = _entry_text(added, first.dash, first.keys - first.dash)
        else:
            at = (registry.versions_line or 0) + 1
            lines[at - 1] = re.sub(r":\s*\[\s*\]", ":", lines[at - 1], count=1)
            new = _entry_text(added, 2, 2)
    keep = [True] * len(lines)
    for line, span in zip(registry.lines, spans):
        if line.version in removed:
            keep[span.start : span.end] = [False] * (span.end - span.start)
    out = []
    for index, text_line in enumerate(lines):
        if added is not None and index == at:
            out.append(new)
        if keep[index]:
            out.append(text_line)
    if added is not None and at >= len(lines):
        out.append(new)
    return "".join(out)


def _entry_text(line: Line, dash: int, key_offset: int) -> str:
    pad = " " * dash
    keys = " " * (dash + key_offset)
    text = f'{pad}-{" " * (key_offset - 1)}version: "{line.version}"\n'
    if line.lts:
        text += f'{keys}lts: true\n{keys}retire_after: "{line.retire_after}"\n'
    return text


# Reporting --------------------------------------------------------------------------------------


def describe_registry(registry: Registry, today: date) -> List[str]:
    """The `--maintained` text: one line per registered line, newest first, with its status; then the channels."""
    width = max((len(line.version) for line in registry.lines), default=0)
    edge, stable = registry.edge(today), registry.stable(today)
    return [
        *(f"{line.version.ljust(width)}  {registry.describe(line, today)}" for line in registry.newest_first()),
        f"edge: {edge.version}" if edge else "edge: none (no line is maintained)",
        f"stable: {stable.version}" if stable else "stable: none (no LTS line is maintained)",
    ]


def registry_json(registry: Registry, today: date) -> dict:
    """The `--maintained --format=json` report; `edge` and `stable` are null when no line fits."""
    edge, stable = registry.edge(today), registry.stable(today)
    return {
        "file": registry.path,
        "today": today.isoformat(),
        "edge": edge.version if edge else None,
        "stable": stable.version if stable else None,
        "versions": [
            {
                "version": line.version,
                "lts": line.lts,
                "retire_after": line.retire_after.isoformat() if line.retire_after else None,
                "status": registry.status(line, today).value,
            }
            for line in registry.newest_first()
        ],
    }


# Helpers ----------------------------------------------------------------------------------------


def _order(line: Line) -> Tuple[int, int]:
    return line.series.year, line.series.minor


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _example(scheme: Scheme) -> str:
    return Series(24, 9).branch(scheme)


def _got(value: Any) -> str:
    if isinstance(value, dict):
        value = dict(value)
    elif isinstance(value, list):
        value = list(value)
    text = value if isinstance(value, str) else repr(value)
    text = text.replace("\n", " ")
    return f"`{text[:60]}`" if text else "nothing"


def _yaml_problem(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        return f"got `{error.problem or error.context}` at line {error.problem_mark.line + 1}"
    return f"got `{str(error).splitlines()[0]}`"
