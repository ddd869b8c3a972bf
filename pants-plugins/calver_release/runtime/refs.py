"""Refs a user names on the command line (`--from=24.09.0`, `--commit=main`), checked before git resolves them.

Git resolves a name that is both a tag and a branch to the tag without a word, and a tag may point
at a blob or a tree rather than a commit. Both are refused here, naming what the name really is,
so a goal never works on another commit than the user meant. The plugin itself refers to
branches and tags by their full refs (`refs/heads/main`, `refs/tags/24.09.0`).
"""

from __future__ import annotations

from typing import Optional

from calver_release.runtime.git import GitError, GitRepo


class RefError(GitError):
    """A ref the user gave names two things, or something that is not a commit."""


def check_user_ref(repo: GitRepo, flag: str, ref: str) -> None:
    """RefError when `ref` is both a tag and a branch, or names an object that is not a commit.

    An unknown ref passes: each goal says in its own terms what it expected there.
    """
    branch, tag = f"refs/heads/{ref}", f"refs/tags/{ref}"
    found = set(repo.lines("for-each-ref", "--format=%(refname)", branch, tag))
    if {branch, tag} <= found:
        raise RefError(
            f"`{flag}`: both a tag and a branch are named so (got `{ref}`); pass `{flag}={tag}` for the tag "
            f"or `{flag}={branch}` for the branch"
        )
    kind = object_type(repo, ref)
    if kind is not None and kind != "commit":
        raise RefError(f"`{flag}`: names a {kind}, not a commit (got `{ref}`); name a tag, branch or commit")


def object_type(repo: GitRepo, ref: str) -> Optional[str]:
    """`commit`, `tree` or `blob`: what `ref` names once its tags are peeled; None when it names nothing."""
    proc = repo.run("cat-file", "-t", f"{ref}^{{}}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None
