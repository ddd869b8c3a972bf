"""An alembic environment read from git objects: its ini, its revision files, and its topic-switch plan."""

from __future__ import annotations

import configparser
import os
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional, Tuple

from calver_release.git import GitError, git_env, run_git, show_file
from calver_release.revision_graph import (
    DowngradePlan,
    Revision,
    RevisionGraph,
    parse_revision_source,
    plan_downgrade,
)

_SEPARATORS = {"space": " ", "newline": "\n", "colon": ":", "semicolon": ";", "os": os.pathsep}
_CURRENT_LINE = re.compile(r"^([\w-]+)(?: \([^)]*\))*\s*$")


class AlembicEnvError(ValueError):
    """An alembic ini file is missing or does not describe where the revision files are."""


@dataclass(frozen=True)
class AlembicConfig:
    """Where an environment keeps its revision files, as repository-relative posix paths."""

    ini_path: str
    script_location: str
    version_locations: Tuple[str, ...]
    recursive: bool


@dataclass(frozen=True)
class EnvironmentPlan:
    """One environment's switch: the downgrade before it, what `upgrade heads` applies after it."""

    ini_path: str
    downgrade: DowngradePlan
    to_apply: Tuple[str, ...]


def read_alembic_ini(text: str, ini_path: str, source_root: str = "src") -> AlembicConfig:
    """Parse an alembic ini; `%(here)s` is the ini's directory and `pkg.mod:dir` resolves under `source_root`.

    Relative locations are taken relative to the repository root, where the switch runs alembic.
    """
    parser = configparser.ConfigParser(defaults={"here": posixpath.dirname(ini_path) or "."})
    try:
        parser.read_string(text, source=ini_path)
        options = dict(parser["alembic"]) if parser.has_section("alembic") else {}
    except configparser.Error as exc:
        reason = str(exc).splitlines()[0]
        raise AlembicEnvError(
            f"{ini_path}: not a valid ini file (got {reason}); fix the alembic ini"
        ) from None
    if not options.get("script_location"):
        raise AlembicEnvError(
            f"{ini_path}: no `script_location` in an `[alembic]` section (got sections "
            f"{sorted(parser.sections())}); point `script_location` at the migration scripts"
        )
    script_dir = _repo_path(options["script_location"], source_root)
    if options.get("version_locations"):
        separator = options.get("path_separator", options.get("version_path_separator"))
        items = _split_locations(options["version_locations"], separator)
        locations = tuple(_repo_path(item, source_root) for item in items)
    else:
        locations = (posixpath.join(script_dir, "versions"),)
    recursive = options.get("recursive_version_locations", "false").lower() in ("true", "1", "yes", "on")
    return AlembicConfig(ini_path, script_dir, locations, recursive)


def _split_locations(value: str, separator: Optional[str]) -> Tuple[str, ...]:
    """Split `version_locations` as alembic does: by the configured separator, else spaces or commas."""
    if separator in _SEPARATORS:
        items = value.split(_SEPARATORS[separator])
    else:
        items = re.split(r", *|(?: +)", value)
    return tuple(item.strip() for item in items if item.strip())


def _repo_path(location: str, source_root: str) -> str:
    """A location as a normalised repository-relative path; `package.module:dir` lives under `source_root`."""
    if ":" in location and "/" not in location.split(":", 1)[0]:
        package, subdir = location.split(":", 1)
        location = posixpath.join(source_root, *package.split("."), subdir)
    return posixpath.normpath(location)


def read_ini_at(repo: Path, rev: str, ini_path: str) -> str:
    """The ini's text at `rev`, or the working tree's copy when git does not track it (a local ini)."""
    text = show_file(repo, rev, ini_path)
    if text is not None:
        return text
    local = repo / ini_path
    if local.is_file():
        return local.read_text()
    raise AlembicEnvError(
        f"{ini_path}: alembic ini not found at `{rev}` nor in the working tree (got no file); "
        "create it (e.g. from its `.sample`) or fix the configured ini path"
    )


def tree_blobs(repo: Path, rev: str, *pathspecs: str) -> Dict[str, str]:
    """`{path: blob id}` of every file at `rev` under `pathspecs` (or all), from one `git ls-tree`."""
    listing = run_git(repo, "ls-tree", "-r", "-z", "--full-tree", rev, "--", *pathspecs).stdout
    blobs = {}
    for entry in listing.split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            _mode, kind, oid = meta.split()
            if kind == "blob":
                blobs[path] = oid
    return blobs


