"""`ValueSet.compose.include.filter` evaluated on a local CodeSystem.

Each filter selects a set of codes, or answers None when it cannot be evaluated here (an operator
we do not implement, a property the CodeSystem does not define, an invalid regular expression):
None always becomes "cannot decide", never "not in the set".

Operators: `is-a` (the code and everything below it), `descendent-of` (below it only), `is-not-a`,
`generalizes` (the code and everything above it), `=` (property equality; the pseudo-properties
`concept`/`code` compare the code, `display` the display, `parent` selects the direct children of
the value, `child` its direct parents), `in` / `not-in` (comma-separated values), `regex` (the
whole value must match), `exists` (`true`/`false`: the property is present).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from conformance.terminology.codesystem import ConceptEntry, LocalCodeSystem

_CODE_PROPERTIES = frozenset({"concept", "code"})


def select(cs: LocalCodeSystem, flt: Mapping[str, Any]) -> set[str] | None:
    """The codes of `cs` that `flt` selects (abstract ones included), or None."""
    prop, op, value = flt.get("property"), flt.get("op"), flt.get("value")
    if not isinstance(prop, str) or not isinstance(op, str) or not isinstance(value, str):
        return None
    handler = _OPERATORS.get(op)
    return handler(cs, prop, value) if handler is not None else None


def _is_a(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    if prop not in _CODE_PROPERTIES:
        return None
    root = cs.canonical(value)
    return set() if root is None else {root} | cs.descendants(root)


def _descendent_of(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    if prop not in _CODE_PROPERTIES:
        return None
    root = cs.canonical(value)
    return set() if root is None else cs.descendants(root)


def _is_not_a(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    below = _is_a(cs, prop, value)
    return None if below is None else set(cs.concepts) - below


def _generalizes(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    if prop not in _CODE_PROPERTIES:
        return None
    root = cs.canonical(value)
    return set() if root is None else {root} | cs.ancestors(root)


def _matcher(cs: LocalCodeSystem, prop: str) -> Callable[[ConceptEntry], tuple[str, ...]] | None:
    """How to read `prop` from a concept, or None when the CodeSystem has no such property."""
    if prop in _CODE_PROPERTIES:
        return lambda c: (c.code,)
    if prop == "display":
        return lambda c: (c.display,) if c.display else ()
    if prop in cs.declared_properties or any(prop in c.properties for c in cs):
        return lambda c: c.properties.get(prop, ())
    return None


def _equals(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    if prop in _CODE_PROPERTIES:
        code = cs.canonical(value)
        return set() if code is None else {code}
    if prop in ("parent", "child"):  # the hierarchy already holds nesting and the parent/child properties
        code = cs.canonical(value)
        if code is None:
            return set()
        return set(cs.children.get(code, ())) if prop == "parent" else set(cs.parents.get(code, ()))
    return _matching(cs, prop, lambda v: v == value)


def _in(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    wanted = {v.strip() for v in value.split(",") if v.strip()}
    if prop in _CODE_PROPERTIES:
        return {code for code in (cs.canonical(v) for v in wanted) if code is not None}
    return _matching(cs, prop, lambda v: v in wanted)


def _not_in(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    inside = _in(cs, prop, value)
    return None if inside is None else set(cs.concepts) - inside


def _regex(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    try:
        pattern = re.compile(value)
    except re.error:
        return None
    return _matching(cs, prop, lambda v: pattern.fullmatch(v) is not None)


def _exists(cs: LocalCodeSystem, prop: str, value: str) -> set[str] | None:
    if value not in ("true", "false"):
        return None
    read = _matcher(cs, prop)
    if read is None:
        return None
    want = value == "true"
    return {c.code for c in cs if bool(read(c)) is want}


def _matching(cs: LocalCodeSystem, prop: str, test: Callable[[str], bool]) -> set[str] | None:
    read = _matcher(cs, prop)
    if read is None:
        return None
    return {c.code for c in cs if any(test(v) for v in read(c))}


_OPERATORS: dict[str, Callable[[LocalCodeSystem, str, str], set[str] | None]] = {
    "is-a": _is_a,
    "descendent-of": _descendent_of,
    "is-not-a": _is_not_a,
    "generalizes": _generalizes,
    "=": _equals,
    "in": _in,
    "not-in": _not_in,
    "regex": _regex,
    "exists": _exists,
}
