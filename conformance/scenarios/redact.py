"""Secrets out of recorded exchanges: before anything is kept, not when a report is written.

Redacted: credential headers (Authorization, Cookie, Set-Cookie, ...), credential fields in form and
JSON bodies (client_assertion, client_secret, access_token, ...), and every secret value the run
knows (tokens, the client secret, the signed assertion, secret inputs) wherever it appears —
URLs, headers, bodies. Values shorter than four characters are only redacted in those named
places: replacing every "1" in a report would hide the evidence, not a secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
SECRET_FIELDS = frozenset({"client_assertion", "client_secret", "access_token", "refresh_token", "id_token",
                           "password", "assertion", "code_verifier"})
_MIN_LENGTH = 4


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Redact this value from now on, also as it looks percent-encoded in a URL or form."""
        if secret and len(secret) >= _MIN_LENGTH:
            self._secrets.update({secret, quote(secret, safe=""), quote_plus(secret, safe="")})

    def text(self, value: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: (REDACTED if k.lower() in SECRET_HEADERS else self.text(str(v))) for k, v in headers.items()}

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(k.lower() in SECRET_FIELDS for k, _ in pairs):  # otherwise the URL stays exactly as sent
            query = [(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs]
            url = urlunsplit(parts._replace(query=urlencode(query, safe="|:,/[]")))
        return self.text(url)

    def body(self, text: str, content_type: str) -> str:
        media = content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            pairs = parse_qsl(text, keep_blank_values=True)
            text = urlencode([(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs])
        elif "json" in media or text.lstrip().startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                pass
            else:
                if _has_secret_field(data):
                    text = json.dumps(_scrub(data), ensure_ascii=False)
        return self.text(text)


def _has_secret_field(data: Any) -> bool:
    if isinstance(data, dict):
        return any(k.lower() in SECRET_FIELDS or _has_secret_field(v) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_secret_field(v) for v in data)
    return False


def _scrub(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: (REDACTED if k.lower() in SECRET_FIELDS else _scrub(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [_scrub(v) for v in data]
    return data
