"""The Summary Care Record API's routes: each request checked for its headers, then its operation.

| operation | route | success |
|---|---|---|
| get-scr-id | `GET /DocumentReference` | 200 searchset Bundle |
| get-scr | `GET /Bundle` | 200 searchset Bundle |
| upload-scr | `POST /Bundle` | 201 |
| acs | `POST /$setPermission` | 201 |
| alert | `POST /AuditEvent` | 201 |

Anything else is 404 (the API does not support the FHIR capabilities interaction either), a
known path with another method 405. Faults (see `faults.py`) are decided here or in the operation
they change.
"""

from __future__ import annotations

import uuid

from conformance.reference.apis.base import ApiContext
from conformance.reference.apis.scr import faults
from conformance.reference.apis.scr.alerts import check_alert
from conformance.reference.apis.scr.documents import search
from conformance.reference.apis.scr.incoming import check_headers, json_body
from conformance.reference.apis.scr.outcomes import error, server_error
from conformance.reference.apis.scr.permissions import set_permission
from conformance.reference.apis.scr.records import ScrRecords
from conformance.reference.apis.scr.retrieval import retrieve
from conformance.reference.apis.scr.upload import upload
from conformance.reference.apis.shared import answer
from conformance.reference.service import Request, Response

ROUTES = {"/DocumentReference": ("GET",), "/Bundle": ("GET", "POST"), "/$setPermission": ("POST",),
          "/AuditEvent": ("POST",)}


class ScrService:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.records = ScrRecords(ctx.store)

    def handle(self, request: Request) -> Response:
        response = answer(self._route, request, "SCR", lambda: server_error(f"rrt-{uuid.uuid4()}"))
        return faults.outgoing(response, request, self.ctx)

    def _route(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        methods = ROUTES.get(path)
        if methods is None:
            raise error(404, "not-found", f"Invalid request: {req.method} {path} is not an operation of this API")
        if req.method not in methods:
            raise error(405, "not-supported", f"Method {req.method} is not allowed on {path}",
                        {"Allow": ", ".join(methods)})
        check_headers(req, self.ctx.auth, check_token=not self.ctx.has(faults.TOKEN_NOT_CHECKED))
        if req.method == "GET" and path == "/DocumentReference":
            return Response(200, search(req, self.records, self.ctx.base_url,
                                        with_label=not self.ctx.has(faults.NO_CONSENT_LABEL),
                                        identifier_use="primary" if self.ctx.has(faults.INVALID_FHIR) else None))
        if req.method == "GET":
            return Response(200, retrieve(req, self.records, serve_stale=self.ctx.has(faults.STALE_SCR_RETURNED)))
        check_media = not self.ctx.has(faults.CONTENT_TYPE_UNCHECKED)
        if path == "/Bundle":
            upload(json_body(req, "Bundle", check_media), self.records,
                   check_consent=not self.ctx.has(faults.UPLOAD_IGNORES_CONSENT))
        elif path == "/$setPermission":
            set_permission(json_body(req, "Parameters", check_media), self.records,
                           record=not self.ctx.has(faults.PERMISSION_NOT_RECORDED))
        else:
            check_alert(json_body(req, "AuditEvent", check_media),
                        check_combination=not self.ctx.has(faults.ALERT_COMBINATIONS_UNCHECKED))
        return Response(201, None)
