"""A static check of an expression against the model, for strict mode.

Infers, where it can, which FHIR types each path step yields (starting from the focus type)
and reports names that no such type has (`name.given1`), names used after a type cast that
excludes them (`(value as Period).unit`), and — when asked — order-dependent functions
(`skip`, `first`, `[0]`, ...) applied to the unordered results of children()/descendants().
Anything it cannot follow (functions returning computed values, resolve(), variables) is
"unknown" and never reported: this check finds mistakes, it does not prove correctness.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.fhirpath import ast
from conformance.fhirpath.model import ModelInfo

_KEEP_TYPES = {"where", "first", "last", "tail", "skip", "take", "single", "distinct", "trace", "intersect",
               "exclude", "sort", "repeat"}
_ORDERED = {"first", "last", "tail", "skip", "take", "single"}
_SAME_ORDER = {"where", "distinct", "trace", "intersect", "exclude"}


@dataclass(frozen=True)
class Shape:
    keys: frozenset[str] | None  # model type keys, None = unknown
    ordered: bool = True


UNKNOWN = Shape(None)


class Checker:
    def __init__(self, model: ModelInfo, check_ordered: bool, any_type: bool = False) -> None:
        self.model = model
        self.check_ordered = check_ordered
        self.any_type = any_type  # a name is an error only when none of the possible types has it
        self.problems: list[str] = []

    def shape(self, node: ast.Expr, this: Shape, at_root: bool = True) -> Shape:
        if isinstance(node, ast.Member):
            return self.member(this, node.name, at_root)
        if isinstance(node, ast.Special):
            return this if node.name == "$this" else UNKNOWN
        if isinstance(node, ast.Invoke):
            target = self.shape(node.target, this)
            m = node.member
            if isinstance(m, ast.Member):
                return self.member(target, m.name, at_root=False)
            if isinstance(m, ast.Call):
                return self.call(m, target, this)
            return target
        if isinstance(node, ast.Call):
            return self.call(node, this, this)
        if isinstance(node, ast.TypeOp):
            self.shape(node.operand, this)
            if node.op == "as" and node.type.namespace != "System":
                return Shape(frozenset({node.type.name}))
            return UNKNOWN
        if isinstance(node, ast.Indexer):
            target = self.shape(node.target, this)
            self.shape(node.index, this)
            self.ordered_use(target, "[]")
            return target
        if isinstance(node, ast.Binary):
            left = self.shape(node.left, this)
            right = self.shape(node.right, this)
            if node.op == "|" and left.keys is not None and right.keys is not None:
                return Shape(left.keys | right.keys)
            return UNKNOWN
        if isinstance(node, ast.Unary):
            self.shape(node.operand, this)
        return UNKNOWN

    def member(self, target: Shape, name: str, at_root: bool) -> Shape:
        if target.keys is None:
            return UNKNOWN
        out: set[str] = set()
        lacking: list[str] = []
        for key in target.keys:
            if at_root and name[:1].isupper() and (key == name or self.model.is_subtype(
                    self.model.type_name(key), name)):
                out.add(key)
                continue
            if not self.model.knows(key) or ("." not in key and self.model.is_abstract(key)):
                return UNKNOWN
            info = self.model.child(key, name)
            if info is None:
                if name in ("extension", "id", "modifierExtension"):
                    return UNKNOWN
                if self.any_type:
                    lacking.append(key)
                    continue
                self.problems.append(f"'{name}' is not an element of {self.model.type_name(key)}")
                return UNKNOWN
            if info.choice:
                out.update(t for t in info.types)
            elif info.type_key:
                out.add(info.type_key)
            else:
                return UNKNOWN
        if lacking and not out:
            names = sorted({self.model.type_name(k) for k in lacking})
            self.problems.append(f"'{name}' is not an element of {' or '.join(names)}")
            return UNKNOWN
        return Shape(frozenset(out), target.ordered)

    def call(self, call: ast.Call, target: Shape, this: Shape) -> Shape:
        name = call.name
        if name in ("ofType", "as") and call.args and isinstance(call.args[0], ast.Member):
            return Shape(frozenset({call.args[0].name}), target.ordered)
        item = Shape(target.keys) if target.keys is not None else UNKNOWN
        if name in ("is", "as", "ofType"):
            return UNKNOWN
        for arg in call.args:
            self.shape(arg, item if name in ("where", "select", "exists", "all", "repeat", "sort") else this)
        if name in _ORDERED:
            self.ordered_use(target, name + "()")
        if name == "select" and call.args:
            inner = self.shape(call.args[0], item)
            return Shape(inner.keys, target.ordered and inner.ordered)
        if name in ("children", "descendants"):
            return Shape(None, ordered=False)
        if name in _KEEP_TYPES:
            return Shape(target.keys, target.ordered if name in _SAME_ORDER else True)
        return UNKNOWN

    def ordered_use(self, target: Shape, what: str) -> None:
        if self.check_ordered and not target.ordered:
            self.problems.append(f"{what} depends on order, but its input (from children() or descendants()) "
                                 "has none")


def check(tree: ast.Expr, focus_type: str, model: ModelInfo, check_ordered: bool = False,
          any_type: bool = False) -> list[str]:
    """Problems found in `tree` evaluated on an item of type `focus_type` (a model key). With `any_type`, a name
    is a problem only where none of the types the path can have at that point has it (`value.code` on a
    choice is fine because a Coding has a code), as FHIRPath evaluates it."""
    checker = Checker(model, check_ordered, any_type)
    checker.shape(tree, Shape(frozenset({focus_type})))
    return checker.problems
