"""X-Request-ID de-duplication: "we use [it] to de-duplicate repeated requests ... If you re-send a failed
request, use the same value in this header."

A create or update (POST, PATCH) that succeeded is remembered by its X-Request-ID, method and path; the
same request sent again is answered as the first time and not applied again (no second patient, no
second version). Failures are not remembered: re-sending a failed request tries it again.
"""

from __future__ import annotations

import copy
import threading

from conformance.reference.service import Request, Response

_WRITES = ("POST", "PATCH")


class Replays:
    def __init__(self) -> None:
        self._answers: dict[tuple[str, str, str], Response] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(request: Request) -> tuple[str, str, str] | None:
        request_id = request.header("X-Request-ID")
        if request.method not in _WRITES or not request_id:
            return None
        return request_id.lower(), request.method, request.path.rstrip("/")

    def earlier(self, request: Request) -> Response | None:
        """The answer given to this request before, if it was sent and succeeded already."""
        key = self._key(request)
        with self._lock:
            found = self._answers.get(key) if key else None
        return copy.deepcopy(found) if found else None

    def remember(self, request: Request, response: Response) -> None:
        key = self._key(request)
        if key and 200 <= response.status < 300:
            with self._lock:
                self._answers[key] = copy.deepcopy(response)
