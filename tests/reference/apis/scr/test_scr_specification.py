"""The SCR behaviour and profile against the specification's own examples, read in place from ../shared/nhs-specs:
the behaviour accepts every request example it publishes, and the profile's checks of GET /DocumentReference hold
on its response example."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from conformance.profiles import builtin_roots, find_profile, load_profile
from conformance.reference.apis.scr.alerts import check_alert
from conformance.reference.apis.scr.permissions import set_permission
from conformance.reference.apis.scr.records import ScrRecords
from conformance.reference.apis.scr.upload import upload
from conformance.results import Outcome
from conformance.scenarios import load_suite
from conformance.scenarios.checks import ResponseView, check_response
from conformance.scenarios.http import Response

pytestmark = pytest.mark.shared


def _example(shared_dir: Path, name: str) -> dict[str, Any]:
    path = shared_dir / "nhs-specs" / "scr" / "specification" / "components" / "examples" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_every_published_request_example_is_accepted(shared_dir: Path, records: ScrRecords) -> None:
    upload(_example(shared_dir, "UploadScrBundle"), records)
    set_permission(_example(shared_dir, "SetPermission"), records)
    check_alert(_example(shared_dir, "AuditEvent"))
    assert records.permission("9000000009") == "Ask"
    assert records.latest("9000000009").uuid == "BF4180FD-C403-4EF7-A4AB-E07303AF5477"  # type: ignore[union-attr]


@pytest.mark.parametrize("step_id", ["latest", "shape", "document-reference", "consent-status", "patient"])
def test_the_profile_checks_hold_on_the_published_document_reference_example(shared_dir: Path, step_id: str,
                                                                              validator: Any) -> None:
    suite = load_suite(load_profile(find_profile("summary-care-record", builtin_roots())))
    step = next(s for sc in suite.scenarios if sc.id == "get-scr-id" for s in sc.steps if s.id == step_id)
    body = json.dumps(_example(shared_dir, "DocumentReferenceBundle")).encode("utf-8")
    response = Response(200, CaseInsensitiveDict({"Content-Type": "application/fhir+json"}), body, 1.0, "example")
    findings = check_response(step.expect, ResponseView(response), {"nhs_number": "9000000009"}, validator)
    assert [f.message for f in findings if f.outcome is Outcome.FAIL] == []
    assert findings
