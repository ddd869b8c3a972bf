"""Alembic revision DAG parsed statically, and how a database follows a switch between two graphs (no git, no I/O)."""

from __future__ import annotations

import ast
import heapq
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple

_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


class RevisionGraphError(ValueError):
    """A revision file or the revision graph it belongs to is invalid."""


@dataclass(frozen=True)
class Revision:
    """The identifiers one alembic revision file declares."""

    revision: str
    down_revisions: Tuple[str, ...]
    branch_labels: Tuple[str, ...]
    depends_on: Tuple[str, ...]
    path: str
    doc: str = field(default="", compare=False)
    """The first line of the file's docstring (alembic's revision message), or ""."""


@dataclass(frozen=True)
class DowngradePlan:
    """What to undo before a switch, newest first, as alembic commands that name their targets explicitly."""

    to_undo: Tuple[str, ...]
    commands: Tuple[Tuple[str, ...], ...]
    kept_heads: Tuple[str, ...]

    @property
    def n(self) -> int:
        """The N of the manual process's `alembic downgrade -N`."""
        return len(self.to_undo)


@dataclass(frozen=True)
class MigrationPlan:
    """How a database at `applied` follows a switch from one commit's revision graph to another's."""

    applied: Tuple[str, ...]
    downgrade: DowngradePlan
    to_apply: Tuple[str, ...]
    target_heads: Tuple[str, ...]
    undo_upgrade: Tuple[Tuple[str, ...], ...]


def parse_revision_source(source: str, path: str) -> Optional[Revision]:
    """The revision a migration file declares, or None when it assigns no module-level `revision`."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise RevisionGraphError(
            f"{path}: revision file is not valid Python (got a syntax error on line {exc.lineno}); "
            "fix the file so `alembic` can import it"
        ) from None
    values = _module_assignments(tree, path)
    if "revision" not in values:
        return None
    revision = values["revision"]
    if not isinstance(revision, str) or not revision:
        raise RevisionGraphError(
            f"{path}: `revision` must be a non-empty string (got {revision!r}); set it to the revision id"
        )
    if "down_revision" not in values:
        raise RevisionGraphError(
            f"{path}: revision file assigns no `down_revision` (got revision `{revision}`); "
            "set `down_revision = None` for a first revision or name its parent"
        )
    return Revision(
        revision=revision,
        down_revisions=_identifiers(values["down_revision"], "down_revision", path),
        branch_labels=_identifiers(values.get("branch_labels"), "branch_labels", path),
        depends_on=_identifiers(values.get("depends_on"), "depends_on", path),
        path=path,
        doc=_first_line(ast.get_docstring(tree, clean=True)),
    )


def _first_line(docstring: Optional[str]) -> str:
    """The first non-blank line of a docstring, stripped; "" for none."""
    return next((line.strip() for line in (docstring or "").splitlines() if line.strip()), "")


def _module_assignments(tree: ast.Module, path: str) -> Dict[str, object]:
    """Literal values of the module-level assignments alembic reads, including annotated ones."""
    values: Dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _FIELDS:
                values[target.id] = _literal(value, target.id, path)
    return values


def _literal(node: ast.expr, name: str, path: str) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise RevisionGraphError(
            f"{path}: `{name}` is not a literal (got `{ast.unparse(node)}`); "
            "write the revision ids as plain strings"
        ) from None


def _identifiers(value: object, name: str, path: str) -> Tuple[str, ...]:
    """None, a string, or a tuple/list of strings, as a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise RevisionGraphError(
        f"{path}: `{name}` must be None, a string or a tuple of strings (got {value!r}); "
        "fix the revision file"
    )


