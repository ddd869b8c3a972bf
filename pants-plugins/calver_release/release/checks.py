"""The rules `pants release-version --check` enforces; each returns one line per problem found."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from calver_release.release.calver import ApiVersion, CalVer, Series, VersionError, is_release_branch
from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitRepo

_PADDED_CALVER = re.compile(r"^\d{2}\.0\d\.")
"""A pinned version that looks like a zero-padded calendar version (`20.09.0`)."""


def check_canonical(path: str, version: CalVer, text: str) -> List[str]:
    """The version file must hold a canonical spelling, with the minor as it is written (`24.09.0.dev0`, `26.4.0.dev0`).

    Either spelling of the minor passes: a release branch of the zero-padded era keeps its `VERSION`
    after the repository moved on; `[release-version].pad_minor` decides what the plugin writes next.
    """
    canonical = version.written()
    if text.strip() == canonical:
        return []
    return [f"`{path}`: not in canonical form (got `{text.strip()}`); write `{canonical}`"]


def check_package_version_files(
    build_root: Path, root_text: str, paths: Iterable[str], root_file: Optional[str] = None
) -> List[str]:
    """Per-package version files must be working links to, or exact copies of, the root file.

    A link to `root_file` agrees whatever it reads now (`--tag-release` checks a version not yet written).
    """
    problems = []
    for path in sorted(paths):
        file = build_root / path
        if root_file is not None and file.is_symlink() and file.resolve() == (build_root / root_file).resolve():
            continue
        if file.is_symlink() and not file.exists():
            problems.append(
                f"`{path}`: broken symlink (got target `{os.readlink(file)}`); point it at the root version file"
            )
        elif file.is_dir():
            problems.append(
                f"`{path}`: a directory, not a version file (got a directory); replace it with a symlink to the "
                "root version file"
            )
        elif file.exists() and file.read_text(errors="replace").strip() != root_text.strip():
            problems.append(
                f"`{path}`: differs from the root version file (got `{file.read_text(errors='replace').strip()}`); "
                f"make it a symlink to the root version file"
            )
    return problems


def check_api_version(path: str, text: Optional[str], pattern: Optional[str]) -> List[str]:
    """The API specification version must be `vN.yyyymmdd` with a real date."""
    if text is None:
        return [f"`{path}`: the API version file does not exist; create it or fix `[release-version].api_version_file`"]
    value = text.strip()
    if pattern:
        match = re.search(pattern, text, re.MULTILINE)
        if match is None:
            return [f"`{path}`: no API version matches `{pattern}`; fix `[release-version].api_version_pattern`"]
        value = match.group(1)
    try:
        ApiVersion.parse(value)
    except VersionError as e:
        return [f"`{path}`: invalid API version: {e}"]
    return []


def check_requirement_pins(requirements: Iterable[Tuple[str, str]], first_party: Iterable[str]) -> List[str]:
    """Pins on first-party or calendar-versioned packages must use the zero-stripped PEP 440 form.

    `requirements` holds (origin, requirement string) pairs, e.g. a target address and the string.
    """
    ours = {canonicalize_name(name) for name in first_party}
    problems = []
    for origin, text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        for spec in requirement.specifier:
            stripped = _stripped(spec.version)
            calver_like = _PADDED_CALVER.match(spec.version) is not None
            if stripped != spec.version and (canonicalize_name(requirement.name) in ours or calver_like):
                fixed = text.replace(f"{spec.operator}{spec.version}", f"{spec.operator}{stripped}")
                problems.append(
                    f"{origin}: `{text}` pins a zero-padded version; write `{fixed}` (setuptools normalizes versions)"
                )
    return problems


def _stripped(version: str) -> str:
    try:
        return CalVer.parse(version).pep440()
    except VersionError:
        return version


def check_branch_names(repo: GitRepo, version_path: str) -> List[str]:
    """Local branches must not collide with tags, look like tags, wear a wrong series' name, or share a series."""
    existing_tags = set(repo.tags())
    problems = []
    series_branches: Dict[Series, List[str]] = {}
    for branch in sorted(repo.local_branches()):
        if branch in existing_tags:
            problems.append(f"branch `{branch}`: a tag has the same name; rename the branch")
        elif _looks_like_tag(branch):
            problems.append(f"branch `{branch}`: named like a release tag; rename the branch")
        elif is_release_branch(branch):
            series_branches.setdefault(Series.parse_branch(branch), []).append(branch)
            problems.extend(_release_branch_problems(repo, branch, version_path))
    problems.extend(
        f"branches `{names[0]}` and `{names[1]}`: two release branches of one series (got both); "
        "keep one and rename or delete the other, since the registry and backports name one branch per line"
        for names in series_branches.values()
        if len(names) > 1
    )
    return problems


def _looks_like_tag(name: str) -> bool:
    try:
        CalVer.parse(name)
    except VersionError:
        return False
    return True


def _release_branch_problems(repo: GitRepo, branch: str, version_path: str) -> Sequence[str]:
    series = Series.parse_branch(branch)
    text = CommitFiles.of(repo, f"refs/heads/{branch}").text(version_path)
    try:
        version = CalVer.parse((text or "").strip())
    except VersionError:
        return [f"branch `{branch}`: `{version_path}` there holds no valid version (got `{(text or '').strip()}`)"]
    if version.series != series:
        return [
            f"branch `{branch}`: named like a release branch but its `{version_path}` is "
            f"`{version.written()}` (series `{version.series.written()}`); "
            f"rename the branch or fix its version"
        ]
    return []
