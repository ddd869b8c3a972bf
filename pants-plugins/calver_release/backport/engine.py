"""Backport engine: cherry-pick commits of `main` onto release branches with backport trailers.

Flow: `plan_backport` validates everything and writes nothing; `run_backport` picks in a temporary
worktree inside the git directory and moves a release branch only when its whole series applied;
a conflict stops the run with its state saved on disk, so `continue_backport` and `abort_backport`
work from a new shell. `migration_warnings` only reads. The picking runs in the backport executor
(`calver_release.backport.executor`), which calls `record_interrupt` when a signal stops it.

Decisions:
- A release branch checked out in any worktree is refused: moving its ref would leave that
  worktree's files behind, showing the backport as uncommitted reverts.
- A pick stopped half-way (a signal, a killed process) is undone, never committed: the state marks it
  `picking` until it applied or stopped on conflicts, and whoever finds it so puts the worktree back
  at `head_before` and picks it again.
- Hooks are off in the backport worktree (`core.hooksPath=/dev/null`): the picks were checked on
  `main`, a `commit-msg` hook must not change the trailers, and a `post-checkout` hook (installs,
  migrations) must not run for a temporary checkout.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from calver_release.backport.arrivals import Arrival, LineCheck, Match, find_arrivals
from calver_release.backport.errors import BackportError
from calver_release.backport.history import merge_base, read_commits, require_branch
from calver_release.backport.trailers import add_backport_trailers
from calver_release.release.calver import is_release_branch
from calver_release.runtime.git import GitRepo
from calver_release.runtime.journal import StateFileError, StateStore
from calver_release.runtime.shell import shell_command

Report = Callable[[str], None]

_NO_HOOKS = ("-c", "core.hooksPath=/dev/null")
_RESUME_HINT = "run `pants backport --continue` or `pants backport --abort`"


@dataclass(frozen=True)
class BackportRequest:
    """What `pants backport` was asked to do; `allow_unreachable` is `--yes`."""

    targets: Tuple[str, ...]
    commits: Tuple[str, ...]
    pad_minor: bool
    mainline: Optional[int] = None
    source_branch: str = "main"
    migration_dirs: Tuple[str, ...] = ()
    allow_unreachable: bool = False


@dataclass(frozen=True)
class Pick:
    """One commit to cherry-pick; `mainline` is set for merge commits only."""

    commit: str
    subject: str
    mainline: Optional[int] = None


@dataclass(frozen=True)
class Skip:
    """A requested commit left out for one target, and why."""

    commit: str
    subject: str
    reason: str


@dataclass(frozen=True)
class TargetPlan:
    """The picks for one release branch, whose tip was `base` when planned."""

    target: str
    base: str
    picks: Tuple[Pick, ...]
    skips: Tuple[Skip, ...] = ()


@dataclass(frozen=True)
class BackportPlan:
    """Every target's picks and skips, plus warnings the user accepted with `--yes`."""

    source_branch: str
    targets: Tuple[TargetPlan, ...]
    warnings: Tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchUpdate:
    """A release branch moved from `old` to `new`."""

    target: str
    old: str
    new: str


@dataclass(frozen=True)
class Conflict:
    """A pick that stopped on conflicts, left in `worktree` for the developer."""

    target: str
    commit: str
    files: Tuple[str, ...]
    worktree: Path


@dataclass(frozen=True)
class BackportOutcome:
    """Branches updated so far, and the conflict that stopped the run, if any."""

    updated: Tuple[BranchUpdate, ...]
    conflict: Optional[Conflict] = None


@dataclass
class _State:
    """A run's progress, saved as JSON before every step that writes.

    `pending` is the pick in hand: `picking` while git applies or commits it, else stopped on conflicts
    for the developer. `interrupted` says where a signal stopped the run, for the next one to tell.
    """

    plan: BackportPlan
    updates: Dict[str, str] = field(default_factory=dict)
    done: Dict[str, List[str]] = field(default_factory=dict)
    finished: List[str] = field(default_factory=list)
    current_target: Optional[str] = None
    pending: Optional[str] = None
    head_before: Optional[str] = None
    picking: bool = False
    interrupted: Optional[str] = None


