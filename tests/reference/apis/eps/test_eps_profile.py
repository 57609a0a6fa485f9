"""The eps-fhir-api profile against the EPS behaviour: every requirement has a verdict and passes with no fault
(exit 0), and each fault fails exactly the requirements it declares it breaks (data-driven over the faults)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from conformance.reference import ReferenceServer, ServerConfig
from conformance.reference.apis.base import ApiFault
from conformance.reference.apis.eps import BEHAVIOUR

from ..selftest import assert_fails_exactly, assert_faults_name_the_catalogue, profile, run

PROFILE = "eps-fhir-api"


def _profile() -> Any:
    return profile(PROFILE)


def _run(*args: str) -> tuple[int, dict[str, str]]:
    return run(PROFILE, *args)


def _environment_for(fault: ApiFault) -> str:
    """The default environment, unless it puts what the fault breaks out of scope (withdraw: sandbox only)."""
    integration = _profile().environment("integration")
    return "sandbox" if any(integration.reason_not_applicable(r) for r in fault.breaks) else "integration"


@pytest.mark.core
@pytest.mark.parametrize("environment", ["integration", "sandbox"])
def test_the_profile_passes_against_the_built_in_server(environment: str) -> None:
    code, statuses = _run("--environment", environment)
    env = _profile().environment(environment)
    expected = {r.id: "not-applicable" if env.reason_not_applicable(r.id) else "passed" for r in _profile().requirements}
    assert (code, statuses) == (0, expected)


@pytest.mark.core
@pytest.mark.parametrize("fault", BEHAVIOUR.faults, ids=lambda f: f.name)
def test_each_fault_fails_exactly_the_requirements_it_breaks(fault: ApiFault) -> None:
    assert_fails_exactly(fault, *_run("--fault", fault.name, "--environment", _environment_for(fault)))


def test_every_fault_breaks_requirements_of_the_profile_and_every_family_has_one() -> None:
    assert_faults_name_the_catalogue(PROFILE, BEHAVIOUR.faults)


@pytest.fixture(scope="module")
def server() -> Iterator[ReferenceServer]:
    with ReferenceServer(ServerConfig(api="eps")) as running:
        yield running


@pytest.mark.parametrize(("method", "path", "status", "allow"), [
    ("GET", "/metadata", 404, None),  # "it does not support the capabilities interaction"
    ("GET", "/Patient/9000000009", 404, None),
    ("GET", "/$prepare", 405, "POST"),
    ("DELETE", "/Task", 405, "POST"),
])
def test_other_routes_are_answered_with_a_spine_coded_operation_outcome(server: ReferenceServer, method: str, path: str,
                                                                        status: int, allow: str | None) -> None:
    response = requests.request(method, server.base_url + path, timeout=10)
    assert (response.status_code, response.headers.get("Allow")) == (status, allow)
    issue = response.json()["issue"][0]
    assert issue["details"]["coding"][0]["system"] == "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"


def test_the_server_answers_at_the_specifications_base_path(server: ReferenceServer) -> None:
    assert server.base_url.endswith("/electronic-prescriptions/FHIR/R4")
