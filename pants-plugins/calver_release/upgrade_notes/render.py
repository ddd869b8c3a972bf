"""Upgrade notes for people: one outline of blocks, rendered as Markdown (release notes) or plain text (a terminal)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, List, Sequence, Tuple, Union

from calver_release.upgrade_notes.report import (
    ComposeComparison,
    Configuration,
    DatabaseEnvironment,
    Halfstack,
    LocalCheck,
    NotRead,
    Packages,
    RequirementFile,
    SampleChanges,
    UndoNote,
    UpgradeNotes,
)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: Tuple[str, ...]


@dataclass(frozen=True)
class Code:
    """Lines to copy: shell commands (`shell`) or file content."""

    lines: Tuple[str, ...]
    shell: bool


@dataclass(frozen=True)
class Table:
    header: Tuple[str, ...]
    rows: Tuple[Tuple[str, ...], ...]


@dataclass(frozen=True)
class Numbered:
    """An ordered list whose items carry blocks of their own (a step's details and commands)."""

    items: Tuple[Tuple[str, Tuple[Block, ...]], ...]


Block = Union[Heading, Para, Bullets, Code, Table, Numbered]


def tick(value: Any) -> str:
    """A name or value in backticks; config values as JSON (`8`, `"text"`, `true`)."""
    return f"`{value if isinstance(value, str) else shown(value)}`"


def shown(value: Any) -> str:
    """A config value as JSON; TOML dates and times as their text."""
    return json.dumps(value, ensure_ascii=False, default=str)


def outline(notes: UpgradeNotes) -> List[Block]:
    """The report's blocks, in reading order: summary, steps, then one section per concern."""
    old, new = notes.from_ref, notes.to_ref
    blocks: List[Block] = [Heading(1, f"Upgrade notes: {old.version} -> {new.version}")]
    blocks += [Para(text) for text in notes.summary]
    sides = (("From", old), ("To", new))
    rows = tuple((side, *map(tick, (ref.ref, ref.commit[:12], ref.version, ref.pep440))) for side, ref in sides)
    blocks.append(Table(("", "Ref", "Commit", "Version", "PEP 440"), rows))
    blocks.append(Heading(2, "Steps"))
    steps = []
    for step in notes.steps:
        details: Tuple[Block, ...] = (Bullets(step.details),) if step.details else ()
        steps.append((step.title, details + ((Code(step.commands, True),) if step.commands else ())))
    blocks.append(Numbered(tuple(steps)))
    sections = (packages(notes.packages), database(notes.database), configuration(notes.configuration))
    return blocks + [block for section in sections for block in section] + halfstack(notes.halfstack)


def packages(section: Packages) -> List[Block]:
    """Pins, the pip command, distributions new and gone, requirements files and their pin changes, files not read."""
    blocks: List[Block] = [Heading(2, "Packages")]
    if section.upgrade_command is None:
        blocks.append(Para("The BUILD files at `--to` declare no server-side distribution."))
    else:
        blocks.append(Para(f"Server-side distributions at {tick(section.version)}, as pip constraints:"))
        blocks.append(Code(section.constraints, False))
        blocks.append(
            Para("Installs exactly those of them the virtualenv has, all at that version (run it in the virtualenv):")
        )
        blocks.append(Code((section.upgrade_command,), True))
    moved = [f"new: {tick(name)}" for name in section.distributions_added]
    moved += [f"no longer released: {tick(name)}" for name in section.distributions_removed]
    if moved:
        blocks += [Para("Server-side distributions that changed:"), Bullets(tuple(moved))]
    if section.requirement_files:
        files = Bullets(tuple(map(file_line, section.requirement_files)))
        blocks += [Para("Requirements files and lockfiles that changed:"), files]
    if section.requirements:
        rows = tuple(
            (tick(c.file), tick(c.name), c.change, tick(c.old) if c.old else "", tick(c.new) if c.new else "")
            for c in section.requirements
        )
        blocks += [Para("Third-party requirements:"), Table(("File", "Package", "Change", "From", "To"), rows)]
    elif not section.requirement_files:
        blocks.append(Para("Third-party requirements: unchanged."))
    return blocks + ([Para("Not read:"), not_read_bullets(section.not_read)] if section.not_read else [])


FORMAT_NAMES = {"pex": "Pants/pex JSON", "uv": "uv", "requirements": "pip requirements", "pyproject": "PEP 621 pyproject"}


def file_line(file: RequirementFile) -> str:
    """`python.lock` (lockfile): changed, Pants/pex JSON -> uv."""
    old, new = (FORMAT_NAMES[f] if f else None for f in (file.from_format, file.to_format))
    shown = f"{old or 'not read'} -> {new or 'not read'}" if file.file == "changed" and old != new else new or old
    return f"{tick(file.path)} ({file.kind}): {file.file}, {shown or 'not read'}"


def not_read_bullets(not_read: Sequence[NotRead]) -> Bullets:
    """Files that could not be read, each with the ref and the reason."""
    return Bullets(tuple(f"{tick(n.path)} at `--{n.ref}`: {n.reason}" for n in not_read))


def database(environments: Sequence[DatabaseEnvironment]) -> List[Block]:
    """Per environment: what to downgrade first (a warning), what to apply, the heads."""
    blocks: List[Block] = [Heading(2, "Database")]
    if not environments:
        return blocks + [Para("No alembic environment is configured.")]
    for env in environments:
        blocks.append(Heading(3, tick(env.ini)))
        if env.to_undo:
            blocks.append(Para("Warning: downgrade these first, newest first, with `--from`'s packages installed:"))
            blocks.append(Bullets(tuple(labelled(f"{tick(r.revision)} ({undo_reason(r)})", r.doc) for r in env.to_undo)))
            blocks.append(Code(env.downgrade_commands, True))
        if env.to_apply:
            blocks.append(Para("Revisions to apply, oldest first:"))
            blocks.append(Bullets(tuple(labelled(tick(r.revision), r.doc) for r in env.to_apply)))
            blocks.append(Code((env.upgrade_command,), True))
        else:
            blocks.append(Para("No revision to apply."))
        blocks.append(Para(f"Heads at `--to`: {', '.join(map(tick, env.heads)) or 'none'}."))
    return blocks


def undo_reason(note: UndoNote) -> str:
    if note.reason == "descendant":
        return f"descendant of re-parented {', '.join(map(tick, note.reparented_ancestors))}"
    return note.reason


def labelled(label: str, doc: str) -> str:
    return f"{label}: {doc}" if doc else label


def configuration(section: Configuration) -> List[Block]:
    """Per changed sample its keys, then per `--config` local file what it lacks or keeps too long."""
    blocks: List[Block] = [Heading(2, "Configuration")]
    if not section.samples and not section.not_read:
        blocks.append(Para("The sample configurations are unchanged."))
    for sample in section.samples:
        blocks.append(Heading(3, f"{tick(sample.path)} ({sample.file})"))
        for line_wise in sample.line_wise:
            blocks.append(
                Para(
                    f"Not valid TOML at `--{line_wise.ref}` ({line_wise.reason}): read line by line, table headers "
                    "and keys as written, values parsed where they are TOML."
                )
            )
        blocks.append(Bullets(sample_lines(sample)))
    if section.not_read:
        blocks += [Heading(3, "Samples not read"), not_read_bullets(section.not_read)]
    for check in section.local:
        heading = Heading(3, f"Local file {tick(check.local)} (sample {tick(check.sample)})")
        blocks += [heading, Bullets(local_lines(check))]
    return blocks


def sample_lines(sample: SampleChanges) -> Tuple[str, ...]:
    added = (f"added {tick(k.key)} = {tick(k.value)}" for k in sample.added)
    removed = (f"removed {tick(k.key)} (was {tick(k.value)})" for k in sample.removed)
    changed = (f"changed {tick(k.key)} from {tick(k.old)} to {tick(k.new)}" for k in sample.changed)
    return (*added, *removed, *changed) or ("no keys",)


def local_lines(check: LocalCheck) -> Tuple[str, ...]:
    missing = (
        f"missing {tick(k.key)}{' (new in this update)' if k.new else ''}; the sample has {tick(k.value)}"
        for k in check.missing
    )
    obsolete = (f"obsolete {tick(key)}: the new sample removed it" for key in check.obsolete)
    return (*missing, *obsolete) or ("up to date",)


def halfstack(section: Halfstack) -> List[Block]:
    """Compose files added and removed, then each comparison."""
    blocks: List[Block] = [Heading(2, "Halfstack (development setups)")]
    if not (section.added or section.removed or section.comparisons):
        return blocks + [Para("The halfstack compose files are unchanged.")]
    files = [f"added {tick(path)}" for path in section.added] + [f"removed {tick(path)}" for path in section.removed]
    if files:
        blocks.append(Bullets(tuple(files)))
    for comparison in section.comparisons:
        blocks += compose_blocks(comparison)
    return blocks


def compose_blocks(comparison: ComposeComparison) -> List[Block]:
    same = comparison.from_path == comparison.to_path
    title = tick(comparison.to_path) if same else f"{tick(comparison.from_path)} -> {tick(comparison.to_path)}"
    images = tuple(
        f"{tick(c.service)}: {tick(c.old or '(none)')} -> {tick(c.new or '(none)')}" for c in comparison.images
    )
    blocks: List[Block] = [Heading(3, title), Bullets(images or ("no image changed",))]
    if comparison.upgrade_command:
        majors = f"{major(comparison.postgres_from)} -> {major(comparison.postgres_to)}"
        blocks.append(Para(f"PostgreSQL {majors}: upgrade development setups with a dump and restore:"))
        blocks.append(Code((comparison.upgrade_command,), True))
    return blocks


def major(value: Any) -> str:
    return "unknown" if value is None else str(value)


# ---- renderers ------------------------------------------------------------------------------------


def render_markdown(notes: UpgradeNotes) -> str:
    """The notes as Markdown, ready for a release's notes."""
    return "\n\n".join("\n".join(markdown_block(block)) for block in outline(notes)) + "\n"


def markdown_block(block: Block) -> List[str]:
    if isinstance(block, Heading):
        return [f"{'#' * block.level} {block.text}"]
    if isinstance(block, Para):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Code):
        return ["```sh" if block.shell else "```text", *block.lines, "```"]
    if isinstance(block, Table):
        cells = lambda row: "| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"  # noqa: E731
        return [cells(block.header), cells(tuple("---" for _ in block.header)), *map(cells, block.rows)]
    lines = []
    for index, (title, inner) in enumerate(block.items, 1):
        lines.append(f"{index}. {title}")
        for sub in inner:
            lines += [""] + [f"   {line}" for line in markdown_block(sub)]
    return lines


def render_text(notes: UpgradeNotes) -> str:
    """The notes for a terminal: underlined headings, indented commands, aligned tables."""
    return "\n\n".join("\n".join(text_block(block)) for block in outline(notes)) + "\n"


def text_block(block: Block) -> List[str]:
    if isinstance(block, Heading):
        return [block.text, ("=" if block.level == 1 else "-" if block.level == 2 else "~") * len(block.text)]
    if isinstance(block, Code):
        return [f"    {'$ ' if block.shell else ''}{line}" for line in block.lines]
    if isinstance(block, Table):
        return aligned([block.header, *block.rows])
    if isinstance(block, Numbered):
        lines = []
        for index, (title, inner) in enumerate(block.items, 1):
            lines.append(f"{index}. {title}")
            lines += [f"   {line}" for sub in inner for line in text_block(sub)]
        return lines
    return markdown_block(block)


def aligned(rows: Iterable[Sequence[str]]) -> List[str]:
    """Table rows in columns padded to their widest cell."""
    rows = list(rows)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