# Planning ---------------------------------------------------------------------------------------


def plan_backport(repo: GitRepo, request: BackportRequest) -> BackportPlan:
    """Validate `request` against the repository and decide what to pick where; writes nothing."""
    ensure_no_backport_in_progress(repo)
    source_tip = require_branch(repo, request.source_branch, "source branch")
    if not request.targets:
        raise BackportError("`--to`: no release branch given (got none); pass `--to=X.Y`")
    if not request.commits:
        raise BackportError("`--commit`: no commit given (got none); pass `--commit=SHA`")
    if request.mainline is not None and request.mainline < 1:
        raise BackportError(f"`--mainline`: not a parent number (got {request.mainline}); pass 1 or more")
    checked_out = _checked_out_branches(repo)
    tips = {t: _validate_target(repo, t, request.pad_minor, checked_out) for t in _unique(request.targets)}
    picks, warnings = _validate_commits(repo, request)
    targets = tuple(
        _plan_target(repo, target, tip, source_tip, picks) for target, tip in tips.items()
    )
    return BackportPlan(request.source_branch, targets, warnings)


def describe_plan(plan: BackportPlan) -> List[str]:
    """Lines for `--dry-run`: the warnings, then what would be picked or skipped where."""
    lines = list(plan.warnings)
    for target_plan in plan.targets:
        for pick in target_plan.picks:
            lines.append(f"Would pick {_short(pick.commit)} onto {target_plan.target}: {pick.subject}")
        lines.extend(_skip_line(target_plan.target, skip) for skip in target_plan.skips)
    return lines


def _validate_target(repo: GitRepo, target: str, pad_minor: bool, checked_out: Dict[str, str]) -> str:
    example = "24.09" if pad_minor else "26.8"
    if not is_release_branch(target):
        raise BackportError(
            f"`--to`: not a release branch name (got `{target}`); pass a branch such as `{example}`"
        )
    tip = require_branch(repo, target, "`--to`")
    if target in checked_out:
        raise BackportError(
            f"`--to`: the branch is checked out in `{checked_out[target]}` (got `{target}`); "
            "switch that worktree to another branch first, so moving the branch leaves no files behind"
        )
    return tip


def _checked_out_branches(repo: GitRepo) -> Dict[str, str]:
    """Branch name -> path of the worktree that has it checked out."""
    branches = {}
    path = ""
    for line in repo.lines("worktree", "list", "--porcelain"):
        if line.startswith("worktree "):
            path = line[len("worktree ") :]
        elif line.startswith("branch refs/heads/"):
            branches[line[len("branch refs/heads/") :]] = path
    return branches


def _validate_commits(repo: GitRepo, request: BackportRequest) -> Tuple[Tuple[Pick, ...], Tuple[str, ...]]:
    picks: Dict[str, Pick] = {}
    warnings = []
    for commit in request.commits:
        pick = _validate_commit(repo, commit, request)
        if not _is_ancestor(repo, pick.commit, f"refs/heads/{request.source_branch}"):
            if not request.allow_unreachable:
                raise BackportError(
                    f"`--commit`: not on `{request.source_branch}` (got `{commit}`); "
                    f"land fixes on `{request.source_branch}` first, or pass `--yes` to backport it anyway"
                )
            warnings.append(
                f"warning: {_short(pick.commit)} is not on `{request.source_branch}`; backporting it anyway"
            )
        picks.setdefault(pick.commit, pick)
    return tuple(picks.values()), tuple(warnings)


def _validate_commit(repo: GitRepo, commit: str, request: BackportRequest) -> Pick:
    sha = repo.rev_parse(commit)
    if sha is None:
        raise BackportError(
            f"`--commit`: no such commit (got `{commit}`); pass a commit of `{request.source_branch}`"
        )
    mainline = request.mainline
    parents = repo.output("rev-list", "--parents", "-n", "1", sha).split()[1:]
    subject = repo.output("log", "-1", "--format=%s", sha)
    if len(parents) < 2:
        return Pick(sha, subject)
    if mainline is None:
        raise BackportError(
            f"`--commit`: a merge commit needs a parent to diff against (got `{commit}`); pass `--mainline=N`"
        )
    if mainline > len(parents):
        raise BackportError(
            f"`--mainline`: `{commit}` has {len(parents)} parents (got {mainline}); pass 1 to {len(parents)}"
        )
    return Pick(sha, subject, mainline)


