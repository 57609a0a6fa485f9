"""The export profile uk-core-record-export and its example exports (eps-fhir-api's are in test_eps_profile.py).

Every case folder under fixtures/exports/<profile>/ is checked end to end with `conformance check` and
compared with its expected.yaml: the exit code, exactly which tests fail (the profile's rules and the
implicit `export-files` test), every requirement's status and every failing finding (code, file inside
the export, line). The UK Core export needs the UK Core source from ../shared (passed with --ig), so
its cases are marked `shared`. fixtures/exports/README.md describes each case.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from conformance.cli import _register, app
from conformance.profiles import load_profile

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "exports"
UK_CORE = REPO.parent / "shared" / "fhir" / "uk-core-source"
UK = "uk-core-record-export"
PROFILES = (UK,)

EXPORT_FILES = "export-files"  # the test of reading the files that every check has; it evidences `validate` rules' requirements
REQUIREMENTS = {
    UK: [f"REC-EXP-{n:03d}" for n in range(1, 9)],
}
RULES = {
    UK: ["REC-FC-FILES", "REC-FC-VALIDATE", "REC-FC-NHS-NUMBER", "REC-FC-NHS-UNIQUE", "REC-FC-IDS",
         "REC-FC-REFERENCES", "REC-FC-SUBJECTS", "REC-FC-COUNTS"],
}


def case_names(profile: str) -> list[str]:
    """The profile's cases: every folder under fixtures/exports/<profile>/ (adding a folder adds a case)."""
    return sorted(p.name for p in (FIXTURES / profile).iterdir() if p.is_dir())


CASES = {p: case_names(p) for p in PROFILES}

_register()
runner = CliRunner()


def profile_dir(profile: str) -> Path:
    return REPO / "profiles" / profile


def manifest(profile: str) -> dict[str, Any]:
    return yaml.safe_load((profile_dir(profile) / "profile.yaml").read_text(encoding="utf-8"))


def rules(profile: str) -> list[dict[str, Any]]:
    return manifest(profile)["file_checks"]["rules"]


def evidence_of(profile: str) -> dict[str, list[str]]:
    """Every test a check of the profile reports, with the requirements it evidences."""
    found = {rule["id"]: list(rule["requirements"]) for rule in rules(profile)}
    validated = sorted({rid for rule in rules(profile) if rule["type"] == "validate" for rid in rule["requirements"]})
    return {EXPORT_FILES: validated, **found}


def catalogue(profile: str) -> list[dict[str, str]]:
    with (profile_dir(profile) / "requirements.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected(case: Path) -> dict[str, Any]:
    return yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))


def export_of(case: Path) -> Path:
    folder = case / "export"
    return folder if folder.is_dir() else case / "export.zip"


def all_cases() -> list[Any]:
    marks = {UK: [pytest.mark.core, pytest.mark.shared]}
    return [pytest.param(p, FIXTURES / p / c, id=f"{p}/{c}", marks=marks[p]) for p in PROFILES for c in CASES[p]]


# -- the profiles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_the_profile_loads_with_its_catalogue_and_packages(profile: str) -> None:
    p = load_profile(profile_dir(profile))
    assert (p.id, p.version, p.status, p.fhir_version) == (profile, "0.1.0", "draft", "4.0.1")
    assert [r.id for r in p.requirements] == REQUIREMENTS[profile]
    assert {r.level for r in p.requirements} == {"MUST"}
    assert all(r.use_case and r.test_cases and r.evidence and r.source.startswith("https://") for r in p.requirements)
    assert p.scenario_files == ()
    assert [r.id for r in p.file_checks] == RULES[profile]


def test_the_uk_core_package_is_optional_and_shown_by_the_nine_profiles_the_export_needs() -> None:
    p = load_profile(profile_dir(UK))
    assert [(k.name, k.optional) for k in p.packages] == [("r4-core", False), ("uk-core", True)]
    types = ["Patient", "Practitioner", "Organization", "Encounter", "Observation", "Condition",
             "AllergyIntolerance", "MedicationRequest", "Immunization"]
    urls = [f"https://fhir.hl7.org.uk/StructureDefinition/UKCore-{t}" for t in types]
    assert p.package("uk-core").provides == tuple(urls)
    validate = next(r for r in rules(UK) if r["type"] == "validate")
    assert validate["profiles"] == dict(zip(types, urls, strict=True))


@pytest.mark.parametrize("profile", PROFILES)
def test_rules_and_requirements_name_each_other_exactly(profile: str) -> None:
    """The catalogue's `test cases` column lists exactly the tests that evidence each requirement."""
    assert [r["id"] for r in rules(profile)] == RULES[profile]
    named: dict[str, set[str]] = {}
    for test, requirement_ids in evidence_of(profile).items():
        for rid in requirement_ids:
            named.setdefault(rid, set()).add(test)
    listed = {row["identifier"]: {t.strip() for t in row["test cases"].split(";")} for row in catalogue(profile)}
    assert named == listed


