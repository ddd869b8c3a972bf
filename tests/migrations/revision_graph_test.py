from __future__ import annotations

from textwrap import dedent
from typing import Iterable, Optional, Sequence, Tuple

import pytest

from calver_release.migrations.revision_graph import (
    DowngradePlan,
    Revision,
    RevisionGraph,
    RevisionGraphError,
    UndoReason,
    parse_revision_source,
    plan_downgrade,
    plan_migrations,
    undo_reasons,
)


def rev(revision: str, *down: str, labels: Tuple[str, ...] = (), depends: Tuple[str, ...] = ()) -> Revision:
    return Revision(revision, tuple(down), labels, depends, f"versions/{revision}.py")


def graph(*revisions: Revision) -> RevisionGraph:
    return RevisionGraph(revisions)


@pytest.mark.parametrize(
    "source, expected",
    [
        pytest.param(
            "revision = 'a1'\ndown_revision = None\n",
            Revision("a1", (), (), (), "v.py"),
            id="first-revision",
        ),
        pytest.param(
            dedent('''\
                """Add users."""
                from typing import Sequence, Union

                revision: str = "b2"
                down_revision: Union[str, Sequence[str], None] = "a1"
                branch_labels: Union[str, Sequence[str], None] = None
                depends_on: Union[str, Sequence[str], None] = None


                def upgrade() -> None:
                    revision = "ignored"
                '''),
            Revision("b2", ("a1",), (), (), "v.py"),
            id="annotated-template",
        ),
        pytest.param(
            "revision = 'm1'\ndown_revision = ('a1', 'b1')\nbranch_labels = ['core']\ndepends_on = 'x1'\n",
            Revision("m1", ("a1", "b1"), ("core",), ("x1",), "v.py"),
            id="merge-with-labels-and-depends-on",
        ),
        pytest.param(
            "revision = down = 'c3'\ndown_revision = ['c2']\ndepends_on = ('x1', 'y1')\n",
            Revision("c3", ("c2",), (), ("x1", "y1"), "v.py"),
            id="chained-assignment-and-list",
        ),
        pytest.param("", None, id="empty-init-file"),
        pytest.param("def helper():\n    return 1\n", None, id="helper-module"),
    ],
)
def test_parse_revision_source(source: str, expected: Optional[Revision]) -> None:
    assert parse_revision_source(source, "v.py") == expected


@pytest.mark.parametrize(
    "docstring, doc",
    [
        pytest.param('"""Add users.\n\nRevision ID: a1\nRevises:\n"""\n', "Add users.", id="alembic-template"),
        pytest.param('"""\n   Add the `groups` table   \n"""\n', "Add the `groups` table", id="blank-first-line"),
        pytest.param("# Add users.\n", "", id="comment-only"),
        pytest.param("", "", id="none"),
    ],
)
def test_parse_revision_source_reads_the_first_docstring_line(docstring: str, doc: str) -> None:
    """Upgrade notes list each revision with its message; the doc does not take part in equality."""
    parsed = parse_revision_source(docstring + "revision = 'a1'\ndown_revision = None\n", "v.py")
    assert (parsed, parsed.doc) == (Revision("a1", (), (), (), "v.py"), doc)


@pytest.mark.parametrize(
    "source, message",
    [
        pytest.param(
            "revision = 'a1'\ndown_revision = (\n",
            "v.py: revision file is not valid Python (got a syntax error on line 2); "
            "fix the file so `alembic` can import it",
            id="syntax-error",
        ),
        pytest.param(
            "revision = make_id()\ndown_revision = None\n",
            "v.py: `revision` is not a literal (got `make_id()`); write the revision ids as plain strings",
            id="non-literal-revision",
        ),
        pytest.param(
            "revision = 'a1'\ndown_revision = PARENT\n",
            "v.py: `down_revision` is not a literal (got `PARENT`); write the revision ids as plain strings",
            id="non-literal-down-revision",
        ),
        pytest.param(
            "revision = 42\ndown_revision = None\n",
            "v.py: `revision` must be a non-empty string (got 42); set it to the revision id",
            id="revision-not-a-string",
        ),
        pytest.param(
            "revision = 'a1'\ndown_revision = ('a0', 7)\n",
            "v.py: `down_revision` must be None, a string or a tuple of strings (got ('a0', 7)); "
            "fix the revision file",
            id="down-revision-not-strings",
        ),
        pytest.param(
            "revision = 'a1'\n",
            "v.py: revision file assigns no `down_revision` (got revision `a1`); "
            "set `down_revision = None` for a first revision or name its parent",
            id="down-revision-not-assigned",
        ),
    ],
)
def test_parse_revision_source_rejects(source: str, message: str) -> None:
    with pytest.raises(RevisionGraphError) as error:
        parse_revision_source(source, "v.py")
    assert str(error.value) == message


