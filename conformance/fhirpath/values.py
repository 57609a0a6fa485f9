"""How items behave: their types, their System values, equality, equivalence and ordering.

Items are `Node`s (elements of the instance, kept so results carry their location) or Python
values for computed results: bool, int, Decimal, str, the temporal classes, FhirPathQuantity
and TypeInfo. A FHIR primitive node becomes a System value only when an operator needs it,
using its FHIR type from the model (so "1974-12-25" in a `date` compares as a Date, while the
same text in a `string` stays a String); conversions are cached by (type, lexical form).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation, localcontext
from typing import TYPE_CHECKING, Any

from conformance.fhir.tree import Node
from conformance.fhirpath import ucum
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.quantity import (
    FhirPathQuantity,
    compare_quantities,
    quantity_equal,
    quantity_equivalent,
)
from conformance.fhirpath.temporal import (
    FhirPathDate,
    FhirPathDateTime,
    FhirPathTime,
    Temporal,
    compare,
    date_to_datetime,
    parse_date,
    parse_datetime,
    parse_time,
    same_precision,
)

if TYPE_CHECKING:
    from conformance.fhirpath.context import Env


class TypeInfo:
    """The result of `type()`: a namespace and a name (navigable as `.namespace` / `.name`)."""

    __slots__ = ("namespace", "name")

    def __init__(self, namespace: str, name: str) -> None:
        self.namespace = namespace
        self.name = name

    def __repr__(self) -> str:
        return f"{self.namespace}.{self.name}"


class NoValue:
    """Marker for a primitive node that has no value (only an id or extensions)."""


NO_VALUE = NoValue()

INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})
QUANTITY_TYPES = frozenset({"Quantity", "Age", "Duration", "Distance", "Count", "SimpleQuantity", "MoneyQuantity"})
UCUM_SYSTEM = "http://unitsofmeasure.org"

_SYSTEM_NAMES: dict[type, str] = {
    bool: "Boolean", int: "Integer", Decimal: "Decimal", str: "String", FhirPathDate: "Date",
    FhirPathDateTime: "DateTime", FhirPathTime: "Time", FhirPathQuantity: "Quantity",
}

_cache: dict[tuple[str, str], Any] = {}
_CACHE_LIMIT = 100_000


def _to_bool(v: str) -> Any:
    return True if v == "true" else False if v == "false" else v


def _to_int(v: str) -> Any:
    try:
        return int(v)
    except ValueError:
        return v


def _to_decimal(v: str) -> Any:
    try:
        d = Decimal(v)
    except InvalidOperation:
        return v
    return d if d.is_finite() else v


def _or_text(parsed: Any, v: str) -> Any:
    return v if parsed is None else parsed


_CONVERTERS = {
    "boolean": _to_bool,
    "decimal": _to_decimal,
    "date": lambda v: _or_text(parse_date(v), v),
    "dateTime": lambda v: _or_text(parse_datetime(v), v),
    "instant": lambda v: _or_text(parse_datetime(v), v),
    "time": lambda v: _or_text(parse_time(v), v),
}
for _t in INTEGER_TYPES:
    _CONVERTERS[_t] = _to_int


def convert_lexical(type_name: str, value: str, json_kind: str | None) -> Any:
    """A primitive's lexical form → its System value, by FHIR type."""
    conv = _CONVERTERS.get(type_name)
    if conv is None:
        if type_name or json_kind is None or json_kind == "string":
            return value
        if json_kind == "boolean":
            return _to_bool(value)
        return _to_int(value) if re.fullmatch(r"-?\d+", value) else _to_decimal(value)
    key = (type_name, value)
    found = _cache.get(key)
    if found is None:
        found = conv(value)
        if len(_cache) > _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = found
    return found


def system_value(item: Any, env: Env) -> Any:
    """The System value of an item: primitives nodes are converted, complex nodes stay nodes."""
    if type(item) is not Node:
        return item
    value = item.value
    if value is None:
        return item if item.children and not _is_primitive_node(item, env) else NO_VALUE
    return convert_lexical(env.type_name(item), value, item.json_kind)


def _is_primitive_node(node: Node, env: Env) -> bool:
    name = env.type_name(node)
    if name:
        return name[0].islower()
    return all(c.name in ("id", "extension") for c in node.children)


def node_quantity(node: Node, env: Env) -> FhirPathQuantity | None:
    """A FHIR Quantity-like element as a System.Quantity (UCUM code as unit when present)."""
    if env.type_name(node) not in QUANTITY_TYPES:
        return None
    value = node.child("value")
    if value is None or value.value is None:
        return None
    number = _to_decimal(value.value)
    if not isinstance(number, Decimal):
        return None
    code = node.child("code")
    system = node.child("system")
    unit = node.child("unit")
    if code is not None and code.value and (system is None or system.value == UCUM_SYSTEM):
        u = code.value
    elif unit is not None and unit.value:
        u = unit.value
    elif code is not None and code.value:
        u = code.value
    else:
        u = "1"
    return FhirPathQuantity(number, u)


