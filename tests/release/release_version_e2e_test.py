"""The real `./pants release-version` in a copy of the example monorepo.

Only what needs a real Pants is checked here: the launcher, the engine-visible writes (the
per-package symlinks follow), the branch cut through git, and one refusal's single line. The
options themselves are covered by the RuleRunner tests beside this file.
"""

from __future__ import annotations

import json

from conftest import git
from example_repo import SharedExample


def test_show_bump_cut_and_refuse(example: SharedExample) -> None:
    repo = example.root
    report = json.loads(example.run("release-version", "--format=json").assert_success().stdout)
    assert (report["version"], report["pep440"], report["release_branch"], report["kind"]) == (
        "24.09.0rc1",
        "24.9.0rc1",
        "24.09",
        "rc",
    )

    assert example.run("release-version", "--bump=rc").assert_success().stdout == "24.09.0rc1 -> 24.09.0rc2\n"
    assert (repo / "VERSION").read_text() == "24.09.0rc2\n"
    # The per-package files are symlinks to the root VERSION and follow it.
    assert (repo / "src/ai/backend/manager/VERSION").read_text() == "24.09.0rc2\n"
    git(repo, "commit", "--quiet", "-am", "release: 24.09.0rc2")
    tip = git(repo, "rev-parse", "HEAD")

    cut = example.run("release-version", "--cut-release").assert_success()
    assert cut.stdout.splitlines()[0] == f"Created release branch 24.09 at {tip[:12]} (24.09.0rc2)"
    assert git(repo, "rev-parse", "24.09") == tip
    assert git(repo, "show", "main:VERSION") == "25.03.0.dev0"
    # The registry under `.github/`, which Pants ignores, is written and committed with VERSION.
    assert cut.stdout.splitlines()[2] == "Registered 24.09 in `.github/maintained-versions.yml`"
    assert git(repo, "show", "main:.github/maintained-versions.yml") == 'versions:\n  - version: "24.09"'
    assert git(repo, "status", "--porcelain") == ""
    assert example.run("release-version", "--maintained").assert_success().stdout == (
        "24.09  maintained, regular\nedge: 24.09\nstable: none (no LTS line is maintained)\n"
    )

    refused = example.run("release-version", "--set=24.9.1")
    assert refused.exit_code == 1
    assert refused.error_line == "`--set`: not canonical for the zero-padded scheme (got `24.9.1`); write `24.09.1`"
    assert "Traceback" not in refused.stderr
    assert (repo / "VERSION").read_text() == "25.03.0.dev0\n"
