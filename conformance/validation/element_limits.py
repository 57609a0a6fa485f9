"""The R4 core extensions that limit an element's value in a profile: `regex`, `minLength`, `maxDecimalPlaces`, `maxSize`.

R4 defines four extensions for ElementDefinition (and Questionnaire.item, which `questionnaire.py` reads) that
narrow what a value may be, beside ElementDefinition's own `maxLength`, `minValue[x]` and `maxValue[x]`:

- `regex`: "A regular expression that defines the syntax for the data element to be considered valid": the
  value's text matches it whole (`profile.regex`);
- `minLength`: "The minimum number of characters that must be present in the simple data type to be considered
  a 'valid' instance" (`profile.min-length`);
- `maxDecimalPlaces`: "the maximum number of decimal places that may be specified" for a decimal, or a
  Quantity's value (`profile.decimal-places`);
- `maxSize`: "the maximum size an attachment can be", in bytes: an Attachment's `size` and its decoded `data`
  (`profile.max-size`). The HL7 validator applies it to a base64Binary element's decoded data too; so do we,
  beyond R4's wording.

All are errors, as in the HL7 validator. The profile's regex runs on values of at most `MAX_REGEX_INPUT`
characters, and one that does not compile as a regular expression is not applied: either is said as
`profile.regex-not-checked` (information), never passed in silence. (A profile is the assessor's choice, but
the values come from the system under test: a regex that backtracks badly must not meet a megabyte of it.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.values import decimal_places, decoded_length

EXT = "http://hl7.org/fhir/StructureDefinition/"
MAX_REGEX_INPUT = 100_000


@dataclass(frozen=True, slots=True)
class ElementLimits:
    """What the extensions of one ElementDefinition say, read once when the profile is compiled."""

    regex: re.Pattern[str] | None = None
    regex_source: str | None = None  # the regex as written (kept when it does not compile: pattern None)
    min_length: int | None = None
    max_decimal_places: int | None = None
    max_size: Decimal | None = None


def read_limits(element: dict[str, Any]) -> ElementLimits | None:
    """The limits an ElementDefinition's own extensions set, or None when it sets none."""
    found: dict[str, Any] = {}
    for ext in element.get("extension") or ():
        if not isinstance(ext, dict) or not str(ext.get("url", "")).startswith(EXT):
            continue
        name = str(ext["url"])[len(EXT):]
        if name == "regex" and isinstance(ext.get("valueString"), str):
            found["regex_source"] = ext["valueString"]
            try:
                found["regex"] = re.compile(ext["valueString"])
            except (re.error, RecursionError, OverflowError):
                found["regex"] = None
        elif name in ("minLength", "maxDecimalPlaces") and _is_int(ext.get("valueInteger")):
            found["min_length" if name == "minLength" else "max_decimal_places"] = ext["valueInteger"]
        elif name == "maxSize" and ext.get("valueDecimal") is not None:
            try:
                found["max_size"] = Decimal(str(ext["valueDecimal"]))
            except InvalidOperation:
                continue
    return ElementLimits(**found) if found else None


def check_limits(node: Node, type_code: str, limits: ElementLimits, issues: list[Issue]) -> None:
    """The value at `node` (of type `type_code`) against the limits its profile element sets."""
    value = node.value
    if value is not None:
        if limits.regex_source is not None:
            _check_regex(node, value, limits, issues)
        if limits.min_length is not None and len(value) < limits.min_length:
            issues.append(make_issue("profile.min-length", node, name=node.name, length=len(value),
                                     limit=limits.min_length))
    if limits.max_decimal_places is not None:
        amount = node.child("value") if type_code == "Quantity" else node if type_code == "decimal" else None
        places = decimal_places(amount.value) if amount is not None else None
        if amount is not None and places is not None and places > limits.max_decimal_places:
            issues.append(make_issue("profile.decimal-places", amount, name=node.name, value=amount.value,
                                     places=places, limit=limits.max_decimal_places))
    if limits.max_size is not None:
        for what, size in _sizes(node, type_code):
            if size > limits.max_size:
                issues.append(make_issue("profile.max-size", node, name=node.name, what=what,
                                         limit=_text(limits.max_size)))
                break


def _check_regex(node: Node, value: str, limits: ElementLimits, issues: list[Issue]) -> None:
    if limits.regex is None:
        issues.append(make_issue("profile.regex-not-checked", node, name=node.name, regex=limits.regex_source,
                                 reason="the profile's regex is not a regular expression Python can compile"))
    elif len(value) > MAX_REGEX_INPUT:
        issues.append(make_issue("profile.regex-not-checked", node, name=node.name, regex=limits.regex_source,
                                 reason=f"the value is {len(value):,} characters long, over the "
                                        f"{MAX_REGEX_INPUT:,} a profile's regex is run on"))
    elif limits.regex.fullmatch(value) is None:
        issues.append(make_issue("profile.regex", node, name=node.name, value=_short(value),
                                 regex=limits.regex_source))


def _sizes(node: Node, type_code: str) -> list[tuple[str, int]]:
    """The sizes in bytes an Attachment states and holds (its `size`, its decoded `data`), or a base64Binary's."""
    if type_code == "base64Binary":
        decoded = decoded_length(node.value) if node.value else None
        return [] if decoded is None else [(f"{decoded} bytes of data", decoded)]
    if type_code != "Attachment":
        return []
    sizes: list[tuple[str, int]] = []
    size = node.child("size")
    if size is not None and _is_int_text(size.value):
        sizes.append((f"{size.value} bytes (its size)", int(size.value or 0)))
    data = node.child("data")
    decoded = decoded_length(data.value) if data is not None and data.value else None
    if decoded is not None:
        sizes.append((f"{decoded} bytes of data", decoded))
    return sizes


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_int_text(value: str | None) -> bool:
    return value is not None and value.isascii() and value.isdigit() and len(value) <= 30


def _text(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else str(number)


def _short(value: str) -> str:
    return value if len(value) <= 80 else value[:77] + "..."