class RevisionGraph:
    """A validated alembic revision DAG; parent edges are `down_revision` plus `depends_on`."""

    def __init__(self, revisions: Iterable[Revision]) -> None:
        self._revisions = _index_revisions(revisions)
        self._labels = _index_labels(self._revisions.values())
        self._parents = {rev.revision: self._resolve_parents(rev) for rev in self._revisions.values()}
        self._order = _topological_order(self._parents)
        self._position = {rev: index for index, rev in enumerate(self._order)}
        referenced = {parent for parents in self._parents.values() for parent in parents}
        self.heads: Tuple[str, ...] = tuple(sorted(set(self._revisions) - referenced))

    def _resolve_parents(self, rev: Revision) -> Tuple[str, ...]:
        for parent in rev.down_revisions:
            if parent not in self._revisions:
                raise RevisionGraphError(
                    f"{rev.path}: `down_revision` names an unknown revision "
                    f"(got `{parent}` in `{rev.revision}`); "
                    "restore the missing revision file or fix `down_revision`"
                )
        dependencies = tuple(self._resolve_dependency(rev, name) for name in rev.depends_on)
        return tuple(dict.fromkeys(rev.down_revisions + dependencies))

    def _resolve_dependency(self, rev: Revision, name: str) -> str:
        resolved = name if name in self._revisions else self._labels.get(name)
        if resolved is None:
            raise RevisionGraphError(
                f"{rev.path}: `depends_on` names an unknown revision or branch label "
                f"(got `{name}` in `{rev.revision}`); restore the missing revision file or fix `depends_on`"
            )
        return resolved

    def __contains__(self, revision: object) -> bool:
        return revision in self._revisions

    def __len__(self) -> int:
        return len(self._revisions)

    def __iter__(self) -> Iterator[str]:
        """Revision ids, parents before children (ties by id)."""
        return iter(self._order)

    def revision(self, revision: str) -> Revision:
        """The parsed revision with this id."""
        return self._revisions[revision]

    def parents(self, revision: str) -> Tuple[str, ...]:
        """Direct parents: `down_revision` entries, then resolved `depends_on` entries."""
        return self._parents[revision]

    def resolve(self, rev_or_label: str) -> str:
        """The revision id a revision id or branch label names."""
        if rev_or_label in self._revisions:
            return rev_or_label
        if rev_or_label in self._labels:
            return self._labels[rev_or_label]
        known = ", ".join(f"`{head}`" for head in self.heads) or "none"
        raise RevisionGraphError(
            f"revision: unknown revision or branch label (got `{rev_or_label}`); heads are {known}"
        )

    def ancestors(self, revisions: Iterable[str]) -> FrozenSet[str]:
        """The given revisions and everything they need, following `down_revision` and `depends_on`."""
        seen = set()
        stack = [self.resolve(rev) for rev in revisions]
        while stack:
            rev = stack.pop()
            if rev not in seen:
                seen.add(rev)
                stack.extend(self._parents[rev])
        return frozenset(seen)

    def parents_first(self, revisions: Iterable[str]) -> Tuple[str, ...]:
        """The given revisions in topological order, parents before children (ties by id)."""
        return tuple(sorted(revisions, key=self._position.__getitem__))


def _index_revisions(revisions: Iterable[Revision]) -> Dict[str, Revision]:
    index: Dict[str, Revision] = {}
    for rev in revisions:
        if rev.revision in index:
            raise RevisionGraphError(
                f"{rev.path}: duplicate revision id also declared in {index[rev.revision].path} "
                f"(got `{rev.revision}`); give one of the files a new `revision`"
            )
        index[rev.revision] = rev
    return index


def _index_labels(revisions: Iterable[Revision]) -> Dict[str, str]:
    labels: Dict[str, Revision] = {}
    for rev in revisions:
        for label in rev.branch_labels:
            if label in labels:
                raise RevisionGraphError(
                    f"{rev.path}: branch label already used by `{labels[label].revision}` "
                    f"(got `{label}`); rename one of the `branch_labels`"
                )
            labels[label] = rev
    return {label: rev.revision for label, rev in labels.items()}


def _topological_order(parents: Dict[str, Tuple[str, ...]]) -> List[str]:
    """Kahn's algorithm, smallest id first among ready revisions; raises on a cycle."""
    children: Dict[str, List[str]] = {rev: [] for rev in parents}
    pending = {rev: len(rev_parents) for rev, rev_parents in parents.items()}
    for rev, rev_parents in parents.items():
        for parent in rev_parents:
            children[parent].append(rev)
    ready = [rev for rev, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: List[str] = []
    while ready:
        rev = heapq.heappop(ready)
        order.append(rev)
        for child in children[rev]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, child)
    if len(order) < len(parents):
        on_cycle = _revision_on_cycle(parents, set(parents) - set(order))
        raise RevisionGraphError(
            f"revision graph: `down_revision`/`depends_on` form a cycle (got `{on_cycle}` on it); "
            "fix the revision files so every chain ends at a first revision"
        )
    return order


def _revision_on_cycle(parents: Dict[str, Tuple[str, ...]], unordered: set) -> str:
    """Walk parents inside the unordered remainder until a revision repeats: that one is on a cycle."""
    rev = min(unordered)
    seen = set()
    while rev not in seen:
        seen.add(rev)
        rev = min(parent for parent in parents[rev] if parent in unordered)
    return rev


