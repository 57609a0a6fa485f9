"""One HTTP exchange in, one out: routes to the FHIR service or the token endpoint and writes the bytes.

Everything every FHIR response carries is added here: the FHIR JSON content type, the echoed
`X-Request-ID` and `X-Correlation-ID`, and the faults that change what goes out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from conformance.reference import faults
from conformance.reference.auth import Authenticator, TokenError
from conformance.reference.negotiation import RESPONSE_CONTENT_TYPE
from conformance.reference.outcomes import error_outcome
from conformance.reference.service import Request, Response

log = logging.getLogger("conformance.reference")

FHIR_BASE_PATH = "/FHIR/R4"
TOKEN_PATH = "/oauth2/token"
ECHOED = ("X-Request-ID", "X-Correlation-ID")

Exchange = tuple[int, dict[str, str], bytes]


class Service(Protocol):
    def handle(self, request: Request) -> Response: ...


class ReferenceApp:
    """`base_path` is where the service answers (an API behaviour's own); `active_faults` are the
    generic server's outgoing faults (an API behaviour applies its own)."""

    def __init__(self, service: Service, auth: Authenticator, token_url: str, scheme: str,
                 active_faults: Collection[str], base_path: str = FHIR_BASE_PATH) -> None:
        self.service = service
        self.auth = auth
        self.token_url = token_url
        self.scheme = scheme
        self.faults = frozenset(active_faults)
        self.base_path = base_path
        self.max_body_bytes = auth.config.max_body_bytes

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Exchange:
        """Answer one request; `headers` has lower-case names. Never raises."""
        url = urlsplit(target)
        try:
            if url.path == TOKEN_PATH:
                return self._token(method, headers, body)
            if url.path == self.base_path or url.path.startswith(self.base_path + "/"):
                request = Request(method, url.path[len(self.base_path):],
                                  parse_qsl(url.query, keep_blank_values=True), headers, body)
                return self._fhir(request, self.service.handle(request))
            outcome = error_outcome("not-supported", "UNSUPPORTED_SERVICE",
                                    f"nothing is served at {url.path}; the FHIR base is {self.base_path}")
            return self._fhir(Request(method, url.path, [], headers), Response(404, outcome))
        except Exception:  # our own bug: answer 500 and keep serving
            log.exception("internal error answering %s %s", method, url.path)
            outcome = error_outcome("exception", "SERVER_ERROR", "internal error in the reference server")
            return self._fhir(Request(method, url.path, [], headers), Response(500, outcome))

    def refuse(self, method: str, target: str, headers: dict[str, str], status: int, issue_type: str, code: str,
               message: str) -> Exchange:
        """An error answered before the request could be read (its body too large, its length unknown)."""
        request = Request(method, urlsplit(target).path, [], headers)
        return self._fhir(request, Response(status, error_outcome(issue_type, code, message)))

    def _fhir(self, request: Request, response: Response) -> Exchange:
        body = response.body
        if body is not None:
            body = faults.outgoing_body(body, response.status, self.faults)
        # a service's own headers win over the echo (an API behaviour's fault may answer other values)
        headers = {"Content-Type": RESPONSE_CONTENT_TYPE, **_echoed(request.headers), **response.headers}
        return response.status, faults.outgoing_headers(headers, self.faults), _json(body)

    def _token(self, method: str, headers: dict[str, str], body: bytes) -> Exchange:
        status: int
        extra: dict[str, str] = {}
        if not self.auth.token_endpoint_enabled:
            status, payload = 404, {"error": "invalid_request", "error_description": "this server issues no tokens "
                                    f"(auth mode '{self.auth.config.auth}')"}
        elif method != "POST":
            status, payload, extra = 405, {"error": "invalid_request", "error_description": "use POST"}, {"Allow": "POST"}
        else:
            audiences = {self.token_url}
            if headers.get("host"):
                audiences.add(f"{self.scheme}://{headers['host']}{TOKEN_PATH}")
            try:
                status, payload = 200, self.auth.token_request(headers.get("content-type"),
                                                               headers.get("authorization"), body, audiences)
            except TokenError as err:
                status, payload = err.status, err.body()
                if err.basic_challenge:
                    extra["WWW-Authenticate"] = 'Basic realm="conformance-reference"'
        out = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "Pragma": "no-cache",
               **extra, **_echoed(headers)}
        return status, out, _json(payload)


def _echoed(headers: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in ECHOED:
        value = headers.get(name.lower())
        if value is not None:
            found[name] = value.replace("\r", "").replace("\n", "")
    return found


def _json(body: dict[str, Any] | None) -> bytes:
    return b"" if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
