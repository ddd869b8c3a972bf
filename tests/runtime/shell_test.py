"""Printed commands are safe to paste: a shell runs exactly the words shown, and no password is shown."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from calver_release.runtime.shell import mask_passwords, shell_command

HOSTILE = ["v1;touch${IFS}pwned", "backend.ai-agent$(touch${IFS}pwned)", "24.09.0;id", "a b", "it's", "`touch pwned`"]


@pytest.mark.parametrize("word", HOSTILE)
def test_a_shell_runs_the_words_as_shown(tmp_path: Path, word: str) -> None:
    line = shell_command("printf", "%s\\n", word)
    output = subprocess.run(["sh", "-c", line], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert output == f"{word}\n"
    assert list(tmp_path.iterdir()) == []


def test_safe_words_stay_bare() -> None:
    assert shell_command("git", "switch", "24.09") == "git switch 24.09"


@pytest.mark.parametrize(
    "text, masked",
    [
        ("postgresql://user:secret@localhost/db", "postgresql://user:***@localhost/db"),
        ("alembic -x db=postgresql+psycopg2://u:p%40ss@h:5432/db current", "alembic -x db=postgresql+psycopg2://u:***@h:5432/db current"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_passwords_are_masked(text: str, masked: str) -> None:
    assert mask_passwords(text) == masked
    assert shell_command(*text.split()) == masked
