"""Keys added, removed and changed in sample configuration files (TOML, JSON, YAML) between two commits."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Literal, Mapping, Sequence, Tuple

import tomli
from ruamel.yaml import YAML

from calver_release.runtime.commit_files import CommitFiles

DEFAULT_GLOBS = ("configs/**",)
WHOLE_FILE = ""
ChangeKind = Literal["added", "removed", "changed"]


class ConfigChangeError(ValueError):
    """A sample configuration file cannot be parsed."""


@dataclass(frozen=True)
class ConfigChange:
    """One key that differs; `key` is dotted, `WHOLE_FILE` ("") when the whole file was added or removed."""

    path: str
    key: str
    change: ChangeKind
    old: Any
    new: Any


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


_LOADERS: Dict[str, Callable[[str], Any]] = {
    ".toml": tomli.loads,
    ".json": json.loads,
    ".yaml": _load_yaml,
    ".yml": _load_yaml,
}


def config_blobs(files: CommitFiles, globs: Sequence[str]) -> Dict[str, str]:
    """`{path: blob id}` of the supported config files of the commit that match any of the git `globs`."""
    return {path: oid for path, oid in files.glob(*globs).items() if _suffix(path) in _LOADERS}


def _suffix(path: str) -> str:
    return posixpath.splitext(path)[1].lower()


def load_document(text: str, path: str) -> Any:
    """The document `text` holds in the format `path`'s suffix names; an empty document is an empty table.

    ValueError holding the parser's first line of complaint when the text does not parse.
    """
    try:
        document = _LOADERS[_suffix(path)](text)
    except Exception as exc:  # each loader raises its own error family
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    return {} if document is None else document


def parse_config(text: str, path: str) -> Any:
    """The document a sample config file holds, by its suffix; ConfigChangeError naming it when it does not parse."""
    try:
        return load_document(text, path)
    except ValueError as exc:
        raise ConfigChangeError(f"{path}: cannot parse the sample config (got {exc}); fix the file's syntax") from None


def flatten(document: Any, prefix: str = "") -> Dict[str, Any]:
    """Nested tables as `{dotted.key: value}`; lists, scalars and empty tables are leaves."""
    if not isinstance(document, Mapping) or not document:
        return {prefix: document}
    flat: Dict[str, Any] = {}
    for key, value in document.items():
        flat.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def diff_documents(path: str, old: Any, new: Any) -> Tuple[ConfigChange, ...]:
    """The key-level changes between two parsed documents, sorted by key."""
    old_keys, new_keys = flatten(old), flatten(new)
    changes = []
    for key in sorted(set(old_keys) | set(new_keys)):
        if key not in new_keys:
            changes.append(ConfigChange(path, key, "removed", old_keys[key], None))
        elif key not in old_keys:
            changes.append(ConfigChange(path, key, "added", None, new_keys[key]))
        elif old_keys[key] != new_keys[key]:
            changes.append(ConfigChange(path, key, "changed", old_keys[key], new_keys[key]))
    return tuple(changes)


def diff_configs(old: CommitFiles, new: CommitFiles, globs: Iterable[str] = DEFAULT_GLOBS) -> Tuple[ConfigChange, ...]:
    """Changes in the config files matching `globs` from commit `old` to `new`, sorted by path and key.

    Files of other types than `.toml`, `.json`, `.yaml` and `.yml` are skipped. A file present at only one
    commit is one `WHOLE_FILE` change; files whose blob did not change are not read.
    """
    globs = tuple(globs)
    old_blobs, new_blobs = config_blobs(old, globs), config_blobs(new, globs)
    changed = sorted(path for path in old_blobs.keys() & new_blobs.keys() if old_blobs[path] != new_blobs[path])
    old_texts = old.read({path: old_blobs[path] for path in changed})
    new_texts = new.read({path: new_blobs[path] for path in changed})
    changes = [_whole_file(path, old_blobs, new_blobs) for path in old_blobs.keys() ^ new_blobs.keys()]
    for path in changed:
        changes.extend(diff_documents(path, parse_config(old_texts[path], path), parse_config(new_texts[path], path)))
    return tuple(sorted(changes, key=lambda change: (change.path, change.key)))


def _whole_file(path: str, old_blobs: Mapping[str, str], new_blobs: Mapping[str, str]) -> ConfigChange:
    return ConfigChange(path, WHOLE_FILE, "removed" if path in old_blobs else "added", None, None)


def describe(change: ConfigChange) -> str:
    """One report line, e.g. "configs/manager/sample.toml: added `db.pool_size` = 8"."""
    if change.key == WHOLE_FILE and change.old is None and change.new is None:
        return f"{change.path}: file {change.change}"
    if change.change == "added":
        return f"{change.path}: added `{change.key}` = {change.new!r}"
    if change.change == "removed":
        return f"{change.path}: removed `{change.key}` (was {change.old!r})"
    return f"{change.path}: changed `{change.key}` from {change.old!r} to {change.new!r}"
