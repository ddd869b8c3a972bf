"""Keys added, removed and changed in sample configuration files between two commits.

Keys are dotted paths into the document (`flatten`), so TOML tables, etcd JSON objects and YAML
mappings compare the same way. Only files whose blob differs between the commits are read; each
version is read as `formats.read_sample` says (TOML that does not parse line by line). `upgrade-notes`
reports every `SampleDiff`; `topic-switch` prints the key changes of `diff_configs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, Literal, Mapping, Optional, Sequence, Tuple

from calver_release.runtime.commit_files import CommitFiles
from calver_release.sample_configs.formats import SampleFormat, SampleReading, read_sample

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


@dataclass(frozen=True)
class SampleDiff:
    """One sample config that differs between the commits: how each side was read, and its key changes.

    `old` or `new` is None where that commit has no such sample. `changes` lists every key of a sample
    only one commit has, and none when either side could not be read (`SampleReading.error`).
    """

    path: str
    old: Optional[SampleReading]
    new: Optional[SampleReading]
    changes: Tuple[ConfigChange, ...]

    @property
    def file(self) -> ChangeKind:
        """Whether the sample was `added`, `removed` or `changed` between the commits."""
        return "changed" if self.old and self.new else ("added" if self.new else "removed")

    @property
    def format(self) -> SampleFormat:
        reading = self.new or self.old
        assert reading is not None
        return reading.format


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


def sample_readings(files: CommitFiles, blobs: Mapping[str, str]) -> Dict[str, SampleReading]:
    """`{path: reading}` of the samples among `{path: blob id}` (one `git cat-file` for all); other files left out."""
    readings = {path: read_sample(path, text) for path, text in files.read(blobs).items()}
    return {path: reading for path, reading in readings.items() if reading is not None}


def compare_samples(old: CommitFiles, new: CommitFiles, globs: Sequence[str]) -> Tuple[SampleDiff, ...]:
    """The sample configs matching the git `globs` whose content differs between the commits, sorted by path."""
    old_blobs, new_blobs = old.glob(*globs), new.glob(*globs)
    paths = {path for path in old_blobs.keys() | new_blobs.keys() if old_blobs.get(path) != new_blobs.get(path)}
    before = sample_readings(old, {path: old_blobs[path] for path in paths if path in old_blobs})
    after = sample_readings(new, {path: new_blobs[path] for path in paths if path in new_blobs})
    diffs = []
    for path in sorted(before.keys() | after.keys()):
        old_reading, new_reading = before.get(path), after.get(path)
        readable = all(reading.error is None for reading in (old_reading, new_reading) if reading)
        changes = diff_documents(path, document_of(old_reading), document_of(new_reading)) if readable else ()
        diffs.append(SampleDiff(path, old_reading, new_reading, tuple(c for c in changes if c.key)))
    return tuple(diffs)


def document_of(reading: Optional[SampleReading]) -> Any:
    """The document of a reading; an absent sample is an empty one."""
    return (reading.document if reading else None) or {}


def diff_configs(old: CommitFiles, new: CommitFiles, globs: Iterable[str] = DEFAULT_GLOBS) -> Tuple[ConfigChange, ...]:
    """Changes in the sample configs matching `globs` from commit `old` to `new`, sorted by path and key.

    A file present at only one commit is one `WHOLE_FILE` change. ConfigChangeError when a changed JSON
    or YAML sample does not parse (a TOML one is read line by line).
    """
    changes = []
    for diff in compare_samples(old, new, tuple(globs)):
        if diff.file != "changed":
            changes.append(ConfigChange(diff.path, WHOLE_FILE, diff.file, None, None))
            continue
        error = next((reading.error for reading in (diff.old, diff.new) if reading and reading.error), None)
        if error is not None:
            raise ConfigChangeError(f"{diff.path}: cannot parse the sample config (got {error}); fix the file's syntax")
        changes.extend(diff.changes)
    return tuple(changes)


def describe(change: ConfigChange) -> str:
    """One report line, e.g. "configs/manager/sample.toml: added `db.pool_size` = 8"."""
    if change.key == WHOLE_FILE and change.old is None and change.new is None:
        return f"{change.path}: file {change.change}"
    if change.change == "added":
        return f"{change.path}: added `{change.key}` = {change.new!r}"
    if change.change == "removed":
        return f"{change.path}: removed `{change.key}` (was {change.old!r})"
    return f"{change.path}: changed `{change.key}` from {change.old!r} to {change.new!r}"
