"""FHIR resources inside a CDS Hooks document, validated as FHIR R4 where they stand.

CDS Hooks 2.0 carries FHIR resources in three places: prefetch values ("each value being a FHIR
resource"), hook context fields whose type is a FHIR resource (order-sign's `draftOrders` Bundle),
and suggestion actions ("`resource` | A FHIR resource"). Each is read with FHIR's JSON rules and
validated by the same `Validator` as a file of its own, against base R4 (this tool's FHIR version:
"All FHIR resources in context MUST be based on the same FHIR version"), and its findings are
located inside the document (`CDSHooksRequest.prefetch.patient.birthDate`).

A value the specification calls a FHIR resource that is not one (no `resourceType`, not an object)
is an error: for prefetch, "the prefetched data given to the CDS Service MUST be equivalent to the
data the CDS Service would receive if it were making its own call to the CDS Client's FHIR server",
and a FHIR read or search answers with a resource. The HL7 validator accepts a Bundle-entry-like
`{"response": ..., "resource": ...}` wrapper as a prefetch value; we do not (known_differences.yaml).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conformance.fhir.json_reader import JsonPath, json_object, json_type
from conformance.fhir.tree import Node
from conformance.validation.cdshooks.envelope import Envelope

if TYPE_CHECKING:
    from conformance.validation.validator import Validator


class EmbeddedResources:
    """Validates the resources of one document with the run's validator."""

    def __init__(self, envelope: Envelope, validator: Validator) -> None:
        self.envelope = envelope
        self.validator = validator

    def check(self, value: Any, path: JsonPath, name: str, expected_type: str = "", hook: str = "") -> Node | None:
        """Validate the resource at `path` (reported when it is not one); its tree, or None."""
        obj = json_object(value)
        if obj is None or "resourceType" not in obj:
            detail = "it has no 'resourceType'" if obj is not None else f"it is a JSON {json_type(value)}"
            if obj is not None and "resource" in obj:
                detail += " (a Bundle entry's 'resource' and 'response' are not a resource)"
            self.envelope.report("cdshooks.not-a-resource", path, name=name, detail=detail)
            return None
        node, issues = self.envelope.document.resource(path, self.envelope.root_name)
        self.envelope.issues.extend(issues)
        if node is None:
            return None
        if expected_type and node.resource_type and node.resource_type != expected_type:
            self.envelope.report("cdshooks.resource-type", path, name=name, actual=node.resource_type,
                                 expected=expected_type, hook=hook)
        self.envelope.issues.extend(self.validator.validate(node))
        return node
