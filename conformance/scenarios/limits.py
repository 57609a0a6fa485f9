"""Bounds on what a target can make a run spend: bytes, decompressed bytes, time and JSON depth.

A target under test may be hostile or broken: an endless body, a gzip bomb, an answer of one
byte per second, JSON nested ten thousand deep. Each bound turns into a `LimitExceeded` (a
`TransportError` with its issue code) for the one step it happened in; the run goes on and its
reports are written.

- Bodies are read in chunks from the socket, never all at once; `Content-Length` over the limit is
  refused before a byte of the body is read.
- Content-Encoding (gzip, deflate) is undone here, chunk by chunk, with zlib's `max_length`, so a
  small compressed chunk can never expand past the limit in memory.
- The per-request deadline covers the whole exchange (connect, headers, every body chunk): a
  watchdog shuts the connection's socket when it passes, so a trickling server cannot hold a read.
- Nesting depth is measured on the bytes before anything parses them (the redactor, FHIR reader
  and auth all see a body only after this).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from conformance.issues import make_issue

MB = 1024 * 1024
CHUNK = 64 * 1024
_INFLATE_STEP = 1024 * 1024  # the most one decompress call may produce
_OPEN = b"{["
_NOT_BRACKETS = bytes(range(256)).translate(None, b"{}[]")  # what translate deletes to keep brackets only
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """The limits of one run; every one has a `run` option (README: "Limits")."""

    max_response_bytes: int = 50 * MB  # bytes on the wire (compressed)
    max_decompressed_bytes: int = 50 * MB  # bytes after Content-Encoding is undone
    request_deadline: float = 60.0  # seconds for a whole exchange, body included
    run_deadline: float = 3600.0  # seconds for the whole run
    max_json_depth: int = 256  # nesting of a JSON response body


class LimitExceeded(Exception):
    """A limit stopped this exchange. `code` is its issue code, `reason` a located sentence."""

    def __init__(self, code: str, **params: Any) -> None:
        issue = make_issue(code, **params)
        super().__init__(issue.message)
        self.code = code
        self.reason = issue.message


class Deadline:
    """When a request must be over: the earlier of its own deadline and the run's."""

    def __init__(self, limits: HttpLimits, run_ends: float) -> None:
        now = time.monotonic()
        self.request_ends = now + limits.request_deadline
        self.run_ends = run_ends
        self.ends = min(self.request_ends, run_ends)
        self.limits = limits

    def remaining(self) -> float:
        return self.ends - time.monotonic()

    def exceeded(self, url: str) -> LimitExceeded:
        if self.run_ends <= self.request_ends:
            return LimitExceeded("http.run-deadline", limit=f"{self.limits.run_deadline:g}", url=url)
        return LimitExceeded("http.request-deadline", limit=f"{self.limits.request_deadline:g}", url=url)


class Watchdog:
    """Shuts the sockets of the connections in use when the deadline passes.

    `requests` has only per-socket-operation timeouts; shutting the socket down makes whatever
    read is blocked return at once, however slowly the peer trickles bytes.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, connection: Any) -> None:
        """A connection (urllib3's, its `sock` set once connected) this exchange uses."""
        with self._lock:
            self._connections.append(connection)
            fired = self.fired
        if fired:
            _shut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def read_body(raw: Any, limits: HttpLimits, deadline: Deadline, watchdog: Watchdog, url: str) -> bytes:
    """The response body of a streamed urllib3 response, decoded, within every limit."""
    declared = raw.headers.get("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > limits.max_response_bytes:
        raise LimitExceeded("http.response-too-large", size=f"{int(declared):,}", what="Content-Length",
                            limit=f"{limits.max_response_bytes:,}", url=url)
    decoder = _decoder(raw.headers.get("Content-Encoding", ""))
    out = bytearray()
    received = 0
    for chunk in _chunks(raw, watchdog, deadline, url):
        received += len(chunk)
        if received > limits.max_response_bytes:
            raise LimitExceeded("http.response-too-large", size=f"more than {limits.max_response_bytes:,}",
                                what="received", limit=f"{limits.max_response_bytes:,}", url=url)
        if decoder is None:
            out += chunk
        else:
            _inflate(decoder, chunk, out, limits, url)
        if len(out) > limits.max_decompressed_bytes:
            raise _too_big_decoded(limits, url)
    if decoder is not None:
        out += decoder.flush()
        if len(out) > limits.max_decompressed_bytes:
            raise _too_big_decoded(limits, url)
    return bytes(out)


def _chunks(raw: Any, watchdog: Watchdog, deadline: Deadline, url: str) -> Iterator[bytes]:
    while True:
        if deadline.remaining() <= 0 or watchdog.fired:
            raise deadline.exceeded(url)
        try:
            chunk = raw.read(CHUNK, decode_content=False)
        except Exception:
            if watchdog.fired:
                raise deadline.exceeded(url) from None
            raise
        if not chunk:
            if watchdog.fired:  # the socket was shut under a read: the body is incomplete
                raise deadline.exceeded(url)
            return
        yield chunk


def _decoder(encoding: str) -> Any:
    """A streaming decoder for the body's Content-Encoding; None for identity (or one we do not undo)."""
    name = encoding.strip().lower()
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if name == "deflate":
        return zlib.decompressobj()
    return None


def _inflate(decoder: Any, chunk: bytes, out: bytearray, limits: HttpLimits, url: str) -> None:
    """Decompress one chunk, at most 1 MB per call and never past the limit (zlib's max_length keeps
    what it did not decompress in `unconsumed_tail`)."""
    data = chunk
    while data:
        room = min(limits.max_decompressed_bytes - len(out) + 1, _INFLATE_STEP)
        try:
            out += decoder.decompress(data, room)
        except zlib.error as exc:
            raise LimitExceeded("http.response-undecodable", reason=str(exc), url=url) from None
        if len(out) > limits.max_decompressed_bytes:
            raise _too_big_decoded(limits, url)
        data = decoder.unconsumed_tail
        if decoder.eof:
            return


def _too_big_decoded(limits: HttpLimits, url: str) -> LimitExceeded:
    return LimitExceeded("http.response-too-large", size=f"more than {limits.max_decompressed_bytes:,}",
                         what="after decompression", limit=f"{limits.max_decompressed_bytes:,}", url=url)


def json_depth(body: bytes) -> int:
    """How deeply the JSON in `body` nests (0 for a scalar), brackets inside strings not counted.

    Linear and iterative: strings are cut out by one regular expression, every other byte but
    brackets is deleted in C, and what is left is summed up.
    """
    if b"{" not in body and b"[" not in body:
        return 0
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    steps = (1 if c in _OPEN else -1 for c in brackets)
    return max(accumulate(steps), default=0)


def check_depth(body: bytes, limits: HttpLimits, url: str) -> None:
    depth = json_depth(body)
    if depth > limits.max_json_depth:
        raise LimitExceeded("http.response-too-deep", limit=limits.max_json_depth, url=url)
