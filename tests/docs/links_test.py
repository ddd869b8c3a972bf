"""Every relative link of README.md and docs/ leads to a page that exists, and to a heading on it."""

from __future__ import annotations

from pathlib import Path

from markdown_links import broken_links


def test_every_link_resolves() -> None:
    # The pages are the `//:docs` files of the test's sandbox; a link to another file of the
    # repository needs that file as a dependency of the test (tests/docs/BUILD).
    pages = {str(path): path.read_text() for path in [Path("README.md"), *sorted(Path("docs").rglob("*.md"))]}
    assert len(pages) > 10
    assert broken_links(pages, exists=lambda path: Path(path).exists()) == []