def _plan_target(repo: GitRepo, target: str, tip: str, source_tip: str, picks: Sequence[Pick]) -> TargetPlan:
    arrivals = _arrivals(repo, merge_base(repo, source_tip, tip, target), tip, source_tip, picks)
    to_pick = []
    skips = []
    for pick in picks:
        if _is_ancestor(repo, pick.commit, tip):
            skips.append(Skip(pick.commit, pick.subject, f"already on {target}"))
            continue
        arrival = arrivals.get(pick.commit)
        if arrival:
            reason = f"already there as {_short(arrival.backport)} ({arrival.match.describe()})"
            skips.append(Skip(pick.commit, pick.subject, reason))
        else:
            to_pick.append(pick)
    return TargetPlan(target, tip, tuple(to_pick), tuple(skips))


def _arrivals(repo: GitRepo, base: str, tip: str, source_tip: str, picks: Sequence[Pick]) -> Dict[str, Arrival]:
    """Pick -> how it already arrived on the line since `base`, by the rules `--missing` uses (`arrivals`).

    A pick that is not a commit of the source branch since `base` (a merge picked with `--mainline`,
    a commit of another branch) has no messages to match there: only its patch id is compared.
    """
    line = f"{base}..{tip}"
    source = tuple(read_commits(repo, f"{base}..{source_tip}", "--no-merges"))
    known = {commit.sha for commit in source}
    on_source = frozenset(pick.commit for pick in picks if pick.commit in known)
    found = find_arrivals(repo, [LineCheck(source, tuple(read_commits(repo, line)), on_source)])[0] if on_source else {}
    others = [pick for pick in picks if pick.commit not in known]
    if others:
        existing = _patch_ids(repo, line)
        for pick in others:
            twin = existing.get(_patch_id(repo, pick) or "")
            if twin:
                found[pick.commit] = Arrival(pick.commit, twin, Match.PATCH_ID)
    return found


# Running ----------------------------------------------------------------------------------------


def run_backport(repo: GitRepo, plan: BackportPlan, report: Report) -> BackportOutcome:
    """Apply `plan` in a temporary worktree; stop with a `Conflict` when a pick conflicts."""
    ensure_no_backport_in_progress(repo)
    for target_plan in plan.targets:
        now = repo.rev_parse(f"refs/heads/{target_plan.target}")
        if now != target_plan.base:
            raise BackportError(
                f"`--to`: `{target_plan.target}` moved since the plan was made "
                f"(got {_short(now or '')}); plan again"
            )
    for warning in plan.warnings:
        report(warning)
    state = _State(plan)
    _save_state(repo, state)
    worktree = str(worktree_path(repo))
    repo.run(*_NO_HOOKS, "worktree", "add", "--quiet", "--detach", worktree, plan.targets[0].base)
    return _drive(repo, state, report)


def continue_backport(repo: GitRepo, report: Report) -> BackportOutcome:
    """Resume after the developer resolved a conflict in the worktree and `git add`ed the files."""
    state = check_resumable(repo, "--continue")
    assert state is not None
    if state.interrupted:
        report(f"Resuming the backport interrupted by {state.interrupted}")
        state.interrupted = None
        _save_state(repo, state)
    if all(t.target in state.finished for t in state.plan.targets):
        _remove_run(repo)  # stopped while cleaning up: every branch was updated
        return BackportOutcome(_updates(state))
    if not worktree_path(repo).is_dir():
        raise BackportError(
            f"`{worktree_path(repo)}`: the backport worktree is gone (got no directory); run `pants backport --abort`, "
            "which puts back the release branches the run moved, then start again"
        )
    if state.picking:
        report(
            f"The previous run stopped while picking {_short(state.pending or '')} onto {state.current_target} "
            "(its process ended); picking it again"
        )
        _undo_pick(repo, state)
    if state.pending is not None:
        target = state.current_target or ""
        pick = _find_pick(state.plan, target, state.pending)
        files = _unmerged_files(repo)
        if files:
            report(f"Still conflicted in {worktree_path(repo)}: {', '.join(files)}")
            return BackportOutcome(_updates(state), Conflict(target, pick.commit, files, worktree_path(repo)))
        _commit_pick(repo, state, target, pick, report)
    return _drive(repo, state, report)


