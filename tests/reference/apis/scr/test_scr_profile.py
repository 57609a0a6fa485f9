"""The summary-care-record profile against the SCR behaviour: every requirement passes with no fault (exit 0), and
each fault fails exactly the requirements it declares it breaks; the HTTP routes the behaviour answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conformance.reference import ReferenceServer, ServerConfig
from conformance.reference.apis.base import ApiFault
from conformance.reference.apis.scr import BEHAVIOUR

from ..selftest import assert_fails_exactly, profile, run

PROFILE = "summary-care-record"


def _run(*args: str) -> tuple[int, dict[str, str]]:
    return run(PROFILE, *args)


@pytest.mark.core
def test_the_profile_passes_against_the_built_in_server() -> None:
    code, statuses = _run()
    catalogue = [r.id for r in profile(PROFILE).requirements]
    assert code == 0
    assert statuses == dict.fromkeys(catalogue, "passed")


@pytest.mark.core
def test_in_the_sandbox_the_requirements_the_specification_excludes_are_not_applicable() -> None:
    code, statuses = _run("--environment", "sandbox")
    excluded = {"SCR-SEC-001", "SCR-SEC-002", "SCR-UPL-002", "SCR-UPL-005", "SCR-GET-006", "SCR-ACS-002"}
    assert code == 0
    assert {rid for rid, status in statuses.items() if status == "not-applicable"} == excluded
    assert {status for rid, status in statuses.items() if rid not in excluded} == {"passed"}


@pytest.mark.core
@pytest.mark.parametrize("fault", BEHAVIOUR.faults, ids=lambda f: f.name)
def test_each_fault_fails_exactly_the_requirements_it_breaks(fault: ApiFault) -> None:
    assert_fails_exactly(fault, *_run("--fault", fault.name))


def test_every_fault_breaks_requirements_of_the_profile() -> None:
    catalogue = {r.id for r in profile(PROFILE).requirements}
    assert all(f.breaks and set(f.breaks) <= catalogue for f in BEHAVIOUR.faults)
    assert len({f.name for f in BEHAVIOUR.faults}) == len(BEHAVIOUR.faults)


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ServerConfig(api="scr")) as running:
        yield running


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("GET", "/metadata", 404, None),  # the API does not support the capabilities interaction
    ("GET", "/Patient/9000000009", 404, None),
    ("DELETE", "/Bundle", 405, "GET, POST"),
    ("GET", "/AuditEvent", 405, "POST"),
])
def test_other_routes_are_answered_with_an_operation_outcome(server: ReferenceServer, method: str, path: str,
                                                             status: int, allow: str | None) -> None:
    response = requests.request(method, server.base_url + path, timeout=10)
    assert (response.status_code, response.headers.get("Allow")) == (status, allow)
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_server_error_is_answered_with_the_scr_error_code(server: ReferenceServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.reference.apis.scr import service

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service, "search", broken)
    response = requests.get(server.base_url + "/DocumentReference", timeout=10,
                            params={"patient": "https://fhir.nhs.uk/Id/nhs-number|9000000009"})
    issue = response.json()["issue"][0]
    assert (response.status_code, issue["code"], issue["details"]["coding"][0]) == (500, "unknown", {
        "system": "https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode", "version": "1", "code": "UNKNOWN_ERROR",
        "display": "Unknown Error"})
