"""Which format a sample configuration is in, and how it was read.

The suffix decides for `.toml`, `.json`, `.yaml` and `.yml`. Any other file (Backend.AI's
`configs/webserver/sample.conf` is TOML) is recognised by its content: a JSON object, or TOML that
parses or reads line by line without a skipped line or a value that is not TOML (so INI files,
systemd units and Redis configs are not taken for TOML). Anything else is not a sample config.

A TOML sample that does not parse is read line by line (`toml_lines`), and the reading says why;
a JSON or YAML sample that does not parse cannot be read, and the reading says why.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Dict, Optional

import tomli
from ruamel.yaml import YAML

from calver_release.sample_configs.toml_lines import read_toml_lines


class SampleFormat(Enum):
    """The formats sample configurations come in."""

    TOML = "toml"
    JSON = "json"
    YAML = "yaml"


SUFFIXES = {".toml": SampleFormat.TOML, ".json": SampleFormat.JSON, ".yaml": SampleFormat.YAML, ".yml": SampleFormat.YAML}


def _load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


_LOADERS: Dict[SampleFormat, Callable[[str], Any]] = {
    SampleFormat.TOML: tomli.loads,
    SampleFormat.JSON: json.loads,
    SampleFormat.YAML: _load_yaml,
}


@dataclass(frozen=True)
class SampleReading:
    """One version of a sample: its format and document, read strictly or line by line, or not at all.

    `line_wise` holds the parser's complaint when the document was read line by line; `error` holds it
    when the file could not be read (the document is then None).
    """

    format: SampleFormat
    document: Any
    line_wise: Optional[str] = None
    error: Optional[str] = None


def format_of(path: str, text: str) -> Optional[SampleFormat]:
    """The sample format of the file at `path` holding `text`; None when it is no sample config."""
    by_suffix = SUFFIXES.get(posixpath.splitext(path)[1].lower())
    if by_suffix is not None:
        return by_suffix
    if text.lstrip().startswith("{"):
        try:
            return SampleFormat.JSON if isinstance(json.loads(text), dict) else None
        except ValueError:
            return None
    try:
        return SampleFormat.TOML if tomli.loads(text) else None
    except tomli.TOMLDecodeError:
        lines = read_toml_lines(text)
        return SampleFormat.TOML if lines.document and lines.clean else None


def load_document(text: str, format: SampleFormat) -> Any:
    """The document `text` holds in `format`; an empty document is an empty table.

    ValueError holding the parser's first line of complaint when the text does not parse.
    """
    try:
        document = _LOADERS[format](text)
    except Exception as exc:  # each loader raises its own error family
        raise ValueError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None
    return {} if document is None else document


def read_sample(path: str, text: str) -> Optional[SampleReading]:
    """The sample at `path`: parsed, TOML read line by line when it does not parse, or its error; None if no sample."""
    format = format_of(path, text)
    if format is None:
        return None
    try:
        return SampleReading(format, load_document(text, format))
    except ValueError as exc:
        if format is SampleFormat.TOML:
            return SampleReading(format, read_toml_lines(text).document, line_wise=str(exc))
        return SampleReading(format, None, error=str(exc))
