"""`fhirpath`: an assertion that must be true on every resource of a type.

`expression` is evaluated on each resource of `resource_type` (top-level ones and Bundle
entries); anything but `true` (or an evaluation error) is one `export.assertion-failed` finding
carrying `message`, the rule's words for what the assertion means. A rule on `Bundle` sees the
whole Bundle, so it can relate entries to one another.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import RESOURCE_TYPE, FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    resource_type: str = ""
    expression: str = ""
    message: str = ""


RULE_TYPE = FileRuleType(name="fhirpath", params=Params, doc=__doc__ or "", codes=("export.assertion-failed",),
                         required=("resource_type", "expression"),
                         properties={"resource_type": RESOURCE_TYPE, "expression": {"type": "string", "minLength": 1},
                                     "message": {"type": "string", "minLength": 1}})
