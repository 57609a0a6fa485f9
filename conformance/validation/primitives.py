"""Lexical rules of FHIR primitive types.

The regular expressions come from the loaded R4 definitions themselves (the `regex` extension
on each primitive's `value` element), so the tool checks what the specification says, not a
hand-copied approximation. What a regex cannot say is added here: real calendar dates,
32-bit integer ranges, string length limits, and the JSON type each primitive must use.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"

# JSON representation of each primitive (FHIR R4 json.html#primitive)
_JSON_KIND = {
    "boolean": "boolean",
    "integer": "number",
    "positiveInt": "number",
    "unsignedInt": "number",
    "decimal": "number",
}

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
STRING_MAX_CHARS = 1024 * 1024
# per primitive type: at most 16,384 values of at most 128 characters (≤ 2 MiB of text per type). 128, not 64:
# code system and profile URLs are often longer than 64 characters and recur in every resource
# (http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation is 67)
PASSED_MAX_VALUES = 16_384
PASSED_MAX_CHARS = 128


@dataclass(frozen=True, slots=True)
class PrimitiveRule:
    """Everything needed to check one primitive type's values."""

    type_name: str
    json_kind: str
    pattern: re.Pattern[str] | None
    extra: Callable[[Node, str], Issue | None] | None
    max_length: int | None
    integer: tuple[int, int] | None  # the range of an integer type; a lexically valid integer outside it is out of range

    # lexical forms that passed every check below, so a repeated value (a code, a system, a unit) is checked
    # once: bounded (cleared when full) and only short values, so it cannot grow with the input
    passed: set[str] = field(default_factory=set, compare=False, repr=False)

    def check(self, node: Node, issues: list[Issue]) -> None:
        value = node.value
        if value is None:
            return
        if node.json_kind is not None and node.json_kind != self.json_kind:
            issues.append(make_issue("json.wrong-type", node, name=node.name, expected=self.json_kind,
                                     actual=node.json_kind))
            return
        passed = self.passed
        if value in passed or value == "":
            return  # ("" is reported by the reader as value.empty)
        if self.max_length is not None and len(value) > self.max_length:
            issues.append(make_issue("value.too-long", node, length=len(value), limit=self.max_length,
                                     type=self.type_name))
            return
        if self.integer and _INTEGER.fullmatch(value) is not None:
            if not self.integer[0] <= int(value) <= self.integer[1]:
                issues.append(make_issue("value.out-of-range", node, value=value, type=self.type_name))
                return
        else:
            if self.pattern is not None and self.pattern.fullmatch(value) is None:
                issues.append(make_issue("value.format", node, value=_shorten(value), type=self.type_name))
                return
            if self.extra is not None:
                found = self.extra(node, value)
                if found is not None:
                    issues.append(found)
                    return
        # (a value with markup is judged by where it is, a rendering-xhtml extension or not: never remembered)
        if len(value) <= PASSED_MAX_CHARS and not (self.extra is not None and "<" in value):
            if len(passed) >= PASSED_MAX_VALUES:
                passed.clear()
            passed.add(value)


def _shorten(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_date(node: Node, value: str) -> Issue | None:
    """The regex allows 2023-02-30; the specification says dates SHALL be valid dates."""
    if len(value) >= 10:
        try:
            year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
        except ValueError:
            return None
        if day > 28 and 1 <= month <= 12 and day > (_DAYS_IN_MONTH[month] if month != 2 else 29 if calendar.isleap(year) else 28):
            return make_issue("value.invalid-date", node, value=value)
    return None


# Beyond R4, as the HL7 validator does (a security check): R4 strings are plain text and markdown is text
# for people, but a receiver that renders them as HTML would run embedded active markup (scripts, frames,
# forms, images with handlers, links). Such a tag in a `string` is an error; in `markdown`, which GFM lets carry
# raw HTML (R5 forbids it: "HTML is not allowed"), a warning. Formatting tags and text such as `<id>` or an
# autolink `<https://...>` are not active markup and are left alone.
_ACTIVE_HTML = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|img|a|form|input|button|textarea|select|style|link|meta|svg|math|base"
    r"|frame|frameset|applet)(?=[\s/>])", re.IGNORECASE)