@pytest.mark.parametrize(
    "revisions, message",
    [
        pytest.param(
            [rev("a1"), rev("b1", "a0")],
            "versions/b1.py: `down_revision` names an unknown revision (got `a0` in `b1`); "
            "restore the missing revision file or fix `down_revision`",
            id="missing-down-revision",
        ),
        pytest.param(
            [rev("a1"), rev("b1", "a1", depends=("nowhere",))],
            "versions/b1.py: `depends_on` names an unknown revision or branch label (got `nowhere` in `b1`); "
            "restore the missing revision file or fix `depends_on`",
            id="missing-depends-on",
        ),
        pytest.param(
            [rev("a1"), Revision("a1", (), (), (), "versions/copy.py")],
            "versions/copy.py: duplicate revision id also declared in versions/a1.py (got `a1`); "
            "give one of the files a new `revision`",
            id="duplicate-revision",
        ),
        pytest.param(
            [rev("a1", labels=("core",)), rev("b1", labels=("core",))],
            "versions/b1.py: branch label already used by `a1` (got `core`); "
            "rename one of the `branch_labels`",
            id="duplicate-branch-label",
        ),
        pytest.param(
            [rev("a1"), rev("b1", "a1", "d1"), rev("c1", "b1"), rev("d1", "c1"), rev("e1", "d1")],
            "revision graph: `down_revision`/`depends_on` form a cycle (got `b1` on it); "
            "fix the revision files so every chain ends at a first revision",
            id="cycle",
        ),
        pytest.param(
            [rev("a1", "b1"), rev("b1", depends=("a1",))],
            "revision graph: `down_revision`/`depends_on` form a cycle (got `a1` on it); "
            "fix the revision files so every chain ends at a first revision",
            id="cycle-through-depends-on",
        ),
    ],
)
def test_invalid_graph_is_rejected(revisions: Sequence[Revision], message: str) -> None:
    with pytest.raises(RevisionGraphError) as error:
        RevisionGraph(revisions)
    assert str(error.value) == message


DIAMOND = graph(
    rev("m1", "b1", "c1"),
    rev("c1", "a1", labels=("feature",)),
    rev("b1", "a1"),
    rev("a1"),
    rev("x1", depends=("feature",)),
)


def test_graph_queries() -> None:
    assert (DIAMOND.heads, tuple(DIAMOND), len(DIAMOND), DIAMOND.parents("x1")) == (
        ("m1", "x1"),
        ("a1", "b1", "c1", "m1", "x1"),
        5,
        ("c1",),
    )


@pytest.mark.parametrize(
    "revisions, expected",
    [
        pytest.param(["b1"], {"a1", "b1"}, id="chain"),
        pytest.param(["m1"], {"a1", "b1", "c1", "m1"}, id="merge"),
        pytest.param(["x1"], {"a1", "c1", "x1"}, id="depends-on-label"),
        pytest.param(["feature", "b1"], {"a1", "b1", "c1"}, id="label-and-revision"),
        pytest.param([], set(), id="none"),
    ],
)
def test_ancestors(revisions: Iterable[str], expected: set) -> None:
    assert DIAMOND.ancestors(revisions) == frozenset(expected)


def test_resolve() -> None:
    assert ("c1" in DIAMOND, "feature" in DIAMOND, DIAMOND.resolve("feature"), DIAMOND.resolve("b1")) == (
        True,
        False,
        "c1",
        "b1",
    )
    with pytest.raises(RevisionGraphError) as error:
        DIAMOND.resolve("nope")
    assert str(error.value) == "revision: unknown revision or branch label (got `nope`); heads are `m1`, `x1`"


SHARED = (rev("r1"), rev("a1", "r1"))


