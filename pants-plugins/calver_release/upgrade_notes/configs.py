"""Sample configuration keys that changed between two commits, and an operator's files checked against them.

Keys are dotted paths into the parsed document (`flatten` of `topic_switch.config_changes`), so TOML
tables and etcd JSON objects compare the same way. A key counts as present in a file when the file
has it or a key below it (an empty sample table against a filled local one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Set, Tuple

from calver_release.runtime.commit_files import CommitFiles
from calver_release.topic_switch.config_changes import (
    config_blobs,
    diff_documents,
    flatten,
    load_document,
    parse_config,
)
from calver_release.upgrade_notes.report import (
    KeyChange,
    KeyValue,
    LocalCheck,
    MissingKey,
    SampleChanges,
    UpgradeNotesError,
)

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


def sample_changes(old: CommitFiles, new: CommitFiles, globs: Sequence[str]) -> Tuple[SampleChanges, ...]:
    """Per sample file (sorted by path): keys added, removed and changed; a new or deleted file lists all its keys."""
    old_blobs, new_blobs = config_blobs(old, globs), config_blobs(new, globs)
    paths = sorted(path for path in old_blobs.keys() | new_blobs.keys() if old_blobs.get(path) != new_blobs.get(path))
    old_texts = old.read({path: old_blobs[path] for path in paths if path in old_blobs})
    new_texts = new.read({path: new_blobs[path] for path in paths if path in new_blobs})
    samples = []
    for path in paths:
        before = parse_config(old_texts[path], path) if path in old_texts else {}
        after = parse_config(new_texts[path], path) if path in new_texts else {}
        file = "changed" if path in old_texts and path in new_texts else ("added" if path in new_texts else "removed")
        samples.append(file_changes(path, file, before, after))
    return tuple(s for s in samples if s.file != "changed" or s.added or s.removed or s.changed)


def file_changes(path: str, file: str, before: Any, after: Any) -> SampleChanges:
    """The key changes of one sample between two parsed documents (empty for a side without the file)."""
    changes = [change for change in diff_documents(path, before or {}, after or {}) if change.key]
    return SampleChanges(
        path=path,
        file=file,
        added=tuple(KeyValue(c.key, c.new) for c in changes if c.change == "added"),
        removed=tuple(KeyValue(c.key, c.old) for c in changes if c.change == "removed"),
        changed=tuple(KeyChange(c.key, c.old, c.new) for c in changes if c.change == "changed"),
    )


def local_checks(
    old: CommitFiles, new: CommitFiles, pairs: Iterable[Tuple[str, str]], globs: Sequence[str], root: Path
) -> Tuple[LocalCheck, ...]:
    """Each `--config` local file against its sample at `--to`: keys it lacks, and keys it keeps that `--to` removed."""
    pairs = tuple(pairs)
    checks: List[LocalCheck] = []
    new_blobs = config_blobs(new, globs) if pairs else {}
    for sample, local in pairs:
        if sample not in new_blobs:
            known = ", ".join(f"`{path}`" for path in sorted(new_blobs)) or "none"
            raise UpgradeNotesError(
                f"`--config`: no sample config `{sample}` at `--to` (got `{sample}={local}`); name one of {known}"
            )
        after = keys_of(parse_config(new.read({sample: new_blobs[sample]})[sample], sample))
        old_text = old.text(sample)
        before = keys_of(parse_config(old_text, sample)) if old_text is not None else {}
        checks.append(check_local(sample, local, read_local(sample, local, root), before, after))
    return tuple(checks)


def read_local(sample: str, local: str, root: Path) -> Dict[str, Any]:
    """The keys of the operator's file, parsed in its sample's format; relative paths start at the build root."""
    path = Path(local) if Path(local).is_absolute() else root / local
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise UpgradeNotesError(
            f"`--config`: cannot read the local file `{local}` (got {reason}); {CONFIG_HINT}"
        ) from None
    try:
        return keys_of(load_document(text, sample))
    except ValueError as e:
        raise UpgradeNotesError(
            f"`--config`: the local file `{local}` does not parse like its sample `{sample}` (got {e}); fix its syntax"
        ) from None


def check_local(
    sample: str, local: str, keys: Mapping[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]
) -> LocalCheck:
    """The keys `after` has that `keys` lacks, and the keys of `keys` that `before` had and `after` dropped."""
    present = with_prefixes(keys)
    missing = tuple(
        MissingKey(key, value, key not in before) for key, value in sorted(after.items()) if key not in present
    )
    removed = with_prefixes(before).difference(with_prefixes(after))
    obsolete = tuple(sorted(key for key in keys if key in removed or any(p in removed for p in prefixes(key))))
    return LocalCheck(sample, local, missing, obsolete)


def prefixes(key: str) -> Iterable[str]:
    """`a.b.c` -> `a`, `a.b`."""
    parts = key.split(".")
    return (".".join(parts[:index]) for index in range(1, len(parts)))


def with_prefixes(keys: Iterable[str]) -> Set[str]:
    """The keys and every table above them."""
    return {name for key in keys for name in (key, *prefixes(key))}
