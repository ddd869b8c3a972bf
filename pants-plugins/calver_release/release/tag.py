"""Tagging a release: the plan of the release commit and its annotated tag, refused before any change.

A release is a commit `release: 24.09.0` that writes the version file (and whatever the
`[release-version].release_commands` change, a changelog say) plus the annotated tag `24.09.0`
with the message `Release v24.09.0`. Finals, posts and patch releases are tagged on their release
branch `x.y`; pre-releases of `x.y.0` on the main branch or on `x.y`; development versions never.
Nothing is pushed: the plan says which `git push` to run.

The version file and the tag are written in the scheme (`CalVer.canonical`); the release branch is
the series' branch however it is written (`24.09` in an unpadded repository), and a tag or a
version file holding the same version in the other spelling counts as that version.

Other files a release updates (a registry of maintained lines, say) join `ReleasePlan.writes`:
they are written, committed and restored on failure like the version file.
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from typing import List, Mapping, Optional, Sequence, Tuple

from calver_release.release.calver import (
    CalVer,
    Kind,
    Scheme,
    is_release_branch,
    release_branches_of,
    spells,
    tags_of,
)
from calver_release.release.version_file import VersionFile
from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitRepo
from calver_release.runtime.shell import shell_command

COMMANDS_OPTION = "`[release-version].release_commands`"


class ReleaseTagError(ValueError):
    """The repository, the version or a release command rules out tagging this release now."""


@dataclass(frozen=True)
class FileWrite:
    """A file the release commit writes: its new text and the text to restore (None: remove it)."""

    path: str
    text: str
    original: Optional[str]


@dataclass(frozen=True)
class ReleasePlan:
    """Everything `--tag-release` does, checked and fixed before the first change."""

    build_root: str
    branch: str
    head: str
    version: str
    tag: str
    commit_message: str
    tag_message: str
    writes: Tuple[FileWrite, ...]
    commands: Tuple[Tuple[str, ...], ...]
    remote: str
    pythonpath: Optional[str] = None

    def push_command(self) -> str:
        """The `git push` that publishes the release branch and the tag together."""
        return shlex.join(["git", "push", "--atomic", self.remote, self.branch, self.tag])

    def dry_run(self) -> List[str]:
        """What `--dry-run` prints: the writes, commands, commit, tag and the push to run."""
        lines = [
            f"Would write {write.path}: {_first_line(write.original)} -> {_first_line(write.text)}"
            for write in self.writes
            if write.text != write.original
        ]
        lines += [f"Would run: {shlex.join(argv)}" for argv in self.commands]
        files = ", ".join(write.path for write in self.writes)
        changed = f"{files} and the files the commands change" if self.commands else files
        lines += [
            f"Would commit on {self.branch} (at {self.head[:12]}): {self.commit_message} ({changed})",
            f"Would tag {self.tag} (annotated): {self.tag_message}",
            f"Then push with: {self.push_command()}",
        ]
        return lines


def plan_release_tag(
    repo: GitRepo,
    version: CalVer,
    scheme: Scheme,
    main_branch: str,
    version_file: VersionFile,
    release_commands: Sequence[str],
    env: Mapping[str, str],
) -> ReleasePlan:
    """Check every precondition of tagging `version` and return the plan; ReleaseTagError otherwise.

    `version_file` is the file as it is on disk now; `env` is the caller's environment, whose
    `PATH` must hold the release commands' programs and whose `PYTHONPATH` they run with.
    """
    canonical = version.canonical(scheme)
    if version.kind is Kind.DEV:
        raise ReleaseTagError(
            f"`--tag-release`: development versions are never tagged (got `{version.written()}`); "
            f"release one first, e.g. with `--bump=rc` or `--bump=final`"
        )
    branch = _release_branch_checked(repo, version, scheme, main_branch)
    tag = version.tag(scheme)
    existing = tags_of(version, repo.tags())
    if existing:
        tagged = repo.rev_parse(f"refs/tags/{existing[0]}") or ""
        raise ReleaseTagError(
            f"`--tag-release`: the tag `{existing[0]}` already exists (got it at `{tagged[:12]}`); "
            f"bump to the next version first"
        )
    path = version_file.path
    others = sorted(file for file in repo.dirty_files() if file != path)
    if others:
        raise ReleaseTagError(
            f"`--tag-release`: the working tree has uncommitted changes besides `{path}` "
            f"(got `{'`, `'.join(others[:3])}`{', ...' if len(others) > 3 else ''}); commit or stash them first"
        )
    head = repo.rev_parse("HEAD")
    if head is None:
        raise ReleaseTagError(f"`--tag-release`: `{branch}` has no commits yet (got an unborn branch); commit first")
    at_head = (CommitFiles(repo, head).text(path) or "").strip()
    if spells(at_head, version):
        raise ReleaseTagError(
            f"`--tag-release`: `{path}` at `HEAD` already holds the version, so there is no release "
            f"commit to make (got `{at_head}`); bump or set the next version, or tag `HEAD` by hand"
        )
    commands = tuple(_command(text, version, scheme, repo, env.get("PATH", "")) for text in release_commands)
    return ReleasePlan(
        build_root=str(repo.root),
        branch=branch,
        head=head,
        version=canonical,
        tag=tag,
        commit_message=f"release: {canonical}",
        tag_message=f"Release v{canonical}",
        writes=(FileWrite(path, canonical + "\n", version_file.text),),
        commands=commands,
        remote=repo.run("config", f"branch.{branch}.remote", check=False).stdout.strip() or "origin",
        pythonpath=env.get("PYTHONPATH"),
    )


def release_report(repo: GitRepo, plan: ReleasePlan) -> Tuple[List[str], str]:
    """The release commit and tag as git shows them after the run (read back, not taken from the plan),
    and the last word: the push to run, or a warning when the commit is not where the plan put it
    (a release command switched branches or made the tag)."""
    commit = repo.output("rev-parse", "HEAD")
    subject = repo.output("log", "-1", "--format=%s")
    files = ", ".join(repo.lines("diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD"))
    branches = repo.lines("for-each-ref", "--points-at", commit, "--format=%(refname:lstrip=2)", "refs/heads/")
    on = ", ".join(branches) or "a detached HEAD"
    lines = [f"Committed {commit[:12]} on {on}: {subject} ({files})"]
    tag = repo.output("for-each-ref", "--format=%(objecttype) %(*objectname) %(contents:subject)", f"refs/tags/{plan.tag}")
    kind, target, message = (tag.split(" ", 2) + ["", ""])[:3] if tag else ("", "", "")
    if kind:
        lines.append(f"Tagged {plan.tag} ({'annotated' if kind == 'tag' else kind}) at {target[:12]}: {message}")
    wrong = [f"the release commit `{commit[:12]}` is on {on}, not on `{plan.branch}`"] if plan.branch not in branches else []
    if target != commit:
        wrong.append(f"the tag `{plan.tag}` is " + (f"at `{target[:12]}`, not at the release commit" if kind else "missing"))
    if wrong:
        return lines, f"warning: {' and '.join(wrong)}; a release command moved them: check `git log` and `git tag` before pushing"
    return lines, f"Push with `{plan.push_command()}`"


def _release_branch_checked(repo: GitRepo, version: CalVer, scheme: Scheme, main_branch: str) -> str:
    """The checked-out branch, when `version` may be tagged on it.

    The series' branch is the local one in whichever spelling exists, else the scheme's name for it.
    """
    canonical = version.written()
    series = next(iter(release_branches_of(version.series, repo.local_branches())), version.series.branch(scheme))
    prerelease_of_first = version.patch == 0 and version.kind in (Kind.ALPHA, Kind.BETA, Kind.RC)
    allowed = f"`{main_branch}` or `{series}`" if prerelease_of_first else f"`{series}`"
    branch = repo.current_branch()
    if branch is None:
        raise ReleaseTagError(
            f"`--tag-release`: `{canonical}` is tagged on {allowed}, but the checkout is on a detached HEAD "
            f"(got `{(repo.rev_parse('HEAD') or 'no commit')[:12]}`); run `{shell_command('git', 'switch', series)}` first"
        )
    on_series = bool(release_branches_of(version.series, [branch]))
    if is_release_branch(branch) and not on_series:
        raise ReleaseTagError(
            f"`--tag-release`: the branch `{branch}` is the release branch of another series "
            f"(got version `{canonical}` of series `{series}`); run `{shell_command('git', 'switch', series)}`, "
            "or fix the version with `--set`"
        )
    if prerelease_of_first and not (branch == main_branch or on_series):
        raise ReleaseTagError(
            f"`--tag-release`: pre-releases of `{series}.0` are tagged on {allowed} (got branch `{branch}`); "
            f"run `{shell_command('git', 'switch', main_branch)}` first"
        )
    if not prerelease_of_first and not on_series:
        raise ReleaseTagError(
            f"`--tag-release`: `{canonical}` is tagged on its release branch `{series}` (got branch "
            f"`{branch}`); run `{shell_command('git', 'switch', series)}` first"
        )
    return branch


def _command(text: str, version: CalVer, scheme: Scheme, repo: GitRepo, search_path: str) -> Tuple[str, ...]:
    """One release command as argv, `{version}` and `{pep440}` substituted; its program must exist."""
    try:
        words = shlex.split(text)
    except ValueError as e:
        raise ReleaseTagError(f"{COMMANDS_OPTION}: cannot split the command ({e}) (got `{text}`); fix its quoting") from None
    if not words:
        raise ReleaseTagError(f"{COMMANDS_OPTION}: an empty command (got `{text}`); remove it")
    argv = tuple(
        word.replace("{version}", version.canonical(scheme)).replace("{pep440}", version.pep440()) for word in words
    )
    program = argv[0]
    if os.sep in program:
        found = os.access(repo.root / program, os.X_OK)
    else:
        found = shutil.which(program, path=search_path) is not None
    if not found:
        raise ReleaseTagError(
            f"{COMMANDS_OPTION}: `{program}` is not an executable on the `PATH` or in the build root "
            f"(got `{text}`); install it or fix the command"
        )
    return argv


def _first_line(text: Optional[str]) -> str:
    lines = (text or "").splitlines()
    return lines[0] if lines else "(none)"