# any tag with an event-handler attribute (HTML 4.0 §18.2.3 intrinsic events: onclick, onload, onmouseover, ...)
# is active markup too: its value is a script the renderer runs
_EVENT_HANDLER = re.compile(r"<\s*([a-zA-Z][\w:-]*)\b[^<>]*?\s(on[a-zA-Z]+)\s*=", re.IGNORECASE)


def _active_html(value: str) -> str | None:
    """The first active markup in a plain-text value (a script-capable tag, or a tag with an event handler)."""
    found = _ACTIVE_HTML.search(value)
    if found is not None:
        return found.group(0)
    handler = _EVENT_HANDLER.search(value)
    return f"<{handler.group(1)} {handler.group(2)}=" if handler is not None else None


# R4's rendering-xhtml extension holds "an equivalent of the string on which the extension is sent, but includes
# additional XHTML markup ... Existing restrictions on XHTML content (narrative.html#security) apply": its value
# is XHTML by definition, so images and links are allowed there, and what narrative XHTML SHALL NOT contain
# ("a head, a body element, external stylesheet references, deprecated elements, scripts, forms, base/link/xlink,
# frames, iframes and objects") is refused instead
RENDERING_XHTML = "http://hl7.org/fhir/StructureDefinition/rendering-xhtml"
_NOT_IN_NARRATIVE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|applet|form|input|button|textarea|select|style|link|meta|base|frame"
    r"|frameset|head|body)(?=[\s/>])", re.IGNORECASE)


def _check_string_html(node: Node, value: str) -> Issue | None:
    if "<" not in value:
        return None
    if _is_rendering_xhtml(node):
        found = _NOT_IN_NARRATIVE.search(value)
        return make_issue("security.xhtml-not-allowed", node, tag=found.group(0)) if found else None
    tag = _active_html(value)
    return make_issue("security.html-in-string", node, tag=tag) if tag else None


def _is_rendering_xhtml(node: Node) -> bool:
    """Whether the string is the value of a rendering-xhtml extension."""
    parent = node.parent
    return node.name == "valueString" and parent is not None and parent.child_value("url") == RENDERING_XHTML


# R4 datatypes.html#code: "no leading or trailing whitespace, and ... no whitespace other than single spaces in the
# contents". Its regex `[^\s]+(\s[^\s]+)*` lets a single tab or line break through between two parts; the text
# does not. The no-break spaces are not white space (as in Java's Character.isWhitespace, which the HL7 validator
# applies): they are part of the code.
_NOT_WHITE_SPACE = frozenset({"\u00a0", "\u2007", "\u202f"})


def _check_code(node: Node, value: str) -> Issue | None:
    bad = next((c for c in value if c != " " and c.isspace() and c not in _NOT_WHITE_SPACE), None)
    if bad is None:
        return None
    return make_issue("value.code-white-space", node, value=_shorten(value), char=f"U+{ord(bad):04X}")


def _check_markdown_html(node: Node, value: str) -> Issue | None:
    tag = _active_html(value) if "<" in value else None
    return make_issue("security.html-in-markdown", node, tag=tag) if tag else None


