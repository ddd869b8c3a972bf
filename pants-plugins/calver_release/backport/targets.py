"""Which release lines a commit of the main branch goes to, decided from its own message.

The rules (Backend.AI's): a `Backport:` trailer names exactly the target versions, separated by
commas or spaces (`Backport: none` means none), each in either spelling (`24.9` names the line
`24.09`); without one, a `fix:` subject (or `fix(scope):`, any case) goes to every maintained line,
and any other subject to none. A trailer naming a version that is not maintained is reported, never
dropped: `unmaintained` holds those names, and the callers refuse (`pants backport`) or report them
(`--missing`).

Every line of the message that starts with `Backport:` (any case) counts, because squash merges
bury a pull request's trailers in the middle of the merged message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from calver_release.backport.engine import BackportError, BackportPlan
from calver_release.backport.trailers import FIX_SUBJECT
from calver_release.release.maintained import Registry
from calver_release.runtime.git import GitRepo

_TRAILER = re.compile(r"^\s*backport\s*:(.*)$", re.IGNORECASE | re.MULTILINE)
_SEPARATORS = re.compile(r"[\s,]+")


class Rule(Enum):
    """What chose a commit's targets."""

    TRAILER = "trailer"
    FIX = "fix"
    NONE = "none"


@dataclass(frozen=True)
class Targets:
    """The maintained lines a commit goes to (newest first), the rule that chose them, and names left over."""

    rule: Rule
    versions: Tuple[str, ...] = ()
    named: Tuple[str, ...] = ()
    unmaintained: Tuple[str, ...] = ()

    def describe(self) -> str:
        """The rule in words: "`Backport: 26.8, 26.4` trailer", "`fix:` subject" or "none"."""
        if self.rule is Rule.TRAILER:
            return f"`Backport: {', '.join(self.named)}` trailer"
        if self.rule is Rule.FIX:
            return "`fix:` subject"
        return "no `Backport:` trailer and not a `fix:` subject"


@dataclass(frozen=True)
class CommitTargets:
    """A commit, its subject and its targets."""

    commit: str
    subject: str
    targets: Targets

    def describe(self) -> str:
        """The line `pants backport` prints for the decision."""
        versions = ", ".join(self.targets.versions) or "none"
        return f"Targets of {self.commit[:7]} ({self.subject}): {versions}, by {self.targets.describe()}"


def backport_trailer(message: str) -> Optional[Tuple[str, ...]]:
    """The values of the message's `Backport:` trailers, in order without repeats; None without one."""
    matches = _TRAILER.findall(message)
    if not matches:
        return None
    values = [value for match in matches for value in _SEPARATORS.split(match.strip()) if value]
    return tuple(dict.fromkeys(values))


def decide_targets(message: str, registry: Registry, today: date) -> Targets:
    """The targets of a commit with `message`, among the lines `registry` maintains on `today`."""
    maintained = registry.maintained(today)
    named = backport_trailer(message)
    if named is None:
        subject = message.split("\n", 1)[0].strip()
        if FIX_SUBJECT.match(subject):
            return Targets(Rule.FIX, tuple(line.version for line in maintained))
        return Targets(Rule.NONE)
    if not named:
        return Targets(Rule.TRAILER, unmaintained=("",))
    if len(named) == 1 and named[0].lower() == "none":
        return Targets(Rule.TRAILER, (), named)
    lines = {name: registry.get(name) for name in named}
    versions = tuple(line.version for line in maintained if line in lines.values())
    return Targets(Rule.TRAILER, versions, named, tuple(name for name in named if lines[name] not in maintained))


def why_unmaintained(name: str, registry: Registry, today: date) -> str:
    """Why a name in a trailer is not a target: not registered, retired, or `none` among versions."""
    if not name:
        return "an empty `Backport:` trailer"
    if name.lower() == "none":
        return "`none` together with versions"
    line = registry.get(name)
    if line is None:
        return f"`{name}` is not in `{registry.path}`"
    return f"`{name}` is {registry.describe(line, today)}"


def unmaintained_error(decision: CommitTargets, registry: Registry, today: date) -> str:
    """The one-line refusal for a commit whose trailer names lines that are not maintained."""
    reasons = "; ".join(why_unmaintained(name, registry, today) for name in decision.targets.unmaintained)
    maintained = ", ".join(f"`{line.version}`" for line in registry.maintained(today)) or "none"
    return (
        f"`Backport:` trailer of {decision.commit[:7]}: names a line that is not maintained ({reasons}) "
        f"(got {decision.targets.describe()}); the maintained lines are {maintained}: fix the trailer, "
        "or pass `--to=X.Y` to choose the targets yourself"
    )


def decide_commits(
    repo: GitRepo, commits: Sequence[str], registry: Registry, today: date, source_branch: str
) -> List[CommitTargets]:
    """The targets of each commit, in the order given; BackportError for a commit that does not exist."""
    decisions: Dict[str, CommitTargets] = {}
    for commit in commits:
        sha = repo.rev_parse(commit)
        if sha is None:
            raise BackportError(f"`--commit`: no such commit (got `{commit}`); pass a commit of `{source_branch}`")
        message = repo.output("log", "-1", "--format=%B", sha)
        subject = message.split("\n", 1)[0].strip()
        decisions.setdefault(sha, CommitTargets(sha, subject, decide_targets(message, registry, today)))
    return list(decisions.values())


def union_of_targets(decisions: Sequence[CommitTargets], registry: Registry, today: date) -> Tuple[str, ...]:
    """Every line some commit goes to, newest first."""
    wanted = {version for decision in decisions for version in decision.targets.versions}
    return tuple(line.version for line in registry.maintained(today) if line.version in wanted)


def restrict_plan(plan: BackportPlan, targets_of: Mapping[str, Sequence[str]]) -> BackportPlan:
    """`plan` with each release branch keeping only the commits whose targets include it."""
    return replace(
        plan,
        targets=tuple(
            replace(
                target_plan,
                picks=tuple(p for p in target_plan.picks if target_plan.target in targets_of.get(p.commit, ())),
                skips=tuple(s for s in target_plan.skips if target_plan.target in targets_of.get(s.commit, ())),
            )
            for target_plan in plan.targets
        ),
    )
