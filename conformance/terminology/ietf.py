"""The grammars of the two IETF code systems R4 binds without listing codes: mime types and language tags.

R4 binds Attachment.contentType, Binary.contentType and the other mime type elements to the value set
`mimetypes` ("all codes from urn:ietf:bcp:13"), and every `language` element to `all-languages` (its
max value set: "all codes from urn:ietf:bcp:47", R4 terminologies-systems.html). Neither system can be
enumerated offline, but both define their codes by a grammar, so a string that breaks the grammar is
not a code of the system whatever the registries hold. A code that parses is only well-formed: whether
its subtags or subtypes are registered needs the IANA registries, which we do not hold.

- `urn:ietf:bcp:13` (RFC 2045 §5.1, RFC 6838 §4.2): `type "/" subtype *(";" attribute "=" value)`, type,
  subtype and attribute being RFC 2045 tokens (no space, control or tspecial) and a value a token or a
  quoted string, or, as R4 writes them unquoted, any run without ';' or '"' (signatures.html's
  canonicalization URLs, the Endpoint examples' `application/dicom; variant=DICOM WADO-RS`); white space
  is allowed around ";" and "=" (RFC 2045 allows RFC 822 linear white space there, e.g.
  `text/plain; charset=UTF-8`). R4 CapabilityStatement.format ("xml | json | ttl | mime
  type") and the `_format` parameter (R4 http.html) also take the bare FHIR format names `xml`, `json`
  and `ttl` from this value set, so they are accepted too.
- `urn:ietf:bcp:47` (RFC 5646 §2.1): `langtag / privateuse / grandfathered`, case-insensitive, with a
  langtag being `language ["-" script] ["-" region] *("-" variant) *("-" extension) ["-" privateuse]`.
  The grammar's 4 and 5-8 letter primary language subtags are refused: RFC 5646 §2.2.1 reserves them
  and the IANA Language Subtag Registry has never held one (so `english` is not a language tag).
"""

from __future__ import annotations

import re

MIME_TYPES = "urn:ietf:bcp:13"
LANGUAGES = "urn:ietf:bcp:47"

# -- RFC 2045 §5.1 ------------------------------------------------------------------------------------
_TOKEN = r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+"  # any US-ASCII CHAR but SPACE, CTLs and tspecials
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
# a parameter value: a token or quoted string in RFC 2045, but R4 writes URLs unquoted there (signatures.html:
# `application/fhir+json;canonicalization=http://hl7.org/fhir/canonicalization/json`) and values with spaces
# too (its Endpoint examples: `application/dicom; variant=DICOM WADO-RS`), so any run without ';' or '"'
# is accepted (white space inside it, not around it)
_VALUE = rf'(?:[^\s;"](?:[^;"\r\n]*[^\s;"])?|{_QUOTED})'
_MIME = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}[ \t]*=[ \t]*{_VALUE})*[ \t]*;?")
_FHIR_FORMATS = frozenset({"xml", "json", "ttl"})


def mime_type_problem(code: str) -> str | None:
    """Why `code` is not a mime type (RFC 2045 §5.1 Content-Type value), or None when it is well-formed."""
    if code in _FHIR_FORMATS or _MIME.fullmatch(code):
        return None
    head = code.split(";", 1)[0].strip()
    if "/" not in head:
        return "a mime type is a type and a subtype separated by '/' (e.g. text/plain)"
    if not re.fullmatch(rf"{_TOKEN}/{_TOKEN}", head):
        return "the type and subtype are tokens: letters, digits and !#$%&'*+-.^_`{|}~, no spaces"
    return "each parameter after ';' is attribute=value (e.g. text/plain; charset=UTF-8)"


# -- RFC 5646 §2.1 --------------------------------------------------------------------------------------
_ALNUM = "[a-z0-9]"
# RFC 5646 also allows a 4 letter ("reserved for future standardization") or 5-8 letter ("reserved for
# registered language subtags") primary subtag; the IANA registry holds none, so no valid tag has one.
_LANGUAGE = r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3})"  # at most three extlangs
_SCRIPT = r"[a-z]{4}"
_REGION = r"(?:[a-z]{2}|[0-9]{3})"
_VARIANT = rf"(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}})"
_EXTENSION = rf"(?:[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)"
_PRIVATE = rf"(?:x(?:-{_ALNUM}{{1,8}})+)"
_LANGTAG = re.compile(
    rf"{_LANGUAGE}(?:-{_SCRIPT})?(?:-{_REGION})?(?:-{_VARIANT})*(?:-{_EXTENSION})*(?:-{_PRIVATE})?|{_PRIVATE}",
    re.IGNORECASE)
_GRANDFATHERED = frozenset({
    "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
    "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de",  # irregular
    "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan",
    "zh-xiang",  # regular
})


def language_tag_problem(code: str) -> str | None:
    """Why `code` is not a language tag (RFC 5646 §2.1 Language-Tag), or None when it is well-formed."""
    if code.lower() in _GRANDFATHERED or _LANGTAG.fullmatch(code):
        return None
    if "_" in code:
        return "subtags are separated by '-', not '_' (e.g. en-GB)"
    return ("a language tag is a 2-3 letter language, then optional script, region, variant, "
            "extension and x- private-use subtags separated by '-' (e.g. en, en-GB, zh-Hant-TW)")
