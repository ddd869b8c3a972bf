"""The commands upgrade-notes prints run exactly the words shown, whatever names the repository holds."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from calver_release.upgrade_notes.halfstack import upgrade_command
from calver_release.upgrade_notes.packages import upgrade_command as pip_command


@pytest.mark.parametrize(
    "path, option",
    [
        ("docker-compose.halfstack-2409.yml", "--target=2409"),
        ("docker-compose.halfstack-next.yml", "--compose-file=docker-compose.halfstack-next.yml"),
        ("docker-compose.halfstack-$(touch pwned).yml", "--compose-file=docker-compose.halfstack-$(touch pwned).yml"),
    ],
)
def test_the_halfstack_command_runs_the_option_shown(tmp_path: Path, path: str, option: str) -> None:
    command = upgrade_command(path, "pants")
    words = subprocess.run(["sh", "-c", f"printf '%s\\n' {command}"], cwd=tmp_path, capture_output=True, text=True)
    assert words.stdout.splitlines() == ["pants", "halfstack-upgrade", option]
    assert not (tmp_path / "pwned").exists()


def test_the_pip_command_quotes_every_name() -> None:
    assert pip_command(["b", "a;id"], "24.3.2") == (
        "python -m pip install $(python -m pip show 'a;id' b 2>/dev/null | sed -n 's/^Name: \\(.*\\)$/\\1==24.3.2/p')"
    )
