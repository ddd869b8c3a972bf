"""The release executor on real git repositories: what it commits, and how it undoes a late failure."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import git, init_repo

from calver_release.release.calver import CalVer, Scheme
from calver_release.release.tag import plan_release_tag
from calver_release.release.tag_executor import execute, main
from calver_release.release.version_file import VersionFile
from calver_release.runtime.git import GitRepo
from calver_release.runtime.plugin_python import module_command, module_env
from calver_release.runtime.schema import to_json


def release_branch(tmp_path: Path) -> GitRepo:
    """A repository on its `24.09` release branch at `24.09.0`, with a changelog fragment."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "VERSION").write_text("24.09.0\n")
    (root / "changes").mkdir()
    (root / "changes/1.fix.md").write_text("Fix the login\n")
    init_repo(root, branch="24.09")
    return GitRepo(root)


def plan(repo: GitRepo, *commands: str):
    current = VersionFile("VERSION", (repo.root / "VERSION").read_text())
    return plan_release_tag(repo, CalVer.parse("24.09.1"), Scheme(), "main", current, commands, dict(os.environ))


def test_a_renamed_file_is_committed_as_a_rename(tmp_path: Path) -> None:
    repo = release_branch(tmp_path)
    lines = []
    assert execute(plan(repo, "git mv changes/1.fix.md changes/archived.md"), lines.append) == 0
    assert git(repo.root, "show", "--name-status", "--format=%s", "HEAD") == (
        "release: 24.09.1\n\nM\tVERSION\nR100\tchanges/1.fix.md\tchanges/archived.md"
    )
    assert lines == [
        "Writing VERSION: 24.09.1",
        "Running `git mv changes/1.fix.md changes/archived.md` ...",
        "Committing `release: 24.09.1`: VERSION, changes/1.fix.md, changes/archived.md",
        "Tagging 24.09.1",
    ]


def test_a_failure_after_the_commit_undoes_it(tmp_path: Path) -> None:
    repo = release_branch(tmp_path)
    release = plan(repo, "git rm -q changes/1.fix.md")
    head = git(repo.root, "rev-parse", "HEAD")
    # Someone tags the version between the plan and the run: `git tag` fails after the commit.
    git(repo.root, "tag", "24.09.1")
    lines = []
    assert execute(release, lines.append) == 1
    assert lines[-1] == (
        "`--tag-release`: `git tag -a 24.09.1 -m 'Release v24.09.1'` failed: fatal: tag '24.09.1' already exists; "
        f"the files were restored, but the refs are not where the run started (`24.09` at `{head[:12]}`, no tag "
        f"`24.09.1`): `VERSION` holds `24.09.0` and `24.09` is at `{head[:12]}`; the tag `24.09.1` exists, at "
        f"`{head[:12]}`; check `git log` and `git tag`, then run again"
    )
    assert git(repo.root, "rev-parse", "HEAD") == head
    assert git(repo.root, "status", "--porcelain", "--untracked-files=all") == ""
    assert (repo.root / "changes/1.fix.md").read_text() == "Fix the login\n"


@pytest.mark.parametrize(
    "argv, error",
    [
        pytest.param([], "usage: python -m calver_release.release.tag_executor PLAN_JSON\n", id="no-plan"),
        pytest.param(
            ["{"],
            "PLAN_JSON: not a release plan (Expecting property name enclosed in double quotes: line 1 column 2 (char 1)); "
            "run `pants release-version --tag-release` instead\n",
            id="not-json",
        ),
        pytest.param(
            [json.dumps({"branch": "24.09"})],
            "PLAN_JSON: not a release plan ($: missing field `build_root`); run `pants release-version --tag-release` instead\n",
            id="wrong-shape",
        ),
    ],
)
def test_main_refuses_what_is_not_a_plan(argv: list, error: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    assert capsys.readouterr() == ("", error)


def test_main_runs_a_plan(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    repo = release_branch(tmp_path)
    assert main([json.dumps(to_json(plan(repo)))]) == 0
    assert git(repo.root, "describe", "--tags") == "24.09.1"
    assert capsys.readouterr() == ("", "Writing VERSION: 24.09.1\nCommitting `release: 24.09.1`: VERSION\nTagging 24.09.1\n")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_release_command_puts_every_file_back(tmp_path: Path, signum: int) -> None:
    repo = release_branch(tmp_path)
    head = git(repo.root, "rev-parse", "HEAD")
    slow = "echo '## 24.09.1' > CHANGELOG.md; echo '24.09.9' > changes/1.fix.md; touch started; sleep 60"
    release = plan(repo, f"sh -c {shlex.quote(slow)}")
    command = module_command("calver_release.release.tag_executor", json.dumps(to_json(release)))
    proc = subprocess.Popen(command, cwd=repo.root, env={**os.environ, **module_env()}, stderr=subprocess.PIPE, text=True)
    while not (repo.root / "started").exists():
        assert proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum
    assert "Traceback" not in err
    assert err.splitlines()[-1] == (
        f"`--tag-release`: interrupted by {name}; nothing was committed or tagged: `VERSION` holds `24.09.0` and "
        f"`24.09` is at `{head[:12]}` again; run again when ready"
    )
    assert (repo.root / "VERSION").read_text() == "24.09.0\n"
    assert (repo.root / "changes/1.fix.md").read_text() == "Fix the login\n"
    assert not (repo.root / "CHANGELOG.md").exists()
    assert git(repo.root, "status", "--porcelain") == ""
    assert git(repo.root, "tag") == ""
