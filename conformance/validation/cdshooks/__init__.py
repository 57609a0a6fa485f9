"""CDS Hooks 2.0 documents: the JSON bodies of the specification validated as it defines them.

A CDS Hooks body is JSON without `resourceType` (https://cds-hooks.hl7.org/2.0/), so the JSON reader
reports it as not a FHIR resource and keeps it (`ParseResult.document`). `validate_cds_hooks`
recognises a service request (an object with two of `hook`, `hookInstance` and `context`), a service
response (`cards`), a discovery response (`services`) or a feedback request (`feedback`), replaces the
reader's `structure.not-a-resource` with the document's own findings (`request.py`, `response.py`,
`discovery.py`, `feedback.py`, the hook catalogue in `hooks.py`) and validates every FHIR resource it
carries as FHIR R4 (`resources.py`), located inside the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import json_object
from conformance.issues import Issue
from conformance.validation.cdshooks.discovery import check_discovery
from conformance.validation.cdshooks.envelope import Envelope
from conformance.validation.cdshooks.feedback import check_feedback
from conformance.validation.cdshooks.request import check_request
from conformance.validation.cdshooks.resources import EmbeddedResources
from conformance.validation.cdshooks.response import check_response

if TYPE_CHECKING:
    from conformance.validation.validator import Validator

__all__ = ["DISCOVERY", "FEEDBACK", "REQUEST", "RESPONSE", "document_kind", "validate_cds_hooks"]

# the document kinds, named as the HL7 validator's logical models name them; they start every location
REQUEST = "CDSHooksRequest"
RESPONSE = "CDSHooksResponse"
DISCOVERY = "CDSHooksServices"
FEEDBACK = "CDSHooksFeedback"


def document_kind(parsed: ParseResult) -> str | None:
    """The kind of CDS Hooks body the reader's non-resource JSON object is, by its defining field; else None."""
    body = json_object(parsed.document.value) if parsed.document is not None else None
    if body is None:
        return None
    if sum(field in body for field in ("hook", "hookInstance", "context")) >= 2:  # so one missing is reported
        return REQUEST
    for field, kind in (("cards", RESPONSE), ("services", DISCOVERY), ("feedback", FEEDBACK)):
        if field in body:
            return kind
    return None


def validate_cds_hooks(parsed: ParseResult, validator: Validator) -> list[Issue] | None:
    """Every issue of a CDS Hooks body (the reader's, but not-a-resource), or None when it is not one."""
    kind = document_kind(parsed)
    if kind is None or parsed.document is None:
        return None
    env = Envelope(parsed.document, kind)
    body = json_object(parsed.document.value) or {}
    resources = EmbeddedResources(env, validator)
    if kind == REQUEST:
        check_request(env, resources, body)
    elif kind == RESPONSE:
        check_response(env, resources, body)
    elif kind == DISCOVERY:
        check_discovery(env, body)
    else:
        check_feedback(env, body)
    kept = [i for i in parsed.issues if i.code != "structure.not-a-resource"]
    return kept + env.issues
