"""What a requirements file or lockfile pins, read in the format its content is in.

Formats, recognised by content (a `pyproject.toml` by its name):
- `pex`: a Pants lockfile, pex's JSON after Pants' `//` comment header; each locked project at its version.
- `uv`: a uv lockfile, TOML with `[[package]]` tables (`name`, `version`, `source`); workspace members
  (`editable` and `virtual` sources) are the repository's own code and left out; a project locked at
  several versions (resolution forks) pins all of them.
- `requirements`: pip's format, plain or hashed (`--hash=sha256:...` continuation lines), as
  `pip-compile` and Pants' older lockfiles write it; options, includes and bare URLs are skipped.
- `pyproject`: PEP 621 `[project].dependencies` and `[project.optional-dependencies]`.

Anything else raises `UnreadablePins` saying why (a Poetry `pyproject.toml`, TOML or JSON of
another tool, a line that is no requirement), so a file is never read as empty by mistake.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum
from typing import Dict, Iterable, Iterator, List, Tuple

import tomli
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

Pins = Dict[str, Tuple[str, str]]
"""Normalised name -> (name as written, what the file requires or locks of it: `==1.16.5`)."""

LOCAL_SOURCES = ("editable", "virtual")
"""uv sources of workspace members: the repository's own code, not third-party pins."""

_UV_PACKAGE = re.compile(
    r'^\[\[package\]\]\nname = "([^"\n]+)"\n(?:version = "([^"\n]+)"\n)?(?:source = \{ ([a-z-]+) = )?', re.M
)
_UV_TABLES = re.compile(r"^\[\[package\]\]\s*$", re.M)
_UV_VERSION = re.compile(r"^version = \d+\s*$", re.M)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


class PinFormat(Enum):
    """The formats of requirements files and lockfiles."""

    PEX = "pex"
    UV = "uv"
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"


class UnreadablePins(ValueError):
    """A file in no format upgrade-notes reads; the message says why, e.g. `TOML without uv's ...`."""


@dataclass(frozen=True)
class PinFile:
    """A file's format and what it pins."""

    format: PinFormat
    pins: Pins


