"""Ctrl-C and SIGTERM during a real `./pants topic-switch` step, with and without pantsd.

alembic is a stand-in first in `[topic-switch].alembic_command`: it keeps the database's revision
in a file, and its `downgrade` or `upgrade` waits while a `slow-*` file exists, so the test can
interrupt the step in flight; `--continue` and `--abort` then finish.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from textwrap import dedent

import pytest
from conftest import git
from example_repo import SharedExample, interrupt_pants, wait_until_unlocked

VERSIONS = "src/ai/backend/manager/models/alembic/versions"
MAIN_HEAD = "8b2e4d6f9a01"
JOURNAL = ".git/calver-release/topic-switch.json"

FAKE_ALEMBIC = dedent(
    """\
    #!/bin/sh
    here=$(dirname "$0")
    echo "$*" >> "$here/alembic.log"
    for arg; do target="$arg"; done
    case " $* " in
      *" current "*) echo "$(cat "$here/db") (head)" ;;
      *" downgrade "*) touch "$here/downgrade-started"; while [ -e "$here/slow-downgrade" ]; do sleep 0.05; done
                       echo "${target#*@}" > "$here/db" ;;
      *" upgrade heads "*) touch "$here/upgrade-started"; while [ -e "$here/slow-upgrade" ]; do sleep 0.05; done
                           case "$(git branch --show-current)" in topic-a) echo a1 ;; topic-b) echo b1 ;; esac > "$here/db" ;;
      *" upgrade "*) echo "$target" > "$here/db" ;;
    esac
    """
)


def revision(rev: str) -> str:
    return f'revision = "{rev}"\ndown_revision = "{MAIN_HEAD}"\nbranch_labels = None\ndepends_on = None\n'


@pytest.fixture
def alembic(example: SharedExample, tmp_path: Path) -> Path:
    """Branches `topic-a` (checked out, the database at its a1) and `topic-b` (b1); the stand-in's directory."""
    repo = example.root
    for name, rev in (("topic-b", "b1"), ("topic-a", "a1")):
        git(repo, "switch", "-q", "-c", name, "main")
        (repo / VERSIONS / f"{rev}_work.py").write_text(revision(rev))
        git(repo, "add", VERSIONS)
        git(repo, "commit", "-q", "-m", f"{name}: {rev}")
    script = tmp_path / "alembic"
    script.write_text(FAKE_ALEMBIC)
    script.chmod(0o755)
    (tmp_path / "db").write_text("a1\n")
    return tmp_path


def options(alembic: Path) -> dict:
    return {
        "PANTS_TOPIC_SWITCH_ALEMBIC_COMMAND": f"['{alembic / 'alembic'}']",
        "PANTS_TOPIC_SWITCH_DB_URLS": f"{{'alembic.ini': 'sqlite:///{alembic / 'manager.sqlite'}'}}",
    }


def statuses(repo: Path) -> list:
    return [(step["name"], step["status"], step["error"]) for step in json.loads((repo / JOURNAL).read_text())["steps"]]


def test_sigterm_under_pantsd_stops_the_upgrade_and_abort_goes_back(example: SharedExample, alembic: Path) -> None:
    repo = example.root
    (alembic / "slow-upgrade").touch()
    stopped = interrupt_pants(
        repo, "topic-switch", "--to=topic-b", "--export=none", started=alembic / "upgrade-started", signum=signal.SIGTERM, pantsd=True,
        env=options(alembic),
    )
    assert stopped.exit_code != 0
    assert "Traceback" not in stopped.stderr
    # The client is gone before the executor reports: the journal says where it stopped, the next run repeats it.
    wait_until_unlocked(repo)
    assert statuses(repo) == [("downgrade", "done", None), ("switch", "done", None), ("upgrade", "interrupted", "SIGINT")]
    assert git(repo, "branch", "--show-current") == "topic-b"
    assert (alembic / "db").read_text() == f"{MAIN_HEAD}\n"

    refused = example.run("topic-switch", "--to=main", env=options(alembic))
    assert (refused.exit_code, refused.error_line) == (
        1,
        f"`--to`: a switch `topic-a` -> `topic-b` is in progress (got `{repo / JOURNAL}`; its step 3 `upgrade` "
        "(upgrade heads alembic.ini: 1 to apply) was interrupted by SIGINT); run `./pants topic-switch --continue` or "
        "`--abort` first",
    )
    back = example.run("topic-switch", "--abort", env=options(alembic)).assert_success()
    assert "The last run stopped: step 3 `upgrade` (upgrade heads alembic.ini: 1 to apply) was interrupted by SIGINT; undoing it" in back.messages
    assert back.stdout == "Aborted: back on `topic-a` with the database at its original revisions\n"
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert (alembic / "db").read_text() == "a1\n"
    assert not (repo / JOURNAL).exists()


def test_ctrl_c_without_pantsd_stops_the_downgrade_and_continue_finishes(example: SharedExample, alembic: Path) -> None:
    repo = example.root
    (alembic / "slow-downgrade").touch()
    stopped = interrupt_pants(
        repo, "topic-switch", "--to=topic-b", "--export=none", started=alembic / "downgrade-started", signum=signal.SIGINT, pantsd=False,
        env=options(alembic),
    )
    assert stopped.exit_code != 0
    assert "Traceback" not in stopped.stderr
    assert (
        "✕ topic-switch: interrupted by SIGINT: step 1 `downgrade` (downgrade alembic.ini: N=1 (a1)) stopped; done: none; "
        "not run: `switch`, `upgrade`; run `./pants topic-switch --continue` to finish the switch, or "
        "`./pants topic-switch --abort` to go back to `topic-a`"
    ) in stopped.messages
    assert statuses(repo) == [("downgrade", "interrupted", "SIGINT"), ("switch", "pending", None), ("upgrade", "pending", None)]
    assert git(repo, "branch", "--show-current") == "topic-a"
    assert (alembic / "db").read_text() == "a1\n"

    (alembic / "slow-downgrade").unlink()
    done = example.run("topic-switch", "--continue", env=options(alembic)).assert_success()
    assert done.stdout.splitlines()[0] == "Switched `topic-a` -> `topic-b`"
    assert git(repo, "branch", "--show-current") == "topic-b"
    assert (alembic / "db").read_text() == "b1\n"
    assert not (repo / JOURNAL).exists()
