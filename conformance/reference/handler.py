"""HTTP plumbing: reads one request (bounded), hands it to the app, writes the answer."""

from __future__ import annotations

import logging
import ssl
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from conformance import __version__

if TYPE_CHECKING:
    from conformance.reference.app import ReferenceApp

log = logging.getLogger("conformance.reference")


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries Content-Length
    server_version = f"conformance-reference/{__version__}"
    timeout = 30  # an idle keep-alive connection is closed after this many seconds
    disable_nagle_algorithm = True  # headers and body go out in separate writes: do not wait between them

    def version_string(self) -> str:
        return self.server_version

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):  # handshake here, in this connection's thread
            self.connection.do_handshake()

    @property
    def _app(self) -> ReferenceApp:
        return self.server.app  # type: ignore[attr-defined]

    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _dispatch(self) -> None:
        body = self._read_body(self._app.max_body_bytes)
        if body is not None:
            self._send(*self._app.handle(self.command, self.path, self._headers(), body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _dispatch

    def _read_body(self, limit: int) -> bytes | None:
        """The request body, or None when an error has been answered (and the connection is to close)."""
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                self._refuse(411, "required", "LENGTH_REQUIRED", "send the body with a Content-Length")
                return None
            return b""
        if not length.strip().isdigit():
            self._refuse(400, "structure", "MESSAGE_NOT_WELL_FORMED", "Content-Length is not a number")
            return None
        if int(length) > limit:
            self._refuse(413, "too-costly", "PAYLOAD_TOO_LARGE", f"request bodies are limited to {limit} bytes")
            return None
        return self.rfile.read(int(length))

    def _refuse(self, status: int, issue_type: str, code: str, message: str) -> None:
        self.close_connection = True  # the unread body would otherwise be taken for the next request
        status, out, payload = self._app.refuse(self.command, self.path, self._headers(), status, issue_type, code,
                                                message)
        self._send(status, {**out, "Connection": "close"}, payload)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Requests too broken to route (bad request line, unknown method) get an OperationOutcome too."""
        self.close_connection = True
        headers = self._headers() if getattr(self, "headers", None) is not None else {}
        issue_type, error = ("not-supported", "METHOD_NOT_ALLOWED") if code == 501 else ("structure",
                                                                                         "MESSAGE_NOT_WELL_FORMED")
        status, out, payload = self._app.refuse(self.command or "GET", getattr(self, "path", "/"), headers, code, issue_type,
                                                error, message or "the request cannot be read")
        self._send(status, {**out, "Connection": "close"}, payload)

    def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.info("%s %s", self.address_string(), format % args)
