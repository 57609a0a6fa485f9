"""Syntax tree → Python closures, built once per expression text.

Every compiled piece has the signature `(coll, env) -> list`: `coll` is the context collection
that a name at the start of a path navigates from (and that `$this` denotes), `env` the state
of one evaluation. Paths become tight loops over `Node.children`; nothing is parsed or looked up
by name at evaluation time except what genuinely depends on the data (node types for choice
elements and typed comparisons, cached per node).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import INDEX_THRESHOLD, Node
from conformance.fhirpath import ast
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError, FhirPathSyntaxError
from conformance.fhirpath.functions import REGISTRY
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE, as_boolean, distinct, result
from conformance.fhirpath.operators import ARITHMETIC, negate
from conformance.fhirpath.typecheck import as_type, is_type, type_matches
from conformance.fhirpath.values import (
    NO_VALUE,
    TypeInfo,
    collections_equal,
    collections_equivalent,
    compare_values,
    items_equal,
    node_quantity,
    system_value,
)

Closure = Callable[[list[Any], Env], list[Any]]
Step = Callable[[list[Any], Env], list[Any]]

# capitalised FHIR type names that end a concrete choice name (valueQuantity, effectiveDateTime)
_TYPE_SUFFIX = re.compile(
    r"[a-z][A-Za-z0-9]*?(Base64Binary|Boolean|Canonical|Code|Date|DateTime|Decimal|Id|Instant|Integer|"
    r"Markdown|Oid|PositiveInt|String|Time|UnsignedInt|Uri|Url|Uuid|Address|Age|Annotation|Attachment|"
    r"CodeableConcept|Coding|ContactPoint|Count|Distance|Duration|HumanName|Identifier|Money|Period|"
    r"Quantity|Range|Ratio|Reference|SampledData|Signature|Timing|ContactDetail|Contributor|"
    r"DataRequirement|Expression|ParameterDefinition|RelatedArtifact|TriggerDefinition|UsageContext|"
    r"Dosage|Meta)"
)


def is_concrete_choice_name(name: str) -> bool:
    """Whether the engine checks `name` as a possible concrete choice name (`valueQuantity`), which is not a
    FHIRPath name where the model has the choice (`value[x]`): such a step may raise instead of navigating."""
    return _TYPE_SUFFIX.fullmatch(name) is not None


def compile_expr(node: ast.Expr) -> Closure:
    maker = _MAKERS.get(type(node))
    if maker is None:  # pragma: no cover - the parser builds only the node types below
        raise FhirPathSyntaxError(f"unsupported expression {node!r}", node.offset + 1)
    return maker(node)


# -- terms -----------------------------------------------------------------------------------------

def _literal(node: ast.Literal) -> Closure:
    value: list[Any] = [] if node.empty else [node.value]
    return lambda coll, env: value


def _root_member(node: ast.Member) -> Closure:
    return _member_step(node.name, at_root=True)


def _variable(node: ast.Variable) -> Closure:
    name = node.name
    return lambda coll, env: env.variable(name)


def _root_call(node: ast.Call) -> Closure:
    return _call(node, None)


def _special(node: ast.Special) -> Closure:
    if node.name == "$this":
        return lambda coll, env: coll
    if node.name == "$index":
        return lambda coll, env: [] if env.index is None else [env.index]
    return lambda coll, env: env.total if env.total is not None else []


def _invoke(node: ast.Invoke) -> Closure:
    target = compile_expr(node.target)
    member = node.member
    if isinstance(member, ast.Call):
        return _call(member, target)
    if isinstance(member, ast.Special):
        if member.name == "$this":
            return target
        raise FhirPathSyntaxError(f"{member.name} cannot follow '.'", member.offset + 1)
    assert isinstance(member, ast.Member)
    step = _member_step(member.name, at_root=False)
    run: Closure = lambda coll, env: step(target(coll, env), env)  # noqa: E731
    return _once_per_evaluation(run) if _from_variable(node) else run


def _from_variable(node: ast.Expr) -> bool:
    """A path from a variable through element names only (`%resource.type`): its value does not
    depend on the focus, so inside `entry.all(...)` it need not be recomputed for every entry."""
    while isinstance(node, ast.Invoke):
        if not isinstance(node.member, ast.Member):
            return False
        node = node.target
    return isinstance(node, ast.Variable)


def _once_per_evaluation(run: Closure) -> Closure:
    def memoised(coll: list[Any], env: Env) -> list[Any]:
        memo = env.memo
        if memo is None:
            memo = env.memo = {}
        found = memo.get(memoised)
        if found is None:
            found = memo[memoised] = run(coll, env)
        return found

    return memoised


def _member_step(name: str, at_root: bool) -> Step:
    """Navigation to children called `name` (or, for a choice element, `name` + Type)."""
    ln = len(name)
    suspicious = is_concrete_choice_name(name)
    type_filter = at_root and name[:1].isupper()

    def step(items: list[Any], env: Env) -> list[Any]:
        out: list[Any] = []
        for item in items:
            if type(item) is not Node:
                if isinstance(item, TypeInfo) and name in ("namespace", "name"):
                    out.append(getattr(item, name))
                continue
            if type_filter and _is_of_type(item, name, env):
                out.append(item)
                continue
            found = False
            candidates: list[Node] | None = None
            children = item.children
            if len(children) > INDEX_THRESHOLD:  # e.g. a Bundle's entries: one dict lookup
                index = item.by_name()
                hits = index.get(name)
                if hits:
                    out.extend(hits)
                    found = True
                else:
                    groups = [group for cn, group in index.items()
                              if cn.startswith(name) and ln < len(cn) and cn[ln].isupper()]
                    if len(groups) == 1:
                        candidates = list(groups[0])
                    elif groups:  # several choice names: document order, as a scan gives
                        order = {id(c): i for i, c in enumerate(children)}
                        candidates = sorted((c for g in groups for c in g), key=lambda c: order[id(c)])
                children = ()  # type: ignore[assignment]
            for c in children:
                cn = c.name
                if cn == name:
                    out.append(c)
                    found = True
                elif cn.startswith(name) and ln < len(cn) and cn[ln].isupper():
                    if candidates is None:
                        candidates = []
                    candidates.append(c)
            if found:
                if suspicious:
                    _check_not_concrete(item, name, env)
            elif candidates is not None:
                _choice_children(item, name, candidates, out, env)
            elif env.ctx.strict:
                _strict_check(item, name, env)
        return out

    return step


def _is_of_type(item: Node, name: str, env: Env) -> bool:
    tn = item.resource_type or env.type_name(item)
    return bool(tn) and type_matches(env.model, tn, name, exact_primitives=False)


_CONCRETE: dict[tuple[int, str, str], str] = {}


def _check_not_concrete(item: Node, name: str, env: Env) -> None:
    """`valueQuantity` is not a FHIRPath name where the model has the choice `value[x]`."""
    key = env.type_key(item)
    if not key:
        return
    memo = (id(env.model), key, name)
    base = _CONCRETE.get(memo)
    if base is None:
        info = env.model.child(key, name)
        base = info.concrete_of or "" if info is not None else ""
        _CONCRETE[memo] = base
    if base:
        raise FhirPathError(f"'{name}' is not an element name in FHIRPath: '{base}' is a "
                            f"choice element (use {base} or {base}.ofType(...))")


def _choice_children(item: Node, name: str, candidates: list[Node], out: list[Any], env: Env) -> None:
    key = env.type_key(item)
    info = env.model.child(key, name) if key else None
    if info is not None:
        if info.choice:
            out.extend(c for c in candidates if c.name in info.concrete)
        return
    if not key or not env.model.knows(key):  # no model: accept name + Capitalised suffix
        out.extend(candidates)


def _strict_check(item: Node, name: str, env: Env) -> None:
    key = env.type_key(item)
    if key and env.model.knows(key) and env.model.child(key, name) is None and name not in ("extension", "id"):
        raise FhirPathError(f"'{name}' is not an element of {env.type_name(item)} ({item.location})")


# -- functions -------------------------------------------------------------------------------------

def _call(node: ast.Call, target: Closure | None) -> Closure:
    spec = REGISTRY.get(node.name)
    if spec is None:
        raise FhirPathSyntaxError(f"unknown function '{node.name}'", node.offset + 1)
    n = len(node.args)
    if not spec.min_args <= n <= spec.max_args:
        expected = (str(spec.min_args) if spec.min_args == spec.max_args
                    else f"{spec.min_args} to {spec.max_args}")
        raise FhirPathSyntaxError(f"{node.name}() takes {expected} argument(s), got {n}", node.offset + 1)
    impl = spec.impl
    if spec.kind == "special":
        return impl(node, target, compile_expr)
    if spec.kind == "type":
        typespec = _type_spec(node.args[0]) if n else None
        if target is None:
            return lambda coll, env: impl(coll, env, typespec)
        return lambda coll, env: impl(target(coll, env), env, typespec)
    args = [compile_expr(a) for a in node.args]
    if spec.kind == "lazy":
        if target is None:
            return lambda coll, env: impl(coll, env, coll, *args)
        return lambda coll, env: impl(target(coll, env), env, coll, *args)
    # eager
    if n == 0:
        if target is None:
            return lambda coll, env: impl(coll, env)
        return lambda coll, env: impl(target(coll, env), env)
    if n == 1:
        a0 = args[0]
        if target is None:
            return lambda coll, env: impl(coll, env, a0(coll, env))
        return lambda coll, env: impl(target(coll, env), env, a0(coll, env))
    if target is None:
        return lambda coll, env: impl(coll, env, *[a(coll, env) for a in args])
    return lambda coll, env: impl(target(coll, env), env, *[a(coll, env) for a in args])


def _type_spec(node: ast.Expr) -> ast.TypeSpec:
    if isinstance(node, ast.Member):
        return ast.TypeSpec(None, node.name)
    if isinstance(node, ast.Invoke) and isinstance(node.target, ast.Member) and isinstance(node.member, ast.Member):
        return ast.TypeSpec(node.target.name, node.member.name)
    if isinstance(node, ast.Literal) and isinstance(node.value, str):
        return ast.TypeSpec(None, node.value)
    raise FhirPathSyntaxError("expected a type name", node.offset + 1)


# -- operators -------------------------------------------------------------------------------------

def _unary(node: ast.Unary) -> Closure:
    operand = compile_expr(node.operand)
    if node.op == "+":
        return operand
    if isinstance(node.operand, ast.Literal) and not node.operand.empty:
        try:
            folded: list[Any] = [negate(node.operand.value)]
        except FhirPathError:
            pass
        else:
            return lambda coll, env: folded

    def run(coll: list[Any], env: Env) -> list[Any]:
        items = operand(coll, env)
        if not items:
            return EMPTY
        if len(items) > 1:
            raise FhirPathError(f"unary '-' expects a single item, got {len(items)}")
        v = system_value(items[0], env)
        return EMPTY if v is NO_VALUE else [negate(v)]

    return run


def _indexer(node: ast.Indexer) -> Closure:
    target = compile_expr(node.target)
    index = compile_expr(node.index)

    def run(coll: list[Any], env: Env) -> list[Any]:
        items = target(coll, env)
        idx = index(coll, env)
        if not idx:
            return EMPTY
        i = system_value(idx[0], env)
        if len(idx) > 1 or type(i) is not int:
            raise FhirPathError("an index must be a single integer")
        return [items[i]] if 0 <= i < len(items) else EMPTY

    return run


def _type_op(node: ast.TypeOp) -> Closure:
    operand = compile_expr(node.operand)
    spec = node.type
    fn = is_type if node.op == "is" else as_type
    return lambda coll, env: fn(operand(coll, env), spec, env)


def _binary(node: ast.Binary) -> Closure:
    op = node.op
    left = compile_expr(node.left)
    right = compile_expr(node.right)
    maker = _BINARY.get(op)
    if maker is not None:
        return maker(left, right, op)
    if op in ARITHMETIC:
        return _arithmetic(left, right, op)
    raise FhirPathSyntaxError(f"unknown operator {op}", node.offset + 1)  # pragma: no cover


def _and(left: Closure, right: Closure, op: str) -> Closure:
    def run(coll: list[Any], env: Env) -> list[Any]:
        a = as_boolean(left(coll, env), env, "and")
        if a is False:
            return FALSE
        b = as_boolean(right(coll, env), env, "and")
        if b is False:
            return FALSE
        return TRUE if a and b else EMPTY

    return run


def _or(left: Closure, right: Closure, op: str) -> Closure:
    def run(coll: list[Any], env: Env) -> list[Any]:
        a = as_boolean(left(coll, env), env, "or")
        if a is True:
            return TRUE
        b = as_boolean(right(coll, env), env, "or")
        if b is True:
            return TRUE
        return FALSE if a is False and b is False else EMPTY

    return run


def _xor(left: Closure, right: Closure, op: str) -> Closure:
    def run(coll: list[Any], env: Env) -> list[Any]:
        a = as_boolean(left(coll, env), env, "xor")
        b = as_boolean(right(coll, env), env, "xor")
        return EMPTY if a is None or b is None else result(a != b)

    return run


def _implies(left: Closure, right: Closure, op: str) -> Closure:
    def run(coll: list[Any], env: Env) -> list[Any]:
        a = as_boolean(left(coll, env), env, "implies")
        if a is False:
            return TRUE
        b = as_boolean(right(coll, env), env, "implies")
        if b is True:
            return TRUE
        if a is True and b is False:
            return FALSE
        return EMPTY

    return run


def _equals(left: Closure, right: Closure, op: str) -> Closure:
    negated = op == "!="

    def run(coll: list[Any], env: Env) -> list[Any]:
        a = left(coll, env)
        if not a:
            return EMPTY
        b = right(coll, env)
        if not b:
            return EMPTY
        r = items_equal(a[0], b[0], env) if len(a) == 1 and len(b) == 1 else collections_equal(a, b, env)
        if r is None:
            return EMPTY
        return TRUE if r != negated else FALSE

    return run


def _equivalent(left: Closure, right: Closure, op: str) -> Closure:
    negated = op == "!~"

    def run(coll: list[Any], env: Env) -> list[Any]:
        a = left(coll, env)
        b = right(coll, env)
        r = collections_equivalent(a, b, env) if a or b else True
        return TRUE if r != negated else FALSE

    return run


_COMPARISONS = {"<": lambda c: c < 0, ">": lambda c: c > 0, "<=": lambda c: c <= 0, ">=": lambda c: c >= 0}


def _operands(a: list[Any], b: list[Any], env: Env, op: str) -> tuple[Any, Any] | None:
    """The single values of a binary operator's two sides; None when either is empty (empty propagation)."""
    if not a or not b:
        return None
    if len(a) > 1 or len(b) > 1:
        raise FhirPathError(f"'{op}' expects single items, got {len(a)} and {len(b)}")
    va, vb = system_value(a[0], env), system_value(b[0], env)
    if va is NO_VALUE or vb is NO_VALUE:
        return None
    return va, vb


