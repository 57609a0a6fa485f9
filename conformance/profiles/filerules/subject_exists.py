"""`subject-exists`: every `subject`/`patient` reference points to a Patient of the export.

`elements` names the top-level elements to follow (default `subject` and `patient`). Inside a
Bundle the Patient must be an entry of that Bundle. An element without a literal reference, or
one that names anything but a Patient present, is one `export.subject-missing` finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import FileRuleType, RuleParams


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    elements: tuple[str, ...] = ("subject", "patient")


RULE_TYPE = FileRuleType(
    name="subject-exists", params=Params, doc=__doc__ or "", codes=("export.subject-missing",),
    properties={"elements": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^[a-z][A-Za-z0-9]*$"},
                             "description": "top-level elements that must reference a Patient in the export "
                                            "(default subject, patient)"}})
