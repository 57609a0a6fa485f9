"""PATCH /Patient/{id} called directly: RFC 6902 applied all or nothing, the If-Match and Content-Type rules, the
PDS patch rules (new list items at '-', a test before a removal, fields that cannot be patched) and per-field rules
with their error codes, and the records read: superseded, invalidated, restricted and related people."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.reference.apis.pds import jsonpatch
from conformance.reference.apis.pds.fieldrules import check_fields
from conformance.reference.apis.pds.records import Patients
from conformance.reference.apis.pds.related import related_people
from conformance.reference.apis.pds.updating import update
from conformance.reference.apis.pds.views import read_view
from conformance.reference.outcomes import FhirError

from .conftest import patch_request


def test_json_patch_applies_every_operation_in_order_or_none() -> None:
    doc = {"name": [{"id": "2", "family": "Parker"}, {"id": "3", "family": "Irwin"}, {"id": "4", "family": "Bruce"}]}
    # the specification's "Example 1": the same index removed twice, each after a test of its id
    ops = [{"op": "test", "path": "/name/1/id", "value": "3"}, {"op": "remove", "path": "/name/1"},
           {"op": "test", "path": "/name/1/id", "value": "4"}, {"op": "remove", "path": "/name/1"}]
    assert jsonpatch.apply(doc, ops) == {"name": [{"id": "2", "family": "Parker"}]}
    # "Example 3 - a failure": the second test fails, so nothing is applied
    failing = [ops[0], ops[1], {"op": "test", "path": "/name/2/id", "value": "4"}, {"op": "remove", "path": "/name/2"}]
    with pytest.raises(jsonpatch.PatchError, match=r"patch 2 \(test /name/2/id\)"):
        jsonpatch.apply(doc, failing)
    assert len(doc["name"]) == 3
    assert jsonpatch.apply({"a~b": {"c/d": 1}}, [{"op": "replace", "path": "/a~0b/c~1d", "value": 2}]) == {
        "a~b": {"c/d": 2}}
    with pytest.raises(jsonpatch.PatchError, match="'01' is not an array index"):
        jsonpatch.apply(doc, [{"op": "remove", "path": "/name/01"}])


def answer(patients: Patients, patches: Any = None, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(FhirError) as caught:
        update(patch_request(patches, **kwargs), patients.find("9000000009"), patients.store)
    return caught.value.status, caught.value.error_code


GENDER = [{"op": "replace", "path": "/gender", "value": "male"}]


@pytest.mark.parametrize(("patches", "kwargs", "expected"), [
    (GENDER, {"content_type": None}, (400, "MISSING_VALUE")),
    (GENDER, {"content_type": "application/json"}, (400, "INVALID_VALUE")),
    (GENDER, {"version": None}, (412, "PRECONDITION_FAILED")),
    (GENDER, {"version": 7}, (409, "RESOURCE_VERSION_MISMATCH")),
    (None, {"body": {"patch": GENDER}}, (400, "INVALID_UPDATE")),
    (None, {"body": {"patches": []}}, (400, "INVALID_UPDATE")),
    ([{"op": "copy", "from": "/gender", "path": "/gender"}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "remove", "path": "/gender", "value": "male"}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/gender"}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/pets", "value": "cat"}], {}, (400, "ADDITIONAL_PROPERTIES")),
    ([{"op": "replace", "path": "/identifier/0/value", "value": "9000000017"}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/name/0", "value": {"use": "usual", "family": "Bloggs"}}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "remove", "path": "/name/0"}], {}, (400, "INVALID_UPDATE")),
    ([{"op": "remove", "path": "/gender"}], {}, (400, "INVALID_UPDATE")),
    ([*GENDER, {"op": "test", "path": "/name/0/id", "value": "999"}], {}, (400, "INVALID_UPDATE")),
])
def test_each_update_rule_is_refused_with_its_error_code(patients: Patients, patches: Any, kwargs: dict[str, Any],
                                                         expected: tuple[int, str]) -> None:
    assert answer(patients, patches, **kwargs) == expected
    assert patients.find("9000000009").record.version == 1  # nothing was stored



NICKNAME = {"use": "nickname", "given": ["Jo"]}
BACKWARDS = {"start": "2024-02-01", "end": "2024-01-01"}


@pytest.mark.parametrize(("patches", "expected"), [
    ([{"op": "replace", "path": "/gender", "value": "other"}], (400, "INVALID_VALUE")),
    ([{"op": "replace", "path": "/birthDate", "value": "2999-01-01"}], (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/name/-", "value": {**NICKNAME, "period": BACKWARDS}}], (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/telecom/-", "value": {"system": "phone", "value": "0113 496 0000", "period": BACKWARDS}}],
     (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/name/-", "value": {**NICKNAME, "family": "Bl@ggs"}}],
     (400, "UNSUPPORTED_CHARACTERS_IN_FIELD")),
    ([{"op": "replace", "path": "/name/0/given/0", "value": "Jane\u20ac"}], (400, "UNSUPPORTED_CHARACTERS_IN_FIELD")),
    ([{"op": "add", "path": "/name/-", "value": {"use": "usual", "family": "Bloggs"}}], (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/name/-", "value": NICKNAME}, {"op": "add", "path": "/name/-", "value": NICKNAME}],
     (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/contact/-", "value": {"relationship": [{"coding": [{"code": "N"}]}]}}],
     (400, "INVALID_VALUE")),
    ([{"op": "add", "path": "/contact/-", "value": {"relationship": [{"coding": [{"code": "C"}]}],
                                                    "telecom": [{"system": "email", "value": "a@b.c"}]}}],
     (400, "INVALID_VALUE")),  # 5 characters: "more than 6"
    ([{"op": "add", "path": "/telecom/-", "value": {"system": "email", "value": "not-an-email"}}],
     (400, "INVALID_VALUE")),
    ([{"op": "add", "path": "/contact/-", "value": {"relationship": [{"coding": [{"code": "C"}]}],
                                                    "telecom": [{"system": "fax", "value": "01632960587"}]}}],
     (400, "INVALID_VALUE")),
    ([{"op": "add", "path": "/name/-", "value": {**NICKNAME, "suffix": ["jr"]}}], (400, "INVALID_VALUE")),
    ([{"op": "add", "path": "/name/-", "value": {**NICKNAME, "period": {"end": "2024-01-01"}}}],
     (400, "INVALID_UPDATE")),
    ([{"op": "add", "path": "/name/-", "value": {**NICKNAME, "period": {"start": "2999-01-01"}}}],
     (400, "INVALID_UPDATE")),
])
def test_each_field_rule_is_refused_with_its_error_code(patients: Patients, patches: Any,
                                                       expected: tuple[int, str]) -> None:
    assert answer(patients, patches) == expected
    assert patients.find("9000000009").record.version == 1  # nothing was stored


def test_what_the_field_rules_allow_is_applied_and_the_fault_applies_the_rest(patients: Patients) -> None:
    allowed = [{"op": "replace", "path": "/gender", "value": "unknown"},
               {"op": "add", "path": "/name/-", "value": {"use": "nickname", "given": ["Zoë", "Ævar"],
                                                            "family": "O'Brien-Smith", "suffix": ["Jr. 2"]}},
               {"op": "add", "path": "/contact/-", "value": {"relationship": [{"coding": [{"code": "C"}]}],
                                                             "telecom": [{"system": "email",
                                                                          "value": "jo.bloggs@example.com"}]}}]
    stored = update(patch_request(allowed), patients.find("9000000009"), patients.store)
    assert (stored.version, stored.resource["gender"], stored.resource["name"][-1]["family"]) == (
        2, "unknown", "O'Brien-Smith")
    other = [{"op": "replace", "path": "/gender", "value": "other"}]
    faulty = update(patch_request(other, version=2), patients.find("9000000009"), patients.store, field_rules=False)
    assert faulty.resource["gender"] == "other"
    assert check_fields(faulty.resource, faulty.resource) is None  # a value already held is not judged again


def test_an_update_is_stored_as_the_next_version_and_new_items_get_ids(patients: Patients) -> None:
    patches = [*GENDER, {"op": "add", "path": "/name/-", "value": {"use": "temp", "family": "Bloggs"}}]
    stored = update(patch_request(patches), patients.find("9000000009"), patients.store)
    assert (stored.version, stored.etag, stored.resource["gender"]) == (2, 'W/"2"', "male")
    added = stored.resource["name"][-1]
    assert added["family"] == "Bloggs" and len(added["id"]) == 8
    removal = [{"op": "test", "path": "/name/0/id", "value": "123"}, {"op": "remove", "path": "/name/0"}]
    again = update(patch_request(removal, version=2), patients.find("9000000009"), patients.store)
    assert (again.version, [n["family"] for n in again.resource["name"]]) == (3, ["Taylor", "Bloggs"])


def test_a_list_a_patient_lacks_is_created_by_adding_at_dash(patients: Patients) -> None:
    found = patients.find("9000000033")
    assert "name" not in found.record.resource
    request = patch_request([{"op": "add", "path": "/name/-", "value": {"use": "usual", "family": "Bloggs"}}])
    assert [n["family"] for n in update(request, found, patients.store).resource["name"]] == ["Bloggs"]


def test_a_restricted_patient_cannot_be_updated(patients: Patients) -> None:
    with pytest.raises(FhirError) as caught:
        update(patch_request(GENDER), patients.find("9000000025"), patients.store)
    assert (caught.value.status, caught.value.error_code) == (403, "FORBIDDEN_UPDATE")


def test_superseded_invalidated_and_unknown_records(patients: Patients) -> None:
    assert patients.find("9000000041").record.id == "9000000017"
    assert patients.find("9000000041", follow=False).record.id == "9000000041"
    for nhs_number, code in (("9000000068", "INVALIDATED_RESOURCE"), ("9111231130", "RESOURCE_NOT_FOUND")):
        with pytest.raises(FhirError) as caught:
            patients.find(nhs_number)
        assert (caught.value.status, caught.value.error_code) == (404, code)
    assert patients.find("9000000068", refuse_invalidated=False).record.id == "9000000068"


def test_a_restricted_patient_is_read_without_location_and_without_related_people(patients: Patients) -> None:
    janet = patients.find("9000000025")
    shown = read_view(janet.record.resource)
    assert shown["meta"]["security"][0]["code"] == "R"
    assert not {"address", "telecom", "generalPractitioner"} & set(shown) and "contact" in shown
    assert related_people(janet, patients, "https://b")["total"] == 0
    assert related_people(janet, patients, "https://b", withhold=False)["total"] == 1
    jane = related_people(patients.find("9000000009"), patients, "https://b")
    assert [e["fullUrl"] for e in jane["entry"]] == ["https://b/Patient/9000000009/RelatedPerson/507B7621",
                                                     "https://b/Patient/9000000009/RelatedPerson/B3380E98"]
