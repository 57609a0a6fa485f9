"""HTTP to the system under test: explicit timeouts, one retry, TLS on, bounded, every exchange recorded.

- connect and read timeouts are always set (a slow target ends its scenario, never the run);
- every exchange is bounded (`limits.py`): bytes, decompressed bytes, a deadline over the whole
  request and one over the run, and the nesting depth of a JSON body; a limit ends that step
  with its issue code;
- a connection error (refused, reset, DNS, TLS handshake) is retried once for idempotent methods;
- TLS certificates are verified unless the user names another CA bundle; client certificates
  give mutual TLS;
- each exchange is recorded — method, URL, headers, body, status, timings — through the
  `Redactor` before it is kept, so no secret ever enters a result.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.scenarios.limits import Deadline, HttpLimits, LimitExceeded, Watchdog, check_depth, read_body
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
    limits: HttpLimits = field(default_factory=HttpLimits)


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
    """No usable HTTP response: the target is unreachable, too slow, the TLS handshake failed, or a
    limit stopped the exchange (then `code` is the limit's issue code)."""

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


_exchange_watchdog = threading.local()  # the Watchdog of the exchange this thread is sending


def _watched(pool: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """A connection pool that hands each connection it lends to the current exchange's watchdog."""

    class Watched(pool):  # type: ignore[valid-type,misc]
        def _get_conn(self, timeout: float | None = None) -> Any:
            connection = super()._get_conn(timeout)
            watchdog = getattr(_exchange_watchdog, "current", None)
            if watchdog is not None:
                watchdog.watch(connection)
            return connection

    return Watched


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _watched(HTTPConnectionPool),
                                                   "https": _watched(HTTPSConnectionPool)}


class HttpClient:
    def __init__(self, settings: HttpSettings, redactor: Redactor) -> None:
        self.settings = settings
        self.redactor = redactor
        self.session = requests.Session()
        for scheme in ("http://", "https://"):
            self.session.mount(scheme, _WatchedAdapter())
        self.session.verify = settings.verify
        if settings.client_cert:
            self.session.cert = (settings.client_cert, settings.client_key) if settings.client_key else settings.client_cert
        self.responses = 0  # how many HTTP responses were received at all
        self.failures: list[str] = []  # why each request without a response failed
        self.run_ends = time.monotonic() + settings.limits.run_deadline

    def close(self) -> None:
        self.session.close()

    def run_over(self) -> bool:
        """Whether the run's deadline has passed (no request is sent after it)."""
        return time.monotonic() >= self.run_ends

    def send(self, method: str, url: str, *, headers: dict[str, str], body: bytes | None, record: list[dict[str, Any]],
             role: str = "request") -> Response:
        """One exchange, appended (redacted) to `record`; TransportError when there is no response."""
        attempts = 2 if method in IDEMPOTENT else 1
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        limits = self.settings.limits
        deadline = Deadline(limits, self.run_ends)
        code: str | None = None
        response: Response | None = None
        for attempt in range(1, attempts + 1):
            if deadline.remaining() <= 0:
                exceeded = deadline.exceeded(url)
                reason, code = exceeded.reason, exceeded.code
                break
            try:
                response = self._attempt(method, url, headers, body, deadline, t0)
            except LimitExceeded as exc:
                reason, code = exc.reason, exc.code
            except requests.ConnectionError as exc:
                if attempt < attempts and deadline.remaining() > 0:
                    continue
                reason = describe_failure(exc, url, self.settings)
            except requests.Timeout:
                reason = f"no response from {url} within {self.settings.read_timeout:g} s (read timeout)"
            except requests.RequestException as exc:
                reason = f"the request to {url} failed: {exc}"
            else:
                self.responses += 1
                try:
                    check_depth(response.body, limits, url)
                except LimitExceeded as exc:  # recorded as text, never parsed by anything
                    record.append(self._exchange(role, method, url, headers, body, started, response, exc.reason,
                                                 attempt))
                    raise TransportError(exc.reason, exc.code) from None
                record.append(self._exchange(role, method, url, headers, body, started, response, None, attempt))
                return response
            break
        record.append(self._exchange(role, method, url, headers, body, started, response, reason, attempts))
        self.failures.append(reason)
        raise TransportError(reason, code)

    def _attempt(self, method: str, url: str, headers: dict[str, str], body: bytes | None, deadline: Deadline,
                 t0: float) -> Response:
        """One try: headers and body within the limits, the whole exchange under the watchdog."""
        limits = self.settings.limits
        read_timeout = max(min(self.settings.read_timeout, deadline.remaining()), 0.001)
        connect_timeout = max(min(self.settings.connect_timeout, deadline.remaining()), 0.001)
        sent = dict(headers)
        if not any(k.lower() == "accept-encoding" for k in sent):
            sent["Accept-Encoding"] = "gzip, deflate"  # the encodings read_body can undo within its limits
        with Watchdog(deadline.remaining()) as watchdog:
            _exchange_watchdog.current = watchdog
            raw = None
            try:
                # verify is passed with each request: on the session alone, REQUESTS_CA_BUNDLE would override it
                raw = self.session.request(method, url, headers=sent, data=body, allow_redirects=False,
                                           timeout=(connect_timeout, read_timeout),
                                           verify=self.settings.verify, stream=True)
                content = read_body(raw.raw, limits, deadline, watchdog, url)
            except requests.RequestException:
                if watchdog.fired:
                    raise deadline.exceeded(url) from None
                raise
            except urllib3.exceptions.ReadTimeoutError:
                if watchdog.fired:
                    raise deadline.exceeded(url) from None
                raise requests.Timeout() from None
            except (urllib3.exceptions.HTTPError, OSError):
                if watchdog.fired:
                    raise deadline.exceeded(url) from None
                raise requests.ConnectionError(f"{url} closed the connection while sending the body") from None
            finally:
                _exchange_watchdog.current = None
                if raw is not None:
                    raw.close()
        elapsed = (time.perf_counter() - t0) * 1000
        return Response(raw.status_code, raw.headers, content, elapsed, url)

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