def singleton_value(coll: list[Any], env: Env, what: str) -> Any:
    """The one System value of a collection (None if empty); error if several."""
    if not coll:
        return None
    if len(coll) > 1:
        raise FhirPathError(f"{what} expects a single item, got {len(coll)}")
    v = system_value(coll[0], env)
    return None if v is NO_VALUE else v


# -- types ---------------------------------------------------------------------------------------

def system_type_name(value: Any) -> str | None:
    return _SYSTEM_NAMES.get(type(value))


def type_info(item: Any, env: Env) -> TypeInfo | None:
    if type(item) is Node:
        fhir_name = env.type_name(item)
        return TypeInfo("FHIR", fhir_name) if fhir_name else None
    name = _SYSTEM_NAMES.get(type(item))
    if name is not None:
        return TypeInfo("System", name)
    if isinstance(item, TypeInfo):
        return TypeInfo("System", "Object")
    return None


def fhir_output_type(item: Any, env: Env) -> str:
    """A type name for display: the FHIR type of a node, the lower-case System name otherwise."""
    if type(item) is Node:
        return env.type_name(item) or "Element"
    if isinstance(item, TypeInfo):
        return "TypeInfo"
    name = _SYSTEM_NAMES.get(type(item), "Object")
    return name if name == "Quantity" else name[0].lower() + name[1:]


# -- equality ------------------------------------------------------------------------------------

def _numeric(v: Any) -> bool:
    t = type(v)
    return t is int or t is Decimal


def _as_quantity(v: Any, env: Env) -> Any:
    if type(v) is Node:
        q = node_quantity(v, env)
        return q if q is not None else v
    return v


def items_equal(a: Any, b: Any, env: Env) -> bool | None:
    """`=` on two single items: True, False, or None (unknown, e.g. different precision)."""
    if type(a) is Node and type(b) is Node and a.value is None and b.value is None:
        qa, qb = node_quantity(a, env), node_quantity(b, env)
        if qa is not None and qb is not None:
            return quantity_equal(qa, qb)
        return _nodes_equal(a, b, env, equivalent=False)
    va, vb = system_value(a, env), system_value(b, env)
    if va is NO_VALUE or vb is NO_VALUE:
        return None
    return values_equal(va, vb, env)


def values_equal(va: Any, vb: Any, env: Env) -> bool | None:
    ta, tb = type(va), type(vb)
    if ta is tb and (ta is str or ta is bool or ta is int):
        return va == vb
    if _numeric(va) and _numeric(vb):
        return va == vb
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        va, vb = _promote(va, vb)
        if va is None:
            return False
        c = compare(va, vb)
        return None if c is None else c == 0
    if ta is Node or tb is Node:
        va, vb = _as_quantity(va, env), _as_quantity(vb, env)
        if type(va) is Node or type(vb) is Node:
            return False
        ta, tb = type(va), type(vb)
    if ta is FhirPathQuantity and tb is FhirPathQuantity:
        return quantity_equal(va, vb)
    if ta is TypeInfo and tb is TypeInfo:
        return va.namespace == vb.namespace and va.name == vb.name
    return False


def _promote(a: Temporal, b: Temporal) -> tuple[Any, Any]:
    if a.kind == b.kind:
        return a, b
    if a.kind == "time" or b.kind == "time":
        return None, None
    if isinstance(a, FhirPathDate):
        a = date_to_datetime(a)
    if isinstance(b, FhirPathDate):
        b = date_to_datetime(b)
    return a, b


def _nodes_equal(a: Node, b: Node, env: Env, equivalent: bool) -> bool | None:
    ca, cb = a.children, b.children
    if equivalent:
        ca = [c for c in ca if c.name != "id"]
        cb = [c for c in cb if c.name != "id"]
    if len(ca) != len(cb):
        return False
    result: bool | None = True
    for x, y in zip(ca, cb, strict=True):
        if x.name != y.name:
            return False
        if x.value is not None or y.value is not None:
            r = items_equivalent(x, y, env) if equivalent else items_equal(x, y, env)
        else:
            r = _nodes_equal(x, y, env, equivalent)
        if r is False:
            return False
        if r is None:
            result = None
    return result


def collections_equal(left: list[Any], right: list[Any], env: Env) -> bool | None:
    if len(left) != len(right):
        return False
    result: bool | None = True
    for a, b in zip(left, right, strict=True):
        r = items_equal(a, b, env)
        if r is False:
            return False
        if r is None:
            result = None
    return result


