"""State files read strictly: every shape mismatch is one `SchemaError` naming the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Mapping, Optional, Tuple

import pytest

from calver_release.runtime.schema import SchemaError, from_json, to_json


class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Leaf:
    name: str
    size: Optional[float] = None


@dataclass(frozen=True)
class Document:
    argv: Tuple[str, ...]
    env: Mapping[str, str]
    colour: Colour
    leaves: Tuple[Leaf, ...] = ()
    pair: Tuple[int, bool] = (0, False)
    kind: Literal["a", "b"] = "a"
    origin: str = field(default="", metadata={"json": "from"})
    extra: Any = None


DOCUMENT = Document(("git", "switch"), {"X": "1"}, Colour.BLUE, (Leaf("l", 1.5),), (3, True), "b", "main", {"k": [1]})
JSON = {
    "argv": ["git", "switch"],
    "env": {"X": "1"},
    "colour": "blue",
    "leaves": [{"name": "l", "size": 1.5}],
    "pair": [3, True],
    "kind": "b",
    "from": "main",
    "extra": {"k": [1]},
}


def test_round_trip() -> None:
    assert to_json(DOCUMENT) == JSON
    assert from_json(Document, JSON) == DOCUMENT


def test_defaults_fill_missing_optional_fields_and_ints_are_floats() -> None:
    data = {"argv": [], "env": {}, "colour": "red", "leaves": [{"name": "x", "size": 2}]}
    assert from_json(Document, data) == Document((), {}, Colour.RED, (Leaf("x", 2.0),))


@pytest.mark.parametrize(
    "data, message",
    [
        pytest.param([], "$: expected an object (got list [])", id="not-an-object"),
        pytest.param({}, "$: missing field `argv`", id="empty-object"),
        pytest.param({**JSON, "argv": "r"}, "$.argv: expected a list (got str 'r')", id="string-for-a-list"),
        pytest.param({**JSON, "argv": [1]}, "$.argv[0]: expected a string (got 1)", id="number-in-argv"),
        pytest.param({**JSON, "env": None}, "$.env: expected an object (got NoneType None)", id="null-mapping"),
        pytest.param({**JSON, "colour": "green"}, "$.colour: expected one of 'red', 'blue' (got 'green')", id="bad-enum"),
        pytest.param({**JSON, "leaves": [{"size": 1}]}, "$.leaves[0]: missing field `name`", id="nested-missing"),
        pytest.param(
            {**JSON, "leaves": [{"name": "l", "size": "big"}]},
            "$.leaves[0].size: expected a number (got 'big')",
            id="optional-wrong-type",
        ),
        pytest.param({**JSON, "pair": [1]}, "$.pair: expected 2 items (got 1)", id="short-tuple"),
        pytest.param({**JSON, "pair": [1, 1]}, "$.pair[1]: expected true or false (got 1)", id="int-for-bool"),
        pytest.param({**JSON, "kind": "c"}, "$.kind: expected one of 'a', 'b' (got 'c')", id="bad-literal"),
        pytest.param({**JSON, "surprise": 1}, "$: unexpected field `surprise`", id="unknown-field"),
    ],
)
def test_wrong_shapes_name_the_field(data: Any, message: str) -> None:
    with pytest.raises(SchemaError) as error:
        from_json(Document, data)
    assert str(error.value) == message