def abort_backport(repo: GitRepo, report: Report) -> None:
    """Remove the worktree and the state, and put back every release branch the run had moved."""
    state = check_resumable(repo, "--abort")
    if state is not None:
        for target_plan in state.plan.targets:
            if target_plan.target in state.updates:
                _restore_branch(repo, target_plan, state.updates[target_plan.target], report)
    _remove_run(repo)
    report("Backport aborted.")


def ensure_no_backport_in_progress(repo: GitRepo) -> None:
    """Raise BackportError when a previous run left its state or worktree behind (saying where a signal stopped it)."""
    if state_file(repo).exists() or worktree_path(repo).exists():
        try:
            state = _load_state(repo)
        except BackportError:
            state = None
        which = f"the backport interrupted by {state.interrupted}" if state and state.interrupted else "a backport"
        raise BackportError(f"`pants backport`: {which} is in progress (got `{state_file(repo)}`); {_RESUME_HINT}")


def check_resumable(repo: GitRepo, action: str) -> Optional[_State]:
    """The state `--continue` or `--abort` works on (None: `--abort` of a worktree left without one).

    BackportError when there is nothing to work on, or the state is damaged.
    """
    state = _load_state(repo)
    if state is None and (action == "--continue" or not worktree_path(repo).exists()):
        start = "start one with `pants backport --to=X.Y --commit=SHA`" if action == "--continue" else "nothing to abort"
        raise BackportError(f"`{action}`: no backport in progress (got no `{state_file(repo)}`); {start}")
    return state


def record_interrupt(repo: GitRepo, signal_name: str) -> str:
    """After a signal stopped the run: undo the pick in flight, record where the run stopped; the line to print."""
    state = _load_state(repo)
    if state is None:
        return f"Interrupted by {signal_name}: no backport is in progress; `git log` the release branches to see where they are"
    where = ""
    if state.picking:
        where = f" while picking {_short(state.pending or '')} onto {state.current_target}"
        _undo_pick(repo, state)
    state.interrupted = f"{signal_name}{where}"
    _save_state(repo, state)
    updated = _updates(state)
    moves = ", ".join(f"{u.target} ({_short(u.old)} -> {_short(u.new)})" for u in updated)
    left = ", ".join(t.target for t in state.plan.targets if t.target not in state.finished) or "none"
    abort = f"put back {', '.join(u.target for u in updated)}" if updated else "drop the run"
    return (
        f"Interrupted by {state.interrupted}: {f'updated {moves}' if updated else 'no branch updated'}; "
        f"not updated: {left}; run `pants backport --continue` to finish, or `pants backport --abort` to {abort}"
    )


def state_file(repo: GitRepo) -> Path:
    """Where a run's progress is kept."""
    return _store(repo).file(OPERATION)


def worktree_path(repo: GitRepo) -> Path:
    """The temporary worktree the picks are made in (inside the git directory, unseen by watchers)."""
    return _store(repo).directory(OPERATION) / "worktree"


