"""Every format from a real `conformance run` against the built-in server with faults, validated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import lxml.html
import pytest
from lxml import etree
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.fhir.json_reader import read_json
from conformance.reports.evidence_check import render, verify
from conformance.reports.publish import PublishOptions, prepare, publish
from conformance.reports.results_io import run_result_from_json, schema_errors, to_document
from tests.reports.conftest import HERE, REPO

pytestmark = pytest.mark.core
_register()


@pytest.fixture(scope="module")
def real_run():  # type: ignore[no-untyped-def]
    old_profile = str(REPO / "fixtures" / "profiles" / "nhs-patient-demographics")  # of the generic server
    result = CliRunner().invoke(app, ["run", old_profile, "--fault", "no-etag", "--fault",
                                      "missing-nhs-number", "--format", "json"])
    assert result.exit_code == 1, result.output
    return run_result_from_json(json.loads(result.stdout))


def test_all_formats_from_a_real_run_are_valid(real_run, validator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert to_document(real_run)["summary"]["failed"] >= 2
    done = publish(real_run, prepare(PublishOptions(formats=["all"], report_dir=tmp_path,
                                                    evidence=tmp_path / "evidence.zip",
                                                    profile_dir=REPO / "fixtures" / "profiles" / "nhs-patient-demographics")),
                   env={})
    assert done.problems == []
    out = done.reports
    assert schema_errors(json.loads(out["json"].read_text())) == []
    xsd = etree.XMLSchema(etree.parse(str(HERE / "junit-10.xsd")))
    assert xsd.validate(etree.parse(str(out["junit"]))), xsd.error_log
    sarif_schema = json.loads((HERE / "sarif-2.1.0-subset.schema.json").read_text())
    assert list(jsonschema.Draft7Validator(sarif_schema).iter_errors(json.loads(out["sarif"].read_text()))) == []
    for name in ("testreport", "outcome"):
        parsed = read_json(out[name].read_text())
        assert [i.message for i in list(parsed.issues) + validator.validate(parsed.root) if i.severity.is_error] == []
    doc = lxml.html.document_fromstring(out["html"].read_text())
    for r in real_run.requirements:
        if r.status.value == "failed":
            assert doc.get_element_by_id(f"req-{r.requirement.id}").get("data-status") == "failed"
    page = out["html"].read_text()
    assert "Authorization: [redacted]" in page
    assert re.search(r"Authorization: Bearer [A-Za-z0-9._~+/-]{16,}", page) is None  # no token, anywhere
    check = verify(tmp_path / "evidence.zip")
    assert check.ok and check.result is not None
    assert render(check, "json") == out["json"].read_text()
