"""The gate for missing backports: which commits each maintained line still lacks (`pants backport --missing`).

For a release line, the candidates are the non-merge commits of the main branch since the line's
branch point. A candidate is required there when its targets (`backport.targets`) include the
line, and missing when it has not arrived (`arrivals`: a commit of the line names it, carries its
pull-request number, has its headline or its patch id; the report says which rule found it). A
missing commit is waived, and listed as such, when `[backport].waived` names it with a reason, or
when a later commit of the main branch with a `Backport: none` trailer names it (e.g. its revert).

All lines are read first (one `git log` per range), so that `arrivals.find_arrivals` computes the
patch ids every line still needs in one batch.

A `Backport:` trailer naming a line that is neither registered nor an existing release branch (a
retired line keeps its branch) is a problem of its own: the target it meant cannot be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from calver_release.backport.arrivals import Arrival, LineCheck, find_arrivals
from calver_release.backport.errors import BackportError
from calver_release.backport.history import Commit, branch_point, read_commits, source_commits
from calver_release.backport.targets import Rule, Targets, decide_targets, why_unmaintained
from calver_release.release.maintained import Registry
from calver_release.runtime.git import GitRepo

_COMMIT_ID = re.compile(r"\b[0-9a-f]{7,40}\b")
_WAIVED = "`[backport].waived`"


@dataclass(frozen=True)
class Required:
    """A commit the rules send to a line, with the rule and, when waived, why it need not arrive."""

    commit: str
    subject: str
    targets: Targets
    waived: str = ""
    arrival: Optional[Arrival] = None


@dataclass(frozen=True)
class LineReport:
    """One release line: its branch point, the required commits that have not arrived (missing or
    waived), and those that have, each with its `Arrival`."""

    version: str
    branch_point: str
    missing: Tuple[Required, ...]
    waived: Tuple[Required, ...]
    arrived: Tuple[Required, ...] = ()


@dataclass(frozen=True)
class Gate:
    """The report of every line checked, plus problems found in trailers."""

    registry: str
    lines: Tuple[LineReport, ...]
    problems: Tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return bool(self.problems) or any(line.missing for line in self.lines)


def check_waivers(repo: GitRepo, waived: Mapping[str, Any]) -> Dict[str, str]:
    """`[backport].waived` as full commit id -> reason; BackportError on the first bad entry."""
    waivers = {}
    for key, reason in waived.items():
        if not _COMMIT_ID.fullmatch(key):
            raise BackportError(f"{_WAIVED}: not a commit id (got `{key}`); key each waiver by 7 to 40 hex digits of the commit")
        sha = repo.rev_parse(key)
        if sha is None:
            raise BackportError(f"{_WAIVED}: no such commit (got `{key}`); fix the id, or fetch the history it is in")
        if not isinstance(reason, str) or not reason.strip():
            raise BackportError(f"{_WAIVED}: `{key}` has no reason (got `{reason!r}`); say why its backport was abandoned")
        waivers[sha] = reason.strip()
    return waivers


def find_missing(
    repo: GitRepo,
    registry: Registry,
    versions: Sequence[str],
    source_branch: str,
    waivers: Mapping[str, str],
    today: date,
) -> Gate:
    """The gate's report for the release lines `versions` (registered ones)."""
    problems: Dict[str, str] = {}
    branches = set(repo.local_branches())
    targets_of: Dict[str, Targets] = {}
    bases, checks = [], []
    for version in versions:
        tip, base = branch_point(repo, registry.branch(version), source_branch)
        source = tuple(source_commits(repo, base, source_branch))
        for commit in source:
            if commit.sha not in targets_of:
                targets_of[commit.sha] = decide_targets(commit.message, registry, today)
        wanted = frozenset(c.sha for c in source if version in targets_of[c.sha].versions)
        bases.append(base)
        checks.append(LineCheck(source, tuple(read_commits(repo, f"{base}..{tip}")), wanted))
    reports = []
    for version, base, check, arrivals in zip(versions, bases, checks, find_arrivals(repo, checks)):
        waived_by_none = _waived_by_none(check.source, targets_of)
        missing, waived, arrived = [], [], []
        for commit in check.source:
            targets = targets_of[commit.sha]
            unknown = [name for name in targets.unmaintained if registry.get(name) is None and name not in branches]
            if unknown and commit.sha not in waivers:
                problems.setdefault(commit.sha, _problem(commit, targets, unknown, registry, today))
            if commit.sha not in check.wanted:
                continue
            if commit.sha in arrivals:
                arrived.append(Required(commit.sha, commit.subject, targets, arrival=arrivals[commit.sha]))
                continue
            reason = _waiver(commit.sha, waivers, waived_by_none)
            required = Required(commit.sha, commit.subject, targets, reason)
            (waived if reason else missing).append(required)
        reports.append(LineReport(version, base, tuple(missing), tuple(waived), tuple(arrived)))
    return Gate(registry.path, tuple(reports), tuple(problems.values()))


