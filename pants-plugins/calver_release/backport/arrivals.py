"""Backport arrivals: which commits of the main branch a release line already holds, and by which rule.

A commit of the main branch has arrived on a line when a commit of the line since the branch point
is its backport. The rules are tried in this order, and the first that finds one names it:

1. `named`: the line's commit names it, in a backport trailer (`Backported-From: main (SHA)`) or
   a `(cherry picked from commit SHA)` line (`git cherry-pick -x`).
2. `pull-request`: its subject ends with its pull request's number `(#N)`, and a subject on the
   line carries `(#N)`: a backport pull request titled with the original subject and squash-merged
   gives `<subject> (#N) (#M)`.
3. `headline`: the same subject once pull-request numbers and backport markers (`[X.Y backport]`,
   `(backport to X.Y)`, `(X.Y backport)`, any case, anywhere) are removed and spaces collapsed. A
   line commit whose message names another commit of the main branch (rules 1 and 2), or whose
   subject carries two pull-request numbers besides the commit's own (a squash-merged backport of
   some other pull request), is the backport of that one, not of this.
4. `patch-id`: the same `git patch-id --stable`. Computed last, in one batch, and only for the
   commits that no other rule matched, on both sides: a patch id needs the whole diff.

Git reads: the callers read each range with one `git log` (`history.read_commits`); the rules
work on those messages, and the patch ids of every line checked come from one
`git log -p --no-walk --stdin | git patch-id --stable` pipeline.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from enum import Enum
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from calver_release.backport.history import Commit
from calver_release.backport.trailers import parse_backport_trailers
from calver_release.runtime.git import GitRepo

_CHERRY_PICKED_FROM = re.compile(r"\(cherry picked from commit ([0-9a-f]{7,40})\)")
_COMMIT_ID = re.compile(r"\b[0-9a-f]{7,40}\b")
_PULL_REQUEST = re.compile(r"\(#(\d+)\)")
_OWN_PULL_REQUEST = re.compile(r"\(#(\d+)\)\s*$")
_BACKPORT_MARKER = re.compile(
    r"\[\s*\d+\.\d+\s+backport\s*\]|\(\s*backport\s+to\s+\d+\.\d+\s*\)|\(\s*\d+\.\d+\s+backport\s*\)",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_SHORT = 7


class Match(Enum):
    """The rule that found a commit's backport, in the order the rules are tried."""

    NAMED = "named"
    PULL_REQUEST = "pull-request"
    HEADLINE = "headline"
    PATCH_ID = "patch-id"

    def describe(self) -> str:
        return {
            Match.NAMED: "named in its message",
            Match.PULL_REQUEST: "same pull request",
            Match.HEADLINE: "same headline",
            Match.PATCH_ID: "same patch id",
        }[self]


@dataclass(frozen=True)
class Arrival:
    """A commit of the source branch found on a release line as `backport`, by the rule `match`."""

    commit: str
    backport: str
    match: Match


@dataclass(frozen=True)
class LineCheck:
    """One release line to check: the commits of the source branch and of the line since the branch
    point (as `history.read_commits` reads them), and the source commits whose arrival matters.

    Every source commit takes part in rules 1 to 3 (a line commit that names one is its backport,
    whether it matters or not); rule 4 computes patch ids for the `wanted` ones only (None: all).
    """

    source: Tuple[Commit, ...]
    line: Tuple[Commit, ...]
    wanted: Optional[FrozenSet[str]] = None

    def is_wanted(self, sha: str) -> bool:
        return self.wanted is None or sha in self.wanted


def headline(subject: str) -> str:
    """`subject` without pull-request numbers and backport markers, spaces collapsed."""
    return _SPACES.sub(" ", _BACKPORT_MARKER.sub(" ", _PULL_REQUEST.sub(" ", subject))).strip()


def pull_requests(subject: str) -> FrozenSet[str]:
    """The pull-request numbers `(#N)` anywhere in `subject`."""
    return frozenset(_PULL_REQUEST.findall(subject))


def own_pull_request(subject: str) -> Optional[str]:
    """The number of the pull request a commit of the main branch was merged by: its subject's final `(#N)`."""
    match = _OWN_PULL_REQUEST.search(subject)
    return match.group(1) if match else None


def named_commits(message: str) -> Tuple[str, ...]:
    """The commit ids a message names as its origin: `cherry picked from` lines and backport trailers."""
    trailers = parse_backport_trailers(message)
    from_trailers = [ref for value in trailers.backported_from for ref in _COMMIT_ID.findall(value)]
    return tuple(dict.fromkeys([*_CHERRY_PICKED_FROM.findall(message), *from_trailers]))


def find_arrivals(repo: GitRepo, checks: Sequence[LineCheck]) -> List[Dict[str, Arrival]]:
    """For each check, source commit -> its `Arrival` on the line; commits not found are absent.

    Rules 1 to 3 read the messages; rule 4 computes, in one batch for all checks, the patch ids of
    the wanted source commits that nothing matched and of the line commits that matched nothing.
    """
    found = [_match_messages(check) for check in checks]
    leftovers = [_unmatched(check, arrivals) for check, arrivals in zip(checks, found)]
    batch = [sha for sources, lines in leftovers for sha in (*sources, *lines)]
    ids = patch_ids(repo, batch) if batch else {}
    for arrivals, (sources, lines) in zip(found, leftovers):
        on_line: Dict[str, str] = {}
        for sha in lines:
            if sha in ids:
                on_line.setdefault(ids[sha], sha)
        for sha in sources:
            backport = on_line.get(ids.get(sha, ""))
            if backport is not None:
                arrivals[sha] = Arrival(sha, backport, Match.PATCH_ID)
    return found


