"""Sample configuration keys that changed between two commits, and an operator's files checked against them.

Keys are dotted paths into the document (`sample_configs.diff.flatten`), so TOML tables and etcd
JSON objects compare the same way. A key counts as present in a file when the file has it or a key
below it (an empty sample table against a filled local one). A sample key with a placeholder
segment (`service-discovery.extra-labels.<name>.value`) is an example the operator fills in, never
one a local file is missing.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.paths import PathError, file_kind, read_regular_file
from calver_release.sample_configs.diff import SampleDiff, compare_samples, flatten
from calver_release.sample_configs.formats import SUFFIXES, SampleFormat, SampleReading, load_document, read_sample
from calver_release.upgrade_notes.report import (
    KeyChange,
    KeyValue,
    LineWise,
    LocalCheck,
    MissingKey,
    NotRead,
    SampleChanges,
    UpgradeNotesError,
)

DEFAULT_SAMPLE_GLOBS = ("configs/*/sample.toml", "configs/*/sample.conf", "configs/*/sample.etcd.*.json")
"""Backend.AI's sample configs: a TOML sample per service, the webserver's TOML `sample.conf`, the etcd JSON samples."""

_PLACEHOLDER = re.compile(r"^<[^<>]+>$")

CONFIG_HINT = "pass `--config=SAMPLE=LOCAL`, e.g. `--config=configs/manager/sample.toml=/etc/backend.ai/manager.toml`"


def parse_config_options(values: Sequence[str]) -> Tuple[Tuple[str, str], ...]:
    """`(sample, local)` pairs of the `--config` values; UpgradeNotesError for a value without both sides."""
    pairs = []
    for value in values:
        sample, separator, local = value.partition("=")
        if not separator or not sample or not local:
            raise UpgradeNotesError(f"`--config`: not SAMPLE=LOCAL (got `{value}`); {CONFIG_HINT}")
        pairs.append((sample, local))
    return tuple(pairs)


def keys_of(document: Any) -> Dict[str, Any]:
    """`{dotted.key: value}`; an empty document has no keys."""
    return flatten(document) if document else {}


def sample_changes(
    old: CommitFiles, new: CommitFiles, globs: Sequence[str]
) -> Tuple[Tuple[SampleChanges, ...], Tuple[NotRead, ...]]:
    """Per sample file (sorted by path) its key changes, and the samples that could not be read at a ref.

    A new or deleted file lists all its keys; a changed one whose keys are the same is left out.
    """
    samples, not_read = [], []
    for diff in compare_samples(old, new, globs):
        sides = (("from", diff.old), ("to", diff.new))
        errors = [NotRead(diff.path, ref, not_valid(reading)) for ref, reading in sides if reading and reading.error]
        if errors:
            not_read.extend(errors)
            continue
        sample = file_changes(diff)
        if sample.file != "changed" or sample.added or sample.removed or sample.changed:
            samples.append(sample)
    return tuple(samples), tuple(not_read)


def not_valid(reading: SampleReading) -> str:
    return f"not valid {reading.format.value.upper()} (got {reading.error}); its keys are not compared"


def file_changes(diff: SampleDiff) -> SampleChanges:
    """The key changes of one sample, and the refs where it was read line by line."""
    sides = (("from", diff.old), ("to", diff.new))
    return SampleChanges(
        path=diff.path,
        file=diff.file,
        format=diff.format.value,
        line_wise=tuple(LineWise(ref, reading.line_wise) for ref, reading in sides if reading and reading.line_wise),
        added=tuple(KeyValue(c.key, c.new) for c in diff.changes if c.change == "added"),
        removed=tuple(KeyValue(c.key, c.old) for c in diff.changes if c.change == "removed"),
        changed=tuple(KeyChange(c.key, c.old, c.new) for c in diff.changes if c.change == "changed"),
    )


def local_checks(
    old: CommitFiles, new: CommitFiles, pairs: Iterable[Tuple[str, str]], globs: Sequence[str], root: Path
) -> Tuple[LocalCheck, ...]:
    """Each `--config` local file against its sample at `--to`: keys it lacks, and keys it keeps that `--to` removed."""
    pairs = tuple(pairs)
    checks: List[LocalCheck] = []
    new_blobs = new.glob(*globs) if pairs else {}
    for sample, local in pairs:
        if sample not in new_blobs:
            known = ", ".join(f"`{path}`" for path in sorted(new_blobs)) or "none"
            raise UpgradeNotesError(
                f"`--config`: no sample config `{sample}` at `--to` (got `{sample}={local}`); name one of {known}"
            )
        after = read_sample(sample, new.read({sample: new_blobs[sample]})[sample])
        if after is None or after.error is not None:
            reason = after.error if after else "neither TOML, JSON nor YAML"
            raise UpgradeNotesError(
                f"`--config`: the sample `{sample}` at `--to` cannot be read (got {reason}); name a sample that can"
            )
        before = old_keys(old, sample)
        local_keys = read_local(sample, local, root, after.format)
        checks.append(check_local(sample, local, local_keys, before, keys_of(after.document)))
    return tuple(checks)


def old_keys(old: CommitFiles, sample: str) -> Dict[str, Any]:
    """The keys of the sample at `--from`; none when it has no such sample or cannot read it."""
    text = old.text(sample)
    reading: Optional[SampleReading] = read_sample(sample, text) if text is not None else None
    return keys_of(reading.document) if reading and reading.error is None else {}


def named_like(sample: str, local: str, format: SampleFormat) -> bool:
    """Whether `local`'s name fits its sample: the same suffix, or a suffix of the sample's format."""
    suffix = posixpath.splitext(local)[1].lower()
    return suffix == posixpath.splitext(sample)[1].lower() or SUFFIXES.get(suffix) is format


def read_local(sample: str, local: str, root: Path, format: SampleFormat) -> Dict[str, Any]:
    """The keys of the operator's file, parsed in its sample's format; relative paths start at the build root.

    Refused, one line each: a file not named like its sample (`/etc/shadow` would parse as YAML),
    not a regular file (a FIFO would block the run), or holding no table of keys.
    """
    path = Path(local) if Path(local).is_absolute() else root / local
    if not named_like(sample, local, format):
        suffix = posixpath.splitext(local)[1]
        raise UpgradeNotesError(
            f"`--config`: the local file `{local}` is not named as a {format.name} file like its sample `{sample}` "
            f"(got {f'a `{suffix}` name' if suffix else 'no suffix'}); name the installation's copy of that sample"
        )
    try:
        text = read_regular_file(path)
    except PathError:
        raise UpgradeNotesError(
            f"`--config`: the local file `{local}` is not a regular file (got {file_kind(path)}); {CONFIG_HINT}"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise UpgradeNotesError(
            f"`--config`: cannot read the local file `{local}` (got {reason}); {CONFIG_HINT}"
        ) from None
    try:
        document = load_document(text, format)
    except ValueError as e:
        raise UpgradeNotesError(
            f"`--config`: the local file `{local}` does not parse like its sample `{sample}` (got {e}); fix its syntax"
        ) from None
    if not isinstance(document, Mapping):
        raise UpgradeNotesError(
            f"`--config`: the local file `{local}` holds no keys like its sample `{sample}` (got {_shape(document)}); "
            "name the installation's copy of that sample"
        )
    return keys_of(document)


def _shape(document: Any) -> str:
    return "a list" if isinstance(document, list) else f"a single {type(document).__name__} value"


def check_local(
    sample: str, local: str, keys: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> LocalCheck:
    """The keys `after` has that `keys` lacks (placeholders aside), and the keys of `keys` that `before` had and `after` dropped."""
    present = with_prefixes(keys)
    missing = tuple(
        MissingKey(key, value, key not in before)
        for key, value in sorted(after.items())
        if key not in present and not has_placeholder(key)
    )
    removed = with_prefixes(before).difference(with_prefixes(after))
    obsolete = tuple(sorted(key for key in keys if key in removed or any(p in removed for p in prefixes(key))))
    return LocalCheck(sample, local, missing, obsolete)


def has_placeholder(key: str) -> bool:
    """Whether a segment of the dotted `key` is a placeholder such as `<name>`."""
    return any(_PLACEHOLDER.match(segment) for segment in key.split("."))


def prefixes(key: str) -> Iterable[str]:
    """`a.b.c` -> `a`, `a.b`."""
    parts = key.split(".")
    return (".".join(parts[:index]) for index in range(1, len(parts)))


def with_prefixes(keys: Iterable[str]) -> Set[str]:
    """The keys and every table above them."""
    return {name for key in keys for name in (key, *prefixes(key))}
