"""Third-party requirements that changed between two commits: in requirements files and in lockfiles.

Requirements files are read as pip's format (or PEP 621 `pyproject.toml`); each requirement is keyed
by its normalised name and compared by what follows the name (`==1.16.5`, extras, markers). A Pants
lockfile (JSON after its `//` header) is compared by the pinned version of each locked project; a
lockfile in another format is read as a requirements file. Lines pip would not take as a requirement
(options, includes, URLs) are skipped.
"""

from __future__ import annotations

import json
import re
from typing import Dict, Iterable, Optional, Tuple

import tomli
from packaging.requirements import InvalidRequirement, Requirement

from calver_release.runtime.commit_files import CommitFiles
from calver_release.upgrade_notes.report import RequirementChange

Pins = Dict[str, Tuple[str, str]]
"""Normalised name -> (name as written, what the file requires of it)."""


def normalized_name(name: str) -> str:
    """PEP 503: `SQLAlchemy`, `sqlalchemy` and `SQL_Alchemy` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_pins(lines: Iterable[str]) -> Pins:
    """The requirements among `lines`, by normalised name; what follows the name is the pin."""
    pins: Pins = {}
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
        marker = f"; {requirement.marker}" if requirement.marker else ""
        pin = f"{extras}{requirement.specifier}{marker}" or "(any version)"
        pins[normalized_name(requirement.name)] = (requirement.name, pin)
    return pins


def requirements_text_lines(text: str) -> Iterable[str]:
    """The requirements of a pip requirements file: no comments, continuations, or options (`--hash=...`)."""
    for line in re.sub(r"\\\r?\n", "", text).splitlines():
        line = re.split(r"(?:^|\s)(?:#|--?[A-Za-z])", line, maxsplit=1)[0].strip()
        if line:
            yield line


def pyproject_lines(text: str) -> Iterable[str]:
    """`[project].dependencies` and every `[project.optional-dependencies]` list."""
    try:
        project = tomli.loads(text).get("project", {})
    except tomli.TOMLDecodeError:
        return []
    optional = [line for group in project.get("optional-dependencies", {}).values() for line in group]
    return [*project.get("dependencies", []), *optional]


def lockfile_pins(text: str) -> Optional[Pins]:
    """`{name: (name, ==version)}` of a Pants (pex) JSON lockfile, or None when `text` is not one."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("//"))
    try:
        resolves = json.loads(body)["locked_resolves"]
        locked = [(i["project_name"], i["version"]) for resolve in resolves for i in resolve["locked_requirements"]]
    except (ValueError, KeyError, TypeError):
        return None
    return {normalized_name(name): (name, f"=={version}") for name, version in locked}


def file_pins(path: str, text: Optional[str], lockfile: bool) -> Pins:
    """The pins a requirements file or lockfile holds; a file the commit lacks holds none."""
    if text is None:
        return {}
    if lockfile:
        pins = lockfile_pins(text)
        if pins is not None:
            return pins
    lines = pyproject_lines(text) if path.endswith("pyproject.toml") else requirements_text_lines(text)
    return requirement_pins(lines)


def diff_pins(path: str, old: Pins, new: Pins) -> Tuple[RequirementChange, ...]:
    """Added, removed and re-pinned requirements of one file, by normalised name."""
    changes = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            changes.append(RequirementChange(path, old[key][0], "removed", old[key][1], None))
        elif key not in old:
            changes.append(RequirementChange(path, new[key][0], "added", None, new[key][1]))
        elif old[key][1] != new[key][1]:
            changes.append(RequirementChange(path, new[key][0], "changed", old[key][1], new[key][1]))
    return tuple(changes)


def requirement_changes(
    old: CommitFiles, new: CommitFiles, requirement_files: Iterable[str], lockfiles: Iterable[str]
) -> Tuple[RequirementChange, ...]:
    """The changes in every requirements file and lockfile, by file; unchanged files are not read."""
    kinds = {**{path: False for path in requirement_files}, **{path: True for path in lockfiles}}
    if not kinds:
        return ()
    old_blobs, new_blobs = old.listing(*kinds), new.listing(*kinds)
    changed = {path for path in kinds if old_blobs.get(path) != new_blobs.get(path)}
    old_texts = old.read({path: oid for path, oid in old_blobs.items() if path in changed})
    new_texts = new.read({path: oid for path, oid in new_blobs.items() if path in changed})
    changes = []
    for path in sorted(changed):
        old_pins, new_pins = (file_pins(path, texts.get(path), kinds[path]) for texts in (old_texts, new_texts))
        changes.extend(diff_pins(path, old_pins, new_pins))
    return tuple(changes)