def _compare(left: Closure, right: Closure, op: str) -> Closure:
    test = _COMPARISONS[op]

    def run(coll: list[Any], env: Env) -> list[Any]:
        pair = _operands(left(coll, env), right(coll, env), env, op)
        if pair is None:
            return EMPTY
        va, vb = pair
        c = compare_values(va, vb, env, op)
        return EMPTY if c is None else (TRUE if test(c) else FALSE)

    return run


def _union(left: Closure, right: Closure, op: str) -> Closure:
    return lambda coll, env: distinct(left(coll, env) + right(coll, env), env)


# A collection searched with `in`/`contains` again and again (dom-3 looks up every contained resource's id in
# one list of references) is turned into a set of its strings once; only when every item is a string, where
# FHIRPath equality is plain string equality. One slot: the last collection (kept alive by the slot), its
# length and its set, replaced as one tuple so that a thread never reads one collection's set for another.
_MEMBERSHIP_SET_MIN = 32
_membership_slot: tuple[list[Any] | None, int, set[str] | None] = (None, 0, None)


def _string_set(b: list[Any], env: Env) -> set[str] | None:
    global _membership_slot
    slot = _membership_slot
    if slot[0] is not b or slot[1] != len(b):
        values = [system_value(x, env) for x in b]
        slot = _membership_slot = (b, len(b), set(values) if all(type(v) is str for v in values) else None)
    return slot[2]


