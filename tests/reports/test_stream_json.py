"""The streaming JSON writer gives byte for byte what `json.dumps(..., indent=2)` gives, lazy arrays written item
by item, at any depth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.reports.stream_json import dumps, dumps_indented
from conformance.results import LazyArray

CASES: list[Any] = [
    {"a": 1, "b": [{"x": "é", "y": [1, 2]}, {"z": None}], "c": {"d": []}},
    [1, [2, [3, {"deep": ["a", "b"]}]]],
    {"empty": [], "text": "\u0000 not a marker"},
]


class Level(str):
    """A str subclass, as enums and kept-as-written numbers are: json.dumps writes it as a string."""


UNUSUAL: list[Any] = [
    {"severity": "warning", "line": 3, "column": None, "ok": True, "no": False, "ratio": 0.1, "big": 10 ** 30},
    {"text": 'quote " backslash \\ newline \n tab \t control \u0001 é 漢 \U0001f600', "empty": {}, "none": []},
    {"tuple": (1, "two"), "nested": [[{}], [[]]], "level": Level("error")},
    {"nan": float("nan"), "inf": float("inf"), "minus": -float("inf"), "neg": -0.0},
    {1: "an int key", None: "a None key", 2.5: "a float key", False: "a bool key"},
    "a lone string", 42, None, [],
]


@pytest.mark.parametrize("value", UNUSUAL + CASES)
@pytest.mark.parametrize("depth", [0, 4])
def test_dumps_indented_is_json_dumps_byte_for_byte(value: Any, depth: int) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * depth)
    assert dumps_indented(value, depth=depth) == expected
    assert dumps([value]) == json.dumps([value], indent=2, ensure_ascii=False)


def test_dumps_indented_refuses_what_json_refuses() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": object()})


def lazy(value: Any) -> Any:
    """Every list made lazy."""
    if isinstance(value, dict):
        return {k: lazy(v) for k, v in value.items()}
    if isinstance(value, list):
        return LazyArray(lazy(v) for v in value)
    return value


@pytest.mark.parametrize("document", CASES)
def test_lazy_arrays_are_written_exactly_as_lists_would_be(document: Any) -> None:
    expected = json.dumps(document, indent=2, ensure_ascii=False)
    assert dumps(document) == expected
    top_level_lazy = {k: lazy(v) for k, v in document.items()} if isinstance(document, dict) else document
    assert dumps(top_level_lazy) == expected


def test_a_lazy_array_is_consumed_once_item_by_item() -> None:
    made: list[int] = []

    def items() -> Any:
        for n in range(3):
            made.append(n)
            yield {"n": n}

    assert json.loads(dumps({"findings": LazyArray(items())})) == {"findings": [{"n": 0}, {"n": 1}, {"n": 2}]}
    assert made == [0, 1, 2]
