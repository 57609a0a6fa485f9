"""`etag`: the `ETag` header is a version tag that agrees with the resource's `meta.versionId`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from conformance.results import Finding
from conformance.scenarios import templates
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext

_WEAK = re.compile(r'W/"([^"]*)"')
_STRONG = re.compile(r'"([^"]*)"')


@dataclass(frozen=True, slots=True)
class EtagExpectation:
    weak: bool = True
    matches_version_id: bool = True
    version: str | None = None


class Etag(ExpectationType[EtagExpectation]):
    """The response has an `ETag` header of the form `W/"<version>"` (`weak: false`: `"<version>"`,
    RFC 9110 section 8.8.3); with `matches_version_id` (the default) its version is the body's
    `meta.versionId` (FHIR R4 http.html#versioning); with `version` (e.g. `${next_version}`) it is
    that version. Use it after an update to see that the version moved on."""

    name = "etag"
    code = "expect.etag"
    schema = {"type": "object", "additionalProperties": False, "properties": {
        "weak": {"type": "boolean"}, "matches_version_id": {"type": "boolean"},
        "version": {"type": ["string", "integer"]}}}

    def parse(self, raw: Any, ctx: ParseContext) -> EtagExpectation:
        version = raw.get("version")
        return EtagExpectation(raw.get("weak", True), raw.get("matches_version_id", True),
                               ctx.use(str(version), "version") if version is not None else None)

    def templates(self, params: EtagExpectation) -> list[str]:
        return [params.version] if params.version is not None else []

    def check(self, params: EtagExpectation, ctx: CheckContext) -> list[Finding]:
        form = 'W/"<version>"' if params.weak else '"<version>"'
        check = f"ETag is {form}"
        actual = ctx.view.response.header("ETag")
        if actual is None:
            return [self.bad(check, "ETag is absent")]
        match = (_WEAK if params.weak else _STRONG).fullmatch(actual.strip())
        if match is None:
            return [self.bad(check, f"ETag is {actual!r}")]
        found = [self.ok(check, actual)]
        tag = match.group(1)
        if params.matches_version_id:
            root = ctx.view.resource
            meta = root.child("meta") if root is not None else None
            version_id = meta.child_value("versionId") if meta is not None else None
            check = "ETag names the body's meta.versionId"
            if root is None:
                found.append(self.bad(check, ctx.view.why_no_resource()))
            elif version_id is None:
                found.append(self.bad(check, "the body has no meta.versionId"))
            else:
                found.append(self.ok(check) if version_id == tag else self.bad(
                    check, f"ETag names version {tag!r}, meta.versionId is {version_id!r}"))
        if params.version is not None:
            wanted = templates.render(params.version, ctx.values)
            check = f"ETag names version {wanted}"
            found.append(self.ok(check) if tag == wanted else self.bad(check, f"ETag names version {tag!r}"))
        return found
