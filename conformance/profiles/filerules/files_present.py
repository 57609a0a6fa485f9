"""`files-present`: each pattern matches at least one file of the export.

`patterns` are posix globs (`**` for any depth) against the paths inside the export, Bulk Data
manifests included. A pattern that matches nothing is one `export.file-missing` finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    patterns: tuple[str, ...] = ()


RULE_TYPE = FileRuleType(
    name="files-present", params=Params, doc=__doc__ or "", codes=("export.file-missing",), required=("patterns",),
    properties={"patterns": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1},
                             "description": "globs (posix, `**` for any depth) against paths inside the export; "
                                            "each must match a file"}})
