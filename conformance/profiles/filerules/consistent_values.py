"""`consistent-values`: a value is the same (or different) in every resource of a type within one Bundle.

For each top-level Bundle, `expression` is evaluated on each entry of `resource_type`; with
`mode: same` every entry must give the same value (EPS: "this must be consistent across all
MedicationRequests in a Bundle"), with `mode: distinct` no two entries may share one (EPS:
"Expected all MedicationRequests to have a different value for identifier"). An entry that
breaks it is one `export.values-differ` or `export.values-repeat` finding, naming the first
entry's value. Entries for which the expression gives nothing are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conformance.profiles.filerules.base import RESOURCE_TYPE, FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    resource_type: str = ""
    expression: str = ""
    mode: Literal["same", "distinct"] = "same"
    message: str = ""


RULE_TYPE = FileRuleType(
    name="consistent-values", params=Params, doc=__doc__ or "", codes=("export.values-differ", "export.values-repeat"),
    required=("resource_type", "expression"),
    properties={"resource_type": RESOURCE_TYPE, "expression": {"type": "string", "minLength": 1},
                "mode": {"enum": ["same", "distinct"], "description": "same (default): every entry gives one value; "
                                                                       "distinct: no two entries share a value"},
                "message": {"type": "string", "minLength": 1}})