# -- the fixtures ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_every_case_folder_has_an_export_its_expectations_and_a_row_in_the_readme(profile: str) -> None:
    assert "conforming" in CASES[profile]  # found: the folder is there and read
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    section = readme.split(f"## {profile}\n", 1)[1].split("\n## ", 1)[0]
    for name in CASES[profile]:
        case = FIXTURES / profile / name
        assert export_of(case).exists() and (case / "expected.yaml").is_file(), name
        assert f"| `{name}` |" in section, f"{name} is not described in fixtures/exports/README.md"


@pytest.mark.parametrize(("profile", "case"), [(p, FIXTURES / p / c) for p in PROFILES for c in CASES[p]],
                         ids=[f"{p}/{c}" for p in PROFILES for c in CASES[p]])
def test_each_expectation_is_consistent_with_the_profile(profile: str, case: Path) -> None:
    """A failing test fails exactly the (MUST) requirements it evidences; findings belong to failing tests
    (warnings excepted)."""
    data = expected(case)
    evidence = evidence_of(profile)
    assert set(data) == {"description", "exit_code", "failing_rules", "requirements", "findings"}
    assert set(data["failing_rules"]) <= set(evidence)
    failed = {rid for test in data["failing_rules"] for rid in evidence[test]}
    assert data["requirements"] == dict.fromkeys(sorted(failed), "failed")
    # a passing test may still report warnings (e.g. reference.unresolved); each says `severity: warning`
    failing_findings = {rule for rule, found in data["findings"].items()
                        if any(f.get("severity") != "warning" for f in found)}
    assert failing_findings <= set(data["failing_rules"]) <= set(data["findings"])
    assert all(data["findings"][rule] for rule in data["failing_rules"])
    assert data["exit_code"] == (1 if data["failing_rules"] else 0)


def test_the_zip_archive_holds_the_conforming_export_byte_for_byte() -> None:
    folder = FIXTURES / UK / "conforming" / "export"
    with zipfile.ZipFile(FIXTURES / UK / "zip-archive" / "export.zip") as z:
        held = {i.filename: z.read(i) for i in z.infolist()}
    assert held == {p.name: p.read_bytes() for p in folder.iterdir()}


def test_the_manifest_lists_each_ndjson_file_by_url_with_its_type() -> None:
    folder = FIXTURES / UK / "conforming" / "export"
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    base = "https://gp-system.example.org/bulk/2c6e0f1a/"  # absolute, as Bulk Data has it; matched by the last segment
    assert {o["url"]: o["type"] for o in data["output"]} == {base + p.name: p.stem for p in folder.glob("*.ndjson")}
    assert data["requiresAccessToken"] is False and data["error"] == []


def check(profile: str, export: Path, ig: Path | None = None) -> tuple[int, dict[str, Any]]:
    args = ["check", str(profile_dir(profile)), str(export), "--format", "json", "--workers", "1", "--progress", "none"]
    if ig is not None:
        args += ["--ig", str(ig)]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, json.loads(result.stdout)


def shown(export: Path, wanted: dict[str, Any]) -> dict[str, Any]:
    """An expected finding with its path as the report shows it: after the export's path as typed."""
    if "path" not in wanted:
        return wanted
    joiner = "!/" if export.suffix == ".zip" else "/"
    return {**wanted, "path": f"{export}{joiner}{wanted['path']}"}


