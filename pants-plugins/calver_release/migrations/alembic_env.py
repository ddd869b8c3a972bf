"""An alembic environment read from git objects: its ini and its revision graph at a commit."""

from __future__ import annotations

import configparser
import os
import posixpath
import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from calver_release.migrations.revision_graph import Revision, RevisionGraph, parse_revision_source
from calver_release.runtime.commit_files import CommitFiles

DEFAULT_INI = "alembic.ini"
"""The ini of the one alembic environment a repository has when none is configured."""

_SEPARATORS = {"space": " ", "newline": "\n", "colon": ":", "semicolon": ";", "os": os.pathsep}
_CURRENT_LINE = re.compile(r"^([\w-]+)(?: \([^)]*\))*\s*$")

ParsedRevisions = Dict[Tuple[str, str], Optional[Revision]]
"""(blob id, path) -> the revision the file declares: a file unchanged between two commits is parsed once."""


@dataclass(frozen=True)
class AlembicSettings:
    """Where a repository's alembic environments are: `[topic-switch].alembic_inis` and `import_root`.

    `topic-switch` owns the options and provides this to other steps through a rule, so that
    `upgrade-notes` reads them without depending on `topic-switch`.
    """

    inis: Tuple[str, ...]
    import_root: str


class AlembicEnvError(ValueError):
    """An alembic ini file is missing or does not describe where the revision files are."""


@dataclass(frozen=True)
class AlembicConfig:
    """Where an environment keeps its revision files, as repository-relative posix paths."""

    ini_path: str
    script_location: str
    version_locations: Tuple[str, ...]
    recursive: bool


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


def ini_text(files: CommitFiles, ini_path: str) -> str:
    """The ini's text at the commit, or the working tree's copy when git does not track it (a local ini)."""
    text = files.text(ini_path)
    if text is not None:
        return text
    local = files.repo.root / ini_path
    if local.is_file():
        return local.read_text()
    raise AlembicEnvError(
        f"{ini_path}: alembic ini not found at `{files.commit}` nor in the working tree (got no file); "
        "create it (e.g. from its `.sample`) or fix the configured ini path"
    )


def revision_graph(files: CommitFiles, config: AlembicConfig, parsed: ParsedRevisions) -> RevisionGraph:
    """The environment's revision graph at the commit; `parsed` keeps files already parsed (by blob and path)."""
    blobs = {
        path: oid
        for path, oid in files.listing(*config.version_locations).items()
        if path.endswith(".py") and (config.recursive or posixpath.dirname(path) in config.version_locations)
    }
    unparsed = {path: oid for path, oid in blobs.items() if (oid, path) not in parsed}
    for path, text in files.read(unparsed).items():
        parsed[(unparsed[path], path)] = parse_revision_source(text, path)
    revisions = (parsed[(oid, path)] for path, oid in sorted(blobs.items()))
    return RevisionGraph(revision for revision in revisions if revision is not None)


def load_graph(files: CommitFiles, ini_path: str, source_root: str, parsed: ParsedRevisions) -> RevisionGraph:
    """The revision graph of the environment `ini_path` describes, at the commit of `files`."""
    config = read_alembic_ini(ini_text(files, ini_path), ini_path, source_root)
    return revision_graph(files, config, parsed)


def parse_alembic_current(output: str) -> Tuple[str, ...]:
    """The revision ids `alembic current` printed (one a line, with `(head)` notes), ignoring log lines."""
    return tuple(match.group(1) for match in map(_CURRENT_LINE.match, output.splitlines()) if match)
