"""`conforms_to`: the body validates against StructureDefinitions of the loaded packages."""

from __future__ import annotations

from typing import Any

from conformance.issues import Issue
from conformance.results import Finding
from conformance.scenarios.expectations.base import CheckContext, ExpectationType, ParseContext
from conformance.scenarios.view import entry_resources

MAX_VALIDATION_FINDINGS = 20
_URL = {"type": "string", "minLength": 1}


class ConformsTo(ExpectationType[tuple[str, ...]]):
    """The body validates without errors against each profile (canonical URL) given; for a Bundle and
    a profile of another type, each entry of the profile's type is validated. A failing finding carries
    the validator's own issue code; `expect.conforms` when there is nothing to validate or the profile
    is not in the loaded packages."""

    name = "conforms_to"
    code = "expect.conforms"
    schema = {"anyOf": [_URL, {"type": "array", "minItems": 1, "items": _URL}],
              "x-message": "conforms_to is a profile's canonical URL or a list of them"}

    def parse(self, raw: Any, ctx: ParseContext) -> tuple[str, ...]:
        return (raw,) if isinstance(raw, str) else tuple(raw)

    def check(self, params: tuple[str, ...], ctx: CheckContext) -> list[Finding]:
        return [f for url in params for f in self._one(url, ctx)]

    def _one(self, url: str, ctx: CheckContext) -> list[Finding]:
        check = f"conforms to {url}"
        root, validator = ctx.view.resource, ctx.validator
        if root is None:
            return [self.bad(check, ctx.view.why_no_resource())]
        sd = validator.definitions.structure_definition(url)
        if sd is None:
            loaded = ", ".join(validator.definitions.packages.ids())
            return [self.bad(check, f"the profile {url} is not in the loaded packages ({loaded})")]
        profile_type = sd.get("type")
        targets = [root]
        if root.resource_type == "Bundle" and profile_type != "Bundle":
            targets = [r for r in entry_resources(root) if r.resource_type == profile_type]
            if not targets:
                return [self.ok(check, f"the Bundle has no {profile_type} entries to check")]
        issues: list[Issue] = []
        for target in targets:
            issues.extend(i for i in validator.validate(target, [url]) if i.severity.is_error)
        if not issues:
            return [self.ok(check, f"{len(targets)} resource(s) checked")]
        shown = [Finding.from_issue(i, check) for i in issues[:MAX_VALIDATION_FINDINGS]]
        if len(issues) > MAX_VALIDATION_FINDINGS:
            shown.append(self.bad(check, f"and {len(issues) - MAX_VALIDATION_FINDINGS} more error(s)"))
        return shown
