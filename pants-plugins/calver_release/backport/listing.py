"""`pants backport --list`: a release line's backports, and the fixes of the main branch it still lacks.

The backports are the line's commits since its branch point that are the backport of a commit of
the main branch, found by the rules of `arrivals` (the gate's), plus those that carry backport
trailers or a `cherry picked from` line but match no commit of the main branch since the branch
point. The missing fixes are the commits of the main branch since the branch point whose subject
starts with `fix:` (`trailers.FIX_SUBJECT`) and that have not arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

from calver_release.backport.arrivals import Arrival, LineCheck, find_arrivals, named_commits
from calver_release.backport.history import branch_point, read_commits, source_commits
from calver_release.backport.trailers import FIX_SUBJECT, BackportTrailers, parse_backport_trailers
from calver_release.runtime.git import GitRepo


@dataclass(frozen=True)
class CommitSummary:
    """A commit and its subject line."""

    commit: str
    subject: str


@dataclass(frozen=True)
class BackportedCommit:
    """A commit of the release line that is a backport: the arrivals it accounts for, its backport
    trailers and the commit ids its message names (`cherry picked from` lines, trailers)."""

    commit: str
    subject: str
    arrivals: Tuple[Arrival, ...]
    trailers: BackportTrailers = BackportTrailers()
    names: Tuple[str, ...] = ()


@dataclass(frozen=True)
class BackportListing:
    """What `--list` shows for one release branch."""

    target: str
    merge_base: str
    backported: Tuple[BackportedCommit, ...]
    missing_fixes: Tuple[CommitSummary, ...]


def list_backports(repo: GitRepo, target: str, source_branch: str = "main") -> BackportListing:
    """The backports on `target` since its branch point, and the fixes of `source_branch` not there."""
    tip, base = branch_point(repo, target, source_branch)
    source = source_commits(repo, base, source_branch)
    line = read_commits(repo, f"{base}..{tip}")
    (arrived,) = find_arrivals(repo, [LineCheck(tuple(source), tuple(line))])
    by_backport: Dict[str, List[Arrival]] = {}
    for arrival in arrived.values():
        by_backport.setdefault(arrival.backport, []).append(arrival)
    listed = (
        BackportedCommit(
            commit.sha,
            commit.subject,
            tuple(by_backport.get(commit.sha, ())),
            parse_backport_trailers(commit.message),
            named_commits(commit.message),
        )
        for commit in line
    )
    backported = tuple(commit for commit in listed if commit.arrivals or commit.trailers or commit.names)
    missing = tuple(
        CommitSummary(commit.sha, commit.subject)
        for commit in source
        if FIX_SUBJECT.match(commit.subject) and commit.sha not in arrived
    )
    return BackportListing(target, base, backported, missing)


def describe_listing(listing: BackportListing) -> List[str]:
    """Lines for `--list`: each backport with what it brought and by which rule, then the missing fixes."""
    lines = [f"Backported to {listing.target} since {listing.merge_base[:7]}:"]
    lines.extend(f"  {commit.commit[:7]} {commit.subject} ({_origin(commit)})" for commit in listing.backported)
    lines.append(f"Fixes without a backport to {listing.target}:")
    lines.extend(f"  {c.commit[:7]} {c.subject}" for c in listing.missing_fixes)
    return lines


def _origin(commit: BackportedCommit) -> str:
    """`of 1a2b3c4, same pull request`; for a backport of nothing on the main branch, its trailers or origin."""
    if commit.arrivals:
        return "; ".join(f"of {a.commit[:7]}, {a.match.describe()}" for a in commit.arrivals)
    if not commit.trailers:
        return f"cherry picked from {', '.join(commit.names)}"
    sources = ", ".join(commit.trailers.backported_from) or "?"
    targets = ", ".join(commit.trailers.backported_to) or "?"
    return f"from {sources} to {targets}"
