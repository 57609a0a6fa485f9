"""What every SCR request is checked for before its operation runs, and the parameter forms it uses.

- `Authorization: Bearer <token>` (401 `forbidden` without a valid one: "access token missing,
  invalid or expired");
- `X-Request-ID`, when sent, a UUID (the parameter's `pattern`);
- `NHSD-Session-URID`, when sent, digits only (the parameter's `pattern`);
- `Content-Type: application/fhir+json` on every POST (415 `not-supported`).
Patients are named as `https://fhir.nhs.uk/Id/nhs-number|<NHS number>` (the `patient` and
`composition.subject:Patient.identifier` parameters: "Must be preceded with FHIR identifier").
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference.apis.scr.outcomes import error, invalid
from conformance.reference.apis.shared import DIGITS, UUID, token_refused
from conformance.reference.auth import Authenticator
from conformance.reference.nhs import is_valid_nhs_number
from conformance.reference.service import Request
from conformance.validation.national import NHS_NUMBER_SYSTEM

FHIR_JSON = "application/fhir+json"


def check_headers(request: Request, auth: Authenticator, check_token: bool = True) -> None:
    challenge = token_refused(request, auth) if check_token else None
    if challenge is not None:
        raise error(401, "forbidden", "Invalid access token", challenge)
    request_id = request.header("X-Request-ID")
    if request_id is not None and not UUID.fullmatch(request_id):
        raise invalid(f"Invalid value - '{request_id}' in header 'X-Request-ID' (it must be a UUID)")
    urid = request.header("NHSD-Session-URID")
    if urid is not None and not DIGITS.fullmatch(urid):
        raise invalid(f"Invalid value - '{urid}' in header 'NHSD-Session-URID' (a user role id is digits)")


def json_body(request: Request, resource_type: str, check_media: bool = True) -> dict[str, Any]:
    """The POSTed resource of the expected type; 415 for another media type, 400 for anything else."""
    media = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if check_media and media != FHIR_JSON:
        raise error(415, "not-supported", f"Content type '{media or '(none)'}' not supported; send "
                                          f"Content-Type: {FHIR_JSON}")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid(f"The request body is not JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        raise invalid(f"The request body must be a {resource_type} resource")
    return body


def nhs_number_token(value: str | None, parameter: str) -> str:
    """The NHS number of `https://fhir.nhs.uk/Id/nhs-number|<number>`; 400 when missing or malformed."""
    if not value:
        raise invalid(f"Missing required query parameter '{parameter}'")
    system, bar, number = value.rpartition("|")
    if not bar or system != NHS_NUMBER_SYSTEM:
        raise invalid(f"Invalid value - '{value}' in field '{parameter}': it must be {NHS_NUMBER_SYSTEM}|<NHS number>")
    if not is_valid_nhs_number(number):
        raise invalid(f"Invalid value - '{number}' in field '{parameter}': not a valid NHS number")
    return number


def single(request: Request, name: str) -> str | None:
    """The value of a query parameter given once; 400 when it is repeated."""
    values = [v for k, v in request.query if k == name]
    if len(values) > 1:
        raise invalid(f"Query parameter '{name}' is given more than once")
    return values[0] if values else None