def _membership(left: Closure, right: Closure, op: str) -> Closure:
    def run(coll: list[Any], env: Env) -> list[Any]:
        a = left(coll, env)
        b = right(coll, env)
        if op == "contains":
            a, b = b, a
        if not a:
            return EMPTY
        if len(a) > 1:
            raise FhirPathError(f"'{op}' expects a single item to look for, got {len(a)}")
        item = a[0]
        if len(b) >= _MEMBERSHIP_SET_MIN:
            strings = _string_set(b, env)
            value = system_value(item, env) if strings is not None else None
            if strings is not None and type(value) is str:
                return TRUE if value in strings else FALSE
        for other in b:
            if items_equal(item, other, env):
                return TRUE
        return FALSE

    return run


def _concatenate(left: Closure, right: Closure, op: str) -> Closure:
    def text(items: list[Any], env: Env) -> str:
        if not items:
            return ""
        if len(items) > 1:
            raise FhirPathError(f"'&' expects single strings, got {len(items)} items")
        v = system_value(items[0], env)
        if v is NO_VALUE:
            return ""
        if type(v) is not str:
            raise FhirPathError(f"'&' expects strings, got {v!r}")
        return v

    return lambda coll, env: [text(left(coll, env), env) + text(right(coll, env), env)]


def _arithmetic(left: Closure, right: Closure, op: str) -> Closure:
    fn = ARITHMETIC[op]

    def run(coll: list[Any], env: Env) -> list[Any]:
        pair = _operands(left(coll, env), right(coll, env), env, op)
        if pair is None:
            return EMPTY
        va, vb = pair
        if type(va) is Node:
            va = node_quantity(va, env) or va
        if type(vb) is Node:
            vb = node_quantity(vb, env) or vb
        if type(va) is bool or type(vb) is bool:
            raise FhirPathError(f"'{op}' cannot be applied to Booleans")
        r = fn(va, vb)
        return EMPTY if r is None else [r]

    return run


_BINARY: dict[str, Callable[[Closure, Closure, str], Closure]] = {
    "and": _and, "or": _or, "xor": _xor, "implies": _implies,
    "=": _equals, "!=": _equals, "~": _equivalent, "!~": _equivalent,
    "<": _compare, ">": _compare, "<=": _compare, ">=": _compare,
    "|": _union, "in": _membership, "contains": _membership, "&": _concatenate,
}


_MAKERS: dict[type, Callable[[Any], Closure]] = {
    ast.Literal: _literal, ast.Member: _root_member, ast.Invoke: _invoke, ast.Call: _root_call,
    ast.Special: _special, ast.Variable: _variable, ast.Binary: _binary, ast.Unary: _unary,
    ast.Indexer: _indexer, ast.TypeOp: _type_op,
}
