"""A CDS Hooks document read field by field: JSON types checked, findings located by JSON path.

CDS Hooks 2.0 (https://cds-hooks.hl7.org/2.0/) defines its request and response as tables of
fields, each REQUIRED, OPTIONAL or CONDITIONAL with a JSON type. Its "Use of JSON" section adds
that values SHALL NOT be null or empty (`null`, `""`, `[]`, `{}`) unless the specification says
otherwise, and that an OPTIONAL field without a value is omitted. `Envelope.get` applies those
words to one field; the modules of this package apply the tables.

Locations are FHIRPath-style from the document's kind, as the HL7 validator names its logical
models: `CDSHooksResponse.cards[0].source.label`; a missing field is located at its parent
object, as FHIR's `cardinality.min` is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.fhir.json_reader import JsonDocument, JsonPath, json_object, json_type
from conformance.issues import Issue, make_issue

_INTEGER = re.compile(r"-?\d+")
# scheme ":" then no white space: RFC 3986 absolute URI, as CDS Hooks' *URL* type is used for links to load
_ABSOLUTE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")


def absolute_url(value: str) -> bool:
    return _ABSOLUTE_URL.fullmatch(value) is not None


@dataclass
class Envelope:
    """The document being checked (`root_name` is CDSHooksRequest or CDSHooksResponse) and its findings."""

    document: JsonDocument
    root_name: str
    issues: list[Issue] = field(default_factory=list)

    def location(self, path: JsonPath) -> str:
        return self.root_name + "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)

    def report(self, code: str, path: JsonPath, **params: Any) -> None:
        line, column = self.document.position(path)
        self.issues.append(make_issue(code, location=self.location(path), line=line, column=column, **params))

    def get(self, obj: dict[str, Any], path: JsonPath, name: str, expected: str, *, required: str = "",
            nullable: bool = False, empty: bool = False) -> Any:
        """Field `name` of the object at `path` when present and of the `expected` JSON type, else None.

        `required` is why the field must be there (empty: OPTIONAL). `nullable` and `empty` are the
        places where the specification allows `null` or an empty value ("Use of JSON": "JSON elements
        SHALL NOT be null, unless otherwise specified. JSON elements SHALL NOT be empty, unless
        otherwise specified"): SHALL NOT, so errors. Objects come back as dicts.
        """
        if name not in obj:
            if required:
                self.report("cdshooks.required", path, what=self.location(path), name=name, why=required)
            return None
        value, here = obj[name], path + (name,)
        if value is None:
            if not nullable:
                self.report("cdshooks.null-or-empty", here, name=name, actual="null")
            return None
        actual = json_type(value)
        if not (actual == expected or (expected == "integer" and actual == "number" and _INTEGER.fullmatch(value))):
            self.report("cdshooks.wrong-type", here, name=name, expected=expected, actual=actual)
            return None
        if not empty and _is_empty(value, actual):
            self.report("cdshooks.null-or-empty", here, name=name, actual={"string": '""', "array": "[]"}.get(actual, "{}"))
            return None
        return json_object(value) if actual == "object" else value

    def url(self, obj: dict[str, Any], path: JsonPath, name: str, *, required: str = "") -> str | None:
        """A field of CDS Hooks' *URL* type: a string holding an absolute URL (else an error: the type is wrong)."""
        value = self.get(obj, path, name, "string", required=required)
        if value is not None and not absolute_url(value):
            self.report("cdshooks.not-a-url", path + (name,), name=name, value=value)
            return None
        return value

    def code(self, obj: dict[str, Any], path: JsonPath, name: str, allowed: tuple[str, ...], *,
             required: str = "") -> str | None:
        """A string field whose table lists its only allowed values ("Allowed values are: ..."): others are errors."""
        value = self.get(obj, path, name, "string", required=required)
        if value is not None and value not in allowed:
            self.report("cdshooks.code-unknown", path + (name,), name=name, value=value,
                        allowed=", ".join(f"'{a}'" for a in allowed))
            return None
        return value

    def items(self, obj: dict[str, Any], path: JsonPath, name: str, *, required: str = "",
              empty: bool = False) -> Iterable[tuple[JsonPath, dict[str, Any]]]:
        """The objects of an array field (an item that is not an object is reported and skipped)."""
        values = self.get(obj, path, name, "array", required=required, empty=empty) or []
        for i, value in enumerate(values):
            item = json_object(value)
            if item is None:
                self.report("cdshooks.wrong-type", path + (name, i), name=f"{name}[{i}]", expected="object",
                            actual=json_type(value))
                continue
            yield path + (name, i), item

    def fields(self, obj: dict[str, Any], path: JsonPath, known: Iterable[str], what: str) -> None:
        """Fields the table does not define (information), and `extension`, which must be an object.

        Extensions: the specification "reserves the name `extension` ... allowing implementations to use
        it to provide custom behavior"; "The value of an extension element MUST be a pre-coordinated JSON
        object" (an error). It forbids no other field, so an undefined one is only information.
        """
        known = set(known)
        for name, value in obj.items():
            if name == "extension":
                if json_type(value) != "object":
                    self.report("cdshooks.extension", path + (name,), actual=json_type(value))
            elif name not in known:
                self.report("cdshooks.unknown-field", path + (name,), name=name, what=what)


def check_coding(env: Envelope, path: JsonPath, coding: dict[str, Any]) -> None:
    """CDS Hooks 2.0 Data Types, Coding: `code` and `system` REQUIRED strings, `display` CONDITIONAL (the
    places that require it say so: a card's override reasons)."""
    why = "a CDS Hooks Coding REQUIRES"
    env.get(coding, path, "code", "string", required=why)
    env.get(coding, path, "system", "string", required=why)
    env.get(coding, path, "display", "string")
    env.fields(coding, path, ("code", "system", "display"), "a Coding")


def _is_empty(value: Any, actual: str) -> bool:
    if actual == "string":
        return not value.strip()
    return actual in ("array", "object") and len(value) == 0
