"""The `file_checks` section of profile.yaml: loaded into FileSpecs and FileRules, and every mistake in it
reported at its line (unknown keys, missing keys, unknown requirement ids, repeated rule ids, bad regexes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.profiles import ProfileError, load_profile
from conformance.profiles.filerules.bundle import Params as Bundle
from conformance.profiles.filerules.files_present import Params as FilesPresent
from conformance.profiles.filerules.references_resolve import Params as ReferencesResolve
from conformance.profiles.filerules.validate import Params as Validate
from conformance.profiles.model import FileRule, FileSpec

REPO = Path(__file__).resolve().parents[2]
HEAD = """id: t
title: T
version: "1"
publisher: p
status: draft
fhirVersion: "4.0.1"
packages: []
requirements: requirements.csv
scenarios: []
"""


def write(tmp_path: Path, file_checks: str) -> Path:
    (tmp_path / "profile.yaml").write_text(HEAD + file_checks, encoding="utf-8")
    (tmp_path / "requirements.csv").write_text("identifier,level,description\nR-1,MUST,one\nR-2,SHOULD,two\n")
    return tmp_path


def problems(tmp_path: Path, file_checks: str) -> list[tuple[int, str]]:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, file_checks))
    return [(e.line, e.message) for e in caught.value.errors]


def test_rules_and_file_specs_load_with_their_options(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, """file_checks:
  files:
    - match: "**/Patient.ndjson"
      resource_types: [Patient]
    - match: "**/*.json"
  rules:
    - id: A
      title: files
      requirements: [R-1]
      type: files-present
      patterns: ["**/Patient.ndjson"]
    - id: B
      type: validate
      profiles: {Patient: "https://example.org/P", Bundle: "https://example.org/B"}
      severity: warning
    - id: C
      type: references-resolve
      allow_external: ["^urn:oid:"]
    - id: D
      type: bundle
      required_types: {Patient: 1}
"""))
    assert profile.file_specs == (FileSpec("**/Patient.ndjson", ("Patient",)), FileSpec("**/*.json", ()))
    a, b, c, d = profile.file_checks
    assert (a.id, a.title, a.requirements, a.params) == ("A", "files", ("R-1",), FilesPresent(("**/Patient.ndjson",)))
    assert a.declared_in.endswith("profile.yaml:16")
    assert (b.title, b.params) == ("validate (B)", Validate((("Bundle", "https://example.org/B"),
                                                              ("Patient", "https://example.org/P")), "warning"))
    assert b.profiles == b.params.profiles  # type: ignore[attr-defined]
    assert (c.params, c.profiles) == (ReferencesResolve(("^urn:oid:",)), ())
    assert d.params == Bundle(required_types=(("Patient", 1),))
    assert isinstance(hash(d), int)  # frozen and hashable: rules travel to worker processes


def test_an_empty_list_means_no_file_checks(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "file_checks: []\n"))
    assert profile.file_checks == () and profile.file_specs == ()


@pytest.mark.parametrize(("rules", "expected"), [
    ("    - {id: A, type: files-present}\n", [(12, "'patterns' is a required property")]),
    ("    - {id: A, type: unique-ids, patterns: [x]}\n", [(12, "unknown property 'patterns'; allowed here: description, "
                                                          "id, requirements, title, type")]),
    ("    - {id: A, type: no-such-rule}\n", [(12, "'no-such-rule' is not one of 'bundle', 'check-character', "
                                             "'consistent-values', 'fhirpath', 'files-present', 'identifier-unique', "
                                             "'references-resolve', 'resource-counts', 'subject-exists', 'unique-ids', "
                                             "'validate'")]),
    ("    - {id: A, type: identifier-unique, resource_type: patient, system: s}\n",
     [(12, "a FHIR resource type name, e.g. Patient")]),
    ("    - {id: A, type: resource-counts, minimum: {Patient: -1}}\n", [(12, "-1 is less than the minimum of 0")]),
    ("    - {id: A, type: unique-ids, requirements: [R-9]}\n", [(12, "requirement 'R-9' is not in the requirements file")]),
    ("    - {id: A, type: unique-ids}\n    - {id: A, type: unique-ids}\n", [(13, "rule id 'A' is used by another rule")]),
    ("    - {id: export-files, type: unique-ids}\n",
     [(12, "rule id 'export-files' is reserved for the reading of the files")]),
    ("    - {id: A, type: references-resolve, allow_external: ['(']}\n",
     [(12, "not a regular expression: missing ), unterminated subpattern at position 0")]),
])
def test_mistakes_in_rules_are_reported_at_their_line(tmp_path: Path, rules: str, expected: list[tuple[int, str]]) -> None:
    assert problems(tmp_path, "file_checks:\n  rules:\n" + rules) == expected


def test_the_national_profiles_file_checks_load() -> None:
    for name in ("uk-core-record-export", "eps-fhir-api"):
        folder = REPO / "profiles" / name
        if not folder.is_dir():
            pytest.skip(f"{name} is not in this checkout")
        profile = load_profile(folder)
        assert profile.file_checks and all(isinstance(r, FileRule) and r.requirements for r in profile.file_checks)
        cited = {rid for r in profile.file_checks for rid in r.requirements}
        assert cited <= {r.id for r in profile.requirements}
