"""`conformance check` writes the requested reports and a verifiable evidence pack holding the checked files' hashes."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conformance.cli import _register, app

REPO = Path(__file__).resolve().parents[2]
EXPORT = REPO / "fixtures" / "exports" / "eps-fhir-api" / "dmd-system-not-snomed" / "export"

_register()
runner = CliRunner()


@pytest.mark.core
def test_check_writes_every_report_and_an_evidence_pack_that_verifies(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    pack = tmp_path / "evidence.zip"
    result = runner.invoke(app, ["check", "eps-fhir-api", str(EXPORT), "--progress", "none",
                                 "--report", "junit,html,sarif,json", "--report-dir", str(reports),
                                 "--evidence", str(pack)])
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in reports.iterdir()) == ["junit.xml", "report.html", "results.json", "results.sarif"]
    document = json.loads((reports / "results.json").read_text())
    statuses = {r["id"]: r["status"] for r in document["requirements"]}
    assert statuses["EPS-MSG-005"] == "failed"
    sarif = json.loads((reports / "results.sarif").read_text())
    errors = [r["ruleId"] for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert errors == ["export.assertion-failed"]  # the rest are base R4 warnings (dom-6 narrative, unknown extensions)
    checked = EXPORT / "prescription-order.json"
    with zipfile.ZipFile(pack) as z:
        text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".json"))
    assert hashlib.sha256(checked.read_bytes()).hexdigest() in text
    verified = runner.invoke(app, ["report", "verify", str(pack), "--allow-unknown-signer"])
    assert verified.exit_code == 0, verified.output
    assert verified.stdout.startswith(f"evidence pack {pack}: intact, signer unknown — the pack is not signed; ")


@pytest.mark.core
def test_check_junit_gives_each_rule_the_time_spent_on_it(tmp_path: Path) -> None:
    from lxml import etree

    result = runner.invoke(app, ["check", "eps-fhir-api", str(EXPORT), "--progress", "none", "--report", "junit,json",
                                 "--report-dir", str(tmp_path)])
    assert result.exit_code == 1, result.output
    cases = list(etree.parse(str(tmp_path / "junit.xml")).iter("testcase"))
    times = [float(c.get("time") or 0) for c in cases]
    assert any(t > 0 for t in times), times  # measured, not "0.000" everywhere
    document = json.loads((tmp_path / "results.json").read_text())
    tests = document["groups"][0]["tests"]
    assert [t["id"] for t in tests if t["outcome"] == "skip" and t["durationMs"] != 0] == []  # a rule not run took none
    assert next(t for t in tests if t["id"] == "export-files")["durationMs"] > 0  # reading the export is timed too
