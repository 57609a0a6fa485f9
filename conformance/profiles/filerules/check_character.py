"""`check-character`: identifier values have the right shape and check character.

`expression` selects the values to check on each resource of `resource_type` (Bundle entries
included), e.g. `groupIdentifier.where(system = 'https://fhir.nhs.uk/Id/prescription-order-number').value`;
each must match `pattern` (a regular expression, matched in full; `export.value-format`) and end
in the check character `algorithm` computes over the characters before it
(`export.check-character`). Algorithms: `iso7064-mod37-2` — ISO/IEC 7064 MOD 37-2 over the
alphanumeric characters (hyphens ignored), its check set 0-9, A-Z and `+`, as EPS computes the
short-form prescription ID's last character; `nhs-number-mod11` — the NHS number's Modulus 11
check digit.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.profiles.filerules.base import RESOURCE_TYPE, FileRuleType, RuleParams

ALGORITHMS = ("iso7064-mod37-2", "nhs-number-mod11")


@dataclass(frozen=True, slots=True)
class Params(RuleParams):
    resource_type: str = ""
    expression: str = ""
    algorithm: str = "iso7064-mod37-2"
    pattern: str | None = None


RULE_TYPE = FileRuleType(
    name="check-character", params=Params, doc=__doc__ or "", codes=("export.value-format", "export.check-character"),
    required=("resource_type", "expression", "algorithm"),
    properties={"resource_type": RESOURCE_TYPE, "expression": {"type": "string", "minLength": 1},
                "algorithm": {"enum": list(ALGORITHMS)},
                "pattern": {"type": "string", "minLength": 1,
                            "description": "a regular expression each value must match in full"}})
