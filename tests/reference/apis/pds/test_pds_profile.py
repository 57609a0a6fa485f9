"""The personal-demographics profile against the PDS behaviour: every requirement passes with no fault (exit 0), the
sandbox's exclusions are not applicable there, and each fault fails exactly the requirements it declares it breaks;
the HTTP routes the behaviour answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conformance.reference import ReferenceServer, ServerConfig
from conformance.reference.apis.base import ApiFault
from conformance.reference.apis.pds import BEHAVIOUR

from ..selftest import assert_fails_exactly, assert_faults_name_the_catalogue, profile, run

PROFILE = "personal-demographics"
SANDBOX_EXCLUDED = {"PDS-SEC-001", "PDS-SEC-002", "PDS-UPD-002", "PDS-UPD-008", "PDS-UPD-009", "PDS-UPD-010",
                    "PDS-UPD-011", "PDS-UPD-012", "PDS-UPD-013", "PDS-UPD-015", "PDS-UPD-016", "PDS-UPD-017",
                    "PDS-UPD-018", "PDS-UPD-019", "PDS-UPD-020", "PDS-UPD-021",
                    "PDS-UPD-022", "PDS-UPD-023", "PDS-UPD-024", "PDS-UPD-025",
                    "PDS-UPD-026", "PDS-COV-011", "PDS-HDR-006", "PDS-READ-007", "PDS-READ-008", "PDS-REL-005",
                    "PDS-SRCH-023"}


@pytest.mark.core
def test_the_profile_passes_against_the_built_in_server() -> None:
    code, statuses = run(PROFILE)
    assert code == 0
    assert statuses == dict.fromkeys([r.id for r in profile(PROFILE).requirements], "passed")


@pytest.mark.core
def test_in_the_sandbox_the_requirements_the_specification_excludes_are_not_applicable() -> None:
    code, statuses = run(PROFILE, "--environment", "sandbox")
    assert code == 0
    assert {rid for rid, status in statuses.items() if status == "not-applicable"} == SANDBOX_EXCLUDED
    assert {status for rid, status in statuses.items() if rid not in SANDBOX_EXCLUDED} == {"passed"}


@pytest.mark.core
@pytest.mark.parametrize("fault", BEHAVIOUR.faults, ids=lambda f: f.name)
def test_each_fault_fails_exactly_the_requirements_it_breaks(fault: ApiFault) -> None:
    assert_fails_exactly(fault, *run(PROFILE, "--fault", fault.name))


def test_every_fault_breaks_requirements_of_the_profile_and_every_family_has_one() -> None:
    assert_faults_name_the_catalogue(PROFILE, BEHAVIOUR.faults)
    assert len(BEHAVIOUR.faults) == 24


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ServerConfig(api="pds")) as running:
        yield running


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("GET", "/metadata", 404, None),  # "it does not support the capabilities interaction"
    ("GET", "/Patient/9000000009/Observation", 404, None),
    ("DELETE", "/Patient/9000000009", 405, "GET, PATCH"),
    ("PUT", "/Patient", 405, "GET, POST"),
    ("DELETE", "/Coverage", 405, "GET, POST"),
    ("PATCH", "/Patient/9000000009/RelatedPerson", 405, "GET"),
])
def test_other_routes_are_answered_with_a_spine_coded_operation_outcome(server: ReferenceServer, method: str,
                                                                        path: str, status: int,
                                                                        allow: str | None) -> None:
    response = requests.request(method, server.base_url + path, timeout=10)
    assert (response.status_code, response.headers.get("Allow")) == (status, allow)
    coding = response.json()["issue"][0]["details"]["coding"][0]
    assert (coding["system"], coding["code"]) == ("https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode",
                                                  "UNSUPPORTED_SERVICE")


def test_the_base_path_is_the_specifications(server: ReferenceServer) -> None:
    assert server.base_url.endswith("/personal-demographics/FHIR/R4")
    response = requests.get(server.base_url + "/Patient/9000000009", timeout=10,
                            headers={"X-Request-ID": "60E0B220-8136-4CA5-AE46-1D97EF59D068"})
    assert (response.status_code, response.headers["ETag"], response.json()["id"]) == (200, 'W/"1"', "9000000009")


def test_a_server_error_is_answered_with_a_spine_code(server: ReferenceServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.reference.apis.pds import service

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "read_view", broken)
    response = requests.get(server.base_url + "/Patient/9000000009", timeout=10,
                            headers={"X-Request-ID": "60E0B220-8136-4CA5-AE46-1D97EF59D068"})
    issue = response.json()["issue"][0]
    assert (response.status_code, issue["code"], issue["details"]["coding"][0]["code"]) == (500, "exception",
                                                                                            "SERVER_ERROR")


def test_an_update_re_sent_with_the_same_request_id_is_applied_once(server: ReferenceServer) -> None:
    url = server.base_url + "/Patient/9000000017"
    version = requests.get(url, timeout=10, headers={"X-Request-ID": "1E3C2E4A-5B6C-4D7E-8F90-A1B2C3D4E5F6"}).json()[
        "meta"]["versionId"]
    headers = {"X-Request-ID": "0B8F6A52-1C2D-4E3F-9A0B-1C2D3E4F5A6B", "If-Match": f'W/"{version}"',
               "Content-Type": "application/json-patch+json"}
    body = '{"patches": [{"op": "replace", "path": "/gender", "value": "male"}]}'
    first = requests.patch(url, data=body, headers=headers, timeout=10)
    again = requests.patch(url, data=body, headers=headers, timeout=10)  # a retry: same id, same (now old) version
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.headers["ETag"] == again.headers["ETag"] == f'W/"{int(version) + 1}"'
    other = requests.patch(url, data=body, timeout=10, headers={**headers, "X-Request-ID": "7C0D9E1F-2A3B-4C5D-8E6F-7A8B9C0D1E2F"})
    assert other.status_code == 409  # a new request with the old version is a conflict, not a replay
