"""What every PDS request is checked for before its interaction runs.

- `Authorization: Bearer <token>`: "required in all environments except sandbox"; without a valid
  one 401 ACCESS_DENIED;
- `X-Request-ID`: "This is a mandatory header", "Must be a universally unique identifier (UUID)":
  missing, 400 MISSING_VALUE; not a UUID, 400 INVALID_VALUE (the parameter's pattern);
- `NHSD-Session-URID`: optional; when sent, the parameter's pattern `^[0-9]+$`, else 400
  INVALID_VALUE ("Invalid header parameter");
- `NHSD-End-User-Organisation-ODS`: optional ("Mandatory for client applications which service multiple
  end user organisations", so that calls are attributed to the right one); the specification gives it no
  pattern and no error, so any value is accepted (the `ods-header-refused` fault refuses it).
The NHS number of a path is ten digits with the Modulus 11 check digit, else 400 INVALID_RESOURCE_ID.
"""

from __future__ import annotations

from conformance.reference.apis.pds.outcomes import error, invalid_value
from conformance.reference.apis.shared import DIGITS, UUID, token_refused
from conformance.reference.auth import Authenticator
from conformance.reference.nhs import is_valid_nhs_number
from conformance.reference.service import Request


def check_token(request: Request, auth: Authenticator) -> None:
    challenge = token_refused(request, auth)
    if challenge is not None:
        raise error(401, "ACCESS_DENIED", "Access token missing, invalid or expired, or calling application not "
                                          "configured for this operation", challenge)


def check_headers(request: Request, accept_ods: bool = True) -> None:
    request_id = request.header("X-Request-ID")
    if request_id is None:
        raise error(400, "MISSING_VALUE",
                    "Invalid request with error - X-Request-ID header must be supplied to access this resource")
    if not UUID.fullmatch(request_id):
        raise invalid_value(f"Invalid value - '{request_id}' in header 'X-Request-ID'")
    urid = request.header("NHSD-Session-URID")
    if urid is not None and not DIGITS.fullmatch(urid):
        raise invalid_value(f"Invalid value - '{urid}' in header 'NHSD-Session-URID'")
    if not accept_ods and request.header("NHSD-End-User-Organisation-ODS") is not None:
        raise error(400, "ADDITIONAL_PROPERTIES", "Invalid request - unknown header 'NHSD-End-User-Organisation-ODS'")


def nhs_number(value: str) -> str:
    """The path's NHS number; 400 INVALID_RESOURCE_ID when it is not a valid one."""
    if not is_valid_nhs_number(value):
        raise error(400, "INVALID_RESOURCE_ID", f"Invalid resource ID - '{value}' is not a valid NHS number")
    return value
