"""`content_type`: the media type of the response."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext


class ContentType(ExpectationType[str]):
    """The response's `Content-Type` has this media type (parameters such as `charset` are ignored)."""

    name = "content_type"
    code = "expect.content-type"
    schema = {"type": "string", "minLength": 1}

    def parse(self, raw: Any, ctx: ParseContext) -> str:
        return str(raw)

    def check(self, params: str, ctx: CheckContext) -> list[Finding]:
        check = f"Content-Type is {params}"
        r = ctx.view.response
        if r.media_type == params.split(";")[0].strip().lower():
            return [self.ok(check)]
        got = r.header("Content-Type")
        return [self.bad(check, "no Content-Type header" if got is None else f"Content-Type was {got!r}")]
