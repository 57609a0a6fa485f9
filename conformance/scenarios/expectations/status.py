"""`status`: the HTTP status code."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext

_CODE = {"type": "integer", "minimum": 100, "maximum": 599}


class Status(ExpectationType[tuple[int, ...]]):
    """The response's HTTP status is the one given, or one of a list (`status: [200, 201]`)."""

    name = "status"
    code = "expect.status"
    schema = {"anyOf": [_CODE, {"type": "array", "minItems": 1, "items": _CODE}],
              "x-message": "status is an HTTP status code or a list of them"}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[int, ...]:
        return tuple(raw) if isinstance(raw, list) else (raw,)

    def check(self, params: tuple[int, ...], ctx: CheckContext) -> list[Finding]:
        wanted = " or ".join(str(s) for s in params)
        status = ctx.view.response.status
        return [self.ok(f"status is {wanted}") if status in params else self.bad(f"status is {wanted}",
                                                                                 f"status was {status}")]
