"""`resource_type`: the type of the FHIR resource in the body."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext


class ResourceType(ExpectationType[str]):
    """The body is FHIR JSON whose `resourceType` is this one."""

    name = "resource_type"
    code = "expect.resource-type"
    schema = {"type": "string", "pattern": "^[A-Z][A-Za-z]+$"}

    def parse(self, raw: Any, ctx: ParseContext) -> str:
        return str(raw)

    def check(self, params: str, ctx: CheckContext) -> list[Finding]:
        check = f"body is a {params}"
        root = ctx.view.resource
        if root is None:
            return [self.bad(check, ctx.view.why_no_resource())]
        if root.resource_type == params:
            return [self.ok(check)]
        return [self.bad(check, f"body is a {root.resource_type or 'JSON value without resourceType'}")]
