"""Upgrade notes as data: what an installation must do to go from one release to another.

`render_json` gives the `--format=json` document (`to_json` of `UpgradeNotes`);
docs/upgrade-notes.md documents its schema, field by field.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Optional, Tuple

from calver_release.runtime.schema import to_json

SCHEMA_VERSION = 2
"""Bumped when a field of the JSON document changes meaning or disappears."""


class UpgradeNotesError(ValueError):
    """A bad input (ref, version file, revision file, `--config`); the message is the one line users see."""


class UpgradeKind(Enum):
    """How the two versions relate."""

    PATCH = "patch"
    RELEASE = "release"
    DOWNGRADE = "downgrade"
    SAME_VERSION = "same-version"


@dataclass(frozen=True)
class RefVersion:
    """One side of the update: the ref as given, its commit, and the version file there."""

    ref: str
    commit: str
    version: str
    pep440: str
    series: str


@dataclass(frozen=True)
class NotRead:
    """A file the report could not read at one ref (`from` or `to`), and why."""

    path: str
    ref: str
    reason: str


@dataclass(frozen=True)
class RequirementChange:
    """A third-party requirement added, removed or re-pinned in a requirements file or lockfile."""

    file: str
    name: str
    change: str
    old: Optional[str]
    new: Optional[str]


@dataclass(frozen=True)
class RequirementFile:
    """A requirements file (`requirements`) or lockfile (`lockfile`) that differs between the refs.

    `file` is `added`, `removed` or `changed`; the formats are `pex`, `uv`, `requirements` or
    `pyproject`, None where the ref lacks the file or it could not be read there.
    """

    path: str
    kind: str
    file: str
    from_format: Optional[str]
    to_format: Optional[str]


@dataclass(frozen=True)
class Packages:
    """The server-side distributions at `--to` and how to upgrade those an installation has (None: there are none).

    The distributions come from the BUILD files at `--to`; `distributions_added` and
    `distributions_removed` compare them with those at `--from`. `not_read` lists the BUILD files,
    requirements files and lockfiles that could not be read.
    """

    version: str
    distributions: Tuple[str, ...]
    constraints: Tuple[str, ...]
    upgrade_command: Optional[str]
    distributions_added: Tuple[str, ...]
    distributions_removed: Tuple[str, ...]
    requirement_files: Tuple[RequirementFile, ...]
    requirements: Tuple[RequirementChange, ...]
    not_read: Tuple[NotRead, ...]


@dataclass(frozen=True)
class RevisionNote:
    """One alembic revision: its id and the first line of its docstring."""

    revision: str
    doc: str


@dataclass(frozen=True)
class UndoNote:
    """A revision present at `--from` that must be downgraded first, and why.

    `reason` is `removed` (`--to` lacks it), `re-parented` (`--to` gives it other parents), or
    `descendant` (it sits on `reparented_ancestors`, which must go, so it goes with them).
    """

    revision: str
    doc: str
    reason: str
    reparented_ancestors: Tuple[str, ...]


@dataclass(frozen=True)
class DatabaseEnvironment:
    """One alembic environment: what to undo (with `--from`'s code), what to apply, where it ends."""

    ini: str
    to_undo: Tuple[UndoNote, ...]
    downgrade_commands: Tuple[str, ...]
    to_apply: Tuple[RevisionNote, ...]
    heads: Tuple[str, ...]
    upgrade_command: str


@dataclass(frozen=True)
class KeyValue:
    """A configuration key and its value in the sample that has it."""

    key: str
    value: Any


@dataclass(frozen=True)
class KeyChange:
    """A configuration key whose default changed."""

    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class LineWise:
    """A sample read line by line at one ref (`from` or `to`): the TOML parser's complaint."""

    ref: str
    reason: str


@dataclass(frozen=True)
class SampleChanges:
    """The keys of one sample configuration that differ between the refs; `file` says if the whole file is new.

    `line_wise` names the refs where the sample is no valid TOML and was read line by line.
    """

    path: str
    file: str
    format: str
    line_wise: Tuple[LineWise, ...]
    added: Tuple[KeyValue, ...]
    removed: Tuple[KeyValue, ...]
    changed: Tuple[KeyChange, ...]


@dataclass(frozen=True)
class MissingKey:
    """A key the new sample has and the local file lacks; `new` when the update added it to the sample."""

    key: str
    value: Any
    new: bool


@dataclass(frozen=True)
class LocalCheck:
    """An operator's file (`--config=SAMPLE=LOCAL`) against the sample at `--to`."""

    sample: str
    local: str
    missing: Tuple[MissingKey, ...]
    obsolete: Tuple[str, ...]


@dataclass(frozen=True)
class Configuration:
    """The sample configurations that changed, those that could not be read, and each `--config` local file checked."""

    samples: Tuple[SampleChanges, ...]
    not_read: Tuple[NotRead, ...]
    local: Tuple[LocalCheck, ...]


@dataclass(frozen=True)
class ImageChange:
    """A compose service whose image differs; None for a service only one side has."""

    service: str
    old: Optional[str]
    new: Optional[str]


@dataclass(frozen=True)
class ComposeComparison:
    """A halfstack compose file at `--from` against its successor at `--to` (the same path, or the next release's)."""

    from_path: str
    to_path: str
    images: Tuple[ImageChange, ...]
    postgres_from: Optional[int]
    postgres_to: Optional[int]
    upgrade_command: Optional[str]


@dataclass(frozen=True)
class Halfstack:
    """Halfstack compose files added and removed at `--to`, and the pairs compared."""

    added: Tuple[str, ...]
    removed: Tuple[str, ...]
    comparisons: Tuple[ComposeComparison, ...]


@dataclass(frozen=True)
class Step:
    """One item of the operator's checklist, with the commands to run and what to look at."""

    title: str
    commands: Tuple[str, ...]
    details: Tuple[str, ...]


@dataclass(frozen=True)
class UpgradeNotes:
    """Everything one update requires; `--format=json` prints it."""

    from_ref: RefVersion = field(metadata={"json": "from"})
    to_ref: RefVersion = field(metadata={"json": "to"})
    kind: UpgradeKind
    summary: Tuple[str, ...]
    session_files: Tuple[str, ...]
    packages: Packages
    database: Tuple[DatabaseEnvironment, ...]
    configuration: Configuration
    halfstack: Halfstack
    steps: Tuple[Step, ...]

    @property
    def terminate_sessions(self) -> bool:
        """Whether the agent or kernel runner changed, so compute sessions must end before the services stop."""
        return bool(self.session_files)


def render_json(notes: UpgradeNotes) -> str:
    """The `--format=json` document: the notes as data, plus `schema_version` and `terminate_sessions`."""
    document = {"schema_version": SCHEMA_VERSION, **to_json(notes), "terminate_sessions": notes.terminate_sessions}
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=json_value)


def json_value(value: Any) -> Any:
    """A sample value JSON has no type for, as text: `!!binary` bytes in base64, as the sample writes them;
    anything else (a TOML or YAML date) as `str` gives it, as the Markdown and text reports show it."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    return str(value)
