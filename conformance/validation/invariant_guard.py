"""Which children of its focus an invariant reads first — so most invariants need no evaluation.

Most invariants are about an element that is usually absent: `contained.contained.empty()` (dom-2),
`dataAbsentReason.empty() or value.empty()` (obs-6), `low.empty() or high.empty() or ...` (rng-2).
When none of the children an expression starts from is present, its value cannot depend on the
node: it is the value on an element with no children at all, computed once per expression.

The analysis is conservative: an expression gets a guard only when every path in it that starts at
the focus starts with a plain element name. Arguments of functions that run once per input item
(`where`, `select`, `all`, `exists`, ...) are not paths from the focus: on an absent input they never run. Anything that may read more — `$this`, `%resource`,
`%context` and other variables, functions called on the focus (`children()`, `descendants()`,
`hasValue()`, `extension()`, `iif()`, ...), type names used as the first step — gives no guard,
and the expression is always evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.fhir.tree import Node
from conformance.fhirpath import ast


class _Unsafe(Exception):
    pass


# functions whose arguments are evaluated once per item of their input: on an empty input they never run
_PER_ITEM = frozenset({"where", "select", "repeat", "all", "exists", "aggregate", "trace"})


def first_steps(tree: ast.Expr) -> frozenset[str] | None:
    """The element names the expression navigates to from its focus, or None when it may read more."""
    try:
        return frozenset(_roots(tree))
    except _Unsafe:
        return None


def _roots(e: ast.Expr) -> set[str]:
    if isinstance(e, ast.Literal):
        return set()
    if isinstance(e, ast.Member):
        if e.name[:1].isupper() or e.name == "value":
            raise _Unsafe  # a type name (a filter on the focus), or a primitive's own value
        return {e.name}
    if isinstance(e, ast.Invoke):
        found = _roots(e.target)
        if isinstance(e.member, ast.Call) and e.member.name not in _PER_ITEM:
            for arg in e.member.args:  # arguments of other functions may be evaluated against the outer focus
                found |= _roots(arg)
        return found
    if isinstance(e, ast.Binary):
        return _roots(e.left) | _roots(e.right)
    if isinstance(e, ast.Unary):
        return _roots(e.operand)
    if isinstance(e, ast.TypeOp):
        return _roots(e.operand)
    if isinstance(e, ast.Indexer):
        return _roots(e.target) | _roots(e.index)
    raise _Unsafe  # $this/$index, %variables, functions on the focus, anything new


_KEYS: dict[str, tuple[str, ...]] = {}


def name_keys(name: str) -> tuple[str, ...]:
    """The names a child called `name` answers to in a guard: itself and, for a choice such as
    `valueQuantity`, each prefix that ends before a capital (`value`). Cached: names are few."""
    keys = _KEYS.get(name)
    if keys is None:
        keys = _KEYS[name] = (name, *(name[:i] for i in range(1, len(name)) if name[i].isupper()))
    return keys


def present_names(children: Iterable[Node]) -> set[str]:
    """Every name the children answer to (`name_keys`), for `guard.isdisjoint(...)`: the same answer as
    `absent`, in one set operation per invariant instead of a scan of the children per guard name."""
    present: set[str] = set()
    keys = _KEYS
    for child in children:
        name = child.name
        present.update(keys.get(name) or name_keys(name))  # (the cache read inline: this runs per element)
    return present


def absent(guard: frozenset[str], child_names: set[str]) -> bool:
    """True when no child the guard names is present (choice names like `valueQuantity` count as `value`)."""
    for name in guard:
        if name in child_names:
            return False
        n = len(name)
        for child in child_names:
            if len(child) > n and child.startswith(name) and child[n].isupper():
                return False
    return True
