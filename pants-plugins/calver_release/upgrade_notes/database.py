"""What each alembic environment's database goes through in an update, planned from the two commits' graphs.

The database of an installation at `--from` holds that commit's heads, so those are the applied
revisions of the one planning path (`plan_migrations`, shared with `topic-switch`): what `--to` lacks
or re-parents, and what sits on a re-parented revision, is downgraded first (each says which, from
`undo_reasons`), with `--from`'s revision files (its packages still installed), then `upgrade heads`
applies the rest, oldest first.
"""

from __future__ import annotations

import shlex
from typing import Iterable, Sequence, Tuple

from calver_release.migrations.alembic_env import (
    DEFAULT_INI,
    AlembicEnvError,
    ParsedRevisions,
    ini_text,
    load_graph,
    read_alembic_ini,
)
from calver_release.migrations.revision_graph import RevisionGraph, UndoReason, plan_migrations, undo_reasons
from calver_release.runtime.commit_files import CommitFiles
from calver_release.upgrade_notes.report import DatabaseEnvironment, RevisionNote, UndoNote

ALEMBIC = "python -m alembic"
"""alembic of the installation's virtualenv, as its operator runs it."""


def alembic_inis(old: CommitFiles, new: CommitFiles, configured: Sequence[str]) -> Tuple[str, ...]:
    """The configured inis, or `alembic.ini` when either commit or the working tree (a local ini) has one."""
    if configured:
        return tuple(configured)
    tracked = any(files.blob(DEFAULT_INI) is not None for files in (old, new))
    return (DEFAULT_INI,) if tracked or (new.repo.root / DEFAULT_INI).is_file() else ()


def prefetch(files: CommitFiles, inis: Sequence[str], source_root: str) -> None:
    """Read the inis, then every revision file of their environments, each with one `git cat-file` for the commit."""
    files.read({ini: oid for ini in inis if (oid := files.blob(ini))})
    locations = []
    for ini in inis:
        try:
            locations += read_alembic_ini(ini_text(files, ini), ini, source_root).version_locations
        except AlembicEnvError:
            continue  # `environment_notes` reports it
    if locations:
        files.read({path: oid for path, oid in files.listing(*locations).items() if path.endswith(".py")})


def environment_notes(
    old: CommitFiles, new: CommitFiles, ini: str, source_root: str, parsed: ParsedRevisions
) -> DatabaseEnvironment:
    """One environment's downgrades, revisions to apply and heads; an environment new at `--to` starts empty."""
    new_graph = load_graph(new, ini, source_root, parsed)
    is_new = old.blob(ini) is None and new.blob(ini) is not None
    old_graph = RevisionGraph(()) if is_new else load_graph(old, ini, source_root, parsed)
    plan = plan_migrations(old_graph, new_graph, old_graph.heads)
    reasons = undo_reasons(old_graph, new_graph, plan.downgrade.to_undo)
    alembic = f"{ALEMBIC} -c {shlex.quote(ini)}"
    return DatabaseEnvironment(
        ini=ini,
        to_undo=tuple(undo_note(old_graph, rev, reasons[rev]) for rev in plan.downgrade.to_undo),
        downgrade_commands=tuple(f"{alembic} {shlex.join(command)}" for command in plan.downgrade.commands),
        to_apply=notes_of(new_graph, plan.to_apply),
        heads=plan.target_heads,
        upgrade_command=f"{alembic} upgrade heads",
    )


def undo_note(old_graph: RevisionGraph, revision: str, reason: UndoReason) -> UndoNote:
    """The revision with its docstring and why it is undone (`removed`, `re-parented`, `descendant`)."""
    return UndoNote(revision, old_graph.revision(revision).doc, reason.kind, reason.ancestors)


def notes_of(graph: RevisionGraph, revisions: Iterable[str]) -> Tuple[RevisionNote, ...]:
    return tuple(RevisionNote(rev, graph.revision(rev).doc) for rev in revisions)
