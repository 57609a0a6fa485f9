"""`unique-ids`: no `Type/id` appears twice among the export's top-level resources.

A top-level resource without an id is `export.id-missing` (nothing could refer to it); a second
resource with the same type and id is `export.duplicate-id`, naming where the first one is.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    pass


RULE_TYPE = FileRuleType(name="unique-ids", params=Params, doc=__doc__ or "",
                         codes=("export.id-missing", "export.duplicate-id"), properties={})
