"""`POST /$setPermission` (acs): update a patient's permission to view their SCR on the Spine ACS.

The body is a Parameters resource with one `setPermissions` parameter of two parts: `nhsNumber`
(`valueString`) and `permissionCode` (`valueCoding` in `https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission`:
Yes, No or Ask). 201 when recorded; a patient the service does not know is 400 ("Patient not found",
the specification's sandbox scenario); any other departure from the schema is 400 `invalid`.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.scr.outcomes import invalid
from conformance.reference.apis.scr.records import PERMISSION_SYSTEM, PERMISSIONS, ScrRecords
from conformance.reference.nhs import is_valid_nhs_number


def set_permission(body: dict[str, Any], records: ScrRecords, record: bool = True) -> None:
    parameters = body.get("parameter")
    if not isinstance(parameters, list) or len(parameters) != 1 or not isinstance(parameters[0], dict) \
            or parameters[0].get("name") != "setPermissions":
        raise invalid("The Parameters must hold exactly one parameter named setPermissions")
    parts = {p.get("name"): p for p in parameters[0].get("part") or [] if isinstance(p, dict)}
    if set(parts) != {"nhsNumber", "permissionCode"} or len(parameters[0]["part"]) != 2:
        raise invalid("setPermissions must have two parts: nhsNumber and permissionCode")
    nhs_number = parts["nhsNumber"].get("valueString")
    if not isinstance(nhs_number, str) or not is_valid_nhs_number(nhs_number):
        raise invalid(f"Invalid value - '{nhs_number}' in field 'nhsNumber': not a valid NHS number")
    coding = parts["permissionCode"].get("valueCoding") or {}
    code = coding.get("code") if isinstance(coding, dict) else None
    if not isinstance(coding, dict) or coding.get("system") != PERMISSION_SYSTEM or code not in PERMISSIONS:
        raise invalid(f"permissionCode must be a code of {PERMISSION_SYSTEM}: {', '.join(PERMISSIONS)}")
    if records.patient(nhs_number) is None:
        raise invalid(f"Patient not found: {nhs_number}")
    if record:
        records.set_permission(nhs_number, str(code))
