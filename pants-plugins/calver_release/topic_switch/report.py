"""What a topic switch reports: the plan as typed data (kept in the journal, printed by `--dry-run`) and as text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Mapping, Sequence, Tuple

from calver_release.runtime.journal import Command
from calver_release.sample_configs.diff import ConfigChange, describe


@dataclass(frozen=True)
class EnvironmentReport:
    """One alembic environment: where its database is, what the switch undoes and applies."""

    applied: Tuple[str, ...]
    database_assumed_at_heads: bool
    downgrade: Tuple[str, ...]
    n: int
    downgrade_commands: Tuple[Tuple[str, ...], ...]
    kept_heads: Tuple[str, ...]
    upgrade: Tuple[str, ...]
    heads_after: Tuple[str, ...]


@dataclass(frozen=True)
class ConfigChangeReport:
    """One changed key of a sample config, with its report line."""

    path: str
    key: str
    change: str
    old: Any
    new: Any
    text: str

    @classmethod
    def of(cls, change: ConfigChange) -> ConfigChangeReport:
        return cls(change.path, change.key, change.change, _plain(change.old), _plain(change.new), describe(change))


def _plain(value: Any) -> Any:
    """A config value as JSON data: TOML dates and times become strings."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


@dataclass(frozen=True)
class StepReport:
    """A step as printed: its name, description and commands as a developer would type them."""

    name: str
    description: str
    commands: Tuple[str, ...]


@dataclass(frozen=True)
class SwitchReport:
    """The whole switch: what `--dry-run --format=json` prints and the journal keeps."""

    from_branch: str = field(metadata={"json": "from"})
    to_branch: str = field(metadata={"json": "to"})
    from_commit: str
    to_commit: str
    environments: Mapping[str, EnvironmentReport]
    export: Tuple[str, ...]
    skip_export: Tuple[str, ...]
    config_changes: Tuple[ConfigChangeReport, ...]
    stashed: Tuple[str, ...]
    steps: Tuple[StepReport, ...]


@dataclass(frozen=True)
class JournaledSwitch:
    """The plan a switch's journal keeps: the report, and how to run alembic per ini (`<alembic> -c INI`).

    The alembic commands hold real database URLs, so they are kept here, never printed.
    """

    report: SwitchReport
    alembic: Mapping[str, Command]


def render_text(report: SwitchReport) -> List[str]:
    """The `--dry-run` plan as lines for people."""
    lines = [f"Plan: switch `{report.from_branch}` -> `{report.to_branch}` (dry run: nothing was changed)"]
    for ini, env in report.environments.items():
        note = " (database unreachable: assumed at the current commit's heads)" if env.database_assumed_at_heads else ""
        lines.append(f"{ini}: database at {ids(env.applied)}{note}")
        lines.append(f"  downgrade N={env.n}: {ids(env.downgrade)}; then upgrade heads applies {ids(env.upgrade)}")
    if not report.environments:
        lines.append("alembic: no environment configured (no `alembic.ini` at the build root)")
    lines.append(f"export: {ids(report.export)}; skip (lockfile unchanged): {ids(report.skip_export)}")
    lines.append("steps:")
    for index, step in enumerate(report.steps, 1):
        lines.append(f"  {index}. {step.description}")
        lines.extend(f"     $ {command}" for command in step.commands)
    return lines + render_config_report(report)


def render_config_report(report: SwitchReport) -> List[str]:
    """The configuration report: keys added, removed and changed in the sample configs."""
    if not report.config_changes:
        return ["configuration changes: none"]
    return ["configuration changes (update your local configs):", *(f"  {c.text}" for c in report.config_changes)]


def ids(revisions: Sequence[str]) -> str:
    return ", ".join(revisions) if revisions else "none"
