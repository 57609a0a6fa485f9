"""Reading the official FHIRPath test suite (tests-fhir-r4.xml) and judging one test's outcome.

Kept apart from the test module so the rules are readable on their own:
- `invalid="syntax"` needs a FhirPathSyntaxError from compile(); `invalid="semantic"`,
  `"execution"` (and `"true"`) need a FhirPathError from compile() or evaluate() — where an
  engine notices that an expression is invalid is its own business, that it notices is not;
- `mode="strict"` (on the test or the expression) evaluates in strict mode, and
  `checkOrderedFunctions="true"` adds the ordered-function check;
- `predicate="true"` turns the result into one Boolean (empty → false, one Boolean → itself,
  anything else → true) before comparing;
- each `<output type="...">` is compared by type (FHIR type name for elements of the input,
  the lower-case System type for computed values) and by text (dates and times with their `@`);
  an output without a type is compared by text only, exactly (precision matters there);
  `ordered="false"` compares without regard to order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhir.xml_reader import read_xml
from conformance.fhirpath import EvaluationContext, FhirPathError, FhirPathSyntaxError, compile
from conformance.fhirpath.context import Env
from conformance.fhirpath.hooks import CoreProfileConformance
from conformance.fhirpath.model import ModelInfo
from conformance.fhirpath.temporal import Temporal
from conformance.fhirpath.values import fhir_output_type


@dataclass(frozen=True)
class SuiteTest:
    id: str
    group: str
    expression: str
    invalid: str | None
    inputfile: str | None
    strict: bool
    check_ordered: bool
    predicate: bool
    ordered: bool
    outputs: tuple[tuple[str | None, str], ...]


def load_tests(suite_file: Path) -> list[SuiteTest]:
    root = etree.parse(str(suite_file)).getroot()
    tests: list[SuiteTest] = []
    seen: dict[str, int] = {}
    for group in root.iter("group"):
        for t in group.iter("test"):
            name = t.get("name", "")
            seen[name] = seen.get(name, 0) + 1
            expr = t.find("expression")
            assert expr is not None, name
            modes = (t.get("mode") or "") + (expr.get("mode") or "")
            tests.append(SuiteTest(
                id=name if seen[name] == 1 else f"{name}#{seen[name]}",
                group=group.get("name", ""),
                expression=expr.text or "",
                invalid=expr.get("invalid"),
                inputfile=t.get("inputfile"),
                strict="strict" in modes,
                check_ordered=t.get("checkOrderedFunctions") == "true",
                predicate=t.get("predicate") == "true",
                ordered=t.get("ordered") != "false",
                outputs=tuple((o.get("type"), o.text or "") for o in t.findall("output")),
            ))
    return tests


@cache
def load_input(path: Path) -> Node:
    data = path.read_bytes()
    result = read_xml(data) if path.suffix == ".xml" else read_json(data)
    assert result.root is not None, f"{path}: {result.issues}"
    return result.root


def render(item: Any, env: Env) -> tuple[str, str]:
    """(type, text) of a result item, in the suite's notation."""
    type_name = fhir_output_type(item, env)
    if isinstance(item, Node):
        text = item.value or ""
        if type_name in ("date", "dateTime", "instant"):
            text = "@" + text
        elif type_name == "time":
            text = "@T" + text
        return type_name, text
    if isinstance(item, bool):
        return type_name, "true" if item else "false"
    if isinstance(item, Temporal):
        return type_name, ("@T" if item.kind == "time" else "@") + str(item)
    return type_name, str(item)


def _same(expected: tuple[str | None, str], got: tuple[str, str]) -> bool:
    etype, etext = expected
    gtype, gtext = got
    if etype is not None and etype != gtype:
        return False
    if etext == gtext:
        return True
    if etype == "decimal":
        try:
            return Decimal(etext) == Decimal(gtext)
        except InvalidOperation:
            return False
    return False


def run(test: SuiteTest, suite_dir: Path, model: ModelInfo) -> str | None:
    """None when the engine does what the test expects, else what went wrong."""
    ctx = EvaluationContext(model=model, strict=test.strict, check_ordered_functions=test.check_ordered,
                            conformance=CoreProfileConformance(model))
    focus = load_input(suite_dir / test.inputfile) if test.inputfile else None
    try:
        compiled = compile(test.expression)
    except FhirPathSyntaxError as exc:
        return None if test.invalid else f"unexpected syntax error: {exc}"
    if test.invalid == "syntax":
        return "expected a syntax error"
    try:
        result = compiled.evaluate(focus, context=ctx)
    except FhirPathError as exc:
        return None if test.invalid else f"unexpected error: {exc}"
    if test.invalid:
        return f"expected an error ({test.invalid}), got {result!r}"
    if test.predicate:
        result = [result[0] if len(result) == 1 and isinstance(result[0], bool) else bool(result)]
    env = Env(ctx, [focus] if focus is not None else [])
    got = [render(item, env) for item in result]
    expected = list(test.outputs)
    if len(got) != len(expected):
        return f"expected {expected}, got {got}"
    if not test.ordered:
        expected.sort(key=lambda o: o[1])
        got.sort(key=lambda o: o[1])
    if not all(_same(e, g) for e, g in zip(expected, got, strict=True)):
        return f"expected {expected}, got {got}"
    return None
