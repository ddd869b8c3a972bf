"""Dataclasses as JSON, read back strictly: the one reader of every state file the plugin keeps.

`to_json` turns dataclasses, enums, tuples and mappings into JSON data; `from_json(cls, data)`
rebuilds `cls` from it, checking every field against its type hint (`str`, `int`, `float`, `bool`,
`Any`, enums, `Optional[...]`, `Tuple[X, ...]`, `List[X]`, `Mapping[str, X]`, `Dict[str, X]`,
`Literal[...]` and nested dataclasses). A document of the wrong shape is a `SchemaError` naming
the first field that is wrong, never a `KeyError` later. A field declared with
`field(metadata={"json": "from"})` is written under that key (for names Python reserves).
"""

from __future__ import annotations

import collections.abc
import dataclasses
import typing
from enum import Enum
from typing import Any, Dict, Type, TypeVar, Union

T = TypeVar("T")


class SchemaError(ValueError):
    """A JSON document does not have the shape its dataclass declares."""


def to_json(value: Any) -> Any:
    """JSON data for `value`: dataclasses become objects, enums their values, tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_key(f): to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, collections.abc.Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def from_json(cls: Type[T], data: Any, where: str = "$") -> T:
    """`cls` rebuilt from JSON data; SchemaError naming the path of the first mismatch (`$.steps[2].argv`)."""
    return _convert(cls, data, where)


def _convert(hint: Any, data: Any, where: str) -> Any:
    if hint is Any:
        return data
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Union:
        return _convert_union(args, data, where)
    if origin is typing.Literal:
        if data not in args:
            raise SchemaError(f"{where}: expected one of {', '.join(map(repr, args))} (got {data!r})")
        return data
    if origin is tuple:
        items = _expect(list, data, where, "a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(items))
        if len(items) != len(args):
            raise SchemaError(f"{where}: expected {len(args)} items (got {len(items)})")
        return tuple(_convert(arg, item, f"{where}[{i}]") for i, (arg, item) in enumerate(zip(args, items)))
    if origin is list:
        return [_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(_expect(list, data, where, "a list"))]
    if origin in (dict, collections.abc.Mapping):
        mapping = _expect(dict, data, where, "an object")
        return {key: _convert(args[1], item, f"{where}.{key}") for key, item in mapping.items()}
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(data)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in hint)
            raise SchemaError(f"{where}: expected one of {allowed} (got {data!r})") from None
    if dataclasses.is_dataclass(hint):
        return _convert_dataclass(hint, data, where)
    if hint is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        raise SchemaError(f"{where}: expected a number (got {data!r})")
    if hint in (str, int, bool):
        if type(data) is not hint:
            raise SchemaError(f"{where}: expected {_NAMES[hint]} (got {data!r})")
        return data
    raise TypeError(f"{where}: unsupported type hint {hint!r}")


_NAMES = {str: "a string", int: "an integer", bool: "true or false"}


def _convert_union(args: Any, data: Any, where: str) -> Any:
    if data is None and type(None) in args:
        return None
    errors = []
    for arg in args:
        if arg is type(None):
            continue
        try:
            return _convert(arg, data, where)
        except SchemaError as e:
            errors.append(str(e))
    raise SchemaError(errors[0] if len(errors) == 1 else f"{where}: unexpected value (got {data!r})")


def _convert_dataclass(cls: Any, data: Any, where: str) -> Any:
    mapping: Dict[str, Any] = _expect(dict, data, where, "an object")
    hints = typing.get_type_hints(cls)
    fields = {_key(f): f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(mapping.keys() - fields.keys())
    if unknown:
        raise SchemaError(f"{where}: unexpected field `{unknown[0]}`")
    values = {}
    for key, field in fields.items():
        if key in mapping:
            values[field.name] = _convert(hints[field.name], mapping[key], f"{where}.{key}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:  # type: ignore[misc]
            raise SchemaError(f"{where}: missing field `{key}`")
    return cls(**values)


def _key(field: dataclasses.Field) -> str:
    return field.metadata.get("json", field.name)


def _expect(kind: type, data: Any, where: str, described: str) -> Any:
    if not isinstance(data, kind):
        raise SchemaError(f"{where}: expected {described} (got {type(data).__name__} {data!r:.40})")
    return data
