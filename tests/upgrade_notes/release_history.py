"""Backend.AI-style release histories for the upgrade-notes tests and benchmark.

A real git repository with a version file, a real alembic environment (the topic-switch fixtures'
`env.py`, SQLite at `.local.sqlite` beside the ini), BUILD files declaring three server-side
distributions and a `python_requirements` target, sample configs, a requirements file and a
halfstack compose file; `release` commits a new version on top and tags it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Dict, Mapping, Optional, Sequence, Tuple

from alembic_repos import environment, revision_file
from conftest import git

from calver_release.runtime.git import GitRepo
from calver_release.upgrade_notes.notes import NotesSettings, build_notes
from calver_release.upgrade_notes.report import UpgradeNotes
from calver_release.upgrade_notes.versions import resolve_update

VERSIONS = "migrations/versions"
DB = ".local.sqlite"
DISTRIBUTIONS = ("backend.ai-manager", "backend.ai-common", "backend.ai-agent")


def distribution_build(name: str, version: str = "", target: str = "dist", lockstep: str = "") -> str:
    """A BUILD file declaring one `python_distribution`, as Backend.AI's are written."""
    declared = f'\n                version="{version}",' if version else ""
    field = f"\n            calver_lockstep={lockstep}," if lockstep else ""
    return dedent(
        f"""\
        python_sources(name="src")

        python_distribution(
            name="{target}",
            dependencies=[":src"],
            provides=python_artifact(
                name="{name}",{declared}
                description="Backend.AI",
                license="LGPLv3",
            ),{field}
            generate_setup=True,
        )
        """
    )


def build_files(names: Sequence[str]) -> Dict[str, str]:
    """`src/ai/backend/<component>/BUILD` for each `backend.ai-<component>`."""
    return {f"src/ai/backend/{name.split('-', 1)[1]}/BUILD": distribution_build(name) for name in names}


def revision(rev: str, down: object, doc: str) -> Tuple[str, str]:
    """`(path, text)` of a revision file whose docstring starts with `doc`, as alembic's template writes it."""
    text = f'"""{doc}\n\nRevision ID: {rev}\nRevises: {down or ""}\n"""\n' + revision_file((rev, down, None, None))
    return f"{VERSIONS}/{rev}.py", text


def compose(db_image: str, redis_image: str = "redis:7.2.4-alpine") -> str:
    return dedent(
        f"""\
        services:
          backendai-half-db:
            image: {db_image}
            ports:
              - "8100:5432"
          backendai-half-redis:
            image: {redis_image}
        """
    )


BASE = {
    **environment(url=f"sqlite:///%(here)s/{DB}"),
    "VERSION": "24.03.0\n",
    **dict([revision("a1", None, "Create the users table.")]),
    "configs/manager/sample.toml": '[db]\nport = 8100\n\n[manager]\nnum-proc = 4\nheartbeat = "30s"\n',
    "configs/manager/sample.etcd.config.json": '{"system": {"timezone": "UTC"}, "redis": {"addr": "127.0.0.1:8110"}}\n',
    "docker-compose.halfstack-2403.yml": compose("postgres:15.1-alpine"),
    "requirements.txt": "alembic==1.16.5\nSQLAlchemy==2.0.36\n",
    "BUILD": 'python_requirements(name="reqs")\n',
    **build_files(DISTRIBUTIONS),
    "src/ai/backend/agent/server.py": "PORT = 6001\n",
}


def release(repo: Path, version: Optional[str], files: Mapping[str, Optional[str]], tag: Optional[str] = None) -> str:
    """Commit `files` (None deletes one) and `version` on the checked-out branch, tag it (`tag` or the version); its id."""
    changes = {**files, **({"VERSION": f"{version}\n"} if version else {})}
    for path, text in changes.items():
        if text is None:
            git(repo, "rm", "-q", path)
            continue
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
        git(repo, "add", path)
    git(repo, "commit", "-q", "--allow-empty", "-m", f"release: {version or 'work'}")
    if tag or version:
        git(repo, "tag", tag or str(version))
    return git(repo, "rev-parse", "HEAD")


def make_history(root: Path, base: Mapping[str, str] = BASE) -> Path:
    """A repository on `main` whose first commit, tagged `24.03.0`, holds `base`."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".git/info/exclude").write_text(f"{DB}\n")
    release(repo, None, base, tag="24.03.0")
    return repo


def notes_of(
    repo: Path, from_ref: str, to_ref: str = "HEAD", allow_downgrade: bool = False, **settings: object
) -> UpgradeNotes:
    """What `pants upgrade-notes` computes, without Pants."""
    git_repo = GitRepo(repo)
    update = resolve_update(git_repo, from_ref, to_ref, "VERSION", allow_downgrade)
    return build_notes(NotesSettings(repo=git_repo, **settings), update)  # type: ignore[arg-type]


def run_commands(repo: Path, tmp_path: Path, commands: Sequence[str]) -> None:
    """Run the report's commands as an operator would, in a shell whose `python` has alembic."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PYTHONPATH": os.pathsep.join(sys.path),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for command in commands:
        proc = subprocess.run(["sh", "-c", command], cwd=repo, capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, f"{command} failed:\n{proc.stdout}\n{proc.stderr}"
