"""Cutting a release branch: `x.y` from `main`'s tip, then `main` moves to the next series' `.dev0`.

The branch and the next version are written in the scheme; the version cut from is shown as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence

from calver_release.release.calver import BumpKind, CalVer, Scheme, release_branches_of, tags_of
from calver_release.runtime.git import GitRepo
from calver_release.runtime.shell import shell_command


class ReleaseCutError(ValueError):
    """The repository is not in a state from which a release branch can be cut."""


@dataclass(frozen=True)
class ReleaseCut:
    """What `--cut-release` does: the branch to create at `head` and `main`'s next version."""

    version: CalVer
    branch: str
    head: str
    next_version: CalVer


def plan_release_cut(repo: GitRepo, version: CalVer, scheme: Scheme, main_branch: str) -> ReleaseCut:
    """Check every precondition of a cut and return the plan; raise ReleaseCutError (or GitError) otherwise."""
    repo.git_dir()  # GitError naming the directory when it is not a repository
    branch = repo.current_branch()
    if branch != main_branch:
        raise ReleaseCutError(
            f"`--cut-release`: release branches are cut from `{main_branch}`, but the checkout is on "
            f"{f'`{branch}`' if branch else 'a detached HEAD'}; run `{shell_command('git', 'switch', main_branch)}` first"
        )
    if repo.dirty_files():
        raise ReleaseCutError("`--cut-release`: the working tree has uncommitted changes; commit or stash them first")
    if version.patch != 0 or not version.is_prerelease:
        raise ReleaseCutError(
            f"`--cut-release`: `{main_branch}` must be at `x.y.0` with a dev or pre-release suffix "
            f"(got `{version.written()}`); set it with `--set`, e.g. `{version.series.branch(scheme)}.0.dev0`"
        )
    release_branch = version.series.branch(scheme)
    branches = release_branches_of(version.series, repo.local_branches())
    if branches:
        raise ReleaseCutError(f"`--cut-release`: the branch `{branches[0]}` already exists")
    check_ref_is_free(repo, release_branch)
    existing_tags = set(repo.tags())
    final = CalVer(version.year, version.minor, 0)
    tags = [*release_branches_of(version.series, existing_tags), *tags_of(final, existing_tags)]
    if tags:
        raise ReleaseCutError(f"`--cut-release`: the tag `{tags[0]}` already exists")
    head = repo.rev_parse("HEAD")
    if head is None:
        raise ReleaseCutError(f"`--cut-release`: `{main_branch}` has no commits yet")
    return ReleaseCut(version, release_branch, head, version.bump(BumpKind.MINOR, scheme))


def check_ref_is_free(repo: GitRepo, branch: str) -> None:
    """Refuse what would make `git branch` or `git commit` fail halfway: a branch under `branch/`, lock files."""
    nested = repo.lines("for-each-ref", "--format=%(refname:lstrip=2)", f"refs/heads/{branch}/")
    if nested:
        raise ReleaseCutError(
            f"`--cut-release`: the branch `{branch}` collides with the branch `{nested[0]}` (got `refs/heads/{nested[0]}`); "
            f"rename or delete `{nested[0]}` (`{shell_command('git', 'branch', '-m', nested[0], 'NEW')}`), then run again"
        )
    ref_lock = Path(repo.output("rev-parse", "--git-path", f"refs/heads/{branch}.lock"))
    for lock in (repo.root / ref_lock, repo.index_lock()):
        if lock is not None and lock.exists():
            raise ReleaseCutError(
                f"`{lock}`: a lock file of another git process is in the way (got an existing file); "
                "if no git process is running, delete the file and run again"
            )


def create_release_branch(repo: GitRepo, cut: ReleaseCut) -> None:
    """Create the release branch at the commit the plan saw."""
    repo.run("branch", cut.branch, cut.head)


def delete_release_branch(repo: GitRepo, cut: ReleaseCut) -> None:
    """Undo `create_release_branch` after a later step failed."""
    repo.run("branch", "-D", cut.branch, check=False)


def describe_release_cut(
    cut: ReleaseCut, version_path: str, main_branch: str, scheme: Scheme, notes: Sequence[str] = ()
) -> List[str]:
    """What `--cut-release --dry-run` prints: the branch it would create, the commit, the registry and the push."""
    return [
        f"Would create release branch {cut.branch} at {cut.head[:12]} ({cut.version.written()})",
        f"Would commit on {main_branch}: {version_path} {cut.version.written()} -> "
        f"{cut.next_version.canonical(scheme)} (release: start the {cut.next_version.series.branch(scheme)} series on main)",
        *(f"Would record in the registry: {note}" for note in notes),
        f"Then push with: {shell_command('git', 'push', 'origin', cut.branch, main_branch)}",
    ]


def commit_next_version(
    repo: GitRepo, cut: ReleaseCut, version_path: str, scheme: Scheme, registry_path: str = "", notes: Sequence[str] = ()
) -> str:
    """Commit the already-written version file (and registry, staged) on `main`; returns the new commit id."""
    message = (
        f"release: start the {cut.next_version.series.branch(scheme)} series on main\n\n"
        f"The {cut.branch} release branch was cut from {cut.head[:12]} at "
        f"{cut.version.written()}; main moves to {cut.next_version.canonical(scheme)}.\n"
    )
    if notes:
        message += "\n" + "".join(f"{note}\n" for note in notes)
    paths = [version_path, *([registry_path] if registry_path else [])]
    # The message goes on stdin, so a failure names a one-line command.
    repo.run("commit", "--quiet", "--no-verify", "-F", "-", "--", *paths, input=message)
    return repo.output("rev-parse", "HEAD")