def normalized_name(name: str) -> str:
    """PEP 503: `SQLAlchemy`, `sqlalchemy` and `SQL_Alchemy` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: str, text: str) -> PinFile:
    """The format of the file at `path` and its pins; UnreadablePins when it is in none of the formats."""
    if path.endswith("pyproject.toml"):
        return PinFile(PinFormat.PYPROJECT, pyproject_pins(text))
    body = "\n".join("" if line.startswith("//") else line for line in text.splitlines())  # JSON errors keep line numbers
    if body.lstrip().startswith("{"):
        return PinFile(PinFormat.PEX, pex_pins(body))
    if _UV_VERSION.search(text) and _UV_TABLES.search(text):
        return PinFile(PinFormat.UV, uv_pins(text))
    try:
        return PinFile(PinFormat.REQUIREMENTS, requirement_pins(requirement_lines(text)))
    except UnreadablePins as not_requirements:
        try:
            document = tomli.loads(text)
        except tomli.TOMLDecodeError:
            raise not_requirements from None
        raise UnreadablePins(
            f"TOML, but no uv lockfile: no top-level `version` with `[[package]]` tables (got keys {sorted(document)})"
        ) from None


def pex_pins(body: str) -> Pins:
    """The projects a Pants (pex) lockfile locks, by name; several resolves may lock several versions."""
    try:
        document = json.loads(body)
    except ValueError as e:
        raise UnreadablePins(f"not valid JSON (got {e})") from None
    if not isinstance(document, dict) or "locked_resolves" not in document:
        keys = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise UnreadablePins(f"JSON without pex's `locked_resolves` (got {keys})")
    try:
        locked = [
            (item["project_name"], item["version"])
            for resolve in document["locked_resolves"]
            for item in resolve["locked_requirements"]
        ]
    except (KeyError, TypeError):
        raise UnreadablePins("a pex lockfile whose `locked_requirements` lack `project_name` or `version`") from None
    return locked_pins(locked)


def uv_pins(text: str) -> Pins:
    """The third-party packages a uv lockfile locks.

    uv writes each table as `[[package]]`, `name`, `version`, `source`, in that order, so a scan of
    those lines reads a lockfile of 600 packages in milliseconds (a TOML parser takes a fifth of a
    second). A file the scan does not account for table by table is parsed as TOML instead.
    """
    heads = _UV_PACKAGE.findall(text)
    if len(heads) != len(_UV_TABLES.findall(text)):
        return _parsed_uv_pins(text)
    return locked_pins((name, version) for name, version, source in heads if source not in LOCAL_SOURCES and version)


def _parsed_uv_pins(text: str) -> Pins:
    try:
        packages = tomli.loads(text).get("package", [])
    except tomli.TOMLDecodeError as e:
        raise UnreadablePins(f"not valid TOML (got {e})") from None
    if not isinstance(packages, list) or not all(isinstance(p, dict) and "name" in p for p in packages):
        raise UnreadablePins("a uv lockfile whose `[[package]]` tables lack a `name`")
    third_party = (p for p in packages if not set(p.get("source", {})) & set(LOCAL_SOURCES) and "version" in p)
    return locked_pins((str(p["name"]), str(p["version"])) for p in third_party)


def locked_pins(locked: Iterable[Tuple[str, str]]) -> Pins:
    """`{name: (name, ==version)}`; a project locked at several versions pins `==a | ==b`, oldest first."""
    versions: Dict[str, Tuple[str, List[str]]] = {}
    for name, version in locked:
        written, seen = versions.setdefault(normalized_name(name), (name, []))
        if version not in seen:
            seen.append(version)
    return {key: (name, " | ".join(f"=={v}" for v in _oldest_first(seen))) for key, (name, seen) in versions.items()}


def _oldest_first(versions: List[str]) -> List[str]:
    return versions if len(versions) == 1 else sorted(versions, key=_version_order)


def _version_order(version: str) -> Tuple[int, object]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def requirement_lines(text: str) -> Iterator[Tuple[int, str]]:
    """`(line number, requirement)` of a pip requirements file: continuations joined, comments and options dropped.

    UnreadablePins naming the first line that is neither a requirement, an option, nor a URL or path.
    """
    number, logical = 0, ""
    for index, line in enumerate(text.splitlines(), 1):
        if not logical:
            number = index
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical, line = "", logical + line
        requirement = re.split(r"(?:^|\s)(?:#|--?[A-Za-z])", line, maxsplit=1)[0].strip()
        if not requirement or _URL.match(requirement) or requirement.startswith((".", "/")):
            continue
        try:
            Requirement(requirement)
        except InvalidRequirement:
            raise UnreadablePins(f"line {number} is not a requirement (got `{requirement[:60]}`)") from None
        yield number, requirement


def requirement_pins(lines: Iterable[Tuple[int, str]]) -> Pins:
    """The requirements among `lines`, by normalised name; what follows the name is the pin."""
    pins: Pins = {}
    for _number, line in lines:
        requirement = Requirement(line)
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f"; {requirement.marker}" if requirement.marker else ""
        pin = f"{extras}{requirement.specifier}{marker}" or "(any version)"
        pins[normalized_name(requirement.name)] = (requirement.name, pin)
    return pins


def pyproject_pins(text: str) -> Pins:
    """`[project].dependencies` and every `[project.optional-dependencies]` list of a PEP 621 `pyproject.toml`."""
    try:
        document = tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        raise UnreadablePins(f"not valid TOML (got {e})") from None
    project = document.get("project", {})
    if not project and "poetry" in document.get("tool", {}):
        raise UnreadablePins("a Poetry `pyproject.toml` (`[tool.poetry]`), not PEP 621 `[project]` dependencies")
    optional = [line for group in project.get("optional-dependencies", {}).values() for line in group]
    lines = [*project.get("dependencies", []), *optional]
    return requirement_pins(requirement_lines("\n".join(lines)))
