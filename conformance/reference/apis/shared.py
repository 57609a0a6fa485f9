"""What every national API behaviour does the same way, whatever its own error shapes.

NHS England's APIs share their header conventions (`X-Request-ID` a UUID, `NHSD-Session-URID` digits,
a bearer token), answer an error raised anywhere in an interaction as its OperationOutcome, and a bug
of our own as a server error in the API's shape; their `tracing-headers-not-mirrored` faults answer
other tracing ids than the ones sent. Each behaviour keeps its own error codes and shapes.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from conformance.reference.auth import Authenticator
from conformance.reference.outcomes import FhirError
from conformance.reference.service import Request, Response

log = logging.getLogger("conformance.reference")

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DIGITS = re.compile(r"[0-9]+")  # NHSD-Session-URID, a user role id
TRACING = ("X-Request-ID", "X-Correlation-ID")


def token_refused(request: Request, auth: Authenticator) -> dict[str, str] | None:
    """None when the request's bearer token is valid; else the headers (the challenge) to answer 401 with."""
    try:
        auth.check(request.header("Authorization"))
    except FhirError as exc:
        return dict(exc.headers)
    return None


def answer(route: Callable[[Request], Response], request: Request, api: str,
           server_error: Callable[[], dict[str, Any]]) -> Response:
    """The route's answer; a FhirError raised in it as its OperationOutcome, any other exception as a 500."""
    try:
        return route(request)
    except FhirError as err:
        return Response(err.status, err.outcome(), err.headers)
    except Exception:  # our own bug (or a body a fault let through): answered as the API answers a server error
        log.exception("internal error in the %s behaviour answering %s %s", api, request.method, request.path)
        return Response(500, server_error())


def answer_other_tracing_ids(response: Response, request: Request) -> None:
    """The tracing headers sent, answered with other values (the `tracing-headers-not-mirrored` faults)."""
    for name in TRACING:
        if request.header(name) is not None:
            response.headers[name] = str(uuid.uuid4()).upper()
