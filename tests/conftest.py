"""Fixtures shared by every test: real git repositories with a fixed identity, and the RuleRunner.

Both resolves load this file; only the `pants-plugins` one has Pants, so Pants is imported inside
the fixtures that need it.
"""

from __future__ import annotations

import compileall
import gc
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional, Sequence

import pytest

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Maintainer",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Maintainer",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every git process of a test, ours or the plugin's, commits as the same person."""
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)


ALEMBIC_IMPORTS = ("alembic", "sqlalchemy", "mako", "markupsafe", "greenlet", "typing_extensions")
"""What an `alembic` process imports from the test environment's site-packages."""


@pytest.fixture(scope="session", autouse=True)
def alembic_bytecode() -> None:
    """Compile what alembic imports, once per environment (later sessions find it up to date).

    The alembic processes of a test run with `PYTHONDONTWRITEBYTECODE=1`, as the plugin starts them,
    and Pants' test virtualenvs come without bytecode, so each process would compile SQLAlchemy and
    alembic again: 0.6 s of every alembic run. The `pants-plugins` resolve has none of them.
    """
    for name in ALEMBIC_IMPORTS:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        if spec.submodule_search_locations:
            compileall.compile_dir(next(iter(spec.submodule_search_locations)), quiet=1)
        else:
            compileall.compile_file(spec.origin, quiet=1)


GIT = shutil.which("git") or "git"
"""git by absolute path: with `close_fds=False`, `subprocess` starts it with `posix_spawn` (vfork), as the
plugin's `GitRepo.run` does; forking a test process that holds many RuleRunners costs ~60 ms a run."""


def git(repo: Path, *args: str, input: Optional[str] = None) -> str:
    """Run git in `repo` (as the fixed identity) and return its stripped stdout; fail on error."""
    proc = subprocess.run(
        [GIT, "-C", str(repo), *args],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_IDENTITY},
        timeout=60,
        close_fds=False,
    )
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.strip()


def init_repo(repo: Path, branch: str = "main", ignored: Sequence[str] = ()) -> Path:
    """Make `repo` a git repository on `branch` and commit every file already in it, and the `ignored` ones.

    Dot-files and Pants' own state (`.pants.d`, `BUILDROOT`, `dist/`) stay untracked.
    """
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "--quiet", f"--initial-branch={branch}")
    (repo / ".git" / "info" / "exclude").write_text(".*\n!.gitignore\n/BUILDROOT\n/dist/\n")
    git(repo, "add", "-A")
    if ignored:
        git(repo, "add", "--force", "--", *ignored)
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "initial commit")
    return repo


@pytest.fixture(scope="session")
def shared_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The `SharedExample` of this pytest process: one copy of the example monorepo and its pantsd."""
    from example_repo import SharedExample

    example = SharedExample(tmp_path_factory.mktemp("example"))
    yield example
    example.stop()


@pytest.fixture
def example(shared_example: Any) -> Any:
    """The shared example monorepo as first copied, served by a pantsd that earlier tests warmed."""
    shared_example.reset()
    return shared_example


CALLER_ENV = ("PATH", "HOME", "PYENV_ROOT", *GIT_IDENTITY)
"""What a goal under test sees of the shell that runs it (goals read the caller's environment)."""


@pytest.fixture
def rule_runner() -> Any:
    """A RuleRunner with the whole backend, Python distributions and requirements; see `run_goal`."""
    release_earlier_rule_runners()
    from pants.backend.python.macros.python_artifact import PythonArtifact  # pants: no-infer-dep (see tests/BUILD)
    from pants.backend.python.target_types import PythonDistribution, PythonRequirementTarget  # pants: no-infer-dep (see tests/BUILD)
    from pants.testutil.rule_runner import RuleRunner  # pants: no-infer-dep (see tests/BUILD)

    from calver_release import register

    return RuleRunner(
        rules=register.rules(),
        target_types=[PythonDistribution, PythonRequirementTarget],
        objects={"python_artifact": PythonArtifact},
    )


def release_earlier_rule_runners() -> None:
    """Collect the RuleRunners of earlier tests now: each holds a file watcher, one of the 128
    inotify instances a user may have, until the garbage collector frees it.

    What survives is then frozen, so the next collection scans only what later tests allocate rather
    than all of Pants again (0.15 s a test).
    """
    gc.collect()
    gc.freeze()


def run_goal(rule_runner: Any, goal: Any, *args: str, global_args: tuple = (), env: Optional[Mapping[str, str]] = None) -> Any:
    """Run `goal` with `args` as a shell would: the caller's `CALLER_ENV` variables, or exactly `env`."""
    from pants.testutil.rule_runner import mock_console  # pants: no-infer-dep (see tests/BUILD)

    with mock_console(rule_runner.options_bootstrapper):
        if env is not None:
            return rule_runner.run_goal_rule(goal, global_args=list(global_args), args=list(args), env=dict(env))
        return rule_runner.run_goal_rule(goal, global_args=list(global_args), args=list(args), env_inherit=set(CALLER_ENV))
