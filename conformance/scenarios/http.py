"""HTTP to the system under test: explicit timeouts, one retry, TLS on, every exchange recorded.

- connect and read timeouts are always set (a slow target ends its scenario, never the run);
- a connection error (refused, reset, DNS, TLS handshake) is retried once for idempotent methods;
- TLS certificates are verified unless the user names another CA bundle; client certificates
  give mutual TLS;
- each exchange is recorded — method, URL, headers, body, status, timings — through the
  `Redactor` before it is kept, so no secret ever enters a result.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from conformance.scenarios.redact import Redactor

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_RECORDED_BODY = 64 * 1024
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")
_SSL = re.compile(r"\[SSL[^\]]*\] ([^'\")(]+)|(certificate verify failed[^'\")(]*)|(alert [a-z ]+)")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    verify: bool | str = True  # True, or a CA bundle file
    client_cert: str | None = None
    client_key: str | None = None


@dataclass(slots=True)
class Response:
    status: int
    headers: requests.structures.CaseInsensitiveDict[str]
    body: bytes
    elapsed_ms: float
    url: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def media_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()


class TransportError(Exception):
    """No HTTP response: the target is unreachable, too slow, or the TLS handshake failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HttpClient:
    def __init__(self, settings: HttpSettings, redactor: Redactor) -> None:
        self.settings = settings
        self.redactor = redactor
        self.session = requests.Session()
        self.session.verify = settings.verify
        if settings.client_cert:
            self.session.cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
        self.responses = 0  # how many HTTP responses were received at all
        self.failures: list[str] = []  # why each request without a response failed

    def close(self) -> None:
        self.session.close()

    def send(self, method: str, url: str, *, headers: dict[str, str], body: bytes | None, record: list[dict[str, Any]],
             role: str = "request") -> Response:
        """One exchange, appended (redacted) to `record`; TransportError when there is no response."""
        attempts = 2 if method in IDEMPOTENT else 1
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        for attempt in range(1, attempts + 1):
            try:
                # verify is passed with each request: on the session alone, REQUESTS_CA_BUNDLE would override it
                raw = self.session.request(method, url, headers=headers, data=body, allow_redirects=False,
                                           timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                                           verify=self.settings.verify)
                content = raw.content
            except requests.ConnectionError as exc:
                if attempt < attempts:
                    continue
                reason = describe_failure(exc, url, self.settings)
            except requests.Timeout:
                reason = f"no response from {url} within {self.settings.read_timeout:g} s (read timeout)"
            except requests.RequestException as exc:
                reason = f"the request to {url} failed: {exc}"
            else:
                elapsed = (time.perf_counter() - t0) * 1000
                response = Response(raw.status_code, raw.headers, content, elapsed, url)
                self.responses += 1
                record.append(self._exchange(role, method, url, headers, body, started, response, None, attempt))
                return response
            break
        record.append(self._exchange(role, method, url, headers, body, started, None, reason, attempts))
        self.failures.append(reason)
        raise TransportError(reason)

    def _exchange(self, role: str, method: str, url: str, headers: dict[str, str], body: bytes | None,
                  started: datetime, response: Response | None, error: str | None, attempts: int) -> dict[str, Any]:
        r = self.redactor
        request_type = headers.get("Content-Type", "")
        exchange: dict[str, Any] = {
            "role": role,
            "started": started.isoformat(timespec="milliseconds"),
            "request": {"method": method, "url": r.url(url), "headers": r.headers(headers),
                        **_body(body, request_type, r)},
        }
        if attempts > 1:
            exchange["attempts"] = attempts
        if response is not None:
            exchange["response"] = {"status": response.status, "headers": r.headers(dict(response.headers)),
                                    **_body(response.body, response.headers.get("Content-Type", ""), r),
                                    "elapsedMs": round(response.elapsed_ms, 1)}
        if error is not None:
            exchange["error"] = r.text(error)
        return exchange


def _body(data: bytes | None, content_type: str, redactor: Redactor) -> dict[str, Any]:
    if not data:
        return {}
    text = data[:MAX_RECORDED_BODY].decode("utf-8", errors="replace")
    recorded: dict[str, Any] = {"body": redactor.body(text, content_type)}
    if len(data) > MAX_RECORDED_BODY:
        recorded["bodyTruncated"] = True
        recorded["bodyBytes"] = len(data)
    return recorded


def describe_failure(exc: Exception, url: str, settings: HttpSettings) -> str:
    """One line a person can act on, out of requests' nested exception text."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        match = _SSL.search(text)
        detail = next((g for g in match.groups() if g), "").strip() if match else ""
        return f"TLS with {url} failed" + (f": {detail}" if detail else "") + \
            " (check --ca-bundle, --client-cert and --client-key)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"could not connect to {url} within {settings.connect_timeout:g} s (connect timeout)"
    match = _ERRNO.search(text)
    if match:
        return f"could not connect to {url}: {match.group(1).strip().lower()}"
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return f"{url} closed the connection without answering"
    return f"could not connect to {url}: {text[:200]}"
