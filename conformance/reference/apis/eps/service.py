"""The EPS API's routes: each request checked for its token and headers, then its operation.

| operation | route | success |
|---|---|---|
| prepare | `POST /$prepare` | 200 Parameters (digest, timestamp, algorithm) |
| prescription-order, prescription-order-update, dispense-notification | `POST /$process-message` | 200 OperationOutcome; a cancel answers a cancel-response Bundle |
| release | `POST /Task/$release` | 200 Parameters (passedPrescriptions) |
| return, withdraw | `POST /Task` | 200 OperationOutcome |
| claim | `POST /Claim` | 200 OperationOutcome |

The `#prescription-order`-style fragments of the specification's path keys only name the
operations; the MessageHeader's event (or the Task's status) chooses. Anything else is 404 NOT_FOUND
(the API does not support the capabilities interaction), another method on a route 405.
"""

from __future__ import annotations

from typing import Any

from conformance.reference.apis.base import ApiContext
from conformance.reference.apis.eps import dispensing, faults, prescribing
from conformance.reference.apis.eps.incoming import check_headers, check_token, expect_type, json_body
from conformance.reference.apis.eps.messages import verify
from conformance.reference.apis.eps.outcomes import error, outcome
from conformance.reference.apis.eps.prescriptions import Prescriptions
from conformance.reference.apis.shared import answer
from conformance.reference.service import Request, Response

ROUTES = {"/$prepare": "Bundle", "/$process-message": "Bundle", "/Task/$release": "Parameters", "/Task": "Task",
          "/Claim": "Claim"}


class EpsService:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.held = Prescriptions([r.resource for r in ctx.store.current("Bundle")])

    def handle(self, request: Request) -> Response:
        response = answer(self._route, request, "EPS",
                          lambda: outcome("exception", "SERVER_ERROR", "An internal error occurred."))
        return faults.outgoing(response, request, self.ctx)

    def _route(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        expected = ROUTES.get(path)
        if expected is None:
            raise error(404, "not-found", f"{req.method} {path} is not an operation of this API", "NOT_FOUND")
        if req.method != "POST":
            raise error(405, "not-supported", f"Method {req.method} is not allowed on {path}", headers={"Allow": "POST"})
        if not self.ctx.has(faults.TOKEN_NOT_CHECKED):
            check_token(req, self.ctx.auth)
        if not self.ctx.has(faults.HEADERS_NOT_CHECKED):
            check_headers(req)
        body = json_body(req)
        if self.ctx.has(faults.RESOURCE_TYPE_UNCHECKED) and body.get("resourceType") != expected:
            return Response(500, outcome("exception", "UNEXPECTED", f"cannot read a {body.get('resourceType')} here",
                                         system=faults.UNEXPECTED_ERROR_SYSTEM))
        expect_type(body, expected)
        return self._operation(path, body)

    def _operation(self, path: str, body: dict[str, Any]) -> Response:
        has, held = self.ctx.has, self.held
        if path == "/Task/$release":
            return dispensing.release(body, held, other_dispensers=not has(faults.RELEASE_TO_ANYONE))
        if path == "/Task":
            return dispensing.task(body, held, check_state=not has(faults.RETURN_STATE_UNCHECKED),
                                   check_code=not has(faults.WITHDRAW_CODE_UNCHECKED))
        if path == "/Claim":
            return dispensing.claim(body, held, check_endorsement=not has(faults.CLAIM_ENDORSEMENT_UNCHECKED))
        if path == "/$prepare":
            if not has(faults.PREPARE_UNVERIFIED):
                verify(body, prepare=True)
            return prescribing.prepare(body)
        event = verify(body, prepare=False)
        if event == "prescription-order":
            return prescribing.create(body, held, check=not has(faults.ORDER_UNCHECKED))
        if event == "prescription-order-update":
            return prescribing.cancel(body, held, record=not has(faults.CANCEL_NOT_RECORDED))
        return dispensing.dispense(body, held, check_authority=not has(faults.DISPENSE_AUTHORITY_UNCHECKED))

