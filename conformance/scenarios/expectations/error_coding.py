"""`error_coding`: an OperationOutcome coded from an API's error-code table (system, code, display)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.fhir.tree import Node
from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.view import resource_of_type


@dataclass(frozen=True, slots=True)
class ErrorCoding:
    system: str
    code: tuple[str, ...] = ()  # empty: any code of the system
    issue_code: str | None = None  # the FHIR IssueType expected beside it
    version: str | None = None
    display: bool = False  # the coding must carry a display


class ErrorCodingType(ExpectationType[ErrorCoding]):
    """The body is an OperationOutcome with an issue whose `details.coding` has this `system` and
    (when given) one of these `code`s — an API's own error table, such as NHS England's
    `https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode`. Optionally the issue's FHIR
    `issue_code`, the coding's `version`, and `display: true` (the coding carries its display)."""

    name = "error_coding"
    code = "expect.error-coding"
    schema = {"type": "object", "additionalProperties": False, "required": ["system"], "properties": {
        "system": {"type": "string", "minLength": 1},
        "code": {"anyOf": [{"type": "string", "minLength": 1},
                           {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]},
        "issue_code": {"type": "string", "minLength": 1}, "version": {"type": "string", "minLength": 1},
        "display": {"type": "boolean"}}}

    def parse(self, raw: Any, ctx: ParseContext) -> ErrorCoding:
        codes = raw.get("code", ())
        return ErrorCoding(raw["system"], (codes,) if isinstance(codes, str) else tuple(codes), raw.get("issue_code"),
                           raw.get("version"), raw.get("display", False))

    def check(self, params: ErrorCoding, ctx: CheckContext) -> list[Finding]:
        what = " or ".join(params.code) if params.code else "a code"
        check = f"OperationOutcome coded {what} from {params.system}"
        root, why = resource_of_type(ctx.view, "OperationOutcome")
        if root is None:
            return [self.bad(check, why)]
        seen: list[str] = []
        for issue in root.children_named("issue"):
            details = issue.child("details")
            for coding in details.children_named("coding") if details is not None else []:
                problem = self._problem(params, issue, coding)
                if problem is None:
                    return [self.ok(check)]
                seen.append(problem)
        return [self.bad(check, "; ".join(seen) if seen else "no issue has a details.coding")]

    def _problem(self, params: ErrorCoding, issue: Node, coding: Node) -> str | None:
        system, code = coding.child_value("system"), coding.child_value("code")
        shown = f"{system or '(no system)'}|{code or '(no code)'}"
        if system != params.system:
            return f"coding {shown} is from another system"
        if params.code and code not in params.code:
            return f"coding {shown} has another code"
        if params.version is not None and coding.child_value("version") != params.version:
            return f"coding {shown} has version {coding.child_value('version')!r}, not {params.version!r}"
        if params.display and not coding.child_value("display"):
            return f"coding {shown} has no display"
        if params.issue_code is not None and issue.child_value("code") != params.issue_code:
            return f"coding {shown} is on an issue of type {issue.child_value('code')!r}, not {params.issue_code!r}"
        return None
