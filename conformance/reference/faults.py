"""The faults that change what goes out: each breaks exactly one rule of a response.

Faults that change behaviour instead (`ok-instead-of-404`, `token-not-checked`,
`invalid-nhs-number-accepted`, `search-ignores-parameters`) live where that behaviour is decided.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from conformance.reference.nhs import without_nhs_number


def outgoing_body(body: dict[str, Any], status: int, faults: Collection[str]) -> dict[str, Any]:
    if not faults:
        return body
    if body.get("resourceType") == "Bundle":
        entries = [_entry(e, faults) for e in body.get("entry") or []]
        return {**body, "entry": entries} if "entry" in body else body
    if body.get("resourceType") == "OperationOutcome" and status >= 400 and "invalid-operation-outcome" in faults:
        return {**body, "issue": [{k: v for k, v in issue.items() if k != "code"} for issue in body["issue"]]}
    return _resource(body, faults)


def outgoing_headers(headers: dict[str, str], faults: Collection[str]) -> dict[str, str]:
    changed = dict(headers)
    if "no-etag" in faults:
        changed.pop("ETag", None)
    if "no-request-id-echo" in faults:
        changed.pop("X-Request-ID", None)
    if "wrong-content-type" in faults and "Content-Type" in changed:
        changed["Content-Type"] = "text/plain; charset=utf-8"
    return changed


def _entry(entry: dict[str, Any], faults: Collection[str]) -> dict[str, Any]:
    resource = entry.get("resource")
    return {**entry, "resource": _resource(resource, faults)} if isinstance(resource, dict) else entry


def _resource(resource: dict[str, Any], faults: Collection[str]) -> dict[str, Any]:
    if resource.get("resourceType") == "Patient":
        if "missing-nhs-number" in faults:
            resource = without_nhs_number(resource)
        if "non-conformant-patient" in faults:
            resource = {**resource, "gender": "M"}
    if "no-etag" in faults and isinstance(resource.get("meta"), dict) and "versionId" in resource["meta"]:
        meta = {k: v for k, v in resource["meta"].items() if k != "versionId"}
        resource = {k: (meta if k == "meta" else v) for k, v in resource.items() if k != "meta" or meta}
    return resource
