"""Upgrade notes between releases written in the two spellings of Backend.AI's history (`24.09.9`, `26.4.0`)."""

from __future__ import annotations

from pathlib import Path

from release_history import compose, make_history, notes_of, release

from calver_release.upgrade_notes.report import UpgradeKind


def test_a_release_upgrade_across_the_change_of_scheme(tmp_path: Path) -> None:
    """24.09.9 -> 26.4.0: a release upgrade between the versions as written, pins zero-stripped."""
    repo = make_history(tmp_path)
    release(repo, "24.09.9", {"docker-compose.halfstack-2409.yml": compose("postgres:15.1-alpine")})
    release(repo, "26.4.0", {"docker-compose.halfstack-2604.yml": compose("postgres:16.3-alpine")})
    notes = notes_of(repo, "24.09.9", "26.4.0")
    assert (notes.kind, notes.from_ref.version, notes.from_ref.series, notes.to_ref.version, notes.to_ref.series) == (
        UpgradeKind.RELEASE,
        "24.09.9",
        "24.09",
        "26.4.0",
        "26.4",
    )
    assert notes.summary[0] == (
        "A release upgrade from the 24.09 series to 26.4: the upgrade guide of 26.4 applies. Everything below is "
        "what the repository itself knows; follow the guide too."
    )
    assert (notes.packages.version, notes.packages.constraints) == (
        "26.4.0",
        ("backend.ai-agent==26.4.0", "backend.ai-common==26.4.0", "backend.ai-manager==26.4.0"),
    )
    assert [(c.from_path, c.to_path) for c in notes.halfstack.comparisons] == [
        ("docker-compose.halfstack-2409.yml", "docker-compose.halfstack-2604.yml")
    ]


def test_one_series_written_both_ways_is_a_patch_update(tmp_path: Path) -> None:
    """A line whose `VERSION` changed spelling (`24.09.9` -> `24.9.10`) stays one series: a patch update."""
    repo = make_history(tmp_path)
    release(repo, "24.09.9", {})
    release(repo, "24.9.10", {})
    notes = notes_of(repo, "24.09.9", "24.9.10")
    assert (notes.kind, notes.summary[0], notes.packages.constraints) == (
        UpgradeKind.PATCH,
        "A patch update within the 24.9 release series.",
        ("backend.ai-agent==24.9.10", "backend.ai-common==24.9.10", "backend.ai-manager==24.9.10"),
    )
