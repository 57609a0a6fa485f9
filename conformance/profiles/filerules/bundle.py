"""`bundle`: each top-level Bundle has the type, first entry and entries the profile asks for.

`bundle_type` is the required `Bundle.type` (`export.bundle-type`); `first_entry` the resource
type of the first entry, e.g. a message's MessageHeader (`export.bundle-first-entry`);
`required_types` the least number of entries of each type (`export.count-below-minimum`). An
export without any Bundle fails with `export.bundle-missing`.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import RESOURCE_TYPE, TYPE_COUNTS, FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    bundle_type: str | None = None
    first_entry: str | None = None
    required_types: tuple[tuple[str, int], ...] = ()


RULE_TYPE = FileRuleType(
    name="bundle", params=Params, doc=__doc__ or "",
    codes=("export.bundle-type", "export.bundle-first-entry", "export.count-below-minimum", "export.bundle-missing"),
    properties={"bundle_type": {"enum": ["document", "message", "transaction", "transaction-response", "batch",
                                         "batch-response", "history", "searchset", "collection"]},
                "first_entry": RESOURCE_TYPE, "required_types": TYPE_COUNTS})
