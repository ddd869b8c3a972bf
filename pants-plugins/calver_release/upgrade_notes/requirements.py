"""Third-party requirements that changed between two commits: in requirements files and in lockfiles.

Each file that differs between the commits is read in its own format (`pin_files`) at each commit
that has it; a file present at one commit only is `added` or `removed` with all its pins. Pins are
compared by normalised name and by what follows the name (`==1.16.5`, extras, markers); lockfiles by
the locked version. A file in no known format at a commit is listed as not read there, with the
reason, and its pins are not compared (never as if it were empty). Unchanged files are not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Tuple

from calver_release.runtime.commit_files import CommitFiles
from calver_release.upgrade_notes.pin_files import PinFile, Pins, UnreadablePins, read_pins
from calver_release.upgrade_notes.report import NotRead, RequirementChange, RequirementFile

LOCKFILE = "lockfile"
REQUIREMENTS = "requirements"


@dataclass(frozen=True)
class RequirementChanges:
    """The requirements files and lockfiles that differ, their pins that changed, and the files not read."""

    files: Tuple[RequirementFile, ...]
    changes: Tuple[RequirementChange, ...]
    not_read: Tuple[NotRead, ...]


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
) -> RequirementChanges:
    """The changes in every requirements file and lockfile, by file (one `git cat-file` per commit)."""
    kinds = {**{path: REQUIREMENTS for path in requirement_files}, **{path: LOCKFILE for path in lockfiles}}
    if not kinds:
        return RequirementChanges((), (), ())
    old_blobs, new_blobs = old.listing(*kinds), new.listing(*kinds)
    changed = sorted(path for path in kinds if old_blobs.get(path) != new_blobs.get(path))
    old_texts = old.read({path: old_blobs[path] for path in changed if path in old_blobs})
    new_texts = new.read({path: new_blobs[path] for path in changed if path in new_blobs})
    files: List[RequirementFile] = []
    changes: List[RequirementChange] = []
    not_read: List[NotRead] = []
    for path in changed:
        sides: Dict[str, Optional[PinFile]] = {}
        for ref, texts in (("from", old_texts), ("to", new_texts)):
            try:
                sides[ref] = read_pins(path, texts[path]) if path in texts else None
            except UnreadablePins as e:
                sides[ref] = None
                not_read.append(NotRead(path, ref, str(e)))
        file = "changed" if path in old_texts and path in new_texts else ("added" if path in new_texts else "removed")
        formats = [side.format.value if side else None for side in (sides["from"], sides["to"])]
        files.append(RequirementFile(path, kinds[path], file, formats[0], formats[1]))
        readable = all(sides[ref] is not None for ref, texts in (("from", old_texts), ("to", new_texts)) if path in texts)
        if readable:
            changes.extend(diff_pins(path, *(side.pins if side else {} for side in (sides["from"], sides["to"]))))
    return RequirementChanges(tuple(files), tuple(changes), tuple(not_read))
