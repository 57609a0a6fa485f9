"""Secrets out of recorded exchanges: before anything is kept, not when a report is written.

Redacted: credential headers (Authorization, Cookie, Set-Cookie, ...), credential fields in form and
JSON bodies (client_assertion, client_secret, access_token, ...) and the FHIR shapes that carry
them (a `Parameters` parameter named `access_token`), and every secret value the run knows
(tokens, the client secret, the signed assertion, secret inputs, credentials of the target URL)
wherever it appears — URLs, headers, bodies — also percent-encoded, JSON-escaped and base64
encoded (standard and URL-safe alphabets, at any alignment inside a longer base64 text). Values
shorter than four characters are only redacted in those named places: replacing every "1" in a
report would hide the evidence, not a secret.

JSON is walked with an explicit stack, never by recursion, and a body nested deeper than
`MAX_SCRUB_DEPTH` is redacted as text only: a hostile target cannot make redaction fail.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
SECRET_FIELDS = frozenset({"client_assertion", "client_secret", "access_token", "refresh_token", "id_token",
                           "password", "assertion", "code_verifier"})
# query parameter names that carry credentials, compared without case, '-' and '_' (never a FHIR
# search parameter: those are data, and the evidence needs them)
SECRET_QUERY_NAMES = frozenset({"apikey", "key", "token", "accesstoken", "authtoken", "apitoken", "secret",
                                "clientsecret", "password", "passwd", "pwd", "sig", "signature", "auth",
                                "session", "sessionid", "subscriptionkey", "xapikey", "jwt", "bearer"})
MAX_SCRUB_DEPTH = 512
_MIN_LENGTH = 4
_MIN_ENCODED = 6  # a base64 fragment shorter than this could be anything


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._ordered: list[str] | None = None
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        """Redact this value from now on, also in the encoded forms it may be echoed in."""
        if secret and len(secret) >= _MIN_LENGTH:
            self._secrets.update(encoded_forms(secret))
            self._ordered = None

    def text(self, value: str) -> str:
        if self._ordered is None:
            self._ordered = sorted(self._secrets, key=len, reverse=True)
        for secret in self._ordered:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: (REDACTED if k.lower() in SECRET_HEADERS else self.text(str(v))) for k, v in headers.items()}

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            parts = parts._replace(netloc=REDACTED + "@" + parts.netloc.rpartition("@")[2])
            url = urlunsplit(parts)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(secret_name(k) for k, _ in pairs):  # otherwise the URL stays exactly as sent
            query = [(k, REDACTED if secret_name(k) else v) for k, v in pairs]
            url = urlunsplit(parts._replace(query=urlencode(query, safe="|:,/[]")))
        return self.text(url)

    def body(self, text: str, content_type: str) -> str:
        media = content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            pairs = parse_qsl(text, keep_blank_values=True)
            text = urlencode([(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in pairs])
        elif ("json" in media or text.lstrip().startswith("{")) and _nesting(text) <= MAX_SCRUB_DEPTH:
            try:
                data = json.loads(text)
            except (ValueError, RecursionError):
                pass
            else:
                if scrub(data):
                    text = json.dumps(data, ensure_ascii=False)
        return self.text(text)


def encoded_forms(secret: str) -> set[str]:
    """The secret as it may appear in a report: raw, percent-encoded, JSON-escaped, base64."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret, safe=""), json.dumps(secret)[1:-1]}
    raw = secret.encode("utf-8")
    for shift in range(3):  # base64 of a longer text holding the secret: 3 possible alignments
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        first = -(-8 * shift // 6)  # the first character made of the secret's bits alone
        last = 8 * (shift + len(raw)) // 6  # one past the last such character
        core = encoded[first:last]
        if len(core) >= _MIN_ENCODED:
            forms.add(core)
            forms.add(core.translate(_URLSAFE))
    full = base64.b64encode(raw).decode("ascii")
    forms.update({full, full.rstrip("="), base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")})
    return {f for f in forms if len(f) >= _MIN_LENGTH}


_URLSAFE = str.maketrans("+/", "-_")


def secret_name(name: str) -> bool:
    """Whether a query or form parameter of this name carries a credential."""
    return name.lower() in SECRET_FIELDS or name.lower().replace("-", "").replace("_", "") in SECRET_QUERY_NAMES


def _nesting(text: str) -> int:
    """An upper bound of the JSON nesting depth (brackets in strings counted too): cheap, linear."""
    depth = deepest = 0
    for c in re.findall(r"[\[\]{}]", text):
        depth += 1 if c in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def scrub(data: Any) -> bool:
    """Redact, in place, secret-named fields and `{"name": <secret field>, "value[x]": ...}` shapes
    (FHIR `Parameters`); True when anything was redacted. Iterative: depth costs no stack."""
    changed = False
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            named = item.get("name")
            secret_shape = isinstance(named, str) and named.lower() in SECRET_FIELDS
            for key, value in item.items():
                if key.lower() in SECRET_FIELDS or (secret_shape and key.startswith("value")):
                    item[key] = REDACTED
                    changed = True
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, (dict, list)))
    return changed
