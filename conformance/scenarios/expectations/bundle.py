"""`bundle`: the body is a Bundle of a type, with a total and a number of entries of given types."""

from __future__ import annotations

from typing import Any

from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.model import BundleExpectation, Count
from conformance.scenarios.view import entry_resources


class Bundle(ExpectationType[BundleExpectation]):
    """The body is a Bundle: `type` (e.g. `searchset`), `total` and `entries` (a number, or
    `{min, max}`), `entry_types` (every entry's resource is one of these types)."""

    name = "bundle"
    code = "expect.bundle"
    schema = {"type": "object", "additionalProperties": False, "minProperties": 1, "properties": {
        "type": {"type": "string", "minLength": 1}, "total": {"$ref": "#/$defs/range"},
        "entries": {"$ref": "#/$defs/range"},
        "entry_types": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[A-Z][A-Za-z]+$"}}}}

    def parse(self, raw: Any, ctx: ParseContext) -> BundleExpectation:
        return BundleExpectation(raw.get("type"), _count(raw.get("total")), _count(raw.get("entries")),
                                 tuple(raw.get("entry_types", ())))

    def check(self, params: BundleExpectation, ctx: CheckContext) -> list[Finding]:
        root = ctx.view.resource
        if root is None or root.resource_type != "Bundle":
            why = ctx.view.why_no_resource() if root is None else f"body is a {root.resource_type}"
            return [self.bad("body is a Bundle", why)]
        found = []
        if params.type is not None:
            actual = root.child_value("type")
            check = f"Bundle type is {params.type}"
            found.append(self.ok(check) if actual == params.type else self.bad(check, f"Bundle type is {actual!r}"))
        if params.total is not None:
            found.append(self._count("Bundle total", params.total, root.child_value("total")))
        if params.entries is not None:
            found.append(self._count("Bundle entries", params.entries, str(len(root.children_named("entry")))))
        if params.entry_types:
            check = "every entry is a " + " or ".join(params.entry_types)
            other = sorted({r.resource_type or "?" for r in entry_resources(root)} - set(params.entry_types))
            found.append(self.ok(check) if not other else self.bad(check, "entries include " + ", ".join(other)))
        return found

    def _count(self, what: str, expected: Count, actual: str | None) -> Finding:
        check = f"{what} is {expected.describe()}"
        if actual is None:
            return self.bad(check, f"{what} is absent")
        try:
            n = int(actual)
        except ValueError:
            return self.bad(check, f"{what} is {actual!r}")
        return self.ok(check) if expected.holds(n) else self.bad(check, f"{what} is {n}")


def _count(raw: Any) -> Count | None:
    if raw is None:
        return None
    if isinstance(raw, int):
        return Count(raw, raw)
    return Count(raw.get("min"), raw.get("max"))