def _drive(repo: GitRepo, state: _State, report: Report) -> BackportOutcome:
    worktree = worktree_path(repo)
    for target_plan in state.plan.targets:
        if target_plan.target in state.finished:
            continue
        if state.current_target != target_plan.target:
            _enter_target(repo, state, target_plan, report)
        for pick in target_plan.picks:
            if pick.commit in state.done.get(target_plan.target, []):
                continue
            files = _start_pick(repo, state, target_plan.target, pick, report)
            if files:
                conflict = Conflict(target_plan.target, pick.commit, files, worktree)
                report(f"Conflict picking {_short(pick.commit)} onto {conflict.target}: {', '.join(files)}")
                report(f"Resolve them in {worktree}, `git add` them, then {_RESUME_HINT}")
                return BackportOutcome(_updates(state), conflict)
            _commit_pick(repo, state, target_plan.target, pick, report)
        _finish_target(repo, state, target_plan)
    _remove_run(repo)
    return BackportOutcome(_updates(state))


def _enter_target(repo: GitRepo, state: _State, target_plan: TargetPlan, report: Report) -> None:
    """Check the target's tip out, then record it current (a checkout cut short is done again)."""
    _worktree_git(repo, "checkout", "--quiet", "--force", "--detach", target_plan.base)
    state.current_target = target_plan.target
    _save_state(repo, state)
    for skip in target_plan.skips:
        report(_skip_line(target_plan.target, skip))


def _start_pick(repo: GitRepo, state: _State, target: str, pick: Pick, report: Report) -> Tuple[str, ...]:
    """Cherry-pick without committing; the conflicting files, or () when it applied.

    A failure without conflicts (git refused before touching the index) leaves the pick undone in
    the state, so `--continue` tries it again.
    """
    report(f"Picking {_short(pick.commit)} onto {target} ...")
    state.pending = pick.commit
    state.head_before = _worktree_head(repo)
    state.picking = True
    _save_state(repo, state)
    mainline = ("-m", str(pick.mainline)) if pick.mainline else ()
    proc = _worktree_git(repo, "cherry-pick", "--no-commit", *mainline, pick.commit, check=False)
    if proc.returncode == 0:
        return ()
    files = _unmerged_files(repo)
    state.picking = False
    if not files:
        state.pending = None
        state.head_before = None
    _save_state(repo, state)
    if not files:
        reason = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[0]
        raise BackportError(
            f"`git cherry-pick`: failed on {_short(pick.commit)} (got `{reason}`); "
            f"fix that in {worktree_path(repo)}, then {_RESUME_HINT}"
        )
    return files


def _commit_pick(repo: GitRepo, state: _State, target: str, pick: Pick, report: Report) -> None:
    """Commit the applied pick with trailers; amends if the developer already committed it."""
    head = _worktree_head(repo)
    if head == state.head_before and _nothing_staged(repo):
        report(f"skip {_short(pick.commit)} on {target}: no changes left after applying it")
    elif head == state.head_before:
        _commit_with_trailers(repo, pick.commit, target, state.plan.source_branch, amend=False)
    elif _worktree_git(repo, "rev-parse", "HEAD^").stdout.strip() == state.head_before:
        _commit_with_trailers(repo, pick.commit, target, state.plan.source_branch, amend=True)
    else:
        raise BackportError(
            f"worktree: HEAD moved by more than one commit while resolving (got {_short(head)}); "
            "run `pants backport --abort` and start again"
        )
    state.done.setdefault(target, []).append(pick.commit)
    state.pending = None
    state.head_before = None
    state.picking = False
    _save_state(repo, state)


def _undo_pick(repo: GitRepo, state: _State) -> None:
    """Put the worktree back at `head_before`: the pick stopped half-way is not done, and is picked again."""
    worktree = repo.at(worktree_path(repo))
    lock = worktree.index_lock()
    if lock is not None:
        lock.unlink()  # left by the git stopped with the run: only the backport's runs use this worktree
    if state.head_before is not None:
        worktree.run(*_NO_HOOKS, "reset", "--quiet", "--hard", state.head_before)
    state.pending = None
    state.head_before = None
    state.picking = False
    _save_state(repo, state)


