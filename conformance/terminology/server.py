"""An optional FHIR terminology server (`--tx URL`), asked only what cannot be decided locally.

`ValueSet/$validate-code` (or `CodeSystem/$validate-code` when there is no value set) by GET, with
connect and read timeouts and one retry. Answers (the `result`, `message` and `display` of the
returned Parameters) are recorded in a cache folder (`--tx-cache DIR`), one JSON file per question,
keyed by a hash of (server, value set, system, code, display). A recorded answer is always used
first, so a run can be replayed offline with the same verdicts: with the cache and the server
stopped, nothing is sent. A server that cannot be reached is given up for the rest of the run after
the first failure (so a run with a dead `--tx` is not slowed down), and that failure is reported
once; a question nobody can answer stays "not validated".
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests


FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class TxAnswer:
    """A server's verdict on one code."""

    result: bool
    message: str = ""
    display: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "message": self.message, "display": self.display}

    @classmethod
    def from_json(cls, data: Any) -> TxAnswer | None:
        if not isinstance(data, dict) or not isinstance(data.get("result"), bool):
            return None
        message, display = data.get("message"), data.get("display")
        return cls(data["result"], message if isinstance(message, str) else "",
                   display if isinstance(display, str) else None)


@dataclass(frozen=True, slots=True)
class TxReply:
    """What asking gave: an answer (from the server or the cache) or why there is none.

    `unreachable` is set only on the one reply during which the server was found unreachable, so
    the caller can report that once.
    """

    answer: TxAnswer | None
    source: str  # "server", "cache" or "none"
    reason: str = ""
    unreachable: str | None = None


class TxCache:
    """Recorded answers on disk, one file per question, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @staticmethod
    def key(server: str, valueset: str | None, system: str | None, code: str, display: str | None) -> str:
        question = json.dumps([server, valueset, system, code, display], separators=(",", ":"))
        return hashlib.sha256(question.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> TxAnswer | None:
        try:
            data = json.loads(self.path(key).read_bytes())
        except (OSError, ValueError):
            return None  # absent or damaged: ask again
        return TxAnswer.from_json(data.get("answer")) if isinstance(data, dict) else None

    def put(self, key: str, question: dict[str, Any], answer: TxAnswer) -> None:
        """Record an answer; a cache that cannot be written costs the replay, never the run."""
        payload = json.dumps({"question": question, "answer": answer.to_json()}, indent=1, sort_keys=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".tx-", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(temp, self.path(key))
        except OSError:
            return


class TxClient:
    """Asks one terminology server, through the answer cache when there is one."""

    def __init__(self, base_url: str | None, cache: TxCache | None = None, *, connect_timeout: float = 5.0,
                 read_timeout: float = 30.0, retries: int = 1, session: requests.Session | None = None) -> None:
        import requests  # imported when first needed: it costs ~0.1 s at start-up
        self.base_url = base_url.rstrip("/") if base_url else None
        self.cache = cache
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.session = session or requests.Session()
        self.down: str | None = None  # why the server was given up, once it has been
        self.sent = 0  # HTTP requests made (attempts, retries included)

    @property
    def server_label(self) -> str:
        return self.base_url or "(no server)"

    def validate_code(self, valueset: str | None, system: str | None, code: str,
                      display: str | None = None) -> TxReply:
        key = TxCache.key(self.server_label, valueset, system, code, display)
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return TxReply(cached, "cache")
        if self.base_url is None:
            return TxReply(None, "none", "no terminology server was given and the answer is not in the cache")
        if self.down is not None:
            return TxReply(None, "none", f"the terminology server {self.base_url} is unreachable ({self.down})")
        params = _params(valueset, system, code, display)
        resource = "ValueSet" if valueset is not None else "CodeSystem"
        reply = self._ask(f"{self.base_url}/{resource}/$validate-code", params)
        if reply.answer is not None and self.cache is not None:
            self.cache.put(key, {"server": self.base_url, "valueset": valueset, "system": system, "code": code,
                                 "display": display}, reply.answer)
        return reply

    def _ask(self, url: str, params: dict[str, str]) -> TxReply:
        import requests  # imported when first needed: it costs ~0.1 s at start-up
        failure = ""
        for _attempt in range(1 + self.retries):
            self.sent += 1
            try:
                response = self.session.get(url, params=params, timeout=self.timeout,
                                            headers={"Accept": FHIR_JSON})
            except requests.RequestException as exc:  # refused, timed out, bad URL, broken TLS...
                failure = _short(exc)
                continue
            if response.status_code >= 500:
                failure = f"HTTP {response.status_code}"
                continue
            return _reply(response)
        if failure.startswith("HTTP "):  # it answers, badly: not worth giving up on
            return TxReply(None, "none", f"the terminology server {self.base_url} failed ({failure})")
        self.down = failure
        return TxReply(None, "none", f"the terminology server {self.base_url} is unreachable ({failure})",
                       unreachable=failure)


def _params(valueset: str | None, system: str | None, code: str, display: str | None) -> dict[str, str]:
    params: dict[str, str] = {"code": code}
    if valueset is not None:
        url, _, version = valueset.partition("|")
        params["url"] = url
        if version:
            params["valueSetVersion"] = version
        if system is not None:
            params["system"] = system
    elif system is not None:
        params["url"] = system
    if display is not None:
        params["display"] = display
    return params


def _reply(response: requests.Response) -> TxReply:
    try:
        body = response.json()
    except ValueError:
        return TxReply(None, "none", f"the terminology server answered HTTP {response.status_code} without JSON")
    if response.status_code != 200 or not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        return TxReply(None, "none", f"the terminology server could not answer (HTTP {response.status_code}"
                                     f"{': ' + _outcome_text(body) if _outcome_text(body) else ''})")
    values: dict[str, Any] = {}
    for p in body.get("parameter", ()):
        if isinstance(p, dict) and isinstance(p.get("name"), str):
            for key in ("valueBoolean", "valueString"):
                if key in p:
                    values.setdefault(p["name"], p[key])
    answer = TxAnswer.from_json(values)
    if answer is None:
        return TxReply(None, "none", "the terminology server's answer has no 'result'")
    return TxReply(answer, "server")


def _outcome_text(body: Any) -> str:
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        for issue in body.get("issue", ()):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
            if isinstance(text, str):
                return text
    return ""


def _short(exc: Exception) -> str:
    """A one-line reason: the exception's type and its innermost cause, never a traceback."""
    import requests  # imported when first needed: it costs ~0.1 s at start-up
    text = str(exc).splitlines()[0] if str(exc) else ""
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
