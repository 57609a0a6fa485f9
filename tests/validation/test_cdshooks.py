"""CDS Hooks 2.0 bodies (requests, responses, discovery, feedback) validated by `validate` (validation/cdshooks/).

The acceptance cases are files under fixtures/validation/cdshooks: `<case>.json` is a CDS Hooks body
and `<case>.expected.yaml` lists EXACTLY the issues `validate` reports for it, every severity
(information included), as (severity, code, location, line, column). Adding a case is adding two files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from test_fixtures import _core_installed, _position_problem

from conformance.fhir.json_reader import read_json
from conformance.files.validate import validate_file
from conformance.issues import CATALOGUE
from conformance.validation.cdshooks import DISCOVERY, FEEDBACK, REQUEST, RESPONSE, document_kind
from conformance.validation.cdshooks.hooks import HOOKS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "validation" / "cdshooks"
CASES = sorted(FIXTURES.glob("*.json"))

Row = tuple[str, str, str, int, int]


def _expected(case: Path) -> dict[str, Any]:
    return yaml.safe_load(case.with_name(case.stem + ".expected.yaml").read_text(encoding="utf-8"))


def _rows(data: dict[str, Any]) -> list[Row]:
    return sorted((i["severity"], i["code"], i["location"], i["line"], i["column"]) for i in data["issues"])


@pytest.fixture(scope="module")
def validator() -> Any:
    if not _core_installed():
        pytest.skip("hl7.fhir.r4.core#4.0.1 is not in the FHIR package cache")
    from conformance.validation import create_validator

    return create_validator()


# -- the fixtures themselves -----------------------------------------------------------------------

def test_the_cases_include_valid_and_invalid_bodies_of_every_kind() -> None:
    kinds = {(case.stem.split("-")[0], not _expected(case)["issues"]) for case in CASES}
    assert kinds == {(kind, valid) for kind in ("request", "response", "discovery", "feedback") for valid in (True, False)}


def test_expected_files_cite_the_specification_and_use_catalogue_codes() -> None:
    problems = []
    for case in CASES:
        data = _expected(case)
        if set(data) != {"description", "issues"} or "CDS Hooks 2.0" not in data["description"] and \
                "R4" not in data["description"]:
            problems.append(f"{case.name}: needs a description citing CDS Hooks 2.0 or R4, and issues")
        for severity, code, location, line, column in _rows(data):
            kind = CATALOGUE.get(code)
            if kind is None or kind.severity.value != severity:
                problems.append(f"{case.name}: {code} is not a catalogue code of severity {severity}")
            if "." not in location:  # the document root: a missing field, located at its object
                if (line, column) != (1, 1) or location not in (REQUEST, RESPONSE, DISCOVERY, FEEDBACK):
                    problems.append(f"{case.name}: a root issue is at 1:1 and named after the document's kind")
                continue
            why = _position_problem("json", case.read_text(encoding="utf-8"), (severity, code, location, line, column))
            if why:
                problems.append(f"{case.name}: {location} {line}:{column}: {why}")
    assert problems == []


# -- acceptance ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_reports_exactly_the_expected_issues(case: Path, validator: Any) -> None:
    result = validate_file(case, validator)
    got = sorted((i.severity.value, i.code, i.location, i.line, i.column) for i in result.issues)
    assert got == _rows(_expected(case))
    assert result.valid == (not any(row[0] in ("fatal", "error") for row in got))


def test_a_json_object_that_is_neither_resource_nor_cds_hooks_body_is_still_not_a_resource(
        tmp_path: Path, validator: Any) -> None:
    target = tmp_path / "other.json"
    target.write_text('{\n  "hook": "patient-view",\n  "id": "x"\n}\n', encoding="utf-8")
    result = validate_file(target, validator)
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == [("structure.not-a-resource", "", 1, 1)]
    assert not result.valid


# -- recognition and the reader's part ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [
    ('{"hook": "patient-view", "hookInstance": "x"}', REQUEST),
    ('{"hook": "patient-view", "context": {}}', REQUEST),
    ('{"hookInstance": "x", "context": {}}', REQUEST),
    ('{"cards": []}', RESPONSE),
    ('{"services": []}', DISCOVERY),
    ('{"feedback": []}', FEEDBACK),
    ('{"hook": "patient-view"}', None),
    ('{"id": "x", "gender": "male"}', None),
])
def test_a_body_is_recognised_by_its_defining_field(
        text: str, kind: str | None) -> None:
    assert document_kind(read_json(text)) == kind


def test_the_reader_keeps_a_json_object_without_resource_type_and_reads_an_embedded_resource_in_place() -> None:
    text = '{\n  "prefetch": {\n    "p": {"resourceType": "Patient", "gender": null}\n  }\n}'
    parsed = read_json(text)
    assert parsed.root is None and parsed.document is not None
    assert [i.code for i in parsed.issues] == ["structure.not-a-resource"]
    node, issues = parsed.document.resource(("prefetch", "p"), "CDSHooksRequest")
    assert node is not None and node.resource_type == "Patient"
    assert node.location == "CDSHooksRequest.prefetch.p"
    assert [(i.code, i.location, i.line, i.column) for i in issues] == [
        ("json.null", "CDSHooksRequest.prefetch.p.gender", 3, 38)]


def test_the_hook_catalogue_holds_the_2_0_hooks_with_their_required_context_fields() -> None:
    required = {name: sorted(f.name for f in hook.fields if f.required) for name, hook in HOOKS.items()}
    assert required == {
        "patient-view": ["patientId", "userId"],
        "order-select": ["draftOrders", "patientId", "selections", "userId"],
        "order-sign": ["draftOrders", "patientId", "userId"],
        "appointment-book": ["appointments", "patientId", "userId"],
        "encounter-start": ["encounterId", "patientId", "userId"],
        "encounter-discharge": ["encounterId", "patientId", "userId"],
        "order-dispatch": ["dispatchedOrders", "patientId", "performer"],
    }
