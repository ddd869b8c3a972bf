"""`--list` on a real history: a line's backports by the gate's rules, and the fixes it lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, init_repo
from git_history import commit, commit_on

from calver_release.backport.arrivals import Arrival, Match
from calver_release.backport.errors import BackportError
from calver_release.backport.listing import (
    BackportedCommit,
    BackportListing,
    CommitSummary,
    describe_listing,
    list_backports,
)
from calver_release.backport.trailers import BackportTrailers
from calver_release.runtime.git import GitRepo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """`main` with `24.03` cut at the first commit and `24.09` at the second."""
    repo = init_repo(tmp_path / "repo")
    git(repo, "branch", "24.03")
    commit(repo, "Add docs\n", {"docs.txt": "docs\n"})
    git(repo, "branch", "24.09")
    return repo


def test_list_uses_the_gates_rules(repo: Path) -> None:
    by_patch = commit(repo, "fix: matched by patch id\n", {"a.txt": "a\n"})
    by_line = commit(repo, "fix(api): matched by cherry-pick line\n", {"b.txt": "b\n"})
    by_headline = commit(repo, "fix: matched by headline\n", {"c.txt": "c\n"})
    by_number = commit(repo, "fix: matched by number (#12)\n", {"g.txt": "g\n"})
    missing = commit(repo, "Fix: never backported\n", {"d.txt": "d\n"})
    commit(repo, "feat: not a fix\n", {"e.txt": "e\n"})
    only_24_03 = commit_on(repo, "24.03", "fix: only on 24.03\n", {"h.txt": "h\n"})
    canonical = commit_on(repo, "24.09", "Backport a\n\nBackported-From: main\nBackported-To: 24.09\n", {"a.txt": "a\n"})
    lower = commit_on(
        repo,
        "24.09",
        f"Backport b\n\n(cherry picked from commit {by_line[:10]})\n\nbackported-from: main\nbackported-To: 24.09\n",
        {"b.txt": "b changed while resolving\n"},
    )
    manual = commit_on(repo, "24.09", "[24.09 backport] fix: matched by headline\n", {"c.txt": "c changed\n"})
    squashed = commit_on(repo, "24.09", "fix: matched by number (#12) (#34)\n", {"g.txt": "g changed\n"})
    upper = commit_on(repo, "24.09", "Bump\n\nBACKPORTED-TO: 24.09\n", {"f.txt": "f\n"})
    forward = commit_on(repo, "24.09", f"fix: only on 24.03\n\n(cherry picked from commit {only_24_03})\n", {"h.txt": "h\n"})
    listing = list_backports(GitRepo(repo), "24.09")
    assert listing == BackportListing(
        "24.09",
        git(repo, "merge-base", "main", "24.09"),
        (
            BackportedCommit(
                canonical, "Backport a", (Arrival(by_patch, canonical, Match.PATCH_ID),), BackportTrailers(("main",), ("24.09",))
            ),
            BackportedCommit(
                lower,
                "Backport b",
                (Arrival(by_line, lower, Match.NAMED),),
                BackportTrailers(("main",), ("24.09",)),
                (by_line[:10],),
            ),
            BackportedCommit(manual, "[24.09 backport] fix: matched by headline", (Arrival(by_headline, manual, Match.HEADLINE),)),
            BackportedCommit(squashed, "fix: matched by number (#12) (#34)", (Arrival(by_number, squashed, Match.PULL_REQUEST),)),
            BackportedCommit(upper, "Bump", (), BackportTrailers((), ("24.09",))),
            BackportedCommit(forward, "fix: only on 24.03", (), BackportTrailers(), (only_24_03,)),
        ),
        (CommitSummary(missing, "Fix: never backported"),),
    )
    assert describe_listing(listing) == [
        f"Backported to 24.09 since {listing.merge_base[:7]}:",
        f"  {canonical[:7]} Backport a (of {by_patch[:7]}, same patch id)",
        f"  {lower[:7]} Backport b (of {by_line[:7]}, named in its message)",
        f"  {manual[:7]} [24.09 backport] fix: matched by headline (of {by_headline[:7]}, same headline)",
        f"  {squashed[:7]} fix: matched by number (#12) (#34) (of {by_number[:7]}, same pull request)",
        f"  {upper[:7]} Bump (from ? to 24.09)",
        f"  {forward[:7]} fix: only on 24.03 (cherry picked from {only_24_03})",
        "Fixes without a backport to 24.09:",
        f"  {missing[:7]} Fix: never backported",
    ]


def test_list_unknown_branch(repo: Path) -> None:
    with pytest.raises(BackportError) as error:
        list_backports(GitRepo(repo), "24.06")
    assert str(error.value) == "`--to`: no such local branch (got `24.06`); create or fetch it first"
