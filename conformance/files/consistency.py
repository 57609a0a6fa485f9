"""The per-resource behaviour of the `consistent-values` and `check-character` rule types.

Both are compiled once per worker (their FHIRPath expressions and patterns) and yield
`(node, issue code, message parameters)` for what they find, which the partition run records
at the node's location like every other rule's finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath import FhirPathError
from conformance.fhirpath import compile as compile_fhirpath
from conformance.profiles.filerules.check_character import Params as CheckCharacterParams
from conformance.profiles.filerules.consistent_values import Params as ConsistentParams
from conformance.profiles.model import FileRule
from conformance.terminology.check_characters import iso7064_mod37_2
from conformance.validation.national import nhs_number_check_digit

Problem = tuple[Node, str, dict[str, Any]]

def nhs_number_mod11(body: str) -> str | None:
    """The NHS number's Modulus 11 check digit over its first nine digits (None: no valid digit exists)."""
    digit = nhs_number_check_digit(body) if len(body) == 9 and body.isdigit() else None
    return None if digit is None else str(digit)


ALGORITHMS = {"iso7064-mod37-2": iso7064_mod37_2, "nhs-number-mod11": nhs_number_mod11}


def _strings(expression: Any, res: Node) -> list[tuple[Node, str]]:
    try:
        result = expression.evaluate(res)
    except FhirPathError:
        return []
    return [(item, str(item.value)) for item in result if isinstance(item, Node) and item.value is not None]


class CheckCharacters:
    """A `check-character` rule compiled: the values its expression selects, each checked."""

    def __init__(self, rule: FileRule, params: CheckCharacterParams) -> None:
        self.rule = rule
        self.params = params
        self.expression = compile_fhirpath(params.expression)
        self.pattern = re.compile(params.pattern) if params.pattern else None
        self.algorithm = ALGORITHMS[params.algorithm]

    def problems(self, res: Node) -> Iterator[Problem]:
        for node, value in _strings(self.expression, res):
            if self.pattern is not None and not self.pattern.fullmatch(value):
                yield node, "export.value-format", {"value": value, "pattern": self.pattern.pattern}
                continue
            expected = self.algorithm(value[:-1]) if value else None
            if expected is None or value[-1].upper() != expected:
                yield node, "export.check-character", {"value": value, "actual": value[-1:] or "(none)",
                                                       "algorithm": self.params.algorithm,
                                                       "expected": expected or "no valid character"}


class ConsistentValues:
    """A `consistent-values` rule compiled: one value per entry of its type, compared across a Bundle."""

    def __init__(self, rule: FileRule, params: ConsistentParams) -> None:
        self.rule = rule
        self.params = params
        self.expression = compile_fhirpath(params.expression)

    def _value(self, res: Node) -> str | None:
        try:
            result = self.expression.evaluate(res)
        except FhirPathError:
            return None
        shown = [_show(item) for item in result]
        return "[" + ", ".join(shown) + "]" if len(shown) > 1 else (shown[0] if shown else None)

    def problems(self, resources: Sequence[Node]) -> Iterator[Problem]:
        p = self.params
        seen: dict[str, Node] = {}
        first: str | None = None
        for res in resources:
            if res.resource_type != p.resource_type:
                continue
            value = self._value(res)
            if value is None:
                continue
            base = {"message": p.message or self.rule.title, "expression": p.expression, "value": value,
                    "type": p.resource_type}
            if p.mode == "distinct":
                if value in seen:
                    yield res, "export.values-repeat", base
                seen.setdefault(value, res)
            elif first is None:
                first = value
            elif value != first:
                yield res, "export.values-differ", {**base, "first": first}


def _show(item: Any) -> str:
    if isinstance(item, Node):
        if item.value is not None:
            return repr(item.value)
        return "{" + ", ".join(f"{c.name}: {_show(c)}" for c in item.children) + "}"
    return repr(item)
