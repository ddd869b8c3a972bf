"""The real `./pants release-version --tag-release` in a copy of the example: an rc on main, then the final.

Only what needs a real Pants is checked here: the release commands change files under the build
root, and the goal must run once (a restarted goal would run them twice and find its own tag).
The refusals are covered by the RuleRunner tests beside this file.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from conftest import git
from example_repo import SharedExample

CHANGELOG_SCRIPT = dedent(
    """\
    #!/bin/sh
    set -e
    echo "$1" >> "{log}"
    printf '## %s\\n' "$1" >> CHANGELOG.md
    """
)


def test_rc_on_main_then_final_on_the_release_branch(example: SharedExample, tmp_path: Path, monkeypatch) -> None:
    log = tmp_path / "release-commands.log"
    script = tmp_path / "changelog.sh"
    script.write_text(CHANGELOG_SCRIPT.format(log=log))
    script.chmod(0o755)
    monkeypatch.setenv("PANTS_RELEASE_VERSION_RELEASE_COMMANDS", f"['{script} {{version}}']")
    repo = example.root

    rc = example.run("release-version", "--bump=rc", "--tag-release").assert_success()
    head = git(repo, "rev-parse", "HEAD")
    assert rc.stdout == dedent(
        f"""\
        24.09.0rc1 -> 24.09.0rc2
        Committed {head[:12]} on main: release: 24.09.0rc2 (CHANGELOG.md, VERSION)
        Tagged 24.09.0rc2 (annotated) at {head[:12]}: Release v24.09.0rc2
        """
    )
    assert rc.error_line == "Push with `git push --atomic origin main 24.09.0rc2`"
    assert git(repo, "describe", "--tags", "--exact-match") == "24.09.0rc2"

    example.run("release-version", "--cut-release").assert_success()
    git(repo, "switch", "--quiet", "24.09")
    final = example.run("release-version", "--bump=final", "--tag-release").assert_success()
    head = git(repo, "rev-parse", "HEAD")
    assert final.stdout.splitlines() == [
        "24.09.0rc2 -> 24.09.0",
        f"Committed {head[:12]} on 24.09: release: 24.09.0 (CHANGELOG.md, VERSION)",
        f"Tagged 24.09.0 (annotated) at {head[:12]}: Release v24.09.0",
    ]
    assert git(repo, "show", "24.09.0:VERSION") == "24.09.0"
    assert git(repo, "show", "24.09.0:CHANGELOG.md") == "## 24.09.0rc2\n## 24.09.0"
    assert git(repo, "status", "--porcelain") == ""
    # Each release ran its command once: Pants never restarted the goal.
    assert log.read_text() == "24.09.0rc2\n24.09.0\n"
