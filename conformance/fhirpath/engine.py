"""The public face of the engine: compile once (cached by text), evaluate many times."""

from __future__ import annotations

from decimal import DecimalException
from functools import lru_cache
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath import ast
from conformance.fhirpath.compiler import Closure, compile_expr
from conformance.fhirpath.context import Env, EvaluationContext
from conformance.fhirpath.errors import FhirPathError, FhirPathSyntaxError
from conformance.fhirpath.model import ModelInfo
from conformance.fhirpath.parser import parse
from conformance.fhirpath.semantic import check

__all__ = ["CompiledExpression", "compile", "evaluate"]


class CompiledExpression:
    """A parsed and compiled expression; immutable, shareable between threads and contexts."""

    __slots__ = ("text", "tree", "_fn", "_checked")

    def __init__(self, text: str, tree: ast.Expr, fn: Closure) -> None:
        self.text = text
        self.tree = tree
        self._fn = fn
        self._checked: dict[tuple[str, bool], tuple[str, ...]] = {}

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"

    def evaluate(self, focus: Node | list[Any] | None, *, context: EvaluationContext | None = None) -> list[Any]:
        """Evaluate against `focus` (a node, or a list of items). Items of the result are
        `Node`s for elements of the instance, Python values for computed results.

        Raises FhirPathError when the expression cannot be evaluated on this input."""
        ctx = context if context is not None else EvaluationContext()
        coll: list[Any] = [] if focus is None else focus if isinstance(focus, list) else [focus]
        env = Env(ctx, coll)
        if ctx.strict and len(coll) == 1 and type(coll[0]) is Node:
            self._strict_check(env, coll[0])
        try:
            return list(self._fn(coll, env))
        except RecursionError:
            raise FhirPathError(f"the expression is nested too deeply to evaluate: {self.text}") from None
        except (DecimalException, OverflowError) as exc:
            raise FhirPathError(f"arithmetic error ({type(exc).__name__}) in {self.text}") from None

    def check(self, focus_type: str, model: ModelInfo, *, check_ordered_functions: bool = False) -> list[str]:
        """Static problems of this expression on an item of `focus_type` (a type name or a
        path key such as `Patient.contact`): names the model does not have, and so on."""
        return check(self.tree, focus_type, model, check_ordered_functions)

    def _strict_check(self, env: Env, focus: Node) -> None:
        key = env.type_key(focus)
        if not key:
            return
        flag = env.ctx.check_ordered_functions
        problems = self._checked.get((key, flag))
        if problems is None:
            problems = tuple(check(self.tree, key, env.model, flag))
            self._checked[(key, flag)] = problems
        if problems:
            raise FhirPathError(f"{problems[0]} (in {self.text})")


@lru_cache(maxsize=8192)
def compile(expression: str) -> CompiledExpression:  # noqa: A001 - the name the callers use
    """Parse and compile an expression; raises FhirPathSyntaxError with the column at fault."""
    try:
        tree = parse(expression)
        return CompiledExpression(expression, tree, compile_expr(tree))
    except RecursionError:
        raise FhirPathSyntaxError("the expression is nested too deeply", 1) from None


def evaluate(expression: str, focus: Node | list[Any] | None, *, context: EvaluationContext | None = None,
             **options: Any) -> list[Any]:
    """Convenience: compile (cached) and evaluate. `options` are EvaluationContext fields."""
    if context is None:
        context = EvaluationContext(**options)
    return compile(expression).evaluate(focus, context=context)
