"""Third-party requirement changes between two commits, per file: pins, files added or removed, files not read."""

from __future__ import annotations

from pathlib import Path

from conftest import git, init_repo
from real_formats import pex_lockfile, uv_lockfile

from calver_release.runtime.commit_files import CommitFiles
from calver_release.runtime.git import GitRepo
from calver_release.upgrade_notes.report import NotRead, RequirementChange, RequirementFile
from calver_release.upgrade_notes.requirements import RequirementChanges, requirement_changes


def test_changes_between_two_commits(tmp_path: Path) -> None:
    """Per file: re-pinned, added, removed; names compare PEP 503-normalised; unchanged files are skipped."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").write_text("alembic==1.16.5\nSQLAlchemy==2.0.36\nattrs\n")
    (repo / "python.lock").write_text(pex_lockfile([("alembic", "1.16.5"), ("greenlet", "3.0.3")]))
    (repo / "tools.txt").write_text("ruff==0.4.0\n")
    (repo / "kernel.lock").write_text(pex_lockfile([("attrs", "23.2.0")]))
    init_repo(repo)
    old = git(repo, "rev-parse", "HEAD")
    (repo / "requirements.txt").write_text("alembic==1.17.0\nsqlalchemy==2.0.36\ntomli>=2\n")
    (repo / "python.lock").write_text(uv_lockfile([("alembic", "1.17.0"), ("tomli", "2.0.1")]))
    (repo / "kernel.lock").write_text("<<<<<<< HEAD\n")
    (repo / "setuptools.txt").write_text("setuptools==75.8.0\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "bump")
    git_repo = GitRepo(repo)
    changes = requirement_changes(
        CommitFiles.of(git_repo, old),
        CommitFiles.of(git_repo, "HEAD"),
        ["requirements.txt", "tools.txt", "setuptools.txt", "absent.txt"],
        ["python.lock", "kernel.lock"],
    )
    assert changes == RequirementChanges(
        files=(
            RequirementFile("kernel.lock", "lockfile", "changed", "pex", None),
            RequirementFile("python.lock", "lockfile", "changed", "pex", "uv"),
            RequirementFile("requirements.txt", "requirements", "changed", "requirements", "requirements"),
            RequirementFile("setuptools.txt", "requirements", "added", None, "requirements"),
        ),
        changes=(
            RequirementChange("python.lock", "alembic", "changed", "==1.16.5", "==1.17.0"),
            RequirementChange("python.lock", "greenlet", "removed", "==3.0.3", None),
            RequirementChange("python.lock", "tomli", "added", None, "==2.0.1"),
            RequirementChange("requirements.txt", "alembic", "changed", "==1.16.5", "==1.17.0"),
            RequirementChange("requirements.txt", "attrs", "removed", "(any version)", None),
            RequirementChange("requirements.txt", "tomli", "added", None, ">=2"),
            RequirementChange("setuptools.txt", "setuptools", "added", None, "==75.8.0"),
        ),
        not_read=(NotRead("kernel.lock", "to", "line 1 is not a requirement (got `<<<<<<< HEAD`)"),),
    )
