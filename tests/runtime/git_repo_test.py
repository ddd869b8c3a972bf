"""`GitRepo` runs the git on the caller's `PATH` (under pantsd the daemon's may differ), by absolute path."""

from __future__ import annotations

from pathlib import Path

import pytest

from calver_release.runtime.git import GitError, GitRepo


def test_git_comes_from_the_callers_path(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text('#!/bin/sh\necho "fake git $*"\n')
    fake.chmod(0o755)
    repo = GitRepo(tmp_path, {"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert repo.argv(repo.process_env(), "status") == [str(fake), "-C", str(tmp_path), "status"]
    assert repo.output("status", "--short") == f"fake git -C {tmp_path} status --short"


def test_no_git_on_the_callers_path_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(GitError) as error:
        GitRepo(tmp_path, {"PATH": str(tmp_path)}).run("status")
    assert str(error.value) == f"`git`: cannot run it (No such file or directory) (got PATH `{tmp_path}`); install git"