def _waived_by_none(commits: Sequence[Commit], targets_of: Mapping[str, Targets]) -> Dict[str, str]:
    """Commit -> the later `Backport: none` commit whose message names it."""
    waived = {}
    for index, commit in enumerate(commits):
        targets = targets_of[commit.sha]
        if targets.rule is not Rule.TRAILER or targets.versions or targets.unmaintained:
            continue
        for name in _COMMIT_ID.findall(commit.message):
            for earlier in commits[:index]:
                if earlier.sha.startswith(name):
                    waived.setdefault(earlier.sha, commit.sha)
    return waived


def _waiver(sha: str, waivers: Mapping[str, str], waived_by_none: Mapping[str, str]) -> str:
    if sha in waivers:
        return f"{_WAIVED}: {waivers[sha]}"
    if sha in waived_by_none:
        return f"`Backport: none` in {waived_by_none[sha][:7]}"
    return ""


def _problem(commit: Commit, targets: Targets, unknown: Sequence[str], registry: Registry, today: date) -> str:
    reasons = "; ".join(why_unmaintained(name, registry, today) for name in unknown)
    return (
        f"`Backport:` trailer of {commit.sha[:7]} ({commit.subject}): names a line that cannot be checked "
        f"({reasons}) (got {targets.describe()}); backport it with `--to=X.Y`, then waive it in {_WAIVED}"
    )


def describe_gate(gate: Gate) -> List[str]:
    """The text report: per line, its missing and waived commits with the rule that requires each."""
    out = []
    for line in gate.lines:
        counts = f"{len(line.missing)} missing" + (f", {len(line.waived)} waived" if line.waived else "")
        out.append(f"{line.version} (branch point {line.branch_point[:7]}): {counts if line.missing or line.waived else 'nothing missing'}")
        out.extend(f"  missing {r.commit[:7]} {r.subject} ({r.targets.describe()})" for r in line.missing)
        out.extend(f"  waived  {r.commit[:7]} {r.subject} ({r.waived})" for r in line.waived)
    return out


def gate_json(gate: Gate, source_branch: str) -> Dict[str, Any]:
    """The `--missing --format=json` report."""

    def entry(required: Required) -> Dict[str, Any]:
        arrival = required.arrival
        return {
            "commit": required.commit,
            "subject": required.subject,
            "rule": required.targets.rule.value,
            "trailer": list(required.targets.named) if required.targets.rule is Rule.TRAILER else None,
            **({"waived": required.waived} if required.waived else {}),
            **({"arrival": {"rule": arrival.match.value, "commit": arrival.backport}} if arrival else {}),
        }

    return {
        "registry": gate.registry,
        "source_branch": source_branch,
        "failed": gate.failed,
        "lines": [
            {
                "version": line.version,
                "branch_point": line.branch_point,
                "missing": [entry(r) for r in line.missing],
                "waived": [entry(r) for r in line.waived],
                "arrived": [entry(r) for r in line.arrived],
            }
            for line in gate.lines
        ],
        "problems": list(gate.problems),
    }
