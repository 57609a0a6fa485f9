"""`resource-counts`: the export holds at least a minimum number of resources of each type.

`minimum` maps a resource type to its least count; the entries of Bundles count. A type with
fewer is one `export.count-below-minimum` finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import TYPE_COUNTS, FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    minimum: tuple[tuple[str, int], ...] = ()


RULE_TYPE = FileRuleType(name="resource-counts", params=Params, doc=__doc__ or "", codes=("export.count-below-minimum",),
                         required=("minimum",), properties={"minimum": TYPE_COUNTS})
