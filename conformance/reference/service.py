"""The FHIR interactions: capabilities, read, vread, search, create and update, independent of HTTP."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from conformance.reference.auth import Authenticator
from conformance.reference.capability import capability_statement
from conformance.reference.config import ServerConfig
from conformance.reference.negotiation import body_acceptable, response_acceptable
from conformance.reference.nhs import allocate_nhs_number, is_valid_nhs_number, nhs_numbers, with_nhs_number
from conformance.reference.outcomes import FhirError
from conformance.reference.search import PARAMS, SearchQuery, index_rows, parse_query
from conformance.reference.store import Record, Store, VersionConflict, now_instant
from conformance.reference.writes import BodyChecker

_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_ETAG = re.compile(r'\s*(?:W/)?"([0-9]+)"\s*')


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # below the FHIR base, e.g. "/Patient/9000000009"
    query: list[tuple[str, str]]
    headers: dict[str, str]  # names in lower case
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(slots=True)
class Response:
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


class FhirService:
    def __init__(self, config: ServerConfig, store: Store, auth: Authenticator, base_url: str, token_url: str) -> None:
        self.config = config
        self.store = store
        self.auth = auth
        self.base_url = base_url
        self.checker = BodyChecker(config.validate_on_write)
        self.capability = capability_statement(base_url, token_url, config, now_instant())
        self._write_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        try:
            return self._route(request)
        except FhirError as err:
            return Response(err.status, err.outcome(), err.headers)

    # -- routing ----------------------------------------------------------------------------------
    def _route(self, req: Request) -> Response:
        parts = [p for p in req.path.split("/") if p]
        if parts == ["metadata"]:
            _allow(req, "GET")
            self._negotiate(req)
            return Response(200, self.capability)
        self.auth.check(req.header("Authorization"))
        self._negotiate(req)
        if not parts or parts[0] not in PARAMS:
            what = f"the resource type '{parts[0]}'" if parts else "this interaction"
            raise FhirError(404, "not-supported", "UNSUPPORTED_SERVICE",
                            f"{what} is not served here (served: {', '.join(PARAMS)})")
        rtype, rest = parts[0], parts[1:]
        routes: dict[tuple[int, str], Callable[[], Response]] = {
            (0, "GET"): lambda: self.search(rtype, req),
            (0, "POST"): lambda: self.create(rtype, req),
            (1, "GET"): lambda: self.read(rtype, rest[0]),
            (1, "PUT"): lambda: self.update(rtype, rest[0], req),
            (3, "GET"): lambda: self.vread(rtype, rest[0], rest[2]),
        }
        if len(rest) not in (0, 1, 3) or (len(rest) == 3 and rest[1] != "_history"):
            raise FhirError(404, "not-supported", "UNSUPPORTED_SERVICE", f"'{req.path}' is not a supported interaction")
        allowed = [m for (n, m) in routes if n == len(rest)]
        _allow(req, *allowed)
        return routes[(len(rest), req.method)]()

    def _negotiate(self, req: Request) -> None:
        format_param = next((v for k, v in req.query if k == "_format"), None)
        if not response_acceptable(req.header("Accept"), format_param):
            raise FhirError(406, "not-supported", "NOT_ACCEPTABLE",
                            "this server answers in FHIR JSON only (application/fhir+json or application/json)")

    # -- interactions -----------------------------------------------------------------------------
    def read(self, rtype: str, rid: str) -> Response:
        self._check_id(rtype, rid)
        record = self.store.read(rtype, rid)
        return self._not_found(rtype, rid) if record is None else self._resource(200, record)

    def vread(self, rtype: str, rid: str, vid: str) -> Response:
        self._check_id(rtype, rid)
        if not vid.isdigit() or int(vid) < 1:
            raise FhirError(400, "value", "INVALID_RESOURCE_ID", f"'{vid}' is not a version id (1, 2, ...)")
        record = self.store.read(rtype, rid, int(vid))
        return self._not_found(rtype, rid, vid) if record is None else self._resource(200, record)

    def search(self, rtype: str, req: Request) -> Response:
        pairs = [(k, v) for k, v in req.query if k != "_format"]
        query = parse_query(rtype, pairs, self.config.page_size, self.config.max_page_size,
                            check_nhs_numbers=not self.config.has("invalid-nhs-number-accepted"))
        if self.config.has("search-ignores-parameters"):
            query = query.without_criteria()
        where, args = query.where()
        total, records = self.store.search(rtype, where, args, query.count, (query.page - 1) * query.count)
        return Response(200, self._searchset(query, total, records))

    def create(self, rtype: str, req: Request) -> Response:
        resource = self.checker.resource(self._body(req), rtype)
        with self._write_lock:
            rid, resource = self._new_identity(rtype, resource)
            try:
                record, _ = self.store.write(rtype, rid, resource, index_rows(rtype, {**resource, "id": rid}),
                                             must_be_new=True)
            except VersionConflict:
                raise FhirError(409, "duplicate", "DUPLICATE_RESOURCE",
                                f"a {rtype} with id {rid} already exists") from None
        return self._resource(201, record, location=True)

    def update(self, rtype: str, rid: str, req: Request) -> Response:
        self._check_id(rtype, rid)
        resource = self.checker.resource(self._body(req), rtype)
        if resource.get("id") != rid:
            raise FhirError(400, "invalid", "INVALID_RESOURCE", "the body's id must be the id in the URL", "id")
        if rtype == "Patient":
            if any(n != rid for n in nhs_numbers(resource)):
                raise FhirError(422, "value", "INVALID_VALUE", "the NHS number identifier must be the Patient's id",
                                "Patient.identifier")
            resource = with_nhs_number(resource, rid)
        if_match = _version_of(req.header("If-Match"))
        try:
            record, created = self.store.write(rtype, rid, resource, index_rows(rtype, resource), if_match=if_match)
        except VersionConflict as exc:
            raise FhirError(412, "conflict", "PRECONDITION_FAILED",
                            f"If-Match names version {req.header('If-Match')}, but the current version is "
                            f"{exc.current if exc.current is not None else 'none (no such resource)'}") from None
        return self._resource(201 if created else 200, record, location=created)

    # -- helpers ----------------------------------------------------------------------------------
    def _check_id(self, rtype: str, rid: str) -> None:
        if rtype == "Patient":
            if not is_valid_nhs_number(rid) and not self.config.has("invalid-nhs-number-accepted"):
                raise FhirError(400, "value", "INVALID_RESOURCE_ID", "a Patient id is an NHS number: 10 digits, "
                                "the last a Modulus 11 check digit")
        elif not _FHIR_ID.fullmatch(rid):
            raise FhirError(400, "value", "INVALID_RESOURCE_ID", "a resource id is 1 to 64 letters, digits, '-' or '.'")

    def _not_found(self, rtype: str, rid: str, vid: str | None = None) -> Response:
        if self.config.has("ok-instead-of-404"):
            return Response(200, {"resourceType": rtype})
        what = f"{rtype}/{rid}" + (f" version {vid}" if vid else "")
        raise FhirError(404, "not-found", "RESOURCE_NOT_FOUND", f"{what} is not known")

    def _body(self, req: Request) -> bytes:
        if not body_acceptable(req.header("Content-Type")):
            raise FhirError(415, "not-supported", "UNSUPPORTED_MEDIA_TYPE",
                            "request bodies must be application/fhir+json (or application/json) in UTF-8")
        return req.body

    def _new_identity(self, rtype: str, resource: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The id a created resource gets: a Patient's NHS number (its own, or a new test-range one)."""
        if rtype != "Patient":
            return str(uuid.uuid4()), resource
        numbers = nhs_numbers(resource)
        if not numbers:
            rid = allocate_nhs_number(lambda n: self.store.exists("Patient", n))
            return rid, with_nhs_number(resource, rid)
        if not is_valid_nhs_number(numbers[0]):
            raise FhirError(422, "value", "INVALID_VALUE", "the NHS number identifier is not a valid NHS number",
                            "Patient.identifier")
        return numbers[0], resource

    def _resource(self, status: int, record: Record, location: bool = False) -> Response:
        headers = {"ETag": record.etag, "Last-Modified": _http_date(record.last_updated)}
        if location:
            headers["Location"] = f"{self.base_url}/{record.type}/{record.id}/_history/{record.version}"
        return Response(status, record.resource, headers)

    def _searchset(self, query: SearchQuery, total: int, records: list[Record]) -> dict[str, Any]:
        url = f"{self.base_url}/{query.resource_type}?"
        links = [{"relation": "self", "url": url + query.query_string(query.page)}]
        if query.count and query.page * query.count < total:
            links.append({"relation": "next", "url": url + query.query_string(query.page + 1)})
        if query.page > 1:
            links.append({"relation": "previous", "url": url + query.query_string(query.page - 1)})
        bundle: dict[str, Any] = {"resourceType": "Bundle", "id": str(uuid.uuid4()),
                                  "meta": {"lastUpdated": now_instant()}, "type": "searchset", "total": total,
                                  "link": links}
        if records:
            bundle["entry"] = [{"fullUrl": f"{self.base_url}/{r.type}/{r.id}", "resource": r.resource,
                                "search": {"mode": "match"}} for r in records]
        return bundle


def _allow(req: Request, *methods: str) -> None:
    if req.method not in methods:
        raise FhirError(405, "not-supported", "METHOD_NOT_ALLOWED", f"{req.method} is not allowed here",
                        headers={"Allow": ", ".join(methods)})


def _version_of(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    match = _ETAG.fullmatch(if_match)
    if not match:  # an If-Match that names no version can never match
        return -1
    return int(match.group(1))


def _http_date(instant: str) -> str:
    return format_datetime(datetime.fromisoformat(instant.replace("Z", "+00:00")), usegmt=True)
