"""Each SCR operation as a plain function over the seeded records: what it answers, and every error it raises
with the status and OperationOutcome issue code of the specification's tables."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.apis.scr import BEHAVIOUR
from conformance.reference.apis.scr.alerts import check_alert
from conformance.reference.apis.scr.documents import search
from conformance.reference.apis.scr.permissions import set_permission
from conformance.reference.apis.scr.records import ScrRecords
from conformance.reference.apis.scr.retrieval import retrieve
from conformance.reference.apis.scr.upload import upload
from conformance.reference.outcomes import FhirError
from tests.reference.apis.scr.conftest import LATEST, NHS, OLDER, request

BASE = "https://example.org/summary-care-record/FHIR/R4"
PROFILE_BODIES = Path(__file__).resolve().parents[4] / "profiles" / "scr" / "scenarios" / "bodies"


def _docref(records: ScrRecords, **query: str) -> dict[str, Any]:
    return search(request(query=query), records, BASE)


def _scr(records: ScrRecords, **query: str) -> dict[str, Any]:
    return retrieve(request(path="/Bundle", query=query), records)


def _upload_body(nhs_number: str = "9000000009", uuid: str = "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9") -> dict[str, Any]:
    text = (PROFILE_BODIES / "upload-scr.json").read_text(encoding="utf-8")
    return json.loads(text.replace("${upload_id}", uuid).replace("${nhs_number}", nhs_number)
                      .replace("${scr_id}", LATEST))


def _permission(nhs_number: str = "9000000009", code: str = "No") -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": [{"name": "setPermissions", "part": [
        {"name": "nhsNumber", "valueString": nhs_number},
        {"name": "permissionCode", "valueCoding": {"system": "https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission",
                                                    "code": code}}]}]}


ALERT: dict[str, Any] = {
    "resourceType": "AuditEvent", "id": "1C03CF4F-D404-4D76-B192-4F81727059F6",
    "extension": [{"url": "https://fhir.nhs.uk/StructureDefinition/Extension-SCR-NotificationMessage",
                   "valueString": "Alert"}],
    "type": {"system": "https://fhir.nhs.uk/CodeSystem/SCR-AlertType", "code": "2", "display": "Access Alert"},
    "subtype": [{"system": "https://fhir.nhs.uk/CodeSystem/SCR-AlertReason", "code": "5",
                 "display": "Access made in an emergency"}],
    "recorded": "2026-01-05T10:00:00+00:00",
    "agent": [{"who": {"identifier": {"system": NHS, "value": "9000000009"}}},
              {"who": {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "T10101"}}},
              {"who": {"identifier": {"system": "https://fhir.nhs.uk/Id/sds-user-id", "value": "T10101"}}}],
    "source": {"observer": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhsSpineASID", "value": "227319907548"}}},
    "entity": [{"what": {"identifier": {"value": "1C03CF4F-D404-4D76-B192-4F81727059F6"}}}],
}


def _alert(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    event = copy.deepcopy(ALERT)
    change(event)
    return event


def test_the_latest_scr_id_comes_with_the_consent_status_and_the_patient(records: ScrRecords) -> None:
    bundle = _docref(records, patient=f"{NHS}|9000000009", _sort="date", _count="1",
                     type="http://snomed.info/sct|196981000000101")
    assert (bundle["type"], bundle["total"], [e["resource"]["resourceType"] for e in bundle["entry"]]) == (
        "searchset", 1, ["DocumentReference", "Patient"])
    document = bundle["entry"][0]["resource"]
    assert document["masterIdentifier"] == {"system": "https://fhir.nhs.uk/Id/nhsSCRUUID", "value": LATEST}
    assert document["securityLabel"] == [{"coding": [{"system": "https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission",
                                                      "code": "Ask"}]}]
    assert document["content"][0]["attachment"]["url"] == (
        f"{BASE}/Bundle?composition.identifier={LATEST}&composition.subject:Patient.identifier={NHS}|9000000009")
    assert bundle["entry"][1]["resource"]["identifier"] == [{"system": NHS, "value": "9000000009"}]
    empty = _docref(records, patient=f"{NHS}|9000000033")  # a patient without an SCR
    assert (empty["type"], empty["total"], "entry" in empty) == ("searchset", 0, False)


def test_the_scr_is_answered_by_its_latest_uuid_only(records: ScrRecords) -> None:
    subject = f"{NHS}|9000000009"
    found = _scr(records, **{"composition.identifier": LATEST.lower(), "composition.subject:Patient.identifier": subject})
    assert found["total"] == len(found["entry"]) == 6
    assert found["entry"][0]["resource"]["identifier"]["value"] == LATEST
    assert found["identifier"]["system"] == "https://tools.ietf.org/html/rfc4122"
    stale = _scr(records, **{"composition.identifier": OLDER, "composition.subject:Patient.identifier": subject})
    assert (stale["total"], "entry" in stale) == (0, False)
    other = _scr(records, **{"composition.identifier": LATEST, "composition.subject:Patient.identifier": f"{NHS}|9000000033"})
    assert other["total"] == 0
    served = retrieve(request(path="/Bundle", query={"composition.identifier": OLDER,
                                                     "composition.subject:Patient.identifier": subject}),
                      records, serve_stale=True)  # the stale-scr-returned fault
    assert served["entry"][0]["resource"]["identifier"]["value"] == OLDER


def test_an_upload_becomes_the_latest_and_replaces_the_one_before(records: ScrRecords) -> None:
    upload(_upload_body(), records)
    assert records.latest("9000000009").uuid == "0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9"  # type: ignore[union-attr]
    assert [s.uuid for s in records.scrs("9000000009")] == ["0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0F9", LATEST, OLDER]


def test_a_permission_set_is_the_consent_status_returned(records: ScrRecords) -> None:
    set_permission(_permission(code="No"), records)
    assert records.permission("9000000009") == "No"
    label = _docref(records, patient=f"{NHS}|9000000009")["entry"][0]["resource"]["securityLabel"]
    assert label[0]["coding"][0]["code"] == "No"
    set_permission(_permission(code="Yes"), records, record=False)  # the permission-not-recorded fault
    assert records.permission("9000000009") == "No"


# (operation, its input, status, issue code, diagnostics text)
ERRORS: list[tuple[str, Callable[[ScrRecords], Any], int, str, str]] = [
    ("docref: no patient", lambda r: _docref(r), 400, "invalid", "Missing required query parameter 'patient'"),
    ("docref: _sort", lambda r: _docref(r, patient=f"{NHS}|9000000009", _sort="-date"), 400, "invalid",
     "Invalid value - '-date' in field '_sort': the only supported value is date"),
    ("docref: _count", lambda r: _docref(r, patient=f"{NHS}|9000000009", _count="2"), 400, "invalid",
     "Invalid value - '2' in field '_count': the only supported value is 1"),
    ("docref: type", lambda r: _docref(r, patient=f"{NHS}|9000000009", type="http://snomed.info/sct|1"), 400, "invalid",
     "Invalid value - 'http://snomed.info/sct|1' in field 'type': the only supported value is "
     "http://snomed.info/sct|196981000000101"),
    ("scr: no identifier", lambda r: _scr(r, **{"composition.subject:Patient.identifier": f"{NHS}|9000000009"}),
     400, "invalid", "Missing required query parameter 'composition.identifier'"),
    ("scr: no subject", lambda r: _scr(r, **{"composition.identifier": LATEST}), 400, "invalid",
     "Missing required query parameter 'composition.subject:Patient.identifier'"),
    ("scr: not a UUID", lambda r: _scr(r, **{"composition.identifier": "INVALID ID",
                                             "composition.subject:Patient.identifier": f"{NHS}|9000000009"}),
     400, "invalid", "Invalid value - 'INVALID ID' in field 'composition.identifier': an SCR identifier is a UUID"),
    ("upload: incomplete", lambda r: upload({"resourceType": "Bundle", "type": "document"}, r), 400, "invalid",
     "The SCR Bundle is missing identifier, timestamp, entry"),
    ("upload: not a document", lambda r: upload({**_upload_body(), "type": "collection"}, r), 400, "invalid",
     "Invalid value - 'collection' in field 'type': an SCR is a document Bundle"),
    ("upload: no consent", lambda r: upload(_upload_body("9111231130"), r), 403, "forbidden",
     "There's no patient's consent to store SCR"),
    ("upload: duplicate", lambda r: upload(_upload_body(uuid=LATEST), r), 400, "invalid",
     f"[PSIS-30134] - Duplicate event with eventId {LATEST} and nhsNumber 9000000009."),
    ("permission: unknown patient", lambda r: set_permission(_permission("9111231130"), r), 400, "invalid",
     "Patient not found: 9111231130"),
    ("permission: code", lambda r: set_permission(_permission(code="Maybe"), r), 400, "invalid",
     "permissionCode must be a code of https://fhir.nhs.uk/CodeSystem/SCR-ACSPermission: Yes, No, Ask"),
    ("permission: one part", lambda r: set_permission({"resourceType": "Parameters", "parameter": [
        {"name": "setPermissions", "part": [{"name": "nhsNumber", "valueString": "9000000009"}]}]}, r),
     400, "invalid", "setPermissions must have two parts: nhsNumber and permissionCode"),
    ("alert: 1/5", lambda r: check_alert(_alert(lambda e: e.update(type={**e["type"], "code": "1"}))), 400, "invalid",
     "Alert type 1 with reason 5 is not a permitted combination"),
    ("alert: 2/6", lambda r: check_alert(_alert(lambda e: e["subtype"][0].update(code="6"))), 400, "invalid",
     "Alert type 2 with reason 6 is not a permitted combination"),
    ("alert: no NHS number", lambda r: check_alert(_alert(lambda e: e["agent"][0]["who"]["identifier"].update(
        system="https://fhir.nhs.uk/Id/sds-role-profile-id"))), 400, "invalid", "NHS number missing"),
    ("alert: two agents", lambda r: check_alert(_alert(lambda e: e["agent"].pop())), 400, "invalid",
     "The AuditEvent must have 3 agents, not 2"),
    ("alert: no entity", lambda r: check_alert(_alert(lambda e: e.pop("entity"))), 400, "invalid",
     "The AuditEvent is missing entity"),
]


@pytest.mark.parametrize(("operation", "status", "issue", "text"), [(e[1], e[2], e[3], e[4]) for e in ERRORS],
                         ids=[e[0] for e in ERRORS])
def test_errors_carry_the_status_and_issue_code_of_the_specification(
        records: ScrRecords, operation: Callable[[ScrRecords], Any], status: int, issue: str, text: str) -> None:
    with pytest.raises(FhirError) as caught:
        operation(records)
    assert (caught.value.status, caught.value.outcome()) == (status, {
        "resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": issue, "details": {"text": text}}]})


def test_a_permitted_combination_and_the_faults_switches(records: ScrRecords) -> None:
    check_alert(ALERT)
    check_alert(_alert(lambda e: e.update(type={**e["type"], "code": "1"})), check_combination=False)
    upload(_upload_body("9111231130"), records, check_consent=False)  # the upload-ignores-consent fault
    assert records.latest("9111231130") is not None


def test_the_behaviour_names_the_requirements_each_fault_breaks() -> None:
    assert {f.name: f.breaks for f in BEHAVIOUR.faults}["token-not-checked"] == ("SCR-SEC-001", "SCR-SEC-002")
    assert BEHAVIOUR.base_path == "/summary-care-record/FHIR/R4"