def plan_downgrade(
    current_graph: RevisionGraph, target_graph: RevisionGraph, applied: Iterable[str]
) -> DowngradePlan:
    """Downgrade the applied revisions the target lacks, each branch to an explicit `<rev>@<parent>` target.

    A revision is kept when the target has it with the same parents and all of them are kept, so a
    revision whose file changed between the commits is undone and re-applied. For every undone revision
    whose parents are all kept, `downgrade <rev>@<parent>` restricts alembic to the branch through
    `<rev>` and drops it with everything applied above it; `<rev>@base` does the same for a first
    revision. Neither form depends on which other heads the database holds, unlike a bare `-N`.
    """
    applied = tuple(applied)
    _check_applied(current_graph, target_graph, applied)
    applied_set = current_graph.ancestors(applied)
    kept = _kept_revisions(current_graph, target_graph, applied_set)
    undo = applied_set - kept
    to_undo = tuple(reversed(current_graph.parents_first(undo)))
    commands = tuple(
        ("downgrade", _downgrade_target(current_graph, rev))
        for rev in current_graph.parents_first(undo)
        if not undo.intersection(current_graph.parents(rev))
    )
    return DowngradePlan(to_undo=to_undo, commands=commands, kept_heads=_heads_of(current_graph, kept))


def plan_migrations(
    current_graph: RevisionGraph, target_graph: RevisionGraph, applied: Iterable[str]
) -> MigrationPlan:
    """The downgrade before the switch, what `upgrade heads` applies after it (parents first), and
    the downgrade commands that take the target's heads back to the current graph (for `--abort`).

    The one planning path: `topic-switch` passes the revisions `alembic current` reports, upgrade
    notes the heads of the older release.
    """
    applied = tuple(sorted(applied))
    downgrade = plan_downgrade(current_graph, target_graph, applied)
    kept = current_graph.ancestors(downgrade.kept_heads)
    to_apply = tuple(rev for rev in target_graph if rev not in kept)
    undo_upgrade = plan_downgrade(target_graph, current_graph, target_graph.heads).commands
    return MigrationPlan(applied, downgrade, to_apply, target_graph.heads, undo_upgrade)


@dataclass(frozen=True)
class UndoReason:
    """Why a revision is undone: `removed` (the target lacks it), `re-parented` (the target gives it other
    parents), or `descendant` of the re-parented `ancestors` it sits on."""

    kind: str
    ancestors: Tuple[str, ...] = ()


def undo_reasons(
    current_graph: RevisionGraph, target_graph: RevisionGraph, to_undo: Iterable[str]
) -> Dict[str, UndoReason]:
    """The reason each revision of a downgrade plan is undone.

    `plan_downgrade` keeps a revision only when the target has it with the same parents, all kept;
    so an undone revision the target has with the same parents has an undone parent, and following
    those parents down always ends at re-parented revisions (a removed one cannot be a parent there).
    """
    reasons: Dict[str, UndoReason] = {}
    for rev in current_graph.parents_first(to_undo):
        parents = current_graph.parents(rev)
        if rev not in target_graph:
            reasons[rev] = UndoReason("removed")
        elif target_graph.parents(rev) != parents:
            reasons[rev] = UndoReason("re-parented")
        else:
            ancestors = set()
            for parent in (parent for parent in parents if parent in reasons):
                reason = reasons[parent]
                ancestors.update(reason.ancestors if reason.kind == "descendant" else (parent,))
            reasons[rev] = UndoReason("descendant", current_graph.parents_first(ancestors))
    return reasons


def _check_applied(current_graph: RevisionGraph, target_graph: RevisionGraph, applied: Sequence[str]) -> None:
    """Refuse database revisions the current commit cannot downgrade: alembic there would not find them."""
    for rev in applied:
        if rev in current_graph:
            continue
        if rev in target_graph:
            raise RevisionGraphError(
                f"`alembic current`: the database is at a revision only the target commit has (got `{rev}`); "
                "switch without downgrading, or downgrade it from a branch that has its file"
            )
        raise RevisionGraphError(
            f"`alembic current`: the database is at a revision neither commit has (got `{rev}`); "
            "check out the branch that created it and downgrade, or `alembic stamp` the right revision"
        )


def _kept_revisions(
    current_graph: RevisionGraph, target_graph: RevisionGraph, applied_set: FrozenSet[str]
) -> FrozenSet[str]:
    kept = set()
    for rev in current_graph.parents_first(applied_set):
        parents = current_graph.parents(rev)
        same_in_target = rev in target_graph and target_graph.parents(rev) == parents
        if same_in_target and kept.issuperset(parents):
            kept.add(rev)
    return frozenset(kept)


def _heads_of(graph: RevisionGraph, revisions: FrozenSet[str]) -> Tuple[str, ...]:
    """Members of an ancestor-closed set that no other member needs."""
    needed = {parent for rev in revisions for parent in graph.parents(rev)}
    return tuple(sorted(revisions - needed))


def _downgrade_target(graph: RevisionGraph, rev: str) -> str:
    """`<rev>@<parent>` through its topologically last `down_revision`, or `<rev>@base` for a first revision.

    The last parent is no ancestor of another parent, so among its children only `<rev>` leads to `<rev>`.
    """
    down_revisions = graph.revision(rev).down_revisions
    if not down_revisions:
        return f"{rev}@base"
    return f"{rev}@{graph.parents_first(down_revisions)[-1]}"
