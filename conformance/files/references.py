"""Finding the literal references in a resource without its definitions.

A `reference` primitive is taken as `Reference.reference` when its parent has only the
children a Reference can have (id, extension, reference, type, identifier, display) and is not
a resource. That leaves out the three R4 elements of another type that share the name:
`DetectedIssue.reference` (a uri on the resource itself), `Expression.reference` (an Expression
always has `language`) and `Immunization.education.reference` (a uri, told apart by its place).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.fhir.tree import Node
from conformance.validation.references import parse_reference

_REFERENCE_CHILDREN = frozenset({"id", "extension", "reference", "type", "identifier", "display"})


def iter_references(resource: Node) -> Iterator[Node]:
    """Every `Reference.reference` node with a value in the resource (its contained ones included)."""
    for node in resource.iter_tree():
        if node.name != "reference" or node.value is None:
            continue
        parent = node.parent
        if parent is None or parent.resource_type is not None:
            continue
        if parent.name == "education" and parent.parent is not None and parent.parent.resource_type == "Immunization":
            continue
        if all(c.name in _REFERENCE_CHILDREN for c in parent.children):
            yield node


def target_key(reference: str) -> str | None:
    """`Type/id` for a relative RESTful reference (`Patient/1`, `Patient/1/_history/2`), else None:
    absolute URLs, URNs and anything else cannot name a resource of the export."""
    parsed = parse_reference(reference)
    if parsed.kind == "relative" and parsed.resource_type and parsed.id:
        return f"{parsed.resource_type}/{parsed.id}"
    return None
