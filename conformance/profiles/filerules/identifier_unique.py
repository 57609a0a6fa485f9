"""`identifier-unique`: an identifier value of a system belongs to one resource only.

Among the resources of `resource_type` (Bundle entries included), a value of the identifier
`system` (e.g. an NHS number) held by two different resources is one `export.identifier-duplicate`
finding, naming the other holder and where it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import RESOURCE_TYPE, FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    resource_type: str = ""
    system: str = ""


RULE_TYPE = FileRuleType(name="identifier-unique", params=Params, doc=__doc__ or "",
                         codes=("export.identifier-duplicate",), required=("resource_type", "system"),
                         properties={"resource_type": RESOURCE_TYPE, "system": {"type": "string", "minLength": 1}})
