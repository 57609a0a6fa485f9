"""`fhirpath`: assertions over the body, each a FHIRPath expression that must give `true`."""

from __future__ import annotations

from typing import Any

from conformance.fhirpath import FhirPathError, evaluate
from conformance.results import Finding
from conformance.scenarios import templates
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.model import Assertion
from conformance.scenarios.view import show


class FhirPath(ExpectationType[tuple[Assertion, ...]]):
    """A list of `{expression, message}`: each FHIRPath expression, evaluated on the body, must give
    exactly `true`; `message` says in words what it means and names the finding. Both may hold
    `${name}`. Expressions are parsed when the scenario is loaded."""

    name = "fhirpath"
    code = "expect.fhirpath"
    schema = {"type": "array", "items": {
        "type": "object", "additionalProperties": False, "required": ["expression", "message"],
        "properties": {"expression": {"type": "string", "minLength": 1}, "message": {"type": "string", "minLength": 1}}}}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[Assertion, ...]:
        found = []
        for j, a in enumerate(raw):
            expression = ctx.use(a["expression"], j, "expression")
            ctx.fhirpath(expression, j, "expression")
            found.append(Assertion(expression, ctx.use(a["message"], j, "message")))
        return tuple(found)

    def templates(self, params: tuple[Assertion, ...]) -> list[str]:
        return [t for a in params for t in (a.expression, a.message)]

    def check(self, params: tuple[Assertion, ...], ctx: CheckContext) -> list[Finding]:
        return [self._one(a, ctx) for a in params]

    def _one(self, assertion: Assertion, ctx: CheckContext) -> Finding:
        expression = templates.render(assertion.expression, ctx.values)
        message = templates.render(assertion.message, ctx.values)
        root = ctx.view.resource
        if root is None:
            return self.bad(message, ctx.view.why_no_resource(), location=expression)
        try:
            result = evaluate(expression, root)
        except FhirPathError as exc:
            return self.bad(message, f"{expression} could not be evaluated: {exc}", location=expression)
        if result == [True]:
            return self.ok(message)
        return self.bad(message, f"{expression} gave {show(result)}", location=expression)