def _commit_with_trailers(repo: GitRepo, commit: str, target: str, source_branch: str, amend: bool) -> None:
    """Commit the index with `commit`'s author, date and message, plus the backport trailers."""
    author = repo.output("log", "-1", "--format=%an%x00%ae%x00%ad", "--date=raw", commit)
    name, email, date = author.split("\0")
    message = add_backport_trailers(repo, _commit_message(repo, commit), target, source_branch)
    _worktree_git(
        repo,
        "commit",
        "--quiet",
        "--cleanup=verbatim",
        *(["--amend"] if amend else []),
        f"--author={name} <{email}>",
        f"--date={date}",
        "-F",
        "-",
        input=message,
    )


def _finish_target(repo: GitRepo, state: _State, target_plan: TargetPlan) -> None:
    """Move the release branch to the worktree's HEAD, compare-and-swap with its planned tip."""
    new = _worktree_head(repo)
    if new != target_plan.base:
        state.updates[target_plan.target] = new
        _save_state(repo, state)
        ref = f"refs/heads/{target_plan.target}"
        update = ("update-ref", ref, new, target_plan.base)
        proc = repo.run(*update, check=False)
        # Already at `new`: a run stopped by a signal moved it, but could not record so.
        now = new if proc.returncode == 0 else repo.rev_parse(ref)
        if now == target_plan.base:
            raise repo.error(update, proc, retry="run `pants backport --continue`")
        if now != new:
            raise BackportError(
                f"`--to`: `{target_plan.target}` moved during the backport (got {_short(now or '')}); {_RESUME_HINT}"
            )
    state.finished.append(target_plan.target)
    _save_state(repo, state)


def _restore_branch(repo: GitRepo, target_plan: TargetPlan, new: str, report: Report) -> None:
    ref = f"refs/heads/{target_plan.target}"
    now = repo.rev_parse(ref)
    if now == new:
        repo.run("update-ref", ref, target_plan.base, new)
        report(f"Restored {target_plan.target} to {_short(target_plan.base)}")
    elif now != target_plan.base:
        report(f"Left {target_plan.target} at {_short(now or '')}: it moved after the backport updated it")


def _remove_run(repo: GitRepo) -> None:
    """Delete the worktree, then the state (last, so a crash in between still leaves `--abort` its data)."""
    worktree = worktree_path(repo)
    if worktree.exists():
        repo.run("worktree", "remove", "--force", str(worktree), check=False)
        shutil.rmtree(worktree, ignore_errors=True)
    repo.run("worktree", "prune")
    _store(repo).remove(OPERATION)


def _find_pick(plan: BackportPlan, target: str, commit: str) -> Pick:
    target_plan = next(t for t in plan.targets if t.target == target)
    return next(p for p in target_plan.picks if p.commit == commit)


def _updates(state: _State) -> Tuple[BranchUpdate, ...]:
    return tuple(
        BranchUpdate(t.target, t.base, state.updates[t.target])
        for t in state.plan.targets
        if t.target in state.finished and t.target in state.updates
    )


def _worktree_git(
    repo: GitRepo, *args: str, check: bool = True, input: Optional[str] = None
) -> subprocess.CompletedProcess:
    """Run git in the backport worktree, with the repository's hooks off."""
    return repo.at(worktree_path(repo)).run(*_NO_HOOKS, *args, check=check, input=input)


def _worktree_head(repo: GitRepo) -> str:
    return _worktree_git(repo, "rev-parse", "HEAD").stdout.strip()


def _nothing_staged(repo: GitRepo) -> bool:
    return _worktree_git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0


def _unmerged_files(repo: GitRepo) -> Tuple[str, ...]:
    return tuple(repo.at(worktree_path(repo)).lines("diff", "--name-only", "--diff-filter=U"))


# State ------------------------------------------------------------------------------------------

OPERATION = "backport"


def _store(repo: GitRepo) -> StateStore:
    return StateStore(repo.git_dir())


def _save_state(repo: GitRepo, state: _State) -> None:
    _store(repo).save(OPERATION, state)


def _load_state(repo: GitRepo) -> Optional[_State]:
    recovery = (
        "check the release branches (`git reflog BRANCH` shows where each was), then run "
        f"`{shell_command('git', 'worktree', 'remove', '--force', str(worktree_path(repo)))}` and delete the file"
    )
    try:
        state = _store(repo).load(OPERATION, _State, recovery)
    except StateFileError as e:
        raise BackportError(str(e)) from None
    problem = None if state is None else _off_plan(state)
    if problem:
        raise BackportError(f"`{state_file(repo)}`: damaged state file (got {problem}); nothing was run from it: {recovery}")
    return state


