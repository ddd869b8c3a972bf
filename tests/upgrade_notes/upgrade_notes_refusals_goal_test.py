"""`pants upgrade-notes`: refs and local configs it cannot use are one line each; every printed command is safe to paste."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Optional

import pytest
from conftest import git, init_repo, run_goal
from pants.testutil.rule_runner import RuleRunner
from release_history import BASE, release
from repository_state import repository_state

from calver_release.upgrade_notes.goal import UpgradeNotesGoal

HOSTILE = "backend.ai-agent$(touch${IFS}pwned)"
SAMPLE = "configs/storage/sample.yaml"
SAMPLE_GLOBS = f"--sample-globs=['{SAMPLE}']"
COMMAND = (
    "python -m pip install $(python -m pip show backend.ai-agent 'backend.ai-agent$(touch${IFS}pwned)' backend.ai-common "
    "backend.ai-manager 2>/dev/null "
    "| sed -n 's/^Name: \\(.*\\)$/\\1==24.3.1/p')"
)
HINT = "pass `--config=SAMPLE=LOCAL`, e.g. `--config=configs/manager/sample.toml=/etc/backend.ai/manager.toml`"

Prepare = Callable[[Path, Path], object]


def distribution(name: str) -> str:
    return f'python_distribution(name="dist", provides=python_artifact(name="{name}"))\n'


@pytest.fixture
def repo(rule_runner: RuleRunner) -> Path:
    """24.03.0 -> 24.03.1, which adds a YAML sample holding a `!!binary` value; a distribution with a hostile name."""
    rule_runner.write_files(
        {**BASE, "src/manager/BUILD": distribution("backend.ai-manager"), "src/agent/BUILD": distribution(HOSTILE)}
    )
    repo = init_repo(Path(rule_runner.build_root))
    git(repo, "tag", "24.03.0")
    release(repo, "24.03.1", {SAMPLE: "volume:\n  key: !!binary aGVsbG8=\n"})
    return repo


def local_file(text: str) -> Prepare:
    return lambda repo, local: local.write_text(text)


def fifo(repo: Path, local: Path) -> None:
    os.mkfifo(local)


def in_repo(step: Callable[[Path], object]) -> Prepare:
    return lambda repo, local: step(repo)


CASES = [
    pytest.param(
        None,
        "local.yaml",
        ["--from=24.03.0;id"],
        "`--from`: unknown ref (got `24.03.0;id`); name a tag, branch or commit, as `git log '24.03.0;id'` would",
        id="unknown-ref-quoted-in-the-advice",
    ),
    pytest.param(
        in_repo(lambda repo: git(repo, "tag", "main", "24.03.0")),
        "local.yaml",
        ["--from=main", "--to=24.03.1"],
        "`--from`: both a tag and a branch are named so (got `main`); pass `--from=refs/tags/main` for the tag or "
        "`--from=refs/heads/main` for the branch",
        id="both-a-tag-and-a-branch",
    ),
    pytest.param(
        in_repo(lambda repo: git(repo, "tag", "-a", "blob", "-m", "a blob", git(repo, "rev-parse", "HEAD:VERSION"))),
        "local.yaml",
        ["--from=24.03.0", "--to=blob"],
        "`--to`: names a blob, not a commit (got `blob`); name a tag, branch or commit",
        id="tag-of-a-blob",
    ),
    pytest.param(
        fifo,
        "local.yaml",
        ["--from=24.03.0", f"--config={SAMPLE}={{local}}"],
        f"`--config`: the local file `{{local}}` is not a regular file (got a FIFO); {HINT}",
        id="config-a-fifo",
    ),
    pytest.param(
        local_file("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"),
        "shadow",
        ["--from=24.03.0", f"--config={SAMPLE}={{local}}"],
        f"`--config`: the local file `{{local}}` is not named as a YAML file like its sample `{SAMPLE}` (got no "
        "suffix); name the installation's copy of that sample",
        id="config-not-a-config-file",
    ),
    pytest.param(
        local_file("just a line of text\n"),
        "local.yaml",
        ["--from=24.03.0", f"--config={SAMPLE}={{local}}"],
        f"`--config`: the local file `{{local}}` holds no keys like its sample `{SAMPLE}` (got a single str value); "
        "name the installation's copy of that sample",
        id="config-a-scalar",
    ),
]


@pytest.mark.parametrize("prepare, name, args, error", CASES)
def test_refused_with_one_line_and_nothing_changed(
    rule_runner: RuleRunner, repo: Path, tmp_path: Path, prepare: Optional[Prepare], name: str, args: list, error: str
) -> None:
    local = tmp_path / name
    if prepare:
        prepare(repo, local)
    before = repository_state(repo)
    result = run_goal(rule_runner, UpgradeNotesGoal, SAMPLE_GLOBS, *(arg.format(local=local) for arg in args))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", error.format(local=local) + "\n")
    assert repository_state(repo) == before


def test_an_unknown_ref_in_a_shallow_clone_says_so(rule_runner: RuleRunner, repo: Path, tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{repo}", str(clone))
    shutil.rmtree(repo / ".git")
    shutil.copytree(clone / ".git", repo / ".git")
    result = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.0")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "`--from`: unknown ref (got `24.03.0`); name a tag, branch or commit, as `git log 24.03.0` would (this clone "
        "is shallow: `git fetch --unshallow` brings the rest)\n",
    )


@pytest.mark.parametrize("output_format", ["markdown", "json"])
def test_the_pip_command_runs_exactly_the_names_shown(
    rule_runner: RuleRunner, repo: Path, tmp_path: Path, output_format: str
) -> None:
    result = run_goal(rule_runner, UpgradeNotesGoal, "--from=24.03.0", f"--format={output_format}")
    assert result.exit_code == 0, result.stderr
    if output_format == "json":
        command = json.loads(result.stdout)["packages"]["upgrade_command"]
    else:
        command = next(line for line in result.stdout.splitlines() if line.startswith("python -m pip install"))
    assert command == COMMAND
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text('#!/bin/sh\nprintf "%s\\n" "$*" >> "$(dirname "$0")/log"\n')
    (bin_dir / "python").chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    subprocess.run(["sh", "-c", command], cwd=tmp_path, env=env, check=True)
    assert (bin_dir / "log").read_text().splitlines() == [
        f"-m pip show backend.ai-agent {HOSTILE} backend.ai-common backend.ai-manager",
        "-m pip install",
    ]
    assert not (tmp_path / "pwned").exists()


def test_a_binary_yaml_value_is_reported_as_json(rule_runner: RuleRunner, repo: Path) -> None:
    result = run_goal(rule_runner, UpgradeNotesGoal, SAMPLE_GLOBS, "--from=24.03.0", "--format=json")
    assert result.exit_code == 0, result.stderr
    samples = json.loads(result.stdout)["configuration"]["samples"]
    assert [s for s in samples if s["path"] == SAMPLE] == [
        {
            "path": SAMPLE,
            "format": "yaml",
            "file": "added",
            "added": [{"key": "volume.key", "value": "aGVsbG8="}],
            "removed": [],
            "changed": [],
            "line_wise": [],
        }
    ]