def revision_blobs(repo: Path, rev: str, config: AlembicConfig) -> Dict[str, str]:
    """`{path: blob id}` of the `.py` files alembic would load from the version locations at `rev`."""
    blobs = tree_blobs(repo, rev, *config.version_locations)
    return {path: oid for path, oid in blobs.items() if _is_revision_file(path, config)}


def _is_revision_file(path: str, config: AlembicConfig) -> bool:
    """A `.py` file directly in a version location, or anywhere below one when `recursive`."""
    return path.endswith(".py") and (config.recursive or posixpath.dirname(path) in config.version_locations)


def read_blobs(repo: Path, oids: Iterable[str]) -> Dict[str, str]:
    """`{blob id: text}` for many blobs with a single `git cat-file --batch`."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    proc = subprocess.run(
        ["git", "-C", str(repo), "cat-file", "--batch"],
        input="".join(f"{oid}\n" for oid in wanted).encode(),
        capture_output=True,
        env=git_env(),
    )
    if proc.returncode != 0:
        raise GitError(f"`git cat-file --batch` failed: {proc.stderr.decode(errors='replace').strip()}")
    return _split_batch_output(proc.stdout, wanted)


def _split_batch_output(output: bytes, wanted: Iterable[str]) -> Dict[str, str]:
    texts = {}
    offset = 0
    for oid in wanted:
        header_end = output.index(b"\n", offset)
        _oid, _kind, size = output[offset:header_end].decode().split()
        start = header_end + 1
        texts[oid] = output[start : start + int(size)].decode("utf-8", errors="replace")
        offset = start + int(size) + 1
    return texts


def graph_from_blobs(
    blobs: Mapping[str, str], texts: Mapping[str, str], parsed: Dict[str, Optional[Revision]]
) -> RevisionGraph:
    """Build a graph from `{path: blob id}`, parsing each blob once (`parsed` caches by blob id and path)."""
    revisions = []
    for path, oid in sorted(blobs.items()):
        key = f"{oid}:{path}"
        if key not in parsed:
            parsed[key] = parse_revision_source(texts[oid], path)
        if parsed[key] is not None:
            revisions.append(parsed[key])
    return RevisionGraph(revisions)


def load_revision_graph(repo: Path, rev: str, ini_path: str, source_root: str = "src") -> RevisionGraph:
    """The environment's revision graph at `rev`, read from git objects with one ls-tree and one cat-file."""
    config = read_alembic_ini(read_ini_at(repo, rev, ini_path), ini_path, source_root)
    blobs = revision_blobs(repo, rev, config)
    return graph_from_blobs(blobs, read_blobs(repo, blobs.values()), {})


def plan_environment(
    repo: Path,
    current_rev: str,
    target_rev: str,
    ini_path: str,
    applied: Iterable[str],
    source_root: str = "src",
) -> EnvironmentPlan:
    """The downgrade before switching `current_rev` to `target_rev`, and what `upgrade heads` applies."""
    current_config = read_alembic_ini(read_ini_at(repo, current_rev, ini_path), ini_path, source_root)
    target_config = read_alembic_ini(read_ini_at(repo, target_rev, ini_path), ini_path, source_root)
    current_blobs = revision_blobs(repo, current_rev, current_config)
    target_blobs = revision_blobs(repo, target_rev, target_config)
    texts = read_blobs(repo, [*current_blobs.values(), *target_blobs.values()])
    parsed: Dict[str, Optional[Revision]] = {}
    current_graph = graph_from_blobs(current_blobs, texts, parsed)
    target_graph = graph_from_blobs(target_blobs, texts, parsed)
    downgrade = plan_downgrade(current_graph, target_graph, applied)
    kept = current_graph.ancestors(downgrade.kept_heads)
    to_apply = tuple(rev for rev in target_graph if rev not in kept)
    return EnvironmentPlan(ini_path, downgrade, to_apply)


def parse_alembic_current(output: str) -> Tuple[str, ...]:
    """The revision ids `alembic current` printed (one a line, with `(head)` notes), ignoring log lines."""
    return tuple(match.group(1) for match in map(_CURRENT_LINE.match, output.splitlines()) if match)
