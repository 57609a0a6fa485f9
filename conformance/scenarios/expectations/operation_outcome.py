"""`operation_outcome`: the body is an OperationOutcome carrying one of the given codes."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.view import resource_of_type

_CODE = {"type": "string", "minLength": 1}


class OperationOutcomeCode(ExpectationType[tuple[str, ...]]):
    """`{code: C}` or `{code: [C1, C2]}`: the body is an OperationOutcome with an issue whose
    `code` (the FHIR IssueType) or any `details.coding.code` is one of these, whatever its system
    (use `error_coding` to require the code system too)."""

    name = "operation_outcome"
    code = "expect.operation-outcome"
    schema = {"type": "object", "additionalProperties": False, "required": ["code"], "properties": {
        "code": {"anyOf": [_CODE, {"type": "array", "minItems": 1, "items": _CODE}]}}}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[str, ...]:
        codes = raw["code"]
        return (codes,) if isinstance(codes, str) else tuple(codes)

    def check(self, params: tuple[str, ...], ctx: CheckContext) -> list[Finding]:
        check = f"OperationOutcome with issue code {' or '.join(params)}"
        root, why = resource_of_type(ctx.view, "OperationOutcome")
        if root is None:
            return [self.bad(check, why)]
        seen: list[str] = []
        for issue in root.children_named("issue"):
            seen.extend(c for c in [issue.child_value("code")] if c)
            details = issue.child("details")
            if details is not None:
                seen.extend(v for c in details.children_named("coding") if (v := c.child_value("code")))
        if any(code in seen for code in params):
            return [self.ok(check)]
        return [self.bad(check, "issue codes: " + (", ".join(seen) if seen else "none"))]
