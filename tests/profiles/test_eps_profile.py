"""The EPS FHIR API profile (eps-fhir-api): its catalogue against the published specification, and its file checks.

The catalogue's source links are JSON pointers into the EPS OpenAPI document; they are resolved in the
resolved copy under ../shared/nhs-specs (marked `shared`). Every requirement is evidenced by a scenario
step (for `run`) and, for the message shapes, by file rules (for `check`); the `test cases` column says
exactly which. Every case folder under fixtures/exports/eps-fhir-api/ is checked end to end and compared
with its expected.yaml: exit code, exactly which rules fail, which requirements fail, and every error
finding (code, file, line). The request bodies the scenarios send that are whole prescribing messages
pass the same file checks.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import yaml
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.profiles import load_profile
from conformance.profiles.discovery import builtin_roots, find_profile

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "profiles" / "eps-fhir-api"
FIXTURES = REPO / "fixtures" / "exports" / "eps-fhir-api"
SPEC = REPO.parent / "shared" / "nhs-specs" / "eps" / "electronic-prescription-service-api.resolved.yaml"
REPOSITORY = "https://github.com/NHSDigital/electronic-prescription-service-api"
COMMIT = "77e80e11f58013e89c6b4f1c3d767373faa8c29d"
OPENAPI = "packages/specification/electronic-prescription-service-api.yaml"
EXPORT_FILES = "export-files"

_register()
runner = CliRunner()


def rows() -> list[dict[str, str]]:
    with (FOLDER / "requirements.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def manifest() -> dict[str, Any]:
    return yaml.safe_load((FOLDER / "profile.yaml").read_text(encoding="utf-8"))


def scenario_steps() -> dict[str, list[str]]:
    """Requirement id -> the `scenario/step` ids that evidence it."""
    found: dict[str, list[str]] = {}
    for name in manifest()["scenarios"]:
        data = yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))
        for step in data["steps"]:
            for rid in step.get("requirements", []):
                found.setdefault(rid, []).append(f"{data['id']}/{step['id']}")
    return found


def rule_evidence() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for rule in manifest()["file_checks"]["rules"]:
        for rid in rule["requirements"]:
            found.setdefault(rid, []).append(rule["id"])
    return found


# -- the catalogue ---------------------------------------------------------------------------------------
def test_the_profile_loads_replaces_the_old_one_and_names_its_specification() -> None:
    p = load_profile(FOLDER)
    assert (p.id, p.aliases, p.reference.api, p.reference.auth) == ("eps-fhir-api", ("eps-prescription-message",),
                                                                    "eps", "bearer")
    assert find_profile("eps-prescription-message", builtin_roots()) == FOLDER
    assert p.specification is not None
    assert (p.specification.repository, p.specification.commit, p.specification.openapi, p.specification.local) == (
        REPOSITORY, COMMIT, OPENAPI, "eps/electronic-prescription-service-api.resolved.yaml")
    assert [e.id for e in p.environments] == ["sandbox", "integration", "production"]
    assert p.default_environment == "integration"
    assert len(p.requirements) == 61 and len({r.id for r in p.requirements}) == 61
    assert {r.level for r in p.requirements} == {"MUST"}  # every row is a 'required' element or a stated rule


def test_environments_say_what_the_specification_says_differs() -> None:
    p = load_profile(FOLDER)
    sandbox, integration, production = (p.environment(n) for n in ("sandbox", "integration", "production"))
    assert sandbox is not None and integration is not None and production is not None
    group = sandbox.reason_not_applicable("EPS-SEC-001")
    assert group is not None and "required in all environments except sandbox" in group.reason
    assert sandbox.reason_not_applicable("EPS-ORD-003") is not None  # stateless
    for env in (integration, production):
        withdraw = env.reason_not_applicable("EPS-WDR-001")
        assert withdraw is not None and "only available in the sandbox environment" in withdraw.reason
        assert env.reason_not_applicable("EPS-SEC-001") is None
    assert sandbox.reason_not_applicable("EPS-WDR-001") is None


def test_every_requirement_is_evidenced_and_the_test_cases_column_says_exactly_by_what() -> None:
    steps, rules = scenario_steps(), rule_evidence()
    for row in rows():
        rid = row["identifier"]
        assert rid in steps, f"{rid}: no scenario step evidences it, so `run` could give it no verdict"
        assert [t.strip() for t in row["test cases"].split(";")] == steps.get(rid, []) + rules.get(rid, [])
    assert {rid for rid in rules if rid.startswith("EPS-MSG-")} == {r["identifier"] for r in rows()
                                                                    if r["identifier"].startswith("EPS-MSG-")}


def test_the_message_rules_do_not_demand_what_eps_messages_do_not_carry() -> None:
    text = (FOLDER / "profile.yaml").read_text(encoding="utf-8")
    assert "https://dmd.nhs.uk" not in text and "authoredOn" not in text.split("file_checks:")[1]
    assert "timestamp" not in text.split("file_checks:")[1]


def _resolve(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/"):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


@pytest.mark.shared
def test_every_source_link_resolves_to_an_element_of_the_specification() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    prefix = f"{REPOSITORY}/blob/{COMMIT}/{OPENAPI}#"
    links = [row["source link"] for row in rows()]
    links += [na.source for env in load_profile(FOLDER).environments for na in env.not_applicable]
    for link in links:
        assert link.startswith(prefix), link
        assert _resolve(spec, link[len(prefix):]) is not None, link


@pytest.mark.shared
def test_every_operation_of_the_specification_is_covered() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    operations = {f"/paths/{path.replace('~', '~0').replace('/', '~1').replace('#', '%23')}/post"
                  for path in spec["paths"]}
    cited = {re.sub(r"(/post).*", r"\1", row["source link"].split("#", 1)[1]) for row in rows()}
    assert operations <= cited


@pytest.mark.shared
def test_the_spine_error_codes_the_scenarios_expect_are_the_specifications() -> None:
    text = SPEC.read_text(encoding="utf-8")
    expected = set()
    for name in manifest()["scenarios"]:
        expected |= set(re.findall(r"the error code is ([A-Z0-9_-]+)", (FOLDER / name).read_text(encoding="utf-8")))
    assert expected and all(code in text for code in expected), expected


# -- the file checks -------------------------------------------------------------------------------------
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def check(export: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["check", str(FOLDER), str(export), "--format", "json", "--workers", "1",
                                 "--progress", "none"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def message_requirements() -> list[str]:
    return sorted(rule_evidence())


@pytest.mark.core
@pytest.mark.parametrize("case", CASES)
def test_the_check_of_each_message_gives_exactly_what_its_case_expects(case: str) -> None:
    want = yaml.safe_load((FIXTURES / case / "expected.yaml").read_text(encoding="utf-8"))
    export = FIXTURES / case / "export"
    code, document = check(export)
    assert code == want["exit_code"]
    tests = {t["id"]: t for g in document["groups"] for t in g["tests"]}
    assert list(tests) == [EXPORT_FILES, *(r["id"] for r in manifest()["file_checks"]["rules"])]
    assert sorted(t for t, v in tests.items() if v["outcome"] != "pass") == sorted(want["failing_rules"])
    statuses = {r["id"]: r["status"] for r in document["requirements"] if r["id"] in rule_evidence()}
    assert statuses == {**dict.fromkeys(message_requirements(), "passed"), **want["requirements"]}
    for test in want["failing_rules"]:
        found = [{"code": f["code"], "path": f["path"].split("/export/")[-1], "line": f["line"]}
                 for f in tests[test]["findings"] if f["outcome"] == "fail" and f["severity"] == "error"]
        assert found == want["findings"][test], test


def test_each_expectation_fails_exactly_the_requirements_of_its_failing_rules() -> None:
    evidence = {r["id"]: r["requirements"] for r in manifest()["file_checks"]["rules"]}
    for case in CASES:
        want = yaml.safe_load((FIXTURES / case / "expected.yaml").read_text(encoding="utf-8"))
        failed = {rid for rule in want["failing_rules"] for rid in evidence[rule]}
        assert want["requirements"] == dict.fromkeys(sorted(failed), "failed"), case
        assert (want["exit_code"] == 0) == (not want["failing_rules"]) == (case in ("conforming", "cancellation"))


def test_the_conforming_message_has_eps_shapes_and_nothing_eps_does_not_send() -> None:
    data = json.loads((FIXTURES / "conforming" / "export" / "prescription-order.json").read_text(encoding="utf-8"))
    items = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert "timestamp" not in data and all("authoredOn" not in m for m in items)
    assert all(m["medicationCodeableConcept"]["coding"][0]["system"] == "http://snomed.info/sct" for m in items)


def _substituted(name: str, tmp_path: Path) -> Path:
    """A request body of the scenarios with the profile's input defaults (and a request id) filled in."""
    values = {i["name"]: i["default"] for i in manifest()["inputs"]}
    values["request_id"] = "0f3c8a8e-6f0e-4d1c-9a57-3c2b1d0e9f8a"
    text = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], (FOLDER / "messages" / f"{name}.json").read_text("utf-8"))
    out = tmp_path / name / f"{name}.json"
    out.parent.mkdir()
    out.write_text(text, encoding="utf-8")
    return out.parent


@pytest.mark.core
@pytest.mark.parametrize("body", ["order", "order-to-cancel", "cancel"])
def test_the_prescribing_messages_the_scenarios_send_pass_the_file_checks(body: str, tmp_path: Path) -> None:
    code, document = check(_substituted(body, tmp_path))
    failing = [t["id"] for g in document["groups"] for t in g["tests"] if t["outcome"] != "pass"]
    assert (code, failing) == (0, [])
