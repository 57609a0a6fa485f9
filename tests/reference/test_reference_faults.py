"""Each fault breaks exactly one rule: with it on, that rule's check fails and every other check passes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from conformance.reference import FAULTS, ConfigError, ReferenceServer, ServerConfig
from tests.reference.conftest import NHS, SEED_PATIENTS, running

TOKEN = "static-test-token"
GENDERS = {"male", "female", "other", "unknown"}
Check = Callable[[ReferenceServer, requests.Session], bool]


def _patient(server: ReferenceServer, http: requests.Session) -> requests.Response:
    return http.get(f"{server.base_url}/Patient/9000000009")


def _search(server: ReferenceServer, http: requests.Session) -> dict:
    return http.get(f"{server.base_url}/Patient", params={"family": "Okafor"}).json()


def content_type(server: ReferenceServer, http: requests.Session) -> bool:
    responses = [_patient(server, http), http.get(f"{server.base_url}/Patient/9000000001")]
    return all(r.headers["Content-Type"] == "application/fhir+json; charset=utf-8" for r in responses)


def nhs_number_present(server: ReferenceServer, http: requests.Session) -> bool:
    patients = [_patient(server, http).json(), *(e["resource"] for e in _search(server, http)["entry"])]
    return all(any(i.get("system") == NHS for i in p.get("identifier", [])) for p in patients)


def unknown_is_404(server: ReferenceServer, http: requests.Session) -> bool:
    return http.get(f"{server.base_url}/Patient/9000000092").status_code == 404


def outcome_has_issue_codes(server: ReferenceServer, http: requests.Session) -> bool:
    outcome = http.get(f"{server.base_url}/Patient").json()
    return outcome["resourceType"] == "OperationOutcome" and all("code" in i for i in outcome["issue"])


def request_id_echoed(server: ReferenceServer, http: requests.Session) -> bool:
    r = http.get(f"{server.base_url}/Patient/9000000009", headers={"X-Request-ID": "abc-123"})
    return r.headers.get("X-Request-ID") == "abc-123"


def token_required(server: ReferenceServer, http: requests.Session) -> bool:
    r = http.get(f"{server.base_url}/Patient/9000000009", headers={"Authorization": ""})
    return r.status_code == 401


def invalid_nhs_number_is_400(server: ReferenceServer, http: requests.Session) -> bool:
    read = http.get(f"{server.base_url}/Patient/9000000001")
    search = http.get(f"{server.base_url}/Patient", params={"identifier": f"{NHS}|9000000001"})
    return read.status_code == 400 and search.status_code == 400


def patients_conform(server: ReferenceServer, http: requests.Session) -> bool:
    patients = [_patient(server, http).json(), *(e["resource"] for e in _search(server, http)["entry"])]
    return all(p["gender"] in GENDERS for p in patients)


def search_filters(server: ReferenceServer, http: requests.Session) -> bool:
    bundle = _search(server, http)
    return bundle["total"] == 1 and [e["resource"]["id"] for e in bundle["entry"]] == ["9000000068"]


def versioned(server: ReferenceServer, http: requests.Session) -> bool:
    r = _patient(server, http)
    return r.headers.get("ETag") == 'W/"1"' and r.json()["meta"].get("versionId") == "1"


CHECKS: dict[str, Check] = {
    "wrong-content-type": content_type,
    "missing-nhs-number": nhs_number_present,
    "ok-instead-of-404": unknown_is_404,
    "invalid-operation-outcome": outcome_has_issue_codes,
    "no-request-id-echo": request_id_echoed,
    "token-not-checked": token_required,
    "invalid-nhs-number-accepted": invalid_nhs_number_is_400,
    "non-conformant-patient": patients_conform,
    "search-ignores-parameters": search_filters,
    "no-etag": versioned,
}


def _results(faults: frozenset[str]) -> dict[str, bool]:
    with running(auth="bearer", static_tokens={TOKEN}, faults=faults) as server, requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {TOKEN}"
        return {fault: check(server, http) for fault, check in CHECKS.items()}


def test_every_fault_has_a_check() -> None:
    assert sorted(CHECKS) == sorted(FAULTS)


def test_without_faults_every_rule_holds() -> None:
    assert _results(frozenset()) == dict.fromkeys(CHECKS, True)


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_breaks_exactly_its_rule(fault: str) -> None:
    assert _results(frozenset({fault})) == {name: name != fault for name in CHECKS}


def test_unknown_fault_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown fault.*no-such-fault.*known faults: wrong-content-type"):
        ServerConfig(faults=frozenset({"no-such-fault"}))


# -- what each fault does, precisely --------------------------------------------------------------------
def test_ok_instead_of_404_answers_an_empty_patient(http: requests.Session) -> None:
    with running(faults={"ok-instead-of-404"}) as server:
        r = http.get(f"{server.base_url}/Patient/9000000092")
        assert (r.status_code, r.json()) == (200, {"resourceType": "Patient"})
        assert http.get(f"{server.base_url}/Patient/9000000001").status_code == 400


def test_invalid_operation_outcome_drops_only_issue_code(http: requests.Session) -> None:
    with running(faults={"invalid-operation-outcome"}) as server:
        issue = http.get(f"{server.base_url}/Patient/9000000092").json()["issue"][0]
        assert "code" not in issue
        assert (issue["severity"], issue["details"]["coding"][0]["code"]) == ("error", "RESOURCE_NOT_FOUND")
        assert http.get(f"{server.base_url}/metadata").json()["resourceType"] == "CapabilityStatement"


def test_wrong_content_type_on_every_fhir_response(http: requests.Session) -> None:
    with running(faults={"wrong-content-type"}) as server:
        for path in ("metadata", "Patient/9000000009", "Patient/9000000092", "Patient?gender=male"):
            assert http.get(f"{server.base_url}/{path}").headers["Content-Type"] == "text/plain; charset=utf-8"


def test_invalid_nhs_number_accepted_gives_404_and_empty_searches(http: requests.Session) -> None:
    with running(faults={"invalid-nhs-number-accepted"}) as server:
        assert http.get(f"{server.base_url}/Patient/9000000001").status_code == 404
        bundle = http.get(f"{server.base_url}/Patient", params={"identifier": f"{NHS}|9000000001"}).json()
        assert (bundle["resourceType"], bundle["total"]) == ("Bundle", 0)


def test_search_ignores_parameters_returns_every_patient_in_pages(http: requests.Session) -> None:
    with running(faults={"search-ignores-parameters"}) as server:
        bundle = http.get(f"{server.base_url}/Patient", params={"family": "Okafor", "_count": "5"}).json()
        assert bundle["total"] == len(SEED_PATIENTS)
        assert [e["resource"]["id"] for e in bundle["entry"]] == SEED_PATIENTS[:5]


def test_token_not_checked_accepts_any_token(http: requests.Session) -> None:
    with running(auth="bearer", static_tokens={TOKEN}, faults={"token-not-checked"}) as server:
        r = http.get(f"{server.base_url}/Patient/9000000009", headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 200


def test_no_etag_also_strips_meta_version_from_search_entries(http: requests.Session) -> None:
    with running(faults={"no-etag"}) as server:
        entry = http.get(f"{server.base_url}/Patient", params={"family": "Okafor"}).json()["entry"][0]
        assert set(entry["resource"]["meta"]) == {"lastUpdated"}


def test_patient_faults_leave_other_types_alone(http: requests.Session) -> None:
    with running(faults={"missing-nhs-number", "non-conformant-patient"}) as server:
        patient = http.get(f"{server.base_url}/Patient/9000000009").json()
        assert ("identifier" in patient, patient["gender"]) == (False, "M")
        practitioner = http.get(f"{server.base_url}/Practitioner/G9000001").json()
        assert (practitioner["gender"], len(practitioner["identifier"])) == ("female", 1)
