"""UK national rules: NHS numbers, ODS codes, SNOMED CT and dm+d identifiers.

Each rule is an ordinary registered check keyed by the identifier system (`IDENTIFIER_CHECKS`) or
the coding system (`CODING_CHECKS`); its docstring is its documentation, and the codes it may
report are listed with it. The validator calls `check_identifier` on every Identifier node and
`check_coding` on every Coding node; a finding is located at the `value` / `code` child.

NHS numbers are personal data, so messages never repeat them: the location says which one.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.terminology.syntax import DMD, SNOMED, snomed_problems

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANIZATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
ODS_SITE_SYSTEM = "https://fhir.nhs.uk/Id/ods-site-code"

NHS_NUMBER_FORMAT = "uk.nhs-number.format"
NHS_NUMBER_CHECK_DIGIT = "uk.nhs-number.check-digit"
ODS_CODE_FORMAT = "uk.ods-code.format"
SNOMED_FORMAT = "snomed.identifier.format"
SNOMED_CHECK_DIGIT = "snomed.identifier.check-digit"
SNOMED_PARTITION = "snomed.identifier.partition"


@dataclass(frozen=True, slots=True)
class Check:
    """A registered national rule: the codes it may report and the function that applies it."""

    name: str
    codes: tuple[str, ...]
    run: Callable[[Node, list[Issue]], None]

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.run) or ""

    def __call__(self, node: Node, issues: list[Issue]) -> None:
        self.run(node, issues)


# -- NHS number -------------------------------------------------------------------------------------
_TEN_DIGITS = re.compile(r"[0-9]{10}")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit of nine digits, or None when it would be 10 (no valid number)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def check_nhs_number(node: Node, issues: list[Issue]) -> None:
    """NHS number (`https://fhir.nhs.uk/Id/nhs-number`): 10 digits, the last a Modulus 11 check digit.

    Each of the first nine digits is multiplied by its weight (10 for the first down to 2 for the
    ninth); the check digit is 11 minus the remainder of the sum divided by 11, with 11 meaning 0.
    A result of 10 means no NHS number starts with those nine digits. Spaces (`943 476 5919`) are a
    display convention, not part of the identifier. Reports `uk.nhs-number.format` or
    `uk.nhs-number.check-digit`, at `Identifier.value`.
    """
    value = node.value
    if value is None:
        return
    if not _TEN_DIGITS.fullmatch(value):
        digits = sum(ch.isdigit() for ch in value)
        reason = "it contains spaces" if " " in value else f"it has {len(value)} characters, {digits} of them digits"
        issues.append(make_issue(NHS_NUMBER_FORMAT, node, reason=reason))
        return
    expected = nhs_number_check_digit(value[:9])
    if expected is None:
        issues.append(make_issue(NHS_NUMBER_CHECK_DIGIT, node,
                                 reason="the first nine digits give a check value of 10, so no NHS number "
                                        "starts with them"))
    elif int(value[9]) != expected:
        issues.append(make_issue(NHS_NUMBER_CHECK_DIGIT, node,
                                 reason=f"the check digit should be {expected}, not {value[9]}"))


# -- ODS codes --------------------------------------------------------------------------------------
_ODS = re.compile(r"[A-Z0-9]{1,9}")


def check_ods_code(node: Node, issues: list[Issue]) -> None:
    """ODS organisation and site codes (`https://fhir.nhs.uk/Id/ods-organization-code`, `ods-site-code`).

    NHS England's Organisation Data Service issues codes of 1 to 9 upper-case letters and digits
    (its developer guide: "ODS codes consist of 1 to 9 alphanumeric characters"). The NHS Data
    Dictionary's coding frames give organisation codes up to 8 positions (trusts `RR8`, independent
    providers `8HA03`, GP practices `A81001`, schools `EE134290`) and site codes up to 9 (trust sites
    `RR801`, branch surgeries `K81003001`); since the ODS APIs return sites as organisations too,
    both systems accept the same shape. Lower case, spaces and punctuation are refused: identifier
    values are matched exactly, and ODS never issues them. Reports `uk.ods-code.format`, at
    `Identifier.value`.
    """
    value = node.value
    if value is None or _ODS.fullmatch(value):
        return
    if value != value.strip():
        reason = "it has leading or trailing spaces"
    elif len(value) > 9:
        reason = f"it has {len(value)} characters; ODS codes have at most 9"
    elif value.upper() != value and _ODS.fullmatch(value.upper()):
        reason = f"ODS codes are upper case ('{value.upper()}')"
    else:
        reason = "ODS codes contain only the letters A-Z and digits"
    issues.append(make_issue(ODS_CODE_FORMAT, node, value=value, reason=reason))


# -- SNOMED CT and dm+d -----------------------------------------------------------------------------
_PROBLEM_CODES = {"format": SNOMED_FORMAT, "partition": SNOMED_PARTITION, "check-digit": SNOMED_CHECK_DIGIT}


def _report_sctid(node: Node, issues: list[Issue], system_name: str, *, expressions: bool) -> None:
    value = node.value
    if value is None:
        return
    for ident, problem in snomed_problems(value, expressions=expressions):
        issues.append(make_issue(_PROBLEM_CODES[problem.kind], node, system_name=system_name, value=ident,
                                 reason=problem.reason))


def check_snomed_code(node: Node, issues: list[Issue]) -> None:
    """SNOMED CT codes (`http://snomed.info/sct`): each must be a well-formed concept identifier.

    An SCTID is 6 to 18 digits without a leading zero. Its last digit is a Verhoeff check digit
    (`snomed.identifier.check-digit`); the two digits before it are the partition identifier, which
    must be 00 (a concept, short format) or 10 (a concept with a 7-digit namespace, so at least 11
    digits) — 01/11 are description ids and 02/12 relationship ids, which are never codes
    (`snomed.identifier.partition`). Anything else is `snomed.identifier.format`. A post-coordinated
    expression (`73211009:363698007=84301002`) is allowed as a code; each identifier in it is
    checked. Located at `Coding.code`. Whether the concept exists needs SNOMED CT itself, which the
    terminology layer may consult; this rule needs nothing.
    """
    _report_sctid(node, issues, "SNOMED CT", expressions=True)


def check_dmd_code(node: Node, issues: list[Issue]) -> None:
    """dm+d codes (`https://dmd.nhs.uk`): SNOMED CT concept identifiers from the UK drug extension.

    The same rules as SNOMED CT codes, reported with the same codes and naming dm+d: the Verhoeff
    check digit (`snomed.identifier.check-digit`), partition 00 or 10 (`snomed.identifier.partition`)
    and 6 to 18 digits without a leading zero (`snomed.identifier.format`). dm+d codes are never
    expressions, so anything but digits is a format error. Located at `Coding.code`.
    """
    _report_sctid(node, issues, "dm+d", expressions=False)


_NHS_NUMBER = Check("nhs-number", (NHS_NUMBER_FORMAT, NHS_NUMBER_CHECK_DIGIT), check_nhs_number)
_ODS_CODE = Check("ods-code", (ODS_CODE_FORMAT,), check_ods_code)
_SCTID_CODES = (SNOMED_FORMAT, SNOMED_PARTITION, SNOMED_CHECK_DIGIT)

IDENTIFIER_CHECKS: dict[str, Check] = {
    NHS_NUMBER_SYSTEM: _NHS_NUMBER,
    ODS_ORGANIZATION_SYSTEM: _ODS_CODE,
    ODS_SITE_SYSTEM: _ODS_CODE,
}

CODING_CHECKS: dict[str, Check] = {
    SNOMED: Check("snomed-ct", _SCTID_CODES, check_snomed_code),
    DMD: Check("dmd", _SCTID_CODES, check_dmd_code),
}


def _system_of(node: Node) -> str | None:
    system = node.child("system")
    return system.value if system is not None else None


def check_identifier(node: Node, issues: list[Issue]) -> None:
    """Apply the national rule registered for this Identifier's system, if any, to its `value`."""
    system = _system_of(node)
    check = IDENTIFIER_CHECKS.get(system) if system else None
    value = node.child("value") if check is not None else None
    if check is not None and value is not None:
        check(value, issues)


def check_coding(node: Node, issues: list[Issue]) -> None:
    """Apply the national rule registered for this Coding's system, if any, to its `code`."""
    system = _system_of(node)
    check = CODING_CHECKS.get(system) if system else None
    code = node.child("code") if check is not None else None
    if check is not None and code is not None:
        check(code, issues)


def rules_markdown() -> str:
    """The national rules reference (for the docs), generated from the checks' own docstrings."""
    lines = ["# UK national rules", ""]
    seen: set[str] = set()
    for kind, registry in (("Identifier.system", IDENTIFIER_CHECKS), ("Coding.system", CODING_CHECKS)):
        for check in registry.values():
            if check.name in seen:
                continue
            seen.add(check.name)
            systems = ", ".join(f"`{s}`" for s, c in registry.items() if c is check)
            lines += [f"## {check.name}", "", f"Applies where {kind} is {systems}. Codes: "
                      + ", ".join(f"`{c}`" for c in check.codes) + ".", "", check.doc, ""]
    return "\n".join(lines)