def patch_ids(repo: GitRepo, commits: Iterable[str]) -> Dict[str, str]:
    """Commit -> `git patch-id --stable` of its diff, for those of `commits` that change something.

    One pipeline, bytes end to end (a diff need not be UTF-8): `git log -p --no-walk --stdin` reads
    the commit ids from its standard input and writes straight into `git patch-id`.
    """
    shas = list(dict.fromkeys(commits))
    if not shas:
        return {}
    env = repo.process_env()
    log_args = ("log", "-p", "--no-walk=unsorted", "--stdin", "--no-color", "--no-ext-diff", "--format=commit %H")
    id_args = ("patch-id", "--stable")
    with tempfile.TemporaryFile() as log_errors:
        log = subprocess.Popen(
            repo.argv(env, *log_args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log_errors, env=env, close_fds=False
        )
        ids = subprocess.Popen(repo.argv(env, *id_args), stdin=log.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, close_fds=False)
        assert log.stdin is not None and log.stdout is not None
        log.stdout.close()  # `git patch-id` holds the read end now
        try:
            log.stdin.write("".join(f"{sha}\n" for sha in shas).encode())  # read whole before any output
            log.stdin.close()
        except BrokenPipeError:
            pass  # `git log` failed: its exit code and message follow
        out, errors = ids.communicate()
        if log.wait() != 0:
            log_errors.seek(0)
            raise repo.error(log_args, subprocess.CompletedProcess(log_args, log.returncode, b"", log_errors.read()))
    if ids.returncode != 0:
        raise repo.error(id_args, subprocess.CompletedProcess(id_args, ids.returncode, out, errors))
    pairs = (line.split() for line in out.decode().splitlines())
    return {sha: pid for pid, sha in pairs}


@dataclass(frozen=True)
class _LineCommit:
    """What a commit of the release line says about where it came from."""

    sha: str
    names: Tuple[str, ...]
    numbers: FrozenSet[str]
    headline: str

    @classmethod
    def of(cls, commit: Commit) -> _LineCommit:
        return cls(commit.sha, named_commits(commit.message), pull_requests(commit.subject), headline(commit.subject))


def _match_messages(check: LineCheck) -> Dict[str, Arrival]:
    """Rules 1 to 3, which need only the messages."""
    line = [_LineCommit.of(commit) for commit in check.line]
    by_prefix: Dict[str, List[str]] = {}
    by_number: Dict[str, str] = {}
    for commit in check.source:
        by_prefix.setdefault(commit.sha[:_SHORT], []).append(commit.sha)
        number = own_pull_request(commit.subject)
        if number is not None:
            by_number.setdefault(number, commit.sha)
    named: Dict[str, str] = {}
    numbered: Dict[str, str] = {}
    claims: Dict[str, Set[str]] = {}
    for backport in line:
        for name in backport.names:
            for sha in by_prefix.get(name[:_SHORT], ()):
                if sha.startswith(name):
                    named.setdefault(sha, backport.sha)
                    claims.setdefault(backport.sha, set()).add(sha)
        for number in backport.numbers:
            if number in by_number:
                numbered.setdefault(by_number[number], backport.sha)
                claims.setdefault(backport.sha, set()).add(by_number[number])
    by_headline: Dict[str, List[_LineCommit]] = {}
    for backport in line:
        if backport.headline:
            by_headline.setdefault(backport.headline, []).append(backport)
    arrivals = {}
    for commit in check.source:
        if commit.sha in named:
            arrivals[commit.sha] = Arrival(commit.sha, named[commit.sha], Match.NAMED)
        elif commit.sha in numbered:
            arrivals[commit.sha] = Arrival(commit.sha, numbered[commit.sha], Match.PULL_REQUEST)
        else:
            same = _same_headline(commit, by_headline, claims)
            if same is not None:
                arrivals[commit.sha] = Arrival(commit.sha, same, Match.HEADLINE)
    return arrivals


def _same_headline(commit: Commit, by_headline: Dict[str, List[_LineCommit]], claims: Dict[str, Set[str]]) -> Optional[str]:
    """The first line commit with `commit`'s headline that is not the backport of another commit."""
    numbers = pull_requests(commit.subject)
    for backport in by_headline.get(headline(commit.subject), ()):
        if claims.get(backport.sha, set()) <= {commit.sha} and len(backport.numbers - numbers) <= 1:
            return backport.sha
    return None


def _unmatched(check: LineCheck, arrivals: Dict[str, Arrival]) -> Tuple[List[str], List[str]]:
    """The wanted source commits without an arrival, and the line's commits that are no commit's
    backport; neither when the other is empty (no patch id could match)."""
    sources = [c.sha for c in check.source if c.sha not in arrivals and check.is_wanted(c.sha)]
    used = {arrival.backport for arrival in arrivals.values()}
    lines = [c.sha for c in check.line if c.sha not in used]
    return (sources, lines) if sources and lines else ([], [])
