"""The EPS behaviour's operations called directly over its own seed: the state each prescription goes through and
the error codes of each operation, as the specification's tables give them."""

from __future__ import annotations

import base64
import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.reference.apis.eps import BEHAVIOUR, dispensing, prescribing
from conformance.reference.apis.eps.messages import verify
from conformance.reference.apis.eps.prescriptions import Prescriptions
from conformance.reference.outcomes import FhirError
from conformance.reference.seed import load_seed
from conformance.terminology.check_characters import iso7064_mod37_2

MESSAGES = Path(__file__).resolve().parents[4] / "profiles" / "eps-fhir-api" / "messages"
VALUES = {"prescription_id": "A0548B-A83008-45148W", "prescription_uuid": "a5d77265-8ba5-4c74-b8ce-ea0dbaafbdb8",
          "cancel_prescription_id": "C0C3E6-A83008-93D8FL", "cancel_prescription_uuid": "e0c3d3a4-95d1-4f6b-9f0b-1f0e2c1c8a77",
          "dispensed_elsewhere_id": "4D6F2C-A83008-A3E7D3", "dispensed_elsewhere_uuid": "9b7f3a6e-0c3d-4b8a-9e2f-5d4c3b2a1f0e",
          "dispenser_ods": "FCG71", "request_id": "0f3c8a8e-6f0e-4d1c-9a57-3c2b1d0e9f8a"}


