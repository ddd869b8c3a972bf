"""Relative links in Markdown, and the heading anchors GitHub gives a page, checked without a renderer."""

from __future__ import annotations

import posixpath
import re
from typing import Callable, Iterator, Mapping

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"(`+).*?\1")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?")
_LINK_TEXT = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks."""
    fence = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            fence = marker if fence is None else (None if marker == fence else fence)
            continue
        if fence is None:
            yield number, line


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: link text kept, lowercased, punctuation but `-` and `_`
    dropped, each space a `-`."""
    text = _LINK_TEXT.sub(r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of a page's headings; a repeated slug gets `-1`, `-2`, ... as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in _prose_lines(markdown):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def links(markdown: str) -> list[tuple[int, str]]:
    """(line number, target) of every link and image outside code, URLs with a scheme left out."""
    found = []
    for number, line in _prose_lines(markdown):
        prose = _CODE_SPAN.sub("", line)
        targets = [m.group(1) for m in _INLINE_LINK.finditer(prose)]
        definition = _REFERENCE_DEFINITION.match(prose)
        if definition:
            targets.append(definition.group(1))
        found.extend((number, target) for target in targets if not _SCHEME.match(target))
    return found


def broken_links(pages: Mapping[str, str], exists: Callable[[str], bool]) -> list[str]:
    """One line per link of `pages` (path -> Markdown) that leads nowhere.

    A link's path is relative to its page and must name a page of `pages` or a path `exists`
    accepts; its `#anchor` must be a heading of the page it leads to (a Markdown page of `pages`).
    """
    problems = []
    for page, text in sorted(pages.items()):
        for number, target in links(text):
            path, _, anchor = target.partition("#")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), path)) if path else page
            where = f"{page}:{number}: `{target}`"
            if resolved not in pages and not exists(resolved):
                problems.append(f"{where}: `{resolved}` does not exist")
            elif anchor and resolved not in pages:
                problems.append(f"{where}: `{resolved}` is no Markdown page whose headings could be checked")
            elif anchor and anchor not in anchors(pages[resolved]):
                problems.append(f"{where}: `{resolved}` has no heading with the anchor `#{anchor}`")
    return problems