def _off_plan(state: _State) -> Optional[str]:
    """What the state names that its plan lacks: the target or the pick it was working on."""
    plans = {t.target: t for t in state.plan.targets}
    if state.current_target is not None and state.current_target not in plans:
        return f"`current_target` `{state.current_target}`, which the plan has no target for"
    if state.pending is not None:
        picks = plans[state.current_target].picks if state.current_target is not None else ()
        if state.pending not in {pick.commit for pick in picks}:
            return f"`pending` `{state.pending}`, which the plan does not pick onto `{state.current_target}`"
    return None


# Warnings ---------------------------------------------------------------------------------------


def migration_warnings(repo: GitRepo, plan: BackportPlan, dirs: Sequence[str]) -> List[str]:
    """One warning per picked commit that changes a file under one of the alembic `dirs`."""
    prefixes = tuple(d.strip("/") + "/" for d in dirs)
    targets_of: Dict[str, List[str]] = {}
    picks: Dict[str, Pick] = {}
    for target_plan in plan.targets:
        for pick in target_plan.picks:
            picks.setdefault(pick.commit, pick)
            targets_of.setdefault(pick.commit, []).append(target_plan.target)
    warnings = []
    for commit, pick in picks.items():
        changed = [f for f in _changed_files(repo, pick) if f.startswith(prefixes)]
        if changed:
            warnings.append(
                f"warning: {_short(commit)} changes migrations ({', '.join(f'`{f}`' for f in changed)}) "
                f"backported to {', '.join(targets_of[commit])}; check that each of them has one alembic head"
            )
    return warnings


# Git helpers ------------------------------------------------------------------------------------


def _is_ancestor(repo: GitRepo, commit: str, rev: str) -> bool:
    return repo.run("merge-base", "--is-ancestor", commit, rev, check=False).returncode == 0


def _parent_diff(pick: Pick) -> Tuple[str, str]:
    """The two commits whose diff is the pick's change (parent `mainline`, or the first)."""
    return f"{pick.commit}^{pick.mainline or 1}", pick.commit


def _changed_files(repo: GitRepo, pick: Pick) -> List[str]:
    return list(repo.lines("diff", "--name-only", "--no-renames", *_parent_diff(pick)))


def _patch_id(repo: GitRepo, pick: Pick) -> Optional[str]:
    diff = repo.run("diff", "--no-color", "--no-ext-diff", *_parent_diff(pick)).stdout
    out = repo.run("patch-id", "--stable", input=diff).stdout.split()
    return out[0] if out else None


def _patch_ids(repo: GitRepo, rev_range: str) -> Dict[str, str]:
    """Patch id -> commit, for the non-merge commits of `rev_range`."""
    return dict(_patch_id_pairs(repo, rev_range))


def _patch_id_pairs(repo: GitRepo, rev_range: str) -> List[Tuple[str, str]]:
    """(patch id, commit) of the non-merge commits of `rev_range` that change something."""
    log = repo.run("log", "-p", "--no-merges", "--no-color", "--no-ext-diff", rev_range).stdout
    out = repo.run("patch-id", "--stable", input=log).stdout
    return [(pid, sha) for pid, sha in (line.split() for line in out.splitlines())]


def _commit_message(repo: GitRepo, commit: str) -> str:
    """The commit's message exactly as stored (what follows the header's blank line)."""
    raw = repo.run("cat-file", "commit", commit).stdout
    return raw.split("\n\n", 1)[1] if "\n\n" in raw else ""


def _short(sha: str) -> str:
    return sha[:7]


def _skip_line(target: str, skip: Skip) -> str:
    return f"skip {_short(skip.commit)} on {target}: {skip.reason}"


def _unique(items: Sequence[str]) -> List[str]:
    return list(dict.fromkeys(items))
