"""The PDS API's routes: each request checked for its token and headers, then its interaction.

| interaction | route | success |
|---|---|---|
| search-patient | `GET /Patient` | 200 searchset Bundle (or 200 TOO_MANY_MATCHES) |
| get-patient | `GET /Patient/{id}` | 200 Patient with `ETag` |
| update-patient-partial | `PATCH /Patient/{id}` | 200 Patient with the new `ETag` |
| get-related-people | `GET /Patient/{id}/RelatedPerson` | 200 searchset Bundle |
| create-patient | `POST /Patient` | 201 Patient (or 200 SINGLE_MATCH / MULTIPLE_MATCHES) |
| get-coverage | `GET /Coverage` | 200 searchset Bundle with 0 or 1 Coverage |
| post-coverage | `POST /Coverage` | 201 searchset Bundle with the Coverage |

Anything else is 404 (the API "does not support the capabilities interaction"), another method on a
route 405. A create or update re-sent with the same X-Request-ID is answered as the first time
(`replays`). The access modes are not played: every interaction is open to a valid token. Faults (see
`faults.py`) are decided here.
"""

from __future__ import annotations

import re

from conformance.reference.apis.base import ApiContext
from conformance.reference.apis.pds import coverage, faults
from conformance.reference.apis.pds.creating import create
from conformance.reference.apis.pds.criteria import parse
from conformance.reference.apis.pds.incoming import check_headers, check_token, nhs_number
from conformance.reference.apis.pds.outcomes import error, outcome
from conformance.reference.apis.pds.records import Patients
from conformance.reference.apis.pds.related import related_people
from conformance.reference.apis.pds.replays import Replays
from conformance.reference.apis.pds.searching import search
from conformance.reference.apis.pds.updating import update
from conformance.reference.apis.pds.views import read_view
from conformance.reference.apis.shared import answer
from conformance.reference.outcomes import ERROR_SYSTEM, FhirError
from conformance.reference.service import Request, Response

_PATIENT = re.compile(r"/Patient/([^/]+)(/RelatedPerson)?")


class PdsService:
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx
        self.patients = Patients(ctx.store)
        self.replays = Replays()

    def handle(self, request: Request) -> Response:
        response = answer(self._route, request, "PDS", lambda: outcome("SERVER_ERROR", "An internal error occurred"))
        if self.ctx.has(faults.GENERIC_ERRORS) and response.status >= 400 and response.body:
            for issue in response.body.get("issue") or []:
                for coding in (issue.get("details") or {}).get("coding") or []:
                    coding["system"] = ERROR_SYSTEM
        return faults.outgoing(response, request, self.ctx)

    def _route(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        matched = _PATIENT.fullmatch(path)
        allowed = ("GET", "POST") if path in ("/Patient", "/Coverage") else (
            ("GET",) if matched and matched.group(2) else ("GET", "PATCH"))
        if path not in ("/Patient", "/Coverage") and matched is None:
            raise error(404, "UNSUPPORTED_SERVICE", f"Invalid request: {req.method} {path} is not an interaction of "
                                                    "this API")
        if req.method not in allowed:
            raise FhirError(405, "not-supported", "", f"Method {req.method} is not allowed on {path}",
                            headers={"Allow": ", ".join(allowed)},
                            outcome=outcome("UNSUPPORTED_SERVICE", f"Method {req.method} is not allowed on {path}"))
        has = self.ctx.has
        if not has(faults.TOKEN_NOT_CHECKED):
            check_token(req, self.ctx.auth)
        if not has(faults.HEADERS_NOT_CHECKED):
            check_headers(req, accept_ods=not has(faults.ODS_HEADER_REFUSED))
        if not has(faults.NOT_DEDUPLICATED) and (earlier := self.replays.earlier(req)) is not None:
            return earlier
        response = self._interaction(req, path, matched)
        self.replays.remember(req, response)
        return response

    def _interaction(self, req: Request, path: str, matched: re.Match[str] | None) -> Response:
        has = self.ctx.has
        if path == "/Coverage":
            if req.method == "POST":
                return coverage.post(req, self.patients, self.ctx.base_url,
                                     check_version=not has(faults.COVERAGE_VERSION_UNCHECKED))
            return coverage.read(self.patients.find(coverage.subscriber(req)), self.patients, self.ctx.base_url)
        if req.method == "POST":
            return create(req, self.patients, check_matches=not has(faults.CREATE_IGNORES_MATCHES))
        if matched is None:
            criteria = parse(req.query, check_combination=not has(faults.SEARCH_RULES_UNCHECKED),
                             check_wildcard_position=not has(faults.WILDCARDS_ANYWHERE))
            return Response(200, search(criteria, self.patients, self.ctx.base_url,
                                        withhold=not has(faults.RESTRICTED_NOT_WITHHELD),
                                        trim=not has(faults.SEARCH_FULL_RECORDS),
                                        best_first=not has(faults.SEARCH_UNRANKED),
                                        limit=not has(faults.SEARCH_UNLIMITED),
                                        with_invalidated=has(faults.INVALIDATED_SERVED),
                                        first_given_only=not has(faults.GIVEN_WILDCARD_ANY_NAME)))
        found = self.patients.find(nhs_number(matched.group(1)), follow=not has(faults.SUPERSEDED_NOT_FOLLOWED),
                                   refuse_invalidated=not has(faults.INVALIDATED_SERVED))
        if matched.group(2):
            return Response(200, related_people(found, self.patients, self.ctx.base_url,
                                                withhold=not has(faults.RESTRICTED_NOT_WITHHELD)))
        record = found.record
        if req.method == "PATCH":
            record = update(req, found, self.ctx.store, check_version=not has(faults.VERSION_UNCHECKED),
                            list_rules=not has(faults.PATCH_RULES_UNCHECKED),
                            check_restricted=not has(faults.RESTRICTED_UPDATABLE),
                            atomic=not has(faults.PATCH_NOT_ATOMIC),
                            field_rules=not has(faults.FIELD_RULES_UNCHECKED))
        body = read_view(record.resource, withhold=not has(faults.RESTRICTED_NOT_WITHHELD))
        return Response(200, body, {"ETag": record.etag})
