"""What every EPS request is checked for before its operation runs.

- `Authorization: Bearer <token>`: "required in all environments except sandbox"; without a valid
  one 401 with the platform error ACCESS_DENIED;
- `X-Request-ID`: required, "a universally unique identifier (UUID)" (the parameter's pattern);
  missing or malformed, 400 `value`;
- `NHSD-Session-URID`: the parameter's pattern `^[0-9]+$`; a malformed one is 400 `value` (its
  description also calls it optional, so a missing one is accepted);
- the body: JSON of the resource type the endpoint expects, else 400 `value` "Incorrect FHIR
  resource type. Expected Bundle." (the first verification error of the specification).
"""

from __future__ import annotations

import json
from typing import Any

from conformance.reference.apis.eps.outcomes import error, value
from conformance.reference.apis.shared import DIGITS, UUID, token_refused
from conformance.reference.auth import Authenticator
from conformance.reference.service import Request


def check_token(request: Request, auth: Authenticator) -> None:
    challenge = token_refused(request, auth)
    if challenge is not None:
        raise error(401, "forbidden", "Access token missing, invalid or expired", "ACCESS_DENIED", challenge)


def check_headers(request: Request) -> None:
    request_id = request.header("X-Request-ID")
    if request_id is None:
        raise value("Missing required header X-Request-ID")
    if not UUID.fullmatch(request_id):
        raise value(f"Invalid value - '{request_id}' in header 'X-Request-ID' (it must be a UUID)")
    urid = request.header("NHSD-Session-URID")
    if urid is not None and not DIGITS.fullmatch(urid):
        raise value(f"Invalid value - '{urid}' in header 'NHSD-Session-URID' (a user role id is digits)")


def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(400, "invalid", f"The request body is not JSON: {exc}", "INVALID_MESSAGE") from None
    if not isinstance(body, dict):
        raise value("Incorrect FHIR resource type.")
    return body


def expect_type(body: dict[str, Any], resource_type: str) -> None:
    if body.get("resourceType") != resource_type:
        raise value(f"Incorrect FHIR resource type. Expected {resource_type}.")
