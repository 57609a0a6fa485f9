"""`PATCH /Patient/{id}` (update-patient-partial): a JSON Patch applied to the current version, or nothing.

In the order the checks are made:
- `Content-Type` must be `application/json-patch+json` (missing: 400 MISSING_VALUE, other: 400
  INVALID_VALUE);
- `If-Match` must be `W/"<version>"` (the parameter's pattern; missing or malformed: 412
  PRECONDITION_FAILED), and the current version (else 409 RESOURCE_VERSION_MISMATCH);
- a restricted patient cannot be updated from this system (403 FORBIDDEN_UPDATE: "updating a
  sensitive patient ... is only permitted from certain systems");
- the body is `{"patches": [...]}`, each with `op` (add, remove, replace, test) and a JSON pointer
  `path`, `value` for add/replace/test and none for remove (400 INVALID_UPDATE); a path into a field
  the Patient does not have is 400 ADDITIONAL_PROPERTIES, one into a read-only field (id, identifier:
  the NHS number is read only, meta) 400 INVALID_UPDATE;
- a new base-level list item is added at `-` only; a list item is removed only right after a `test`
  of it; gender and date of birth cannot be removed (400 INVALID_UPDATE);
- the per-field business rules (`fieldrules`) hold on the patched patient;
- the patches apply all or none (a failing `test` rejects the whole request).
The answer is 200 with the updated patient, its new version in `meta.versionId` and the `ETag`.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from conformance.reference.apis.pds import jsonpatch
from conformance.reference.apis.pds.fieldrules import check_fields
from conformance.reference.apis.pds.outcomes import error, invalid_update, invalid_value
from conformance.reference.apis.pds.records import Found, is_restricted
from conformance.reference.service import Request
from conformance.reference.store import Record, Store, VersionConflict

JSON_PATCH = "application/json-patch+json"
_IF_MATCH = re.compile(r'W/"([0-9]+)"')
OPS = ("add", "remove", "replace", "test")
PATIENT_FIELDS = frozenset({"name", "gender", "birthDate", "multipleBirthInteger", "deceasedDateTime", "address",
                            "telecom", "contact", "generalPractitioner", "managingOrganization", "extension"})
READ_ONLY = frozenset({"resourceType", "id", "identifier", "meta"})
LISTS = frozenset({"name", "address", "telecom", "contact", "generalPractitioner", "extension"})
NOT_REMOVABLE = frozenset({"gender", "birthDate"})


def check_content_type(request: Request) -> None:
    media = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if not media:
        raise error(400, "MISSING_VALUE", "Missing value - 'Content-Type' header")
    if media != JSON_PATCH:
        raise invalid_value(f"Invalid value - '{media}' in header 'Content-Type' (send {JSON_PATCH})")


def expected_version(request: Request) -> int:
    match = _IF_MATCH.fullmatch((request.header("If-Match") or "").strip())
    if match is None:
        raise error(412, "PRECONDITION_FAILED", "Invalid request with error - If-Match header must be supplied to "
                                                'update this resource, in the form W/"<version>"')
    return int(match.group(1))


def patches(request: Request) -> list[dict[str, Any]]:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid_update(f"the body is not JSON: {exc}") from None
    found = body.get("patches") if isinstance(body, dict) else None
    if not isinstance(found, list) or not found:
        raise invalid_update("no patches provided (send {\"patches\": [...]})")
    for number, patch in enumerate(found):
        if not isinstance(patch, dict) or patch.get("op") not in OPS or not isinstance(patch.get("path"), str):
            raise invalid_update(f"patch {number} needs an op ({', '.join(OPS)}) and a path")
        if (patch["op"] == "remove") == ("value" in patch):
            raise invalid_update(f"patch {number}: a value is required for add, replace and test, and not sent "
                                 "for remove")
    return found


def check_rules(found: list[dict[str, Any]], list_rules: bool = True) -> None:
    for number, patch in enumerate(found):
        try:
            parts = jsonpatch.tokens(patch["path"])
        except jsonpatch.PatchError as exc:
            raise invalid_update(f"patch {number}: {exc}") from None
        field = parts[0] if parts else ""
        if field in READ_ONLY:
            raise invalid_update(f"Update unsupported for field - '{field}'")
        if field not in PATIENT_FIELDS:
            raise error(400, "ADDITIONAL_PROPERTIES", f"Invalid update with error - Update unsupported for resource "
                                                      f"- '{field}'")
        if patch["op"] == "remove" and field in NOT_REMOVABLE and len(parts) == 1:
            raise invalid_update(f"'{field}' cannot be removed")
        if not list_rules or field not in LISTS or len(parts) != 2:
            continue
        if patch["op"] == "add" and parts[1] != "-":
            raise invalid_update(f"a new '{field}' item is added at '/{field}/-', not '{patch['path']}'")
        if patch["op"] == "remove":
            before = found[number - 1] if number else None
            if not (before and before["op"] == "test" and before["path"].startswith(patch["path"])
                    and before["path"][len(patch["path"]):] in ("", "/id", "/url")):
                raise invalid_update(f"removing '{patch['path']}' needs a test of its id, url or whole object "
                                     "immediately before it")


def with_lists(patient: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
    """The patient with an empty list for each list field a patch adds to at `-` but the patient lacks
    (a patient without names gets one by adding at `/name/-`)."""
    missing = {p["path"].split("/")[1] for p in found if p["op"] == "add" and p["path"].count("/") == 2
               and p["path"].endswith("/-") and p["path"].split("/")[1] in LISTS}
    return {**patient, **{name: [] for name in missing if name not in patient}}


def with_item_ids(patient: dict[str, Any]) -> dict[str, Any]:
    """New list items get their object id from the service ("automatically generated by the system"), empty
    lists are dropped (FHIR JSON has none)."""
    for name in ("name", "address", "telecom", "contact"):
        for item in patient.get(name) or []:
            if isinstance(item, dict) and "id" not in item:
                item["id"] = uuid.uuid4().hex[:8].upper()
    return {k: v for k, v in patient.items() if v != []}


def _prefix_applied(patient: dict[str, Any], found: list[dict[str, Any]]) -> dict[str, Any]:
    done = with_lists(patient, found)
    for patch in found:
        try:
            done = jsonpatch.apply(done, [patch])
        except jsonpatch.PatchError:
            break
    return with_item_ids(done)


def update(request: Request, found: Found, store: Store, check_version: bool = True, list_rules: bool = True,
           check_restricted: bool = True, atomic: bool = True, field_rules: bool = True) -> Record:
    """The stored new version; FhirError by the rules above (the keyword switches are for the faults)."""
    check_content_type(request)
    version = expected_version(request)
    record = found.record
    if check_version and version != record.version:
        raise error(409, "RESOURCE_VERSION_MISMATCH", f"Invalid update with error - This resource has changed "
                                                      f"since you last read. Please re-read and try again with the "
                                                      f"new version number ({record.version}).")
    if check_restricted and is_restricted(record.resource):
        raise error(403, "FORBIDDEN_UPDATE", "Forbidden update with error - updating a restricted patient is not "
                                             "permitted from this system")
    found_patches = patches(request)
    check_rules(found_patches, list_rules)
    try:
        patched = with_item_ids(jsonpatch.apply(with_lists(record.resource, found_patches), found_patches))
    except jsonpatch.PatchError as exc:
        if not atomic:  # the fault: the patches before the failing one are kept
            store.write("Patient", record.id, _prefix_applied(record.resource, found_patches), ())
        raise invalid_update(str(exc)) from None
    if field_rules:
        check_fields(record.resource, patched)
    try:
        stored, _ = store.write("Patient", record.id, patched, (), if_match=record.version)
    except VersionConflict:
        raise error(409, "RESOURCE_VERSION_MISMATCH", "Invalid update with error - This resource has changed since "
                                                      "you last read") from None
    return stored
