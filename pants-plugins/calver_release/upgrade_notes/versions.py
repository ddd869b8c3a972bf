"""The two sides of an update: refs resolved to commits, their version files, and the kind of update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from calver_release.release.calver import CalVer
from calver_release.release.version_file import VersionFile, VersionFileError
from calver_release.runtime.commit_files import BlobTexts, CommitFiles
from calver_release.runtime.git import GitRepo
from calver_release.runtime.preflight import git_directory
from calver_release.runtime.refs import check_user_ref
from calver_release.runtime.shell import shell_command
from calver_release.upgrade_notes.report import RefVersion, UpgradeKind, UpgradeNotesError


@dataclass(frozen=True)
class Side:
    """One ref: the files of its commit and the version they declare."""

    ref: str
    files: CommitFiles
    version: CalVer

    def describe(self) -> RefVersion:
        """The ref's version and series as its version file writes them (`24.09.9`, `26.4.0`)."""
        version, commit = self.version, self.files.commit
        return RefVersion(self.ref, commit, version.written(), version.pep440(), version.series.written())


@dataclass(frozen=True)
class Update:
    """`--from` and `--to`, checked, and how their versions relate."""

    old: Side
    new: Side
    kind: UpgradeKind


def resolve_update(
    repo: GitRepo, from_ref: Optional[str], to_ref: str, version_file: str, allow_downgrade: bool
) -> Update:
    """Both sides read from git objects; UpgradeNotesError for a bad ref, version file, or a refused downgrade."""
    if not from_ref:
        raise UpgradeNotesError(
            "`--from`: no ref given (got none); name the installed release, e.g. `--from=24.03.0`"
        )
    texts: BlobTexts = {}
    old_commit, new_commit = commit_of(repo, "--from", from_ref), commit_of(repo, "--to", to_ref)
    if old_commit == new_commit:
        raise UpgradeNotesError(
            f"`--to`: the same commit as `--from` (got `{new_commit[:12]}` for `{from_ref}` and `{to_ref}`); "
            "name the release to upgrade to"
        )
    old = read_side(CommitFiles(repo, old_commit, texts), "--from", from_ref, version_file)
    new = read_side(CommitFiles(repo, new_commit, texts), "--to", to_ref, version_file)
    kind = update_kind(old.version, new.version)
    if kind is UpgradeKind.DOWNGRADE and not allow_downgrade:
        raise UpgradeNotesError(
            f"`--to`: an older version than `--from` (got `{new.version.pep440()}` < `{old.version.pep440()}`); "
            "a downgrade runs migrations backwards: swap the refs, or pass `--allow-downgrade`"
        )
    return Update(old, new, kind)


def commit_of(repo: GitRepo, flag: str, ref: str) -> str:
    """The commit `ref` names; UpgradeNotesError when it names none, another object, or both a tag and a branch."""
    check_user_ref(repo, flag, ref)
    commit = repo.rev_parse(ref)
    if commit is None:
        shallow = " (this clone is shallow: `git fetch --unshallow` brings the rest)" if git_directory(repo).shallow else ""
        raise UpgradeNotesError(
            f"`{flag}`: unknown ref (got `{ref}`); name a tag, branch or commit, as "
            f"`{shell_command('git', 'log', ref)}` would{shallow}"
        )
    return commit


def read_side(files: CommitFiles, flag: str, ref: str, path: str) -> Side:
    """The version file at the commit, parsed; its errors name the file and the ref."""
    where = f"`{path}` at `{flag}={ref}`"
    text = files.text(path)
    if text is None:
        raise UpgradeNotesError(
            f"{where}: no version file in commit `{files.commit[:12]}` (got none); name a commit of the "
            "monorepo that has one, or set `[release-version].file`"
        )
    try:
        version = VersionFile(path, text).parse()
    except VersionFileError as e:
        raise UpgradeNotesError(f"{where}: {str(e).removeprefix(f'`{path}`: ')}") from None
    return Side(ref, files, version)


def update_kind(old: CalVer, new: CalVer) -> UpgradeKind:
    """Lower is a downgrade; otherwise another series is a release upgrade and the same one a patch update.

    Versions and series compare by number, whichever way each ref writes its minor (`24.09.9` < `26.4.0`).
    """
    if new < old:
        return UpgradeKind.DOWNGRADE
    if new == old:
        return UpgradeKind.SAME_VERSION
    return UpgradeKind.PATCH if new.series == old.series else UpgradeKind.RELEASE
