"""Cutting a release branch: `x.y` from `main`'s tip, then `main` moves to the next series' `.dev0`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from calver_release.release.calver import BumpKind, CalVer, Scheme
from calver_release.runtime.git import GitRepo


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
    """Check every precondition of a cut and return the plan; raise ReleaseCutError otherwise."""
    branch = repo.current_branch()
    if branch != main_branch:
        raise ReleaseCutError(
            f"`--cut-release`: release branches are cut from `{main_branch}`, but the checkout is on "
            f"{f'`{branch}`' if branch else 'a detached HEAD'}; run `git switch {main_branch}` first"
        )
    if repo.dirty_files():
        raise ReleaseCutError("`--cut-release`: the working tree has uncommitted changes; commit or stash them first")
    canonical = version.canonical(scheme)
    if version.patch != 0 or not version.is_prerelease:
        raise ReleaseCutError(
            f"`--cut-release`: `{main_branch}` must be at `x.y.0` with a dev or pre-release suffix "
            f"(got `{canonical}`); set it with `--set`, e.g. `{version.series.branch(scheme)}.0.dev0`"
        )
    release_branch = version.series.branch(scheme)
    existing_tags = set(repo.tags())
    if release_branch in repo.local_branches():
        raise ReleaseCutError(f"`--cut-release`: the branch `{release_branch}` already exists")
    for name in (release_branch, f"{release_branch}.0"):
        if name in existing_tags:
            raise ReleaseCutError(f"`--cut-release`: the tag `{name}` already exists")
    head = repo.rev_parse("HEAD")
    if head is None:
        raise ReleaseCutError(f"`--cut-release`: `{main_branch}` has no commits yet")
    return ReleaseCut(version, release_branch, head, version.bump(BumpKind.MINOR, scheme))


def create_release_branch(repo: GitRepo, cut: ReleaseCut) -> None:
    """Create the release branch at the commit the plan saw."""
    repo.run("branch", cut.branch, cut.head)


def delete_release_branch(repo: GitRepo, cut: ReleaseCut) -> None:
    """Undo `create_release_branch` after a later step failed."""
    repo.run("branch", "-D", cut.branch, check=False)


def commit_next_version(
    repo: GitRepo, cut: ReleaseCut, version_path: str, scheme: Scheme, registry_path: str = "", notes: Sequence[str] = ()
) -> str:
    """Commit the already-written version file (and registry, staged) on `main`; returns the new commit id."""
    message = (
        f"release: start the {cut.next_version.series.branch(scheme)} series on main\n\n"
        f"The {cut.branch} release branch was cut from {cut.head[:12]} at "
        f"{cut.version.canonical(scheme)}; main moves to {cut.next_version.canonical(scheme)}.\n"
    )
    if notes:
        message += "\n" + "".join(f"{note}\n" for note in notes)
    paths = [version_path, *([registry_path] if registry_path else [])]
    # The message goes on stdin, so a failure names a one-line command.
    repo.run("commit", "--quiet", "--no-verify", "-F", "-", "--", *paths, input=message)
    return repo.output("rev-parse", "HEAD")
