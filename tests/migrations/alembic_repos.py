"""Real git repositories with real alembic environments for the topic-switch tests and benchmark."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from textwrap import dedent
from typing import Dict, Iterable, Mapping, Optional, Sequence, Tuple

from conftest import git

from calver_release.migrations.alembic_env import parse_alembic_current

ENV_PY = dedent(
    """\
    from alembic import context
    from sqlalchemy import create_engine, pool

    url = context.get_x_argument(as_dictionary=True).get("db") or context.config.get_main_option("sqlalchemy.url")
    with create_engine(url, poolclass=pool.NullPool).connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    """
)

# (revision, down_revision, branch_labels, depends_on); each creates and drops a table `t_<revision>`.
Spec = Tuple[str, object, object, object]


def revision_file(spec: Spec, downgrade_body: Optional[str] = None) -> str:
    revision, down, labels, depends = spec
    body = downgrade_body or f'op.drop_table("t_{revision}")'
    return dedent(
        f'''\
        import sqlalchemy as sa
        from alembic import op

        revision = {revision!r}
        down_revision = {down!r}
        branch_labels = {labels!r}
        depends_on = {depends!r}


        def upgrade():
            op.create_table("t_{revision}", sa.Column("id", sa.Integer, primary_key=True))


        def downgrade():
            {body}
        '''
    )


def commit(repo: Path, files: Mapping[str, str], message: str) -> None:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "--allow-empty", "-m", message)


def revisions(specs: Iterable[Spec], versions: str = "migrations/versions") -> Dict[str, str]:
    return {f"{versions}/{spec[0]}.py": revision_file(spec) for spec in specs}


def environment(ini: str = "alembic.ini", location: str = "%(here)s/migrations", url: str = "") -> Dict[str, str]:
    """An alembic ini and its env.py (under `migrations/` beside the ini)."""
    env_dir = os.path.join(os.path.dirname(ini), "migrations")
    ini_text = f"[alembic]\nscript_location = {location}\n" + (f"sqlalchemy.url = {url}\n" if url else "")
    return {ini: ini_text, f"{env_dir}/env.py": ENV_PY}


def make_repo(
    root: Path,
    base: Sequence[Spec],
    branches: Mapping[str, Sequence[Spec]],
    extra: Optional[Mapping[str, Mapping[str, str]]] = None,
) -> Path:
    """`main` holds the `base` revisions; each branch adds its revisions (and `extra[branch]` files) on top."""
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".git/info/exclude").write_text("*.sqlite\n*.log\n")
    commit(repo, {**environment(), **revisions(base), **(extra or {}).get("main", {})}, "base")
    for branch, specs in branches.items():
        git(repo, "switch", "-q", "-c", branch, "main")
        commit(repo, {**revisions(specs), **(extra or {}).get(branch, {})}, f"{branch} revisions")
    git(repo, "switch", "-q", "main")
    return repo


def alembic_wrapper(directory: Path) -> Tuple[str, Path]:
    """A recording `alembic` command: appends each argv to a log, then runs the real alembic."""
    log = directory / "alembic-calls.log"
    script = directory / "alembic-recording"
    paths = os.pathsep.join(sys.path)
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'PYTHONPATH="${{PYTHONPATH}}{os.pathsep}{paths}" exec "{sys.executable}" -m alembic "$@"\n'
    )
    script.chmod(0o755)
    return str(script), log


def alembic(repo: Path, ini: str, url: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", ini, "-x", f"db={url}", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )
    assert proc.returncode == 0, f"alembic {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def current(repo: Path, ini: str, url: str) -> Tuple[str, ...]:
    return tuple(sorted(parse_alembic_current(alembic(repo, ini, url, "current"))))


def sqlite_current(db: Path) -> Tuple[str, ...]:
    """The revisions `current` reports for a SQLite database, read from its `alembic_version` table
    without starting alembic (0.4 s a run)."""
    with sqlite3.connect(db) as connection:
        return tuple(sorted(revision for (revision,) in connection.execute("SELECT version_num FROM alembic_version")))


def sqlite_tables(db: Path) -> Tuple[str, ...]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return tuple(name for (name,) in rows)