# R4 gives UUIDs and OIDs written as URIs one form each, the `uuid` and `oid` types ("urn:uuid:" and 32 hex
# digits in 8-4-4-4-12 groups, RFC 4122; "urn:oid:" and a dotted OID, RFC 3001). A `uri`, `url` or `canonical`
# in those URN namespaces names the same thing, so it must have that form too (a `#fragment` may follow): a
# 'urn:uuid:' followed by anything else identifies nothing. RFC 4122 reads hex digits in any case but writes
# them lowercase, as R4 asks ("For UUID ... use all lowercase"): uppercase is a warning, not an error.
_URNS = (
    ("urn:uuid:", "UUID", re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(#.*)?",
                                     re.IGNORECASE)),
    ("urn:oid:", "OID", re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+(#.*)?")),
)


def _check_urn(node: Node, value: str) -> Issue | None:
    if value.startswith(("oid:", "uuid:")):
        # an OID or UUID as a URI is `urn:oid:`/`urn:uuid:` (R4 datatypes.html#oid, #uuid); `oid:` and `uuid:`
        # are no URI schemes, as the HL7 validator says
        prefix = value.partition(":")[0]
        return make_issue("value.urn-prefix", node, value=_shorten(value), prefix=prefix)
    if value.startswith("urn:"):
        for prefix, kind, form in _URNS:
            if value.startswith(prefix):
                if form.fullmatch(value) is None:
                    return make_issue("value.urn-format", node, value=_shorten(value), kind=kind)
                if kind == "UUID" and value.split("#", 1)[0] != value.split("#", 1)[0].lower():
                    return make_issue("value.uuid-uppercase", node, value=value)
    return None


def _check_canonical_urn(node: Node, value: str) -> Issue | None:
    """A canonical "may have a version appended, separated by a vertical bar (|)" (R4 datatypes.html#canonical):
    the URN is what comes before it (`urn:uuid:...|1.0` names version 1.0 of that UUID's resource)."""
    return _check_urn(node, value.partition("|")[0])


_BASE64_RUN = re.compile(r"[0-9a-zA-Z+/=]+")
_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def _check_base64(node: Node, value: str) -> Issue | None:
    """R4's base64Binary regex, `(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+`, decided in linear time and memory.

    Python's `re` ran the published regex with about 160 bytes of backtracking state per character, so a 5 MB
    attachment (an ordinary PDF) took over 800 MiB. The regex means: runs of base64 characters, each a whole
    number of 4-character groups, separated by (ASCII) white space; that is what is checked here, and the
    published regex is not run for this type (`_LINEAR_FORMS`)."""
    runs = _ASCII_SPACE.split(value.strip(" \t\n\r\f\v"))
    if runs == [""] or any(len(run) % 4 or _BASE64_RUN.fullmatch(run) is None for run in runs):
        return make_issue("value.format", node, value=_shorten(value), type="base64Binary")
    return None


_EXTRA: dict[str, Callable[[Node, str], Issue | None]] = {
    "base64Binary": _check_base64,
    "code": _check_code,
    "date": _check_date,
    "dateTime": _check_date,
    "instant": _check_date,
    "string": _check_string_html,
    "markdown": _check_markdown_html,
    "uri": _check_urn,
    "url": _check_urn,
    "canonical": _check_canonical_urn,
}
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")
_INTEGER_RANGES = {
    "integer": (INT32_MIN, INT32_MAX),
    "positiveInt": (1, INT32_MAX),
    "unsignedInt": (0, INT32_MAX),
}
_MAX_LENGTH = {"string": STRING_MAX_CHARS, "markdown": STRING_MAX_CHARS, "id": 64}
# types whose published regex is decided by an equivalent linear check in _EXTRA instead of `re`
_LINEAR_FORMS = frozenset({"base64Binary"})


def build_rule(type_name: str, primitive_sd: dict[str, Any] | None) -> PrimitiveRule:
    """The rule for one primitive type, from its StructureDefinition (regex) and the table above."""
    pattern: re.Pattern[str] | None = None
    if primitive_sd is not None:
        for element in primitive_sd.get("snapshot", {}).get("element", ()):
            if element.get("path") == f"{type_name}.value":
                for t in element.get("type", ()):
                    for ext in t.get("extension", ()):
                        if ext.get("url") == REGEX_EXT and "valueString" in ext:
                            # the definitions' regexes are Java/XML Schema ones: \s, \S, \d, \w are ASCII classes
                            # there, so U+00A0 is a valid `string` character (`[ \r\n\t\S]+`), not whitespace
                            pattern = re.compile(f"(?:{ext['valueString']})", re.ASCII)
    if type_name in _LINEAR_FORMS:
        pattern = None
    return PrimitiveRule(type_name, _JSON_KIND.get(type_name, "string"), pattern, _EXTRA.get(type_name),
                         _MAX_LENGTH.get(type_name), _INTEGER_RANGES.get(type_name))