# -- equivalence ---------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def _norm_text(s: str) -> str:
    return _WS.sub(" ", s.strip()).lower()


def _decimal_places(d: Decimal) -> int:
    e = d.as_tuple().exponent
    return max(-e, 0) if isinstance(e, int) else 0


def items_equivalent(a: Any, b: Any, env: Env) -> bool:
    if type(a) is Node and type(b) is Node and a.value is None and b.value is None:
        qa, qb = node_quantity(a, env), node_quantity(b, env)
        if qa is not None and qb is not None:
            return quantity_equivalent(qa, qb)
        return _nodes_equal(a, b, env, equivalent=True) is True
    va, vb = system_value(a, env), system_value(b, env)
    if va is NO_VALUE or vb is NO_VALUE:
        return va is vb
    ta, tb = type(va), type(vb)
    if ta is str and tb is str:
        return _norm_text(va) == _norm_text(vb)
    if _numeric(va) and _numeric(vb):
        da, db = Decimal(va), Decimal(vb)
        places = min(_decimal_places(da), _decimal_places(db))
        with localcontext() as ctx:
            ctx.prec = 40
            q = Decimal(1).scaleb(-places)
            return da.quantize(q) == db.quantize(q)
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        va, vb = _promote(va, vb)
        if va is None or not same_precision(va, vb):
            return False
        return compare(va, vb) == 0
    va, vb = _as_quantity(va, env), _as_quantity(vb, env)
    if type(va) is FhirPathQuantity and type(vb) is FhirPathQuantity:
        return quantity_equivalent(va, vb)
    r = values_equal(va, vb, env)
    return r is True


def collections_equivalent(left: list[Any], right: list[Any], env: Env) -> bool:
    if len(left) != len(right):
        return False
    remaining = list(right)
    for a in left:
        for i, b in enumerate(remaining):
            if items_equivalent(a, b, env):
                del remaining[i]
                break
        else:
            return False
    return True


# -- ordering ------------------------------------------------------------------------------------

def compare_values(va: Any, vb: Any, env: Env, op: str) -> int | None:
    """Order two System values (after conversion); FhirPathError for incomparable types."""
    ta, tb = type(va), type(vb)
    if _numeric(va) and _numeric(vb):
        return (va > vb) - (va < vb)
    if ta is str and tb is str:
        return (va > vb) - (va < vb)
    if isinstance(va, Temporal) and isinstance(vb, Temporal):
        pa, pb = _promote(va, vb)
        if pa is None:
            raise FhirPathError(f"cannot compare {va.kind} with {vb.kind} using {op}")
        return compare(pa, pb)
    va, vb = _as_quantity(va, env), _as_quantity(vb, env)
    if type(va) is FhirPathQuantity and type(vb) is FhirPathQuantity:
        return compare_quantities(va, vb)
    if type(va) is FhirPathQuantity and _numeric(vb) and va.unit == "1":
        return compare_quantities(va, FhirPathQuantity(Decimal(vb)))
    raise FhirPathError(f"cannot compare {_describe(va, env)} with {_describe(vb, env)} using {op}")


def _describe(v: Any, env: Env) -> str:
    if type(v) is Node:
        return f"a {env.type_name(v) or 'complex element'} ({v.location})"
    return f"a {system_type_name(v) or type(v).__name__} ({v!r})"


# -- identity for distinct/union/intersect -------------------------------------------------------

def item_key(item: Any, env: Env) -> Any:
    """A hashable key such that equal items (by `=`) share a key."""
    v = system_value(item, env) if type(item) is Node else item
    t = type(v)
    if t is str:
        return v
    if t is bool:
        return ("b", v)
    if t is int or t is Decimal:
        return ("n", Decimal(v).normalize() if v else 0)
    if t is Node:
        q = node_quantity(v, env)
        if q is not None:
            return _quantity_key(q)
        return ("c", tuple((c.name, item_key(c, env)) for c in v.children))
    if t is FhirPathQuantity:
        return _quantity_key(v)
    if isinstance(v, Temporal):
        return ("t", v.kind, str(v))
    if t is TypeInfo:
        return ("T", v.namespace, v.name)
    if v is NO_VALUE:
        return ("x", tuple((c.name, item_key(c, env)) for c in item.children))
    return ("o", id(v))


def _quantity_key(q: FhirPathQuantity) -> Any:
    base = ucum.to_base(q.value, q.unit) if not q.is_calendar else None
    if base is not None:
        return ("q", base[0].normalize(), base[1])
    return ("q", q.value.normalize(), q.unit)
