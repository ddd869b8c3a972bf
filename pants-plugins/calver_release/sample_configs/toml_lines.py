"""TOML read line by line: table headers and keys, for samples no TOML parser accepts.

Backend.AI's samples have written placeholder tables such as `[service-discovery.extra-labels.<name>]`
since 26.2.0; `tomllib` and `tomli` refuse the whole file. This reader builds the document a TOML
parser would, one line at a time: `[table]` and `[[array.of.tables]]` headers, `key = value` lines
with dotted and quoted keys, values spanning lines (arrays, inline tables, multi-line strings).
A key segment may be any run of characters but `.`, whitespace and quotes (`<name>` included); a
value is parsed as TOML and kept as its text (without a trailing comment) when that fails. Lines it
cannot read at all are skipped and counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import tomli

_HEADER = re.compile(r"^\[(\[?)(.*?)(\]?)\]\s*(?:#.*)?$")
_KEY_SEGMENT = re.compile(r"\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^.\s\"'=]+)\s*")
_MAX_VALUE_LINES = 500
"""A value still open after this many lines is read as text: a runaway bracket, not a real array."""


@dataclass(frozen=True)
class TomlLines:
    """The document read line by line, with the 1-based numbers of lines skipped and of values kept as text."""

    document: Dict[str, Any]
    skipped: Tuple[int, ...]
    raw_values: Tuple[int, ...]

    @property
    def clean(self) -> bool:
        """Every line read and every value valid TOML: the text is TOML apart from its keys and headers."""
        return not self.skipped and not self.raw_values


def read_toml_lines(text: str) -> TomlLines:
    """The tables and keys of `text`, as nested dicts like a TOML parser's (arrays of tables as lists)."""
    document: Dict[str, Any] = {}
    table = document
    skipped: List[int] = []
    raw: List[int] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].strip()
        index += 1
        if not line or line.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and bool(header.group(1)) == bool(header.group(3)):
            path = split_key(header.group(2))
            table = _open_table(document, path, array=bool(header.group(1))) if path else table
            if not path:
                skipped.append(number)
            continue
        key_text, separator, value_text = _split_assignment(line)
        key = split_key(key_text) if separator else None
        if not key:
            skipped.append(number)
            continue
        while _is_open(value_text) and index < len(lines) and index - number < _MAX_VALUE_LINES:
            value_text += "\n" + lines[index]
            index += 1
        value, parsed = parse_value(value_text)
        if not parsed:
            raw.append(number)
        _assign(table, key, value)
    return TomlLines(document, tuple(skipped), tuple(raw))


def split_key(text: str) -> Optional[Tuple[str, ...]]:
    """`a."b.c".<name>` -> ("a", "b.c", "<name>"); None when `text` is not a dotted key."""
    segments = []
    position = 0
    while True:
        match = _KEY_SEGMENT.match(text, position)
        if not match:
            return None
        segments.append(_unquote(match.group(1)))
        position = match.end()
        if position == len(text):
            return tuple(segments)
        if text[position] != ".":
            return None
        position += 1


def _unquote(segment: str) -> str:
    if segment.startswith('"'):
        try:
            return str(tomli.loads(f"k = {segment}")["k"])
        except tomli.TOMLDecodeError:
            return segment[1:-1]
    return segment[1:-1] if segment.startswith("'") else segment


def _split_assignment(line: str) -> Tuple[str, str, str]:
    """`key = value` split at the first `=` outside quotes."""
    quote = ""
    for position, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "=":
            return line[:position], "=", line[position + 1 :].strip()
    return line, "", ""


def _is_open(value: str) -> bool:
    """Whether `value` continues on the next line: an unclosed bracket, brace or multi-line string."""
    depth, position, length = 0, 0, len(value)
    while position < length:
        char = value[position]
        if value.startswith(('"""', "'''"), position):
            end = value.find(value[position : position + 3], position + 3)
            if end < 0:
                return True
            position = end + 3
            continue
        if char in "\"'":
            end = value.find(char, position + 1)
            while char == '"' and end > 0 and value[end - 1] == "\\":
                end = value.find(char, end + 1)
            position = length if end < 0 else end + 1
            continue
        if char == "#":
            position = value.find("\n", position)
            position = length if position < 0 else position
            continue
        depth += 1 if char in "[{" else -1 if char in "]}" else 0
        position += 1
    return depth > 0


def parse_value(text: str) -> Tuple[Any, bool]:
    """`(value, True)` for a TOML value (a trailing comment allowed), else `(its text, False)`."""
    try:
        return tomli.loads(f"v = {text}")["v"], True
    except tomli.TOMLDecodeError:
        return re.split(r"\s+#", text, maxsplit=1)[0].strip(), False


def _open_table(document: Dict[str, Any], path: Tuple[str, ...], array: bool) -> Dict[str, Any]:
    """The table a header opens: nested dicts along `path`, a new element for `[[path]]`."""
    parent = _descend(document, path[:-1])
    if array:
        existing = parent.get(path[-1])
        tables = existing if isinstance(existing, list) else []
        parent[path[-1]] = tables
        tables.append({})
        return tables[-1]
    return _descend(parent, path[-1:])


def _descend(table: Dict[str, Any], path: Tuple[str, ...]) -> Dict[str, Any]:
    """The table at `path` below `table`, created as needed; the last element of an array of tables."""
    for segment in path:
        child = table.get(segment)
        if isinstance(child, list) and child and isinstance(child[-1], dict):
            child = child[-1]
        if not isinstance(child, dict):
            child = {}
            table[segment] = child
        table = child
    return table


def _assign(table: Dict[str, Any], key: Tuple[str, ...], value: Any) -> None:
    _descend(table, key[:-1])[key[-1]] = value
