"""A step's response checked against its expectations, and values captured from it.

The expectation types themselves live in `conformance.scenarios.expectations`, one module each. A
check never raises for anything the server sent: a body that is not JSON, a FHIRPath that cannot be
evaluated on it, a header that is missing — each is a failing `Finding` that says what was expected
and what came back.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.fhir.tree import Node
from conformance.fhirpath import FhirPathError, evaluate
from conformance.results import Finding
from conformance.scenarios.expectations import check_all
from conformance.scenarios.model import Expectations
from conformance.scenarios.view import ResponseView
from conformance.validation import Validator

__all__ = ["ResponseView", "capture_value", "check_response"]


def check_response(expect: Expectations, view: ResponseView, values: Mapping[str, str],
                   validator: Validator) -> list[Finding]:
    """Every expectation of a step against its response, in the registry's order."""
    return check_all(expect, view, values, validator)


def capture_value(expression: str, view: ResponseView) -> tuple[str | None, str]:
    """The first item an expression gives over the body, as text; (None, why) when it gives nothing."""
    root = view.resource
    if root is None:
        return None, view.why_no_resource()
    try:
        result = evaluate(expression, root)
    except FhirPathError as exc:
        return None, f"{expression} could not be evaluated: {exc}"
    if not result:
        return None, f"{expression} gave nothing"
    first = result[0]
    if isinstance(first, Node):
        return (first.value, "") if first.value is not None else (None, f"{expression} gave an element without a value")
    if isinstance(first, bool):
        return ("true" if first else "false"), ""
    return str(first), ""