def _matches(finding: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return all(finding.get(key) == value for key, value in wanted.items())


def _unmatched(findings: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Pair each expected finding with one actual finding; what is left on either side."""
    left = list(findings)
    missing = []
    for w in wanted:
        hit = next((f for f in left if _matches(f, w)), None)
        if hit is None:
            missing.append(w)
        else:
            left.remove(hit)
    return missing, left


def file_tests(profile: str, document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The one file-check group's tests by id: the implicit export-files test, then the rules in order."""
    groups = [g for g in document["groups"] if g["kind"] == "file-check"]
    assert [g["id"] for g in groups] == ["file-checks"]
    tests = {t["id"]: t for t in groups[0]["tests"]}
    assert list(tests) == [EXPORT_FILES, *RULES[profile]]
    assert {test: t["requirements"] for test, t in tests.items()} == evidence_of(profile)
    return tests


def assert_findings(tests: dict[str, dict[str, Any]], export: Path, want: dict[str, Any]) -> None:
    for test, t in tests.items():
        findings = [f for f in t["findings"] if f["outcome"] == "fail"]
        missing, extra = _unmatched(findings, [shown(export, w) for w in want["findings"].get(test, [])])
        assert (test, missing, extra) == (test, [], [])


@pytest.mark.parametrize(("profile", "case"), all_cases())
def test_the_check_of_each_export_gives_exactly_what_its_case_expects(profile: str, case: Path) -> None:
    want = expected(case)
    export = export_of(case)
    code, document = check(profile, export, UK_CORE if profile == UK else None)
    assert code == want["exit_code"]
    tests = file_tests(profile, document)
    outcomes = {test: t["outcome"] for test, t in tests.items()}
    assert outcomes == {test: "fail" if test in want["failing_rules"] else "pass" for test in tests}
    statuses = {r["id"]: r["status"] for r in document["requirements"]}
    assert statuses == {**dict.fromkeys(REQUIREMENTS[profile], "passed"), **want["requirements"]}
    assert_findings(tests, export, want)


UK_VALIDATE = "REC-FC-VALIDATE"
UK_CORE_REQUIREMENT = "REC-EXP-002"  # evidenced by REC-FC-VALIDATE and export-files


UNLOADED = f"{UK_VALIDATE}.unloaded-profiles"
INSTALL_UK_CORE = "conformance packages install 'fhir.r4.ukcore.stu2'"


def _without_uk_core(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    groups = [g for g in document["groups"] if g["kind"] == "file-check"]
    tests = {t["id"]: t for t in groups[0]["tests"]}
    rules = RULES[UK]
    at = rules.index(UK_VALIDATE) + 1
    assert list(tests) == [EXPORT_FILES, *rules[:at], UNLOADED, *rules[at:]]
    return tests


@pytest.mark.core
@pytest.mark.parametrize("case", [c for c in CASES[UK] if UK_VALIDATE not in expected(FIXTURES / UK / c)["failing_rules"]])
def test_without_uk_core_base_and_national_rules_still_run_and_only_uk_core_is_not_tested(case: str) -> None:
    """No ../shared needed: base R4, the national rules and the cross-file rules run without UK Core; only the
    UK Core profiles are "not tested", so the requirement they evidence has no verdict (INCOMPLETE, exit 2) unless
    another MUST failed (FAIL, exit 1)."""
    want = expected(FIXTURES / UK / case)
    export = export_of(FIXTURES / UK / case)
    code, document = check(UK, export)
    assert code == (1 if want["failing_rules"] else 2)
    assert document["verdict"]["label"] == ("FAIL" if want["failing_rules"] else "INCOMPLETE")
    tests = _without_uk_core(document)
    outcomes = {test: t["outcome"] for test, t in tests.items()}
    assert outcomes == {test: "skip" if test == UNLOADED else "fail" if test in want["failing_rules"] else "pass"
                        for test in tests}
    assert tests[UNLOADED]["message"].endswith(f"not in the loaded packages; {INSTALL_UK_CORE}")
    assert "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient" in tests[UNLOADED]["message"]
    uk_core = next(r for r in document["requirements"] if r["id"] == UK_CORE_REQUIREMENT)
    failed_anyway = want["requirements"].get(UK_CORE_REQUIREMENT) == "failed"  # the files themselves failed it
    assert uk_core["status"] == ("failed" if failed_anyway else "skipped")
    assert failed_anyway or INSTALL_UK_CORE in uk_core["message"]
    missing = document["verdict"].get("withoutVerdict", [])
    assert [m["id"] for m in missing] == ([] if failed_anyway else [UK_CORE_REQUIREMENT])
    statuses = {r["id"]: r["status"] for r in document["requirements"] if r["id"] != UK_CORE_REQUIREMENT}
    assert statuses == {**dict.fromkeys(REQUIREMENTS[UK][:1] + REQUIREMENTS[UK][2:], "passed"),
                        **{k: v for k, v in want["requirements"].items() if k != UK_CORE_REQUIREMENT}}
    assert_findings({k: v for k, v in tests.items() if k != UNLOADED}, export, want)


@pytest.mark.core
def test_without_uk_core_a_wrong_check_digit_and_an_invalid_gender_still_fail(tmp_path: Path) -> None:
    """The national NHS number rule and base R4's required binding need no UK Core package."""
    export = tmp_path / "export"
    shutil.copytree(export_of(FIXTURES / UK / "conforming"), export)
    patients = export / "Patient.ndjson"
    lines = patients.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["gender"] = "bloke"
    first["identifier"][0]["value"] = "9000000018"  # check digit should be 7
    patients.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    code, document = check(UK, export)
    assert (code, document["verdict"]["label"]) == (1, "FAIL")
    tests = _without_uk_core(document)
    codes = sorted({f["code"] for f in tests[UK_VALIDATE]["findings"] if f["outcome"] == "fail"})
    assert codes == ["binding.required", "uk.nhs-number.check-digit"]
    assert tests[UNLOADED]["outcome"] == "skip"
    assert document["verdict"]["failed"] == [UK_CORE_REQUIREMENT]
