"""`header_format`: response headers whose values have a given format (a UUID, a weak ETag, ...)."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext

# format name -> (what it is, in words; the check)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _http_date(value: str) -> bool:
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return False
    return True


FORMATS: dict[str, tuple[str, Any]] = {
    "uuid": ("a UUID (8-4-4-4-12 hexadecimal digits)", lambda v: _UUID.fullmatch(v) is not None),
    "weak-etag": ('a weak entity tag W/"<digits>"', lambda v: re.fullmatch(r'W/"[0-9]+"', v) is not None),
    "integer": ("a whole number of digits", lambda v: re.fullmatch(r"[0-9]+", v) is not None),
    "http-date": ("an HTTP date (RFC 9110 IMF-fixdate)", _http_date),
}


class HeaderFormat(ExpectationType[tuple[tuple[str, str], ...]]):
    """A mapping of header name to format: `uuid` (8-4-4-4-12 hexadecimal digits, as NHS APIs require
    of `X-Request-ID`), `weak-etag` (`W/"<digits>"`), `integer` (e.g. `Retry-After` in seconds) or
    `http-date`. The header must be present and its whole value have the format."""

    name = "header_format"
    code = "expect.header-format"
    schema = {"type": "object", "minProperties": 1, "additionalProperties": {"enum": sorted(FORMATS)}}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[tuple[str, str], ...]:
        return tuple(raw.items())

    def check(self, params: tuple[tuple[str, str], ...], ctx: CheckContext) -> list[Finding]:
        found = []
        for header, form in params:
            words, holds = FORMATS[form]
            check = f"header {header} is {words}"
            actual = ctx.view.response.header(header)
            if actual is None:
                found.append(self.bad(check, f"{header} is absent"))
            else:
                found.append(self.ok(check, actual) if holds(actual.strip()) else self.bad(
                    check, f"{header} is {actual!r}"))
        return found
