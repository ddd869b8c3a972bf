"""The one atomic write: the old content survives any failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from calver_release.runtime.files import main, write_atomically


def test_replaces_the_file_and_leaves_no_staging_file(tmp_path: Path) -> None:
    (tmp_path / "VERSION").write_text("24.09.0\n")
    write_atomically(tmp_path / "VERSION", "24.09.1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["VERSION"]
    assert (tmp_path / "VERSION").read_text() == "24.09.1\n"


def test_a_failed_write_keeps_the_old_content(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "VERSION").write_text("24.09.0\n")
    (tmp_path / ".VERSION.calver-new").mkdir()  # the staging name is taken: the write fails before the rename
    assert main([str(tmp_path / "VERSION"), "24.09.1\n"]) == 1
    assert capsys.readouterr().err == f"`{tmp_path / 'VERSION'}`: cannot be written (Is a directory); it was left unchanged\n"
    assert (tmp_path / "VERSION").read_text() == "24.09.0\n"