def body(name: str) -> dict[str, Any]:
    text = (MESSAGES / f"{name}.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(re.sub(r"\$\{(\w+)\}", lambda m: VALUES[m.group(1)], text))
    return loaded


@pytest.fixture
def held() -> Prescriptions:
    return Prescriptions(load_seed(BEHAVIOUR.seed, BEHAVIOUR.seed_problem))


def code_of(err: FhirError) -> tuple[int, str, str]:
    issue = err.outcome()["issue"][0]
    return err.status, issue["code"], issue["details"]["coding"][0]["code"]


@pytest.mark.parametrize(("body_", "expected"), [("A0548B-A83008-45148", "W"), ("7A9089-A83008-56A03", "J"),
                                                 ("C0C3E6-A83008-93D8F", "L"), ("4D6F2C-A83008-A3E7D", "3")])
def test_the_short_form_prescription_id_check_character(body_: str, expected: str) -> None:
    assert iso7064_mod37_2(body_) == expected
    assert iso7064_mod37_2("A0548B_A83008") is None


def test_prepare_answers_a_signed_info_digest_an_rs1_algorithm_and_a_timestamp() -> None:
    params = {p["name"]: p["valueString"] for p in prescribing.prepare(body("prepare-request")).body["parameter"]}  # type: ignore[index]
    assert params["algorithm"] == "RS1" and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", params["timestamp"])
    assert b"<DigestValue>" in base64.b64decode(params["digest"])


@pytest.mark.parametrize(("name", "expected"), [
    ("prepare-unsupported-event", (400, "value", "INVALID_VALUE")),
    ("prepare-intent-plan", (400, "value", "INVALID_VALUE")),
    ("prepare-performer-differs", (400, "value", "INVALID_VALUE")),
    ("prepare-duplicate-item-identifier", (400, "value", "INVALID_VALUE")),
    ("prepare-two-medications", (400, "structure", "INVALID_MESSAGE")),
    ("prepare-practitioner-not-referenced", (400, "invalid", "INVALID_VALUE")),
])
def test_the_verification_errors(name: str, expected: tuple[int, str, str]) -> None:
    with pytest.raises(FhirError) as caught:
        verify(body(name), prepare=True)
    assert code_of(caught.value) == expected


def test_an_order_is_created_once_and_refused_unsigned_or_with_a_wrong_check_character(held: Prescriptions) -> None:
    for name, expected in (("order-unsigned", "MISSING_DIGITAL_SIGNATURE"),
                           ("order-bad-check-character", "FAILURE_TO_PROCESS_MESSAGE"),
                           ("order-dosage-without-sequence", "MISSING_VALUE")):
        with pytest.raises(FhirError) as caught:
            prescribing.create(body(name), held)
        assert code_of(caught.value)[2] == expected
    assert prescribing.create(body("order"), held).status == 200
    with pytest.raises(FhirError) as caught:
        prescribing.create(body("order"), held)
    assert code_of(caught.value) == (400, "duplicate", "DUPLICATE_PRESCRIPTION_ID")


def _cancel_code(response: Any) -> str:
    item = next(e["resource"] for e in response.body["entry"] if e["resource"]["resourceType"] == "MedicationRequest")
    reason = next(x for x in item["extension"] if x["url"].endswith("Extension-DM-PrescriptionTaskStatusReason"))
    return str(reason["extension"][0]["valueCoding"]["code"])


def test_a_cancellation_answers_the_cancel_response_codes(held: Prescriptions) -> None:
    prescribing.create(body("order-to-cancel"), held)
    first, again = prescribing.cancel(body("cancel"), held), prescribing.cancel(body("cancel"), held)
    assert (first.status, _cancel_code(first), again.status, _cancel_code(again)) == (200, "R-0001", 400, "R-0006")
    assert first.body["entry"][0]["resource"]["eventCoding"]["code"] == "prescription-order-response"  # type: ignore[index]
    elsewhere = prescribing.cancel(body("cancel-with-dispenser"), held)
    assert (elsewhere.status, _cancel_code(elsewhere)) == (400, "R-0002")
    with pytest.raises(FhirError) as caught:
        prescribing.cancel(body("cancel-unknown"), held)
    assert code_of(caught.value) == (400, "not-found", "R-0008")


def test_release_return_dispense_withdraw_and_claim_move_the_prescription_through_its_states(held: Prescriptions) -> None:
    prescribing.create(body("order"), held)
    released = dispensing.release(body("release"), held).body
    assert released["parameter"][0]["resource"]["total"] == 1  # type: ignore[index]
    assert held.by_id["A0548B-A83008-45148W"].state == "with-dispenser"
    assert dispensing.task(body("return"), held).status == 200
    with pytest.raises(FhirError) as caught:
        dispensing.task(body("return"), held)
    assert code_of(caught.value) == (400, "business-rule", "INVALID_STATE_TRANSITION")
    dispensing.release(body("release"), held)
    assert dispensing.dispense(body("dispense-notification"), held).status == 200
    assert dispensing.task(body("withdraw"), held).status == 200
    assert held.by_id["A0548B-A83008-45148W"].state == "with-dispenser"
    dispensing.dispense(body("dispense-notification"), held)
    assert dispensing.claim(body("claim"), held).status == 200
    assert held.by_id["A0548B-A83008-45148W"].state == "claimed"


def test_a_prescription_with_another_dispenser_names_it_and_a_nominated_release_takes_the_nominated_ones(
        held: Prescriptions) -> None:
    with pytest.raises(FhirError) as caught:
        dispensing.release(body("release-with-another-dispenser"), held)
    assert code_of(caught.value) == (400, "business-rule", "PRESCRIPTION_WITH_ANOTHER_DISPENSER")
    assert caught.value.outcome()["contained"][0]["identifier"][0]["value"] == "FA565"
    nominated = body("release-nominated")
    first = dispensing.release(copy.deepcopy(nominated), held).body["parameter"][0]["resource"]  # type: ignore[index]
    second = dispensing.release(nominated, held).body["parameter"][0]["resource"]  # type: ignore[index]
    assert (first["total"], second["total"]) == (2, 0)


@pytest.mark.parametrize(("name", "call", "expected"), [
    ("release-without-owner", dispensing.release, (400, "invalid", "INVALID_VALUE")),
    ("release-agent-reference", dispensing.release, (400, "invalid", "INVALID_VALUE")),
    ("release-unknown", dispensing.release, (400, "not-found", "RESOURCE_NOT_FOUND")),
    ("return-unknown", dispensing.task, (400, "not-found", "PRESCRIPTION_NOT_FOUND")),
    ("return-bad-status", dispensing.task, (400, "value", "INVALID_VALUE")),
    ("return-bad-reason", dispensing.task, (400, "value", "INVALID_VALUE")),
    ("withdraw-without-code", dispensing.task, (400, "value", "INVALID_VALUE")),
    ("dispense-without-reimbursement-authority", dispensing.dispense, (400, "invalid", "INVALID_VALUE")),
    ("claim-without-endorsement", dispensing.claim, (400, "invalid", "INVALID_VALUE")),
])
def test_the_dispensing_errors(held: Prescriptions, name: str, call: Any, expected: tuple[int, str, str]) -> None:
    with pytest.raises(FhirError) as caught:
        call(body(name), held)
    assert code_of(caught.value) == expected
