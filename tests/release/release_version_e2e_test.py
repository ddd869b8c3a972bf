"""The real `./pants release-version` in a copy of the example monorepo."""

from __future__ import annotations

import json

from conftest import git
from example_repo import copy_example, run_pants


def test_show_bump_and_cut_release(tmp_path) -> None:
    repo = copy_example(tmp_path)
    assert run_pants(repo, "release-version").assert_success().stdout == "24.09.0rc1\n"
    report = json.loads(run_pants(repo, "release-version", "--format=json").assert_success().stdout)
    assert (report["pep440"], report["release_branch"], report["kind"]) == ("24.9.0rc1", "24.09", "rc")

    assert run_pants(repo, "release-version", "--bump=rc").assert_success().stdout == "24.09.0rc1 -> 24.09.0rc2\n"
    assert (repo / "VERSION").read_text() == "24.09.0rc2\n"
    # The per-package files are symlinks to the root VERSION and follow it.
    assert (repo / "src/ai/backend/manager/VERSION").read_text() == "24.09.0rc2\n"
    git(repo, "commit", "--quiet", "-am", "release: 24.09.0rc2")
    tip = git(repo, "rev-parse", "HEAD")

    cut = run_pants(repo, "release-version", "--cut-release").assert_success()
    assert cut.stdout.splitlines()[0] == f"Created release branch 24.09 at {tip[:12]} (24.09.0rc2)"
    assert git(repo, "rev-parse", "24.09") == tip
    assert git(repo, "show", "main:VERSION") == "25.03.0.dev0"
    assert git(repo, "status", "--porcelain") == ""
    assert run_pants(repo, "release-version").assert_success().stdout == "25.03.0.dev0\n"


def test_bad_input_is_one_line_and_changes_nothing(tmp_path) -> None:
    repo = copy_example(tmp_path)
    result = run_pants(repo, "release-version", "--set=24.9.1")
    assert result.exit_code == 1
    assert result.error_line == "`--set`: not canonical for the zero-padded scheme (got `24.9.1`); write `24.09.1`"
    assert "Traceback" not in result.stderr
    assert (repo / "VERSION").read_text() == "24.09.0rc1\n"

    git(repo, "switch", "--quiet", "-c", "topic/x")
    result = run_pants(repo, "release-version", "--cut-release")
    assert result.exit_code == 1
    assert result.error_line.startswith("`--cut-release`: release branches are cut from `main`")
    assert git(repo, "branch", "--list", "24.09") == ""
