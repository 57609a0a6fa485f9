"""`validate`: every resource against base R4, the profiles it claims and the profiles the rule names per type.

`profiles` maps a resource type to a profile URL, applied to every resource of that type (the
entries of a Bundle too); `severity` is the lowest severity that fails the rule (default `error`;
lower ones are reported as warnings). The findings are the validator's own codes (see
`docs/issue-codes.md`), plus the national identifier rules (`docs/national-rules.md`). A profile
the loaded packages do not hold makes the rule skipped, with the package that provides it.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    profiles: tuple[tuple[str, str], ...] = ()  # resource type -> profile URL
    severity: str = "error"


RULE_TYPE = FileRuleType(
    name="validate", params=Params, doc=__doc__ or "", codes=(),
    properties={
        "profiles": {"type": "object", "propertyNames": {"pattern": "^[A-Z][A-Za-z]+$"},
                     "additionalProperties": {"type": "string", "minLength": 1},
                     "description": "resource type -> profile URL, applied to every resource of that type "
                                    "(Bundle entries too)"},
        "severity": {"enum": ["fatal", "error", "warning", "information"],
                     "description": "findings at or above this severity fail the rule (default error)"}})
