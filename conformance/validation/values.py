"""Comparing instance nodes with values from definitions (`fixed[x]`, `pattern[x]`, min/max values).

Definitions hold values as JSON; instances are positioned trees. FHIR R4 (elementdefinition.html):
- fixed[x]: the instance must be *exactly* the value — same elements, same values, nothing more
  ("Missing elements/attributes must also be missing": extensions of the instance the value does not have
  break it, on a primitive too; an element's id is not compared).
- pattern[x]: the instance must *contain* the value — every element of the pattern present with the
  same value; arrays in a pattern must each match some item of the instance's array.
Primitive values compare by their lexical form, numbers as decimals (1.0 = 1.00 for a decimal).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.temporal import (
    DAY,
    UCUM_DURATIONS,
    FhirPathDate,
    Temporal,
    add_duration,
    compare,
    from_datetime,
    parse_date,
    parse_datetime,
    parse_time,
)
from conformance.fhirpath.ucum import to_base
from conformance.fhirpath.values import UCUM_SYSTEM as UCUM


def _lexical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def primitive_equal(node_value: str | None, expected: Any) -> bool:
    if node_value is None:
        return False
    if isinstance(expected, bool) or not isinstance(expected, int | float | Decimal):
        return node_value == _lexical(expected)
    try:
        return Decimal(node_value) == Decimal(str(expected))
    except InvalidOperation:
        return False


def _children_by_name(node: Node) -> dict[str, list[Node]]:
    grouped: dict[str, list[Node]] = {}
    for c in node.children:
        grouped.setdefault(c.name, []).append(c)
    return grouped


def matches_pattern(node: Node, expected: Any) -> bool:
    """Does the instance node contain everything the pattern value says?"""
    if not isinstance(expected, dict):
        return primitive_equal(node.value, expected)
    grouped = _children_by_name(node)
    for key, value in expected.items():
        if key.startswith("_"):
            continue  # id/extensions on a pattern's primitives are not part of the match here
        items = grouped.get(key)
        if not items:
            return False
        wanted = value if isinstance(value, list) else [value]
        for w in wanted:
            if not any(matches_pattern(item, w) for item in items):
                return False
    return True


def equals_fixed(node: Node, expected: Any) -> bool:
    """Is the instance node exactly the fixed value (no more, no less)?"""
    if not isinstance(expected, dict):
        return primitive_equal(node.value, expected) and all(c.name == "id" for c in node.children)
    grouped = _children_by_name(node)
    keys = {k for k in expected if not k.startswith("_")}
    if set(grouped) - keys - {"id"}:
        return False
    for key in keys:
        value = expected[key]
        items = grouped.get(key, [])
        wanted = value if isinstance(value, list) else [value]
        if len(items) != len(wanted):
            return False
        if not all(equals_fixed(item, w) for item, w in zip(items, wanted, strict=True)):
            return False
    return True


def describe(value: Any, limit: int = 120) -> str:
    """A short JSON-ish rendering of a definition value for messages."""
    import json

    text = json.dumps(value, default=str, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compare_ordered(node_value: str | None, limit: Any, type_code: str) -> int | None:
    """-1/0/1 comparing an instance value with a minValue/maxValue, None when not comparable."""
    if node_value is None:
        return None
    if type_code in ("integer", "positiveInt", "unsignedInt", "decimal", "Quantity"):
        try:
            a, b = Decimal(node_value), Decimal(str(limit))
        except InvalidOperation:
            return None
        return (a > b) - (a < b)
    # other types (strings): the same length compares lexically
    text = _lexical(limit)
    if len(text) != len(node_value):
        return None
    return (node_value > text) - (node_value < text)


TEMPORAL_TYPES: dict[str, Callable[[str], Temporal | None]] = {
    "date": parse_date, "dateTime": parse_datetime, "instant": parse_datetime, "time": parse_time}
# the UCUM codes a Duration may carry (R4 datatypes.html#Duration, drt-1: "an expression of time"), each
# with the calendar step it adds; 'a' and 'mo' step by calendar years and months, as a person means them
DURATION_STEPS = {"a": "year", "mo": "month", **UCUM_DURATIONS}


def temporal_bound(limit: Any, type_code: str, sign: int, now: datetime | None = None) -> Temporal | None:
    """The instant a date/dateTime/instant/time `minValue[x]`/`maxValue[x]` stands for, None when it has none.

    R4 ElementDefinition.maxValue[x] (and minValue[x]): "For the date/dateTime/instant values, the type of
    maxValue[x] SHALL be either the same, or a Duration which specifies a relative time limit to the current
    time. The duration value is positive, and is added to the current clock to determine the maximum allowable
    value" (subtracted for the minimum). A Duration is written `maxValueQuantity` in R4 JSON (Duration is a
    profile of Quantity); `maxValueDuration`, which some authoring tools write, is read the same way. `sign` is
    +1 for a maximum, -1 for a minimum; `now` defaults to the current clock (tests pass one). A Duration that is
    negative, not finite (NaN or Infinity, which a JSON reader may give for 1e999) or not in a UCUM unit of time
    has no bound (the definition check reports it), so the value is reported as not compared, never passed."""
    parse = TEMPORAL_TYPES.get(type_code)
    if parse is None:
        return None
    if not isinstance(limit, dict):
        return parse(_lexical(limit))
    if type_code == "time":
        return None
    step = DURATION_STEPS.get(str(limit.get("code")))
    try:
        amount = Decimal(str(limit.get("value")))
    except InvalidOperation:
        return None
    if step is None or not amount.is_finite() or amount < 0 or limit.get("system", UCUM) != UCUM:
        return None
    bound: Temporal = from_datetime((now or datetime.now(UTC)).astimezone(UTC))
    try:
        if amount == amount.to_integral_value():
            bound = add_duration(bound, amount * sign, step)
        else:  # a fraction of a year or month: UCUM's definition (1 a = 365.25 d), to the millisecond
            in_seconds = to_base(amount, str(limit["code"]))
            if in_seconds is None:
                return None
            bound = add_duration(bound, (in_seconds[0] * 1000 * sign).to_integral_value(), "millisecond")
    except (OverflowError, ValueError):
        return None
    return FhirPathDate(bound.parts[:3] + (0, 0, 0, 0), DAY) if type_code == "date" else bound


def compare_temporal(node_value: str | None, bound: Temporal | None, type_code: str) -> int | None:
    """-1/0/1 comparing a date/dateTime/instant/time value with a limit's instant (`temporal_bound`), None
    when not comparable: a value of another precision that overlaps the limit (`2036` against a maximum of
    2036-12-03 may be either side of it), or a time zone on one side only that could change the answer,
    as FHIRPath compares them."""
    parse = TEMPORAL_TYPES.get(type_code)
    value = parse(node_value) if parse is not None and node_value is not None else None
    if value is None or bound is None or value.kind != bound.kind:
        return None
    return compare(value, bound)


def compare_quantity(node: Node, limit: Any) -> int | None:
    """-1/0/1 comparing a Quantity with a minValueQuantity/maxValueQuantity, None when not comparable.

    A quantity is a value in a unit (R4 datatypes.html#Quantity): when the instance and the limit name
    different UCUM codes, both are brought to UCUM's base units first (`-1 g` is below `0 kg`, `500 g` is
    below `1 kg`); different codes that are not both UCUM, or UCUM units of different dimensions, are not
    compared. The same code, or a code missing on either side, compares the numbers (as before)."""
    value_node = node.child("value")
    value = value_node.value if value_node is not None else None
    bound = limit.get("value") if isinstance(limit, dict) else limit
    if value is None or bound is None:
        return None
    code_node, system_node = node.child("code"), node.child("system")
    code = code_node.value if code_node is not None else None
    system = system_node.value if system_node is not None else None
    limit_code = limit.get("code") if isinstance(limit, dict) else None
    limit_system = limit.get("system") if isinstance(limit, dict) else None
    if code and limit_code and code != limit_code:
        if system != UCUM or limit_system != UCUM:
            return None
        try:
            a, b = to_base(Decimal(value), code), to_base(Decimal(str(bound)), str(limit_code))
        except InvalidOperation:
            return None
        if a is None or b is None or a[1] != b[1]:
            return None
        return (a[0] > b[0]) - (a[0] < b[0])
    return compare_ordered(value, bound, "Quantity")


def decimal_places(text: str | None) -> int | None:
    """How many decimal places a decimal's text states (trailing zeros count: 1.50 has two); None if not a number."""
    if not text:
        return None
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return None
    return max(0, -exponent) if isinstance(exponent, int) else None


def decoded_length(data: str) -> int | None:
    """The number of bytes base64 `data` decodes to; None when it is not base64 (reported elsewhere)."""
    try:
        return len(base64.b64decode("".join(data.split()), validate=True))
    except (binascii.Error, ValueError):
        return None
