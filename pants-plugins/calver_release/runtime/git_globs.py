"""git's glob patterns as regular expressions, so a listing already read is matched without a git process.

The rules of `:(glob)` pathspecs (git's wildmatch) and gitignore files: `*` and `?` match within one
path segment, `[...]` is a character class, `**` matches across segments, and `**/` at the start or
`/**/` also match no directory at all. A pathspec also selects the path it spells literally, and everything below the
directory it spells.
"""

from __future__ import annotations

import functools
import re
from typing import List, Pattern, Tuple


@functools.lru_cache(maxsize=None)
def glob_regex(pattern: str) -> Pattern[str]:
    """The regular expression a whole path must match to match the glob `pattern`."""
    out: List[str] = []
    i, length = 0, len(pattern)
    while i < length:
        char = pattern[i]
        if pattern.startswith("**", i):
            end = i + len(pattern[i:]) - len(pattern[i:].lstrip("*"))
            between_slashes = (i == 0 or pattern[i - 1] == "/") and end < length and pattern[end] == "/"
            out.append("(?:.*/)?" if between_slashes else ".*")
            i = end + 1 if between_slashes else end
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            out.append(f"[{'^' + body[1:] if body.startswith('!') else body}]")
            i = end + 1
        else:
            out.append(re.escape(char))
            i += 1
    return re.compile("".join(out))


@functools.lru_cache(maxsize=None)
def pathspec_regex(patterns: Tuple[str, ...]) -> Pattern[str]:
    """One regular expression a whole path must match to be selected by `git ... -- ':(glob)P1' ':(glob)P2'...`."""
    alternatives = (
        alternative
        for pattern in patterns
        for alternative in (glob_regex(pattern).pattern, f"{re.escape(pattern.rstrip('/'))}(?:/.*)?")
    )
    return re.compile("|".join(f"(?:{alternative})" for alternative in alternatives))
