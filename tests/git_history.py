"""Commits with a chosen author and verbatim message, and what tests read back from history."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from conftest import git

FIXER = "Fixer <fixer@example.com>"
"""The author of the fixes the backport tests pick."""
FIX_DATE = "1700000000 +0900"


def commit(repo: Path, message: str, files: Dict[str, str], author: str = FIXER, date: str = FIX_DATE) -> str:
    """Commit `files` on the checked-out branch with `message` kept verbatim; its id."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "--", *files)
    git(repo, "commit", "-q", "--cleanup=verbatim", "-F", "-", f"--author={author}", f"--date={date}", input=message)
    return git(repo, "rev-parse", "HEAD")


def commit_on(repo: Path, branch: str, message: str, files: Dict[str, str]) -> str:
    """Commit on `branch`, then go back to `main`."""
    git(repo, "switch", "-q", branch)
    sha = commit(repo, message, files)
    git(repo, "switch", "-q", "main")
    return sha


def message_of(repo: Path, rev: str) -> str:
    return git(repo, "cat-file", "commit", rev).split("\n\n", 1)[1] + "\n"


def author_of(repo: Path, rev: str) -> str:
    return git(repo, "log", "-1", "--format=%an <%ae> %ad", "--date=raw", rev)


def refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")
