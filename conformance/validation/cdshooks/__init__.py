"""CDS Hooks 2.0 documents: a request or response body validated as the specification defines it.

A CDS Hooks body is JSON without `resourceType` (https://cds-hooks.hl7.org/2.0/), so the JSON reader
reports it as not a FHIR resource and keeps it (`ParseResult.document`). `validate_cds_hooks`
recognises a request (an object with `hook` and `hookInstance` or `context`) or a response (an object
with `cards`), replaces the reader's `structure.not-a-resource` with the document's own findings
(`request.py`, `response.py`, the hook catalogue in `hooks.py`) and validates every FHIR resource it
carries as FHIR R4 (`resources.py`), located inside the document.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import json_object
from conformance.issues import Issue
from conformance.validation.cdshooks.envelope import Envelope
from conformance.validation.cdshooks.request import check_request
from conformance.validation.cdshooks.resources import EmbeddedResources
from conformance.validation.cdshooks.response import check_response

if TYPE_CHECKING:
    from conformance.validation.validator import Validator

__all__ = ["REQUEST", "RESPONSE", "document_kind", "validate_cds_hooks"]

REQUEST = "CDSHooksRequest"
RESPONSE = "CDSHooksResponse"


def document_kind(parsed: ParseResult) -> str | None:
    """REQUEST or RESPONSE when the reader's non-resource JSON object is a CDS Hooks body, else None."""
    body = json_object(parsed.document.value) if parsed.document is not None else None
    if body is None:
        return None
    if "hook" in body and ("hookInstance" in body or "context" in body):
        return REQUEST
    return RESPONSE if "cards" in body else None


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
    else:
        check_response(env, resources, body)
    kept = [i for i in parsed.issues if i.code != "structure.not-a-resource"]
    return kept + env.issues
