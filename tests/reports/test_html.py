"""The HTML report: self-contained, escaped, and it shows every failing requirement with its evidence."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import date

import lxml.html
import pytest

from conformance.reports import html
from conformance.reports.baseline import apply_baseline, parse_baseline
from conformance.results import RequirementStatus
from tests.reports.conftest import assert_golden, load_run


def page(result) -> lxml.html.HtmlElement:  # type: ignore[no-untyped-def]
    return lxml.html.document_fromstring(html.render(result))


def test_golden(run_name: str) -> None:
    assert_golden(f"{run_name}.report.html", html.render(load_run(run_name)))


def test_no_network_fetches(run_name: str) -> None:
    doc = page(load_run(run_name))
    for element in doc.iter():
        for attribute in ("src", "href", "action", "formaction", "poster", "data"):
            value = (element.get(attribute) or "").strip().lower()
            if not value:
                continue
            if element.tag == "a" and attribute == "href" and "content-link" not in (element.get("class") or ""):
                assert value.startswith("#"), f"<a href={value!r}> is not an in-page link"
            else:
                assert not value.startswith(("http:", "https:", "//")), f"<{element.tag} {attribute}={value!r}>"
    assert doc.xpath("//link") == [] and doc.xpath("//script[@src]") == [] and doc.xpath("//iframe") == []
    assert not re.search(r"url\(|@import", "".join(doc.xpath("//style/text()")))


def test_source_links_are_the_only_external_hrefs() -> None:
    result = load_run("scenario")
    result.requirements[0].requirement = type(result.requirements[0].requirement)(
        "PDS-CAP-001", "MUST", "d", source="https://hl7.org/fhir/R4/http.html#capabilities")
    links = [a for a in page(result).iter("a") if not (a.get("href") or "").startswith("#")]
    assert [(a.get("href"), a.get("rel"), a.get("class")) for a in links] == [
        ("https://hl7.org/fhir/R4/http.html#capabilities", "noopener noreferrer", "note content-link")]


def test_content_security_policy_allows_only_our_script() -> None:
    doc = page(load_run("scenario"))
    policy = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in policy
    scripts = doc.xpath("//script/text()")
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_every_failing_requirement_is_shown_with_its_evidence(run_name: str) -> None:
    result = load_run(run_name)
    doc = page(result)
    for r in result.requirements:
        row = doc.get_element_by_id(html.anchor("req", r.requirement.id))
        assert row.get("data-status") == r.status.value
        assert r.requirement.id in row.text_content()
    failing = [r for r in result.requirements if r.status in (RequirementStatus.FAILED, RequirementStatus.ERROR)]
    assert failing
    problems = doc.get_element_by_id("problems").getparent()
    for r in failing:
        for test_id in r.evidence:
            test = next(t for g in result.groups for t in g.tests if t.id == test_id)
            if test.outcome.value in ("fail", "error"):
                card = doc.get_element_by_id(html.anchor("problem", test_id))
                assert r.requirement.id in card.text_content()
    assert problems is not None


def test_failure_card_holds_the_exchange_and_the_located_finding() -> None:
    doc = page(load_run("scenario"))
    card = doc.get_element_by_id(html.anchor("problem", "read/api-rules"))
    text = card.text_content()
    assert "GET http://127.0.0.1:8080/FHIR/R4/Patient/9000000009 → 200" in text
    assert "Authorization: [redacted]" in text
    assert "Patient.gender (line 1, column 278 of the body as received)" in text
    assert '"gender": "M"' in text  # the response body, indented for reading
    assert card.xpath(".//details[@open]")


def test_file_findings_show_file_line_and_column_and_are_escaped() -> None:
    source = html.render(load_run("file-check"))
    assert "exports/2026 run/patients.ndjson:9:112 · Patient.maritalStatus.coding[0].code" in source
    assert "&#39;&lt;b&gt;&#39; is not a valid code" in source
    assert "'<b>'" not in source


def test_hostile_text_is_escaped() -> None:
    result = load_run("scenario")
    result.groups[1].tests[2].findings[2].message = '<script>alert(1)</script><img src="http://x/">'
    doc = page(result)
    assert len(doc.xpath("//script")) == 1 and doc.xpath("//img") == []


def test_verdict_incomplete_and_facts() -> None:
    result = load_run("scenario")
    result.incomplete = True
    doc = page(result)
    verdict = doc.xpath("//section[contains(@class, 'verdict')]")[0]
    assert verdict.get("class") == "verdict error"
    assert verdict.text_content().split()[0:3] == ["INCOMPLETE", "the", "run"]  # an interrupted run never passes
    assert any("Incomplete run." in p.text_content() for p in doc.xpath("//p[@class='notice']"))
    facts = doc.xpath("//dl[@class='facts']")[0].text_content()
    for expected in ("builtin (http://127.0.0.1:8080/FHIR/R4)", "hl7.fhir.r4.core#4.0.1", "conformance 0.1.0.dev0",
                     "conformance run nhs-patient-demographics --report html,junit --report-dir reports",
                     "2026-01-15 10:00:00 UTC"):
        assert expected in facts


def test_filters_cover_each_status_present() -> None:
    doc = page(load_run("file-check"))
    assert doc.xpath("//form[@id='filters']//input[@name='status']/@value") == [
        "failed", "error", "warning", "not-tested", "skipped", "passed"]
    assert doc.xpath("//select[@id='filter-level']/option/@value") == ["", "MAY", "MUST", "SHOULD"]


def test_accepted_failures_are_shown_as_accepted() -> None:
    baseline = parse_baseline("accepted:\n- requirement: PDS-VER-001\n  justification: ETags in 4.2\n"
                              "  expires: 2030-01-01\n", "b.yaml")
    doc = page(apply_baseline(load_run("scenario"), baseline, today=date(2026, 1, 1)))
    row = doc.get_element_by_id("req-PDS-VER-001")
    assert row.get("data-status") == "accepted"
    assert "failed, accepted" in row.text_content()
    assert "Accepted by baseline entry 1 until 2030-01-01: ETags in 4.2" in row.text_content()
    card = doc.get_element_by_id(html.anchor("problem", "versioning/etag"))
    assert "fail, accepted" in card.text_content()


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-01-15T10:00:00+00:00", "2026-01-15 10:00:00 UTC"),
    ("2026-01-15T10:00:00+01:00", "2026-01-15 10:00:00 +01:00"),
    ("2026-01-15T10:00:00", "2026-01-15 10:00:00"),
    ("not a time", "not a time"),
])
def test_times_read_as_people_write_them(value: str, expected: str) -> None:
    assert html.when(value) == expected


def test_anchors_stay_unique_when_ids_differ_only_in_unsafe_characters() -> None:
    assert html.anchor("test", "a/b") != html.anchor("test", "a_b")
    assert html.anchor("test", "read-known") == "test-read-known"
