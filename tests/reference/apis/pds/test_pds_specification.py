"""The PDS behaviour and profile against the specification's own examples, read in place from ../shared/nhs-specs:
the behaviour accepts every PATCH, create and coverage request example it publishes, with the answer the
specification gives each (refusing the one it says is refused), and the profile's checks hold on its response
examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.profiles import builtin_roots, find_profile, load_profile
from conformance.reference.apis.pds import coverage
from conformance.reference.apis.pds.creating import create
from conformance.reference.apis.pds.updating import update
from conformance.reference.outcomes import FhirError
from conformance.reference.service import Request
from conformance.results import Outcome
from conformance.scenarios import load_suite
from conformance.scenarios.checks import ResponseView, check_response
from conformance.scenarios.http import Response

from .conftest import patch_request, seeded

pytestmark = pytest.mark.shared
VALUES = {"nhs_number": "9000000009", "restricted_nhs_number": "9000000025", "family": "Smith"}
BASE = "https://pds.example/personal-demographics/FHIR/R4"


def _examples(shared_dir: Path) -> Path:
    return shared_dir / "nhs-specs" / "pds" / "specification" / "components" / "examples"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_published_patch_example_updates_the_seeded_patient(shared_dir: Path) -> None:
    folder = _examples(shared_dir) / "requests" / "PatientPatch"
    applied = []
    for example in sorted(folder.glob("*.json")):
        body, patients = _json(example), seeded()
        if example.stem == "delete-name-alternative":  # its test names the whole first name: the example's own
            record = patients.find("9000000009").record
            first = body["patches"][0]["value"]
            patients.store.write("Patient", record.id, {**record.resource, "name": [first]}, ())
        version = patients.find("9000000009").record.version
        try:
            update(patch_request(None, version=version, body=body), patients.find("9000000009"), patients.store)
        except FhirError as err:
            applied.append((example.stem, err.error_code))
            continue
        applied.append((example.stem, "applied"))
    # "although the patch is perfectly valid, the update is still rejected as a patients gender cannot be removed"
    assert dict(applied) == {**{e.stem: "applied" for e in folder.glob("*.json")}, "delete-gender": "INVALID_UPDATE"}
    assert len(applied) == 11


def test_the_published_create_examples_create_or_match_as_their_summaries_say(shared_dir: Path) -> None:
    folder = _examples(shared_dir) / "requests" / "PatientCreate"
    patients = seeded()
    answers = {}
    for name in ("Allocate_NHS_Number", "Single_Match_found", "Multi_Match_found"):
        answer = create(Request("POST", "/Patient", [], {"content-type": "application/json"},
                                (folder / f"{name}.json").read_bytes()), patients)
        body = answer.body or {}
        answers[name] = (answer.status, body.get("resourceType"),
                         body["issue"][0]["details"]["coding"][0]["code"] if "issue" in body else None)
    assert answers == {"Allocate_NHS_Number": (201, "Patient", None),
                       "Single_Match_found": (200, "OperationOutcome", "SINGLE_MATCH"),
                       "Multi_Match_found": (200, "OperationOutcome", "MULTIPLE_MATCHES")}


def test_the_published_coverage_example_is_added_to_a_patient_without_one(shared_dir: Path) -> None:
    patients = seeded()
    body = _json(_examples(shared_dir) / "Coverage.json")
    body["subscriber"]["identifier"]["value"] = "9000000033"  # the sandbox's patient without EHIC details
    answer = coverage.post(Request("POST", "/Coverage", [], {"if-match": 'W/"1"'}, json.dumps(body).encode()),
                           patients, BASE)
    assert answer.status == 201 and answer.body is not None
    assert answer.body["entry"][0]["resource"] == body


@pytest.mark.parametrize(("scenario", "step_id", "example"), [
    ("read", "patient", "Patient.json"), ("read", "shape", "Patient.json"), ("read", "security", "Patient.json"),
    ("read", "restricted", "Sensitive_Patient.json"), ("search", "shape", "PatientSearch.json"),
    ("search", "basic", "PatientSearch.json"), ("related", "people", "RelatedPersonBundle.json"),
    ("coverage", "read", "CoverageSearch.json"), ("coverage", "shape", "CoverageSearch.json"),
])
def test_the_profile_checks_hold_on_the_published_response_examples(shared_dir: Path, scenario: str, step_id: str,
                                                                     example: str, validator: Any) -> None:
    suite = load_suite(load_profile(find_profile("personal-demographics", builtin_roots())))
    step = next(s for sc in suite.scenarios if sc.id == scenario for s in sc.steps if s.id == step_id)
    body = (_examples(shared_dir) / example).read_bytes()
    response = Response(200, CaseInsensitiveDict({"Content-Type": "application/fhir+json"}), body, 1.0, "example")
    findings = check_response(step.expect, ResponseView(response), VALUES, validator)
    assert [f.message for f in findings if f.outcome is Outcome.FAIL] == []
    assert findings
