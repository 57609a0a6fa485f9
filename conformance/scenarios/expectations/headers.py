"""`headers`: response headers equal to a value, matching a pattern, present or absent."""

from __future__ import annotations

import re
from typing import Any

from conformance.results import Finding
from conformance.scenarios import templates
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.model import HeaderExpectation


class Headers(ExpectationType[tuple[HeaderExpectation, ...]]):
    """Response headers, by name (case-insensitive): a plain value is the exact value expected
    (`X-Request-ID: ${request_id}`); an object says `equals`, `matches` (a regular expression searched
    in the value; `${name}` inside it is matched literally) or `present: true|false`."""

    name = "headers"
    code = "expect.header"
    schema = {"type": "object", "additionalProperties": {"$ref": "#/$defs/headerExpectation"}}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[HeaderExpectation, ...]:
        found = []
        for name, spec in raw.items():
            if isinstance(spec, dict):
                equals, matches = spec.get("equals"), spec.get("matches")
                found.append(HeaderExpectation(
                    name, ctx.use(_scalar(equals), name, "equals") if equals is not None else None,
                    ctx.use(matches, name, "matches") if matches is not None else None, spec.get("present")))
            else:
                found.append(HeaderExpectation(name, ctx.use(_scalar(spec), name)))
        return tuple(found)

    def templates(self, params: tuple[HeaderExpectation, ...]) -> list[str]:
        return [t for h in params for t in (h.equals, h.matches) if t is not None]

    def check(self, params: tuple[HeaderExpectation, ...], ctx: CheckContext) -> list[Finding]:
        return [self._one(h, ctx) for h in params]

    def _one(self, h: HeaderExpectation, ctx: CheckContext) -> Finding:
        actual = ctx.view.response.header(h.name)
        if h.present is not None and h.equals is None and h.matches is None:
            check = f"header {h.name} is {'present' if h.present else 'absent'}"
            if (actual is not None) == h.present:
                return self.ok(check, actual or "")
            return self.bad(check, f"{h.name} is absent" if h.present else f"{h.name} is present: {actual!r}")
        if h.equals is not None:
            expected = templates.render(h.equals, ctx.values)
            check = f"header {h.name} is {expected!r}"
            if actual == expected:
                return self.ok(check)
            return self.bad(check, f"{h.name} is absent" if actual is None else f"{h.name} is {actual!r}")
        pattern = templates.render(h.matches or "", ctx.values, escape=re.escape)
        check = f"header {h.name} matches {pattern!r}"
        if actual is None:
            return self.bad(check, f"{h.name} is absent")
        try:
            matched = re.search(pattern, actual) is not None
        except re.error as exc:
            return self.bad(check, f"the pattern is not a valid regular expression: {exc}")
        return self.ok(check, actual) if matched else self.bad(check, f"{h.name} is {actual!r}")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
