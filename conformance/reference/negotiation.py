"""Content negotiation: which `Accept`, `_format` and request `Content-Type` values the server takes.

The server speaks FHIR JSON only. Responses may be asked for as application/fhir+json,
application/json (or the older application/json+fhir), or any wildcard that covers them;
request bodies must be one of those JSON types, in UTF-8, for FHIR R4 if a version is given.
"""

from __future__ import annotations

FHIR_JSON = "application/fhir+json"
RESPONSE_CONTENT_TYPE = "application/fhir+json; charset=utf-8"
JSON_TYPES = frozenset({"application/fhir+json", "application/json", "application/json+fhir"})
_ACCEPTABLE_RANGES = JSON_TYPES | {"application/*", "*/*"}
_FORMAT_ALIASES = JSON_TYPES | {"json"}
FORM = "application/x-www-form-urlencoded"


def media_type(value: str) -> tuple[str, dict[str, str]]:
    """`type/subtype` (lower case) and its parameters."""
    kind, *params = value.split(";")
    parsed: dict[str, str] = {}
    for param in params:
        name, _, val = param.partition("=")
        parsed[name.strip().lower()] = val.strip().strip('"')
    return kind.strip().lower(), parsed


def _r4(params: dict[str, str]) -> bool:
    version = params.get("fhirversion")
    return version is None or version in ("4.0", "4.0.1")


def _quality(params: dict[str, str]) -> float:
    try:
        return float(params.get("q", "1"))
    except ValueError:
        return 1.0


def response_acceptable(accept: str | None, format_param: str | None = None) -> bool:
    """True when FHIR JSON satisfies `_format` (which wins) or the `Accept` header (absent: anything)."""
    if format_param is not None:
        kind, params = media_type(format_param)
        return kind in _FORMAT_ALIASES and _r4(params)
    if accept is None or not accept.strip():
        return True
    for item in accept.split(","):
        kind, params = media_type(item)
        if kind in _ACCEPTABLE_RANGES and _quality(params) > 0 and _r4(params):
            return True
    return False


def body_acceptable(content_type: str | None) -> bool:
    """True when a request body says it is FHIR JSON (or plain JSON) in UTF-8."""
    if not content_type:
        return False
    kind, params = media_type(content_type)
    charset = params.get("charset", "utf-8").lower()
    return kind in JSON_TYPES and charset in ("utf-8", "utf8") and _r4(params)


def is_form(content_type: str | None) -> bool:
    return bool(content_type) and media_type(content_type or "")[0] == FORM
