"""Ctrl-C and SIGTERM during a real `./pants release-version --tag-release` release command, and a second
writing run meanwhile: everything put back, one line, no traceback; the refused run changes nothing."""

from __future__ import annotations

import signal
from pathlib import Path
from textwrap import dedent
from typing import Dict

import pytest
from conftest import git
from example_repo import SharedExample, StartedPants, interrupt_pants, pantsd_pid, run_pants

SLOW_CHANGELOG = dedent(
    """\
    #!/bin/sh
    printf '## %s\\n' "$1" >> CHANGELOG.md
    touch "{started}"
    while [ -e "{slow}" ]; do sleep 0.05; done
    """
)


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    """While this file exists, the release command (it appends to CHANGELOG.md first) waits."""
    script = tmp_path / "changelog.sh"
    script.write_text(SLOW_CHANGELOG.format(started=tmp_path / "started", slow=tmp_path / "slow"))
    script.chmod(0o755)
    (tmp_path / "slow").touch()
    return tmp_path / "slow"


def commands(slow: Path) -> Dict[str, str]:
    return {"PANTS_RELEASE_VERSION_RELEASE_COMMANDS": f"['{slow.parent / 'changelog.sh'} {{version}}']"}


def assert_put_back(repo: Path, head: str, signal_name: str, messages: list) -> None:
    assert (
        f"`--tag-release`: interrupted by {signal_name}; nothing was committed or tagged: `VERSION` holds "
        f"`24.09.0rc1` and `main` is at `{head[:12]}` again; run again when ready"
    ) in messages
    assert not any("Traceback" in line for line in messages)
    assert (repo / "VERSION").read_text() == "24.09.0rc1\n"
    assert not (repo / "CHANGELOG.md").exists()
    assert git(repo, "status", "--porcelain") == ""
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "tag", "--list", "24.09.0rc2")) == (head, "")


def test_ctrl_c_under_pantsd_puts_back_and_a_run_meanwhile_is_refused(example: SharedExample, slow: Path) -> None:
    repo, head = example.root, git(example.root, "rev-parse", "HEAD")
    run = StartedPants(repo, "release-version", "--bump=rc", "--tag-release", pantsd=True, env=commands(slow))
    run.wait_for(slow.parent / "started")
    other = run_pants(repo, "release-version", "--bump=patch")  # without pantsd: pantsd serves one run at a time
    holder = (repo / ".git/calver-release/lock.json").read_text()
    assert (other.exit_code, other.stdout) == (1, "")
    assert other.error_line.startswith(
        "`./pants release-version --bump=patch`: another operation is running in this repository: "
        f"`./pants release-version --bump=rc --tag-release` (process {pantsd_pid(repo)}, started "
    ), holder
    stopped = run.finish(signal.SIGINT)
    assert stopped.exit_code != 0
    assert_put_back(repo, head, "SIGINT", stopped.messages)


def test_sigterm_without_pantsd_puts_back_and_the_next_run_commits_the_changelog(example: SharedExample, slow: Path) -> None:
    repo, head = example.root, git(example.root, "rev-parse", "HEAD")
    stopped = interrupt_pants(
        repo, "release-version", "--bump=rc", "--tag-release", started=slow.parent / "started", signum=signal.SIGTERM,
        pantsd=False, env=commands(slow),
    )
    assert stopped.exit_code != 0
    # Pants turns the SIGTERM into a cancelled run, which stops the executor with SIGINT.
    assert_put_back(repo, head, "SIGINT", stopped.messages)

    slow.unlink()
    tagged = example.run("release-version", "--bump=rc", "--tag-release", env=commands(slow)).assert_success()
    assert tagged.stdout.splitlines()[1].endswith(": release: 24.09.0rc2 (CHANGELOG.md, VERSION)")
    assert git(repo, "show", "24.09.0rc2:CHANGELOG.md") == "## 24.09.0rc2"
