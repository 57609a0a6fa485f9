"""Data type rules the R4 definitions state in prose rather than as invariants."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

URI_SYSTEM = "urn:ietf:rfc:3986"
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")  # RFC 3986 §4.3: scheme ":" hier-part, no spaces


def check_uri_identifier(node: Node, issues: list[Issue]) -> None:
    """An Identifier whose system is `urn:ietf:rfc:3986` says its value is a URI (R4 terminologies-systems.html:
    urn:ietf:rfc:3986 is "Uniform Resource Identifier (URI)"; R4 Identifier.value: "If the value is a full URI,
    then the system SHALL be urn:ietf:rfc:3986"), so the value must be an absolute URI, `scheme:...` without
    spaces (RFC 3986 §4.3). The HL7 validator checks the same (its "identifier.value must be a full URI").
    Whether a `urn:oid:`/`urn:uuid:` value has R4's oid/uuid form is not checked here: the value is a string,
    not a `uri`, and R4 core's own ValueSets carry such values with stray characters (`urn:oid:required`)."""
    system = node.child("system")
    value = node.child("value")
    if system is None or system.value != URI_SYSTEM or value is None or not value.value:
        return
    if not _ABSOLUTE_URI.fullmatch(value.value):
        issues.append(make_issue("value.identifier-not-uri", value, value=value.value))


def check_attachment(node: Node, issues: list[Issue]) -> None:
    """R4 Attachment.size is "the number of bytes of data that make up this attachment (before
    base64 encoding, if that is done)": with inline `data`, it must be the decoded length. And
    Attachment.hash is "the calculated hash of the data using SHA-1. Represented using base64": with
    inline `data`, it must be the base64 of the SHA-1 of the decoded bytes (the HL7 validator checks both)."""
    data = node.child("data")
    if data is None or not data.value:
        return
    size, hash_node = node.child("size"), node.child("hash")
    if (size is None or size.value is None) and (hash_node is None or not hash_node.value):
        return
    try:
        decoded = base64.b64decode(data.value, validate=False)
    except (binascii.Error, ValueError):
        return  # a malformed value is reported by its primitive rule
    if size is not None and size.value is not None:
        try:
            stated = int(size.value)
        except ValueError:
            stated = None  # a malformed value is reported by its primitive rule
        if stated is not None and len(decoded) != stated:
            issues.append(make_issue("value.attachment-size", size, stated=stated, actual=len(decoded)))
    if hash_node is not None and hash_node.value:
        try:
            stated_hash = base64.b64decode(hash_node.value, validate=False)
        except (binascii.Error, ValueError):
            return
        actual_hash = hashlib.sha1(decoded, usedforsecurity=False).digest()
        if stated_hash != actual_hash:
            issues.append(make_issue("value.attachment-hash", hash_node,
                                     actual=base64.b64encode(actual_hash).decode("ascii")))


def check_element_ids(resource: Node, issues: list[Issue]) -> None:
    """R4 Element.id is a "Unique id for the element within a resource (for internal references)":
    two elements of one resource with the same id make those references ambiguous. Each resource
    is its own scope (a contained or entry resource is checked when it is validated), and the
    resource's own `id` is not an element id. A StructureDefinition's snapshot and differential are
    a scope each: R4 builds an ElementDefinition's id from its path and slice names
    (elementdefinition.html#id), so the same element carries the same id in both views."""
    if resource.resource_type != "StructureDefinition":
        _check_ids(resource.children, set(), issues)
        return
    shared: set[str] = set()
    for child in resource.children:  # (each view its own set of ids, the rest of the resource one)
        _check_ids((child,), set() if child.name in _VIEWS else shared, issues)


def _check_ids(tops: Sequence[Node], seen: set[str], issues: list[Issue]) -> None:
    """The element ids under `tops`, depth first in document order, against and into `seen`: one set per scope,
    not one carried along with every element (this runs per resource)."""
    stack = [child for child in reversed(tops) if child.children]
    while stack:
        node = stack.pop()
        if node.resource_type is not None:
            continue  # a nested resource: its own scope
        for child in reversed(node.children):
            if child.children:
                stack.append(child)  # (an `id` with extensions is no element id, but may hold one)
            elif child.name == "id" and child.value is not None:
                if child.value in seen:
                    issues.append(make_issue("element.duplicate-id", node, id=child.value))
                seen.add(child.value)
            # a primitive without children holds no id: it is not visited


_VIEWS = frozenset({"snapshot", "differential"})
