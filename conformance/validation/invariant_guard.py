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

from collections.abc import Iterable, Sequence

from conformance.fhir.tree import Node
from conformance.fhirpath import ast, is_concrete_choice_name


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


def present_names(children: Iterable[Node]) -> dict[str, bool]:
    """Every name the children answer to (`name_keys`), for `guard.isdisjoint(...)` (the same answer as
    `absent`, in one set operation per invariant instead of a scan of the children per guard name) and for
    `presence_verdict`: True for a child's own name, False for a name it answers to only as a choice's
    typed name (`value` for `valueQuantity`)."""
    present: dict[str, bool] = {}
    keys = _KEYS
    for child in children:
        name = child.name
        present[name] = True
        for key in (keys.get(name) or name_keys(name))[1:]:  # (the cache read inline: this runs per element)
            present.setdefault(key, False)
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


# -- invariants decided by presence alone -----------------------------------------------------------

# (name, value when a child called `name` is present, value when none is; None where it depends on more):
# `name.exists()` is (name, True, False), `name.empty()` (name, False, True), and a longer path from `name`
# ending in `.empty()`, such as obs-7's `component.code.where(...).empty()`, (name, None, True). A path of
# element names only, such as dom-6's `text.div.exists()`, is a dotted name ("text.div", True, False): the
# children are followed name by name, which cannot fail
PresenceTerm = tuple[str, bool | None, bool | None]

# functions that give an empty result on an empty input and cannot fail on it (their arguments run once per
# input item, or there are none). Not `ofType` (the engine checks its type name whatever the input: `ofType(Foo)`
# is an error on nothing too), nor `skip`/`take` (their argument is evaluated on the outer focus whatever the
# input: `take('x')` is an error on nothing too)
_EMPTY_ON_EMPTY = frozenset({"where", "select", "first", "last", "tail", "distinct", "single", "repeat",
                             "children", "descendants"})


def presence_terms(tree: ast.Expr) -> tuple[tuple[PresenceTerm, ...], bool] | None:
    """The leading operands of an `or` chain that depend only on whether a child is present, and whether
    they are the whole expression; None when there are none.

    Most invariants on common types are of this shape: qty-3 `code.empty() or system.exists()`,
    cpt-2 `value.empty() or system.exists()`, obs-6 `dataAbsentReason.empty() or value.empty()`,
    obs-3 `low.exists() or high.exists() or text.exists()`, obs-7 `value.empty() or component.code.where(
    ...).empty()`. By FHIRPath's `or` ("true if either operand evaluates to true"), one term that holds
    decides the expression; when the terms are the whole expression and none holds, it is false.
    `presence_verdict` decides from the children, so the engine is not started for them (it stays the judge
    of everything else)."""
    operands: list[ast.Expr] = []
    e = tree
    while isinstance(e, ast.Binary) and e.op == "or":
        operands.append(e.right)
        e = e.left
    operands.append(e)
    operands.reverse()
    terms: list[PresenceTerm] = []
    for operand in operands:
        term = _presence_term(operand)
        if term is None:
            break
        terms.append(term)
    if not terms:
        return None
    return tuple(terms), len(terms) == len(operands)


def _presence_term(e: ast.Expr) -> PresenceTerm | None:
    if not (isinstance(e, ast.Invoke) and isinstance(e.member, ast.Call) and not e.member.args
            and e.member.name in ("exists", "empty")):
        return None
    exists = e.member.name == "exists"
    path = e.target
    deep = False
    steps: list[str] | None = []  # the names after the first, while the path has element names only
    while isinstance(path, ast.Invoke):  # a longer path: member steps and functions empty on an empty input
        deep = True
        member = path.member
        if isinstance(member, ast.Member) and steps is not None and _plain_name(member.name):
            steps.append(member.name)
        elif isinstance(member, ast.Member) or (isinstance(member, ast.Call) and member.name in _EMPTY_ON_EMPTY):
            steps = None
        else:
            return None
        path = path.target
    if not isinstance(path, ast.Member) or not _plain_name(path.name):
        return None
    name = path.name
    if deep and steps is not None:
        return ".".join([name, *reversed(steps)]), exists, not exists
    if deep:
        return name, None, not exists
    return name, exists, not exists


def _plain_name(name: str) -> bool:
    """A plain element name: not a type name (a filter on the focus), nor a name the engine checks as a
    concrete choice (`valueQuantity`: it may raise there)."""
    return name[:1].islower() and name.isalnum() and not is_concrete_choice_name(name)


def presence_verdict(terms: tuple[PresenceTerm, ...], complete: bool, present: dict[str, bool],
                     children: Sequence[Node] = ()) -> bool | None:
    """True when a term holds; False when the terms are the whole expression and none holds; None when
    the engine must decide (a term that depends on more than presence, which the engine would evaluate, and
    which may fail, before any later term; a term that does not hold with others after it; or a name present
    only as a choice's typed name, `valueQuantity` for `value`, which the engine checks against the model).
    `present` is `present_names` of the focus's `children` (which a dotted name follows)."""
    decided = True
    for name, when_present, when_absent in terms:
        found = present.get(name)  # (None for a dotted name: no child is called that)
        if found is None and "." in name:
            first, _, rest = name.partition(".")
            found = present.get(first)
            if found:
                reached = _path_present(first, rest.split("."), children)  # (False when the path ends in nothing)
                if reached is None:
                    return None  # a choice's typed name on the way: the engine's (it may read the model)
                if reached if when_present else not reached:
                    return True
                continue
        if found is None:
            value = when_absent
        elif when_present is None:
            # a longer path from a present element: the engine evaluates it before any later term, and it may
            # fail there (`name.single()` on two names, a `where` criterion that is not one boolean), which is
            # `invariant.not-evaluated` whatever the later terms say
            return None
        elif found:
            value = when_present
        else:  # present only as a choice's typed name: the engine's to judge (a plain step, which cannot fail)
            decided = False
            continue
        if value:
            return True
    return False if decided and complete else None


def _path_present(first: str, steps: list[str], children: Sequence[Node]) -> bool | None:
    """Whether the element path `first.steps...` reaches any node from `children`, as the engine's member steps
    find it (children named exactly so); None where a child answers only as a choice's typed name."""
    nodes = [c for c in children if c.name == first]
    for step in steps:
        n = len(step)
        found: list[Node] = []
        for node in nodes:
            for child in node.children:
                cn = child.name
                if cn == step:
                    found.append(child)
                elif len(cn) > n and cn[n].isupper() and cn.startswith(step):
                    return None
        if not found:
            return False
        nodes = found
    return bool(nodes)
