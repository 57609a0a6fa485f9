"""`max_time_ms`: the response arrived within a time (a warning, never a failure of the step)."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding, Outcome
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext


class MaxTime(ExpectationType[float]):
    """The whole exchange took at most this many milliseconds. A slower answer is a warning finding:
    time depends on the network between the tool and the server, so it never fails the step."""

    name = "max_time_ms"
    code = "expect.response-time"
    schema = {"type": "number", "exclusiveMinimum": 0}

    def parse(self, raw: Any, ctx: ParseContext) -> float:
        return float(raw)

    def check(self, params: float, ctx: CheckContext) -> list[Finding]:
        elapsed = ctx.view.response.elapsed_ms
        check = f"responds within {params:g} ms"
        if elapsed <= params:
            return [self.ok(check, f"{elapsed:.0f} ms")]
        return [Finding(check, Outcome.FAIL, f"took {elapsed:.0f} ms", severity="warning", code=self.code)]
