"""`references-resolve`: every literal reference resolves inside the export.

Inside a Bundle a reference must name an entry of that Bundle (by fullUrl or `Type/id`), inside a
resource `#id` a contained resource; elsewhere it must name a top-level resource of the export.
`allow_external` lists regular expressions (searched) of references allowed to point outside.
Each unresolved reference is one `export.reference-unresolved` finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    allow_external: tuple[str, ...] = ()


RULE_TYPE = FileRuleType(
    name="references-resolve", params=Params, doc=__doc__ or "", codes=("export.reference-unresolved",),
    properties={"allow_external": {"type": "array", "items": {"type": "string", "minLength": 1},
                                   "description": "regular expressions (searched) of references allowed to point "
                                                  "outside the export"}})
