from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from calver_release.runtime.git import GitRepo
from calver_release.backport.trailers import BackportTrailers, add_backport_trailers, parse_backport_trailers


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    return tmp_path


@pytest.mark.parametrize(
    "message, target, expected",
    [
        pytest.param(
            "fix: handle empty input\n",
            "24.09",
            "fix: handle empty input\n\nBackported-From: main\nBackported-To: 24.09\n",
            id="plain-subject",
        ),
        pytest.param(
            "fix: handle empty input\n\nThe parser crashed on empty files.\n",
            "24.09",
            "fix: handle empty input\n\nThe parser crashed on empty files.\n\n"
            "Backported-From: main\nBackported-To: 24.09\n",
            id="subject-and-body",
        ),
        pytest.param(
            "fix: handle empty input\n\nBody.\n\nSigned-off-by: Dev <dev@example.com>\n",
            "24.09",
            "fix: handle empty input\n\nBody.\n\nSigned-off-by: Dev <dev@example.com>\n"
            "Backported-From: main\nBackported-To: 24.09\n",
            id="joins-signed-off-by-block",
        ),
        pytest.param(
            "fix: handle empty input\n\nBackported-From: main\nbackported-to: 24.09\n",
            "24.09",
            "fix: handle empty input\n\nBackported-From: main\nbackported-to: 24.09\n",
            id="present-any-case-not-duplicated",
        ),
        pytest.param(
            "fix: handle empty input\n\nBackported-From: main\nBackported-To: 24.03\n",
            "24.09",
            "fix: handle empty input\n\nBackported-From: main\nBackported-To: 24.03\nBackported-To: 24.09\n",
            id="other-target-kept-and-added",
        ),
        pytest.param(
            "fix: handle empty input\n\nBefore\n---\nAfter\n",
            "24.09",
            "fix: handle empty input\n\nBefore\n---\nAfter\n\nBackported-From: main\nBackported-To: 24.09\n",
            id="dashes-are-not-a-patch-divider",
        ),
        pytest.param(
            "fix: handle empty input\n",
            "26.8",
            "fix: handle empty input\n\nBackported-From: main\nBackported-To: 26.8\n",
            id="unpadded-target",
        ),
        pytest.param(
            "fix: handle empty input\n\nBackport: 24.09\n",
            "24.09",
            "fix: handle empty input\n\nBackport: 24.09\nBackported-From: main\nBackported-To: 24.09\n",
            id="backport-request-is-another-key",
        ),
    ],
)
def test_add_backport_trailers(repo: Path, message: str, target: str, expected: str) -> None:
    assert add_backport_trailers(GitRepo(repo), message, target) == expected


def test_add_backport_trailers_names_the_source_branch(repo: Path) -> None:
    assert add_backport_trailers(GitRepo(repo), "fix: x\n", "24.09", source_branch="develop") == (
        "fix: x\n\nBackported-From: develop\nBackported-To: 24.09\n"
    )


@pytest.mark.parametrize(
    "message, expected",
    [
        pytest.param(
            "fix: x\n\nBackported-From: main\nBackported-To: 24.09\n",
            BackportTrailers(("main",), ("24.09",)),
            id="canonical",
        ),
        pytest.param(
            "fix: x\n\nbackported-from: main\nbackported-To: 24.03\n",
            BackportTrailers(("main",), ("24.03",)),
            id="mixed-capitalisation",
        ),
        pytest.param(
            "fix: x\n\nBACKPORTED-FROM :  main  \nBackported-To:24.09\n",
            BackportTrailers(("main",), ("24.09",)),
            id="loose-spacing",
        ),
        pytest.param(
            "Squashed (#12)\n\n* fix: a\n\nBackported-From: main\nBackported-To: 24.09\n\n* fix: b\n",
            BackportTrailers(("main",), ("24.09",)),
            id="buried-in-squash-merge",
        ),
        pytest.param(
            "fix: x\n\nBackported-To: 24.03\nBackported-To: 24.09\n",
            BackportTrailers((), ("24.03", "24.09")),
            id="several-targets-in-order",
        ),
        pytest.param("fix: x\n\nSigned-off-by: Dev <dev@example.com>\n", BackportTrailers(), id="none"),
        pytest.param("fix: x\n\nBackported-To:\n", BackportTrailers(), id="empty-value-ignored"),
    ],
)
def test_parse_backport_trailers(message: str, expected: BackportTrailers) -> None:
    assert parse_backport_trailers(message) == expected


@pytest.mark.parametrize(
    "trailers, expected",
    [
        pytest.param(BackportTrailers(), False, id="empty"),
        pytest.param(BackportTrailers(("main",), ()), True, id="from-only"),
        pytest.param(BackportTrailers((), ("24.09",)), True, id="to-only"),
    ],
)
def test_backport_trailers_truthiness(trailers: BackportTrailers, expected: bool) -> None:
    assert bool(trailers) is expected