@pytest.mark.parametrize(
    "current, target, applied, expected, n, target_heads",
    [
        pytest.param(
            graph(*SHARED, rev("t1", "a1"), rev("t2", "t1")),
            graph(*SHARED, rev("m1", "a1")),
            ["t2"],
            DowngradePlan(("t2", "t1"), (("downgrade", "t1@a1"),), ("a1",)),
            2,
            ("m1",),
            id="linear",
        ),
        pytest.param(
            graph(*SHARED, rev("t1", "a1"), rev("t2", "t1")),
            graph(*SHARED, rev("m1", "a1")),
            ["t1"],
            DowngradePlan(("t1",), (("downgrade", "t1@a1"),), ("a1",)),
            1,
            ("m1",),
            id="database-behind-the-branch",
        ),
        pytest.param(
            graph(*SHARED, rev("b1", "r1"), rev("m1", "a1", "b1")),
            graph(*SHARED),
            ["m1"],
            DowngradePlan(("m1", "b1"), (("downgrade", "b1@r1"),), ("a1",)),
            2,
            ("a1",),
            id="merge",
        ),
        pytest.param(
            graph(*SHARED, rev("b1", "r1"), rev("m1", "r1", "a1", "b1")),
            graph(*SHARED, rev("b1", "r1")),
            ["m1"],
            DowngradePlan(("m1",), (("downgrade", "m1@b1"),), ("a1", "b1")),
            1,
            ("a1", "b1"),
            id="merge-with-redundant-parent",
        ),
        pytest.param(
            graph(*SHARED, rev("t1", "a1"), rev("t2", "t1")),
            graph(*SHARED, rev("t1", "r1"), rev("t2", "t1")),
            ["t2"],
            DowngradePlan(("t2", "t1"), (("downgrade", "t1@a1"),), ("a1",)),
            2,
            ("a1", "t2"),
            id="revision-moved-to-another-parent",
        ),
        pytest.param(
            graph(*SHARED, rev("t1", "a1")),
            graph(*SHARED),
            [],
            DowngradePlan((), (), ()),
            0,
            ("a1",),
            id="empty-database",
        ),
        pytest.param(
            graph(rev("x1"), rev("x2", "x1"), *SHARED),
            graph(*SHARED),
            ["x2", "a1"],
            DowngradePlan(("x2", "x1"), (("downgrade", "x1@base"),), ("a1",)),
            2,
            ("a1",),
            id="second-base",
        ),
    ],
)
def test_plan_downgrade(
    current: RevisionGraph,
    target: RevisionGraph,
    applied: Sequence[str],
    expected: DowngradePlan,
    n: int,
    target_heads: Tuple[str, ...],
) -> None:
    downgrade = plan_downgrade(current, target, applied)
    assert (downgrade, downgrade.n) == (expected, n)
    assert plan_migrations(current, target, applied).target_heads == target_heads


@pytest.mark.parametrize(
    "applied, message",
    [
        pytest.param(
            ["zz9"],
            "`alembic current`: the database is at a revision neither commit has (got `zz9`); "
            "check out the branch that created it and downgrade, or `alembic stamp` the right revision",
            id="unknown",
        ),
        pytest.param(
            ["m1"],
            "`alembic current`: the database is at a revision only the target commit has (got `m1`); "
            "switch without downgrading, or downgrade it from a branch that has its file",
            id="target-only",
        ),
    ],
)
def test_plan_downgrade_rejects_applied_revision(applied: Sequence[str], message: str) -> None:
    with pytest.raises(RevisionGraphError) as error:
        plan_downgrade(graph(*SHARED), graph(*SHARED, rev("m1", "a1")), applied)
    assert str(error.value) == message


def test_undo_reasons_tell_re_parented_removed_and_descendants_apart() -> None:
    """A backport's fix-up re-parents p1 (and q1) on the target; d1, d2 and the merge m2 only sit on them."""
    current = graph(
        rev("a1"), rev("p1", "a1"), rev("d1", "p1"), rev("d2", "d1"), rev("q1", "a1"),
        rev("m2", "d2", "q1"), rev("r9", "m2"), rev("k1", "a1"),
    )
    target = graph(
        rev("a1"), rev("n1", "a1"), rev("p1", "n1"), rev("d1", "p1"), rev("d2", "d1"), rev("q1", "n1"),
        rev("m2", "d2", "q1"), rev("k1", "a1"),
    )
    plan = plan_downgrade(current, target, current.heads)
    assert plan.to_undo == ("r9", "m2", "q1", "d2", "d1", "p1")
    assert undo_reasons(current, target, plan.to_undo) == {
        "p1": UndoReason("re-parented"),
        "q1": UndoReason("re-parented"),
        "d1": UndoReason("descendant", ("p1",)),
        "d2": UndoReason("descendant", ("p1",)),
        "m2": UndoReason("descendant", ("p1", "q1")),
        "r9": UndoReason("removed"),
    }
