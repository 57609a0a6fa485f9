"""JUnit XML: valid against junit-10.xsd, one testsuite per group, one testcase per test."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from conformance.reports import junit
from conformance.reports.baseline import apply_baseline, parse_baseline
from tests.reports.conftest import HERE, assert_golden, load_run

XSD = etree.XMLSchema(etree.parse(str(HERE / "junit-10.xsd")))


def parse(text: str) -> etree._Element:
    root = etree.fromstring(text.encode("utf-8"))
    assert XSD.validate(root), XSD.error_log
    return root


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.junit.xml", junit.render(load_run(run_name)))


@pytest.mark.parametrize("incomplete", [False, True])
def test_validates_against_the_junit_xsd(run_name: str, incomplete: bool) -> None:
    result = load_run(run_name)
    result.incomplete = incomplete
    parse(junit.render(result))


def test_a_suite_per_group_a_case_per_test_with_counts() -> None:
    root = parse(junit.render(load_run("scenario")))
    suites = root.findall("testsuite")
    assert [s.get("name").split(":")[0] for s in suites] == [
        "capability", "read", "not-found", "search", "errors", "headers", "versioning", "security", "uk-core"]
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("22", "5", "0")
    headers = suites[5]
    assert (headers.get("tests"), headers.get("failures"), headers.get("skipped")) == ("5", "2", "0")
    uk_core = suites[8]
    assert uk_core.get("skipped") == "2" and len(uk_core.findall("testcase/skipped")) == 2


def test_requirement_ids_are_suite_properties_and_prefix_failures() -> None:
    root = parse(junit.render(load_run("scenario")))
    read = root.find("testsuite[@name='read: Retrieve a patient by NHS number']")
    props = {(p.get("name"), p.get("value")) for p in read.iter("property")}
    assert {("requirement", "PDS-READ-001"), ("requirement", "PDS-READ-003"),
            ("requirements:read/api-rules", "PDS-READ-003")} <= props
    failure = read.find("testcase/failure")
    assert failure.get("message").startswith("[PDS-READ-003] conforms to ")
    assert failure.get("type") == "binding.required"
    # the location: FHIRPath and position in the response body, then the exchange
    assert "at Patient.gender (line 1, column 278 of the response body)" in failure.text
    assert "exchange: GET http://127.0.0.1:8080/FHIR/R4/Patient/9000000009 -> 200" in failure.text


def test_file_findings_are_located_by_file_line_and_column() -> None:
    root = parse(junit.render(load_run("file-check")))
    failure = root.find("testsuite/testcase/failure")
    assert "at exports/2026 run/patients.ndjson:3:57 (Patient.gender)" in failure.text
    assert "warning [value.whitespace]" in failure.text
    error = root.find(".//testcase[@name='exports/locked.json is a valid Bundle']/error")
    assert error.get("message").startswith("[EXP-BUN-001] internal error while validating")
    bulk = root.find("testsuite[@name='bulk: bulk exports are NDJSON']/testcase/skipped")
    assert bulk.get("message") == "no file matched exports/bulk/*.ndjson"


def test_incomplete_run_adds_an_error_case() -> None:
    result = load_run("scenario")
    result.incomplete = True
    root = parse(junit.render(result))
    assert root.get("name").endswith("(incomplete)")
    error = root.find("testsuite[@name='run']/testcase[@name='run completed']/error")
    assert error.get("type") == "incomplete"
    assert root.get("errors") == "1"


def test_accepted_failure_is_a_skip_that_says_why() -> None:
    baseline = parse_baseline("accepted:\n- test: versioning/etag\n  justification: ETags in 4.2\n"
                              "  expires: 2030-01-01\n", "b.yaml")
    root = parse(junit.render(apply_baseline(load_run("scenario"), baseline, today=date(2026, 1, 1))))
    case = root.find(".//testcase[@classname='nhs-patient-demographics.versioning']")
    assert case.find("failure") is None
    assert case.find("skipped").get("message") == (
        "[PDS-VER-001] accepted by baseline entry 1: ETags in 4.2 (expires 2030-01-01)")
    assert "capture version_id: meta.versionId gave nothing" in case.find("system-out").text
    assert root.get("failures") == "4"


def test_control_characters_cannot_break_the_xml() -> None:
    result = load_run("scenario")
    result.groups[0].tests[0].title = "bad \x00\x1b title"
    root = parse(junit.render(result))
    assert root.find("testsuite/testcase").get("name") == "metadata: bad \ufffd\ufffd title"
