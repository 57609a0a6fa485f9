"""Acceptance suite for invariants and profile validation, driven by fixtures/validation/{invariants,profiles}.

Each case is a resource (`<case>.json` or `.xml`) beside `<case>.expected.yaml`, which holds the EXACT
fatal/error/warning issues validating it must report (information is ignored), in the format of the
base suite (`test_fixtures.py`, whose comparison and diff this reuses), plus optional keys:

- `profiles`: canonical URLs applied explicitly (as `--profile`); `meta.profile` applies by itself.
- `igs`: package specs loaded besides the core package (as `--ig`), with `{shared}` standing for
  ../shared and `{profiles}` for fixtures/validation/profiles (its `packages/` holds test packages).
- `needs: [shared]`: the case reads ../shared (marked `shared`: skipped where it is absent).
- `pending: <what>`: the case waits for work in progress (e.g. `snapshot`); it runs as a non-strict
  xfail until the key is removed.
- per issue, `message_contains`: a substring the message must contain (e.g. the invariant key
  `"pat-1:"` or the element path of a cardinality finding).

One validator is built per distinct `igs` list and reused by every case that names it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_fixtures import (
    _SEGMENT,
    REPORTED,
    Case,
    IssueRow,
    _issue_problems,
    _position_problem,
    _row,
    _show,
    render_diff,
)

from conformance.issues import Issue

VALIDATION = Path(__file__).resolve().parents[2] / "fixtures" / "validation"
SUITES = ("invariants", "profiles")
PROFILES = VALIDATION / "profiles"
SHARED = VALIDATION.parents[2] / "shared"
PACKAGES_DIR = "packages"  # under profiles/: test packages, not cases
EXPECTED_SUFFIX = ".expected.yaml"
ISSUE_KEYS = {"severity", "code", "location", "line", "column"}
OPTIONAL_KEYS = {"profiles", "igs", "needs", "pending"}
NEEDS = {"shared"}
PLACEHOLDERS = {"{shared}": SHARED, "{profiles}": PROFILES}


# -- discovery and the expected files ------------------------------------------------------------

def discover() -> list[Case]:
    """Every resource file under the suites (test packages excluded), paired with its expected file."""
    cases = []
    for suite in SUITES:
        for path in sorted((VALIDATION / suite).rglob("*")):
            if path.suffix not in (".json", ".xml") or _is_package_file(path):
                continue
            expected = path.with_name(path.stem + EXPECTED_SUFFIX)
            cases.append(Case(str(path.relative_to(VALIDATION).with_suffix("")), path, expected))
    return cases


def _is_package_file(path: Path) -> bool:
    return path.is_relative_to(PROFILES / PACKAGES_DIR)


CASES = discover()


@cache
def load_expected(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Expectation:
    row: IssueRow
    message_contains: str | None


def expectations(case: Case) -> list[Expectation]:
    return [Expectation((i["severity"], i["code"], i["location"], i["line"], i["column"]),
                        i.get("message_contains"))
            for i in load_expected(case.expected_path)["issues"]]


def ig_specs(case: Case) -> tuple[str, ...]:
    """The case's `igs` with placeholders replaced by real paths."""
    specs = []
    for spec in load_expected(case.expected_path).get("igs", []):
        for placeholder, target in PLACEHOLDERS.items():
            spec = spec.replace(placeholder, str(target))
        specs.append(spec)
    return tuple(specs)


# -- the fixtures themselves (no FHIR package needed) ----------------------------------------------

def test_every_resource_file_has_an_expected_file_and_back() -> None:
    problems = [f"{c.id}: no {c.expected_path.name}" for c in CASES if not c.expected_path.is_file()]
    resources = {c.path.with_suffix("") for c in CASES}
    for suite in SUITES:
        for path in sorted((VALIDATION / suite).rglob("*")):
            if _is_package_file(path) or path.is_dir() or path.name == "README.md":
                continue
            if path.name.endswith(EXPECTED_SUFFIX):
                if path.with_name(path.name[: -len(EXPECTED_SUFFIX)]) not in resources:
                    problems.append(f"{path.relative_to(VALIDATION)}: no resource file beside it")
            elif path.suffix not in (".json", ".xml"):
                problems.append(f"{path.relative_to(VALIDATION)}: unexpected file")
    assert problems == []


def _schema_problems(case: Case) -> list[str]:
    data = load_expected(case.expected_path)
    keys = set(data)
    if not {"description", "issues"} <= keys or keys - {"description", "issues"} - OPTIONAL_KEYS:
        return [f"keys must be description, issues and optionally {sorted(OPTIONAL_KEYS)}; got {sorted(keys)}"]
    problems = []
    description = data["description"]
    if not isinstance(description, str) or not re.search(r"R4|https?://", description):
        problems.append("description must be a sentence citing the rule it proves (FHIR R4 or the profile's URL)")
    for key in ("profiles", "igs", "needs"):
        value = data.get(key)
        if key in data and not (isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)):
            problems.append(f"{key} must be a non-empty list of strings")
    if not set(data.get("needs", [])) <= NEEDS:
        problems.append(f"needs may only name {sorted(NEEDS)}")
    uses_shared = any("{shared}" in spec for spec in data.get("igs", []))
    if uses_shared != ("shared" in data.get("needs", [])):
        problems.append("a case needs [shared] exactly when its igs use {shared}")
    if "pending" in data and not (isinstance(data["pending"], str) and data["pending"]):
        problems.append("pending must name what the case waits for")
    if not isinstance(data["issues"], list):
        return [*problems, "issues must be a list"]
    for n, issue in enumerate(data["issues"]):
        if not isinstance(issue, dict) or set(issue) - {"message_contains"} != ISSUE_KEYS:
            problems.append(f"issue {n}: needs severity, code, location, line, column (and maybe message_contains)")
            continue
        problems += _issue_problems(n, issue)
        contains = issue.get("message_contains")
        if contains is not None and not (isinstance(contains, str) and contains):
            problems.append(f"issue {n}: message_contains must be a non-empty string")
        if issue["code"] == "invariant.failed" and not contains:
            problems.append(f"issue {n}: an invariant.failed expectation names its key in message_contains")
    return problems


def test_expected_files_are_well_formed() -> None:
    import conformance.validation  # noqa: F401  (registers the codes of the validation layer)

    problems = [f"{c.id}: {p}" for c in CASES if c.expected_path.is_file() for p in _schema_problems(c)]
    assert problems == []


def _position_problem_here(fmt: str, text: str, row: IssueRow) -> str | None:
    """The base suite's position check, plus one JSON case it does not meet: a primitive written
    only as `_name` (id/extensions, no value) is located at that key."""
    problem = _position_problem(fmt, text, row)
    segment = _SEGMENT.match(row[2].rsplit(".", 1)[-1])
    if problem and fmt == "json" and segment is not None:
        name = segment["name"]
        if problem == f"points at {'_' + name!r}, not {name!r}":
            return None
    return problem


def test_expected_positions_point_at_the_named_element() -> None:
    problems = []
    for case in CASES:
        text = case.path.read_bytes().decode("utf-8-sig")
        for expectation in expectations(case):
            why = _position_problem_here(case.format, text, expectation.row)
            if why:
                problems.append(f"{case.id}: {expectation.row}: {why}")
    assert problems == []


def _group(case: Case) -> str:
    return case.id.rsplit("/", 1)[0]


def _stem(case: Case) -> str:
    return case.id.rsplit("/", 1)[1]


# What the issues ask the suite to cover: every invariant named (breaking and conforming), every
# profile rule kind (at least one breaking case reporting its code), every resource type of both
# national profile sets (conforming and breaking).
INVARIANT_KEYS = ("pat-1", "obs-6", "obs-7", "bdl-7", "dom-2", "dom-3", "dom-4", "dom-5", "txt-1", "txt-2",
                  "ele-1", "ext-1")
RULE_CODES = ("cardinality.min", "cardinality.max", "profile.fixed-value", "profile.pattern", "profile.max-length",
              "profile.min-value", "profile.max-value", "choice.type-not-allowed", "reference.target-type",
              "reference.target-profile", "reference.aggregation", "binding.max-value-set",
              "slicing.unmatched-closed", "slicing.unmatched-not-at-end", "slicing.out-of-order", "extension.unknown",
              "extension.unknown-modifier", "extension.context", "reference.contained-not-found",
              "reference.unresolved", "profile.unknown", "binding.required", "binding.extensible", "invariant.failed",
              "uk.nhs-number.check-digit", "uk.nhs-number.format", "uk.ods-code.format")
RESOURCES = ("patient", "practitioner", "organization", "encounter", "observation", "condition",
             "allergyintolerance", "medicationrequest", "immunization")


def _conforms(case: Case) -> bool:
    """A conforming case expects no error (warnings, e.g. from an extensible binding, are allowed)."""
    return all(i["severity"] == "warning" for i in load_expected(case.expected_path)["issues"])


def test_the_suite_covers_every_invariant_rule_kind_and_resource() -> None:
    missing = []
    invariants = [c for c in CASES if _group(c) == "invariants"]
    for key in INVARIANT_KEYS:
        mine = [c for c in invariants if _stem(c).startswith(key + "-")]
        kinds = {_conforms(c) for c in mine}
        if kinds != {False, True}:
            missing.append(f"invariant {key}: needs a breaking and a conforming case (has {len(mine)} cases)")
    reported = Counter(i["code"] for c in CASES if _group(c).startswith("profiles")
                       for i in load_expected(c.expected_path)["issues"])
    missing += [f"rule kind {code}: no profile case expects it" for code in RULE_CODES if not reported[code]]
    for group in ("profiles/us-core", "profiles/uk-core"):
        for resource in RESOURCES:
            mine = [c for c in CASES if _group(c) == group and _stem(c).startswith(resource + "-")]
            kinds = {_conforms(c) for c in mine}
            if kinds != {False, True}:
                missing.append(f"{group} {resource}: needs a conforming and a breaking case")
    assert missing == []


# -- the acceptance tests -----------------------------------------------------------------------------

@cache
def validator_for(specs: tuple[str, ...]) -> Any:
    """One validator per distinct package list, for the whole session (plans compile once)."""
    from conformance.validation import create_validator

    return create_validator(ig_specs=specs)


def run_case(case: Case) -> list[Issue]:
    """All issues of a file, as the CLI sees them: reader issues, then validator issues."""
    data = case.path.read_bytes()
    if case.format == "xml":
        from conformance.fhir.xml_reader import read_xml

        result = read_xml(data)
    else:
        from conformance.fhir.json_reader import read_json

        result = read_json(data)
    issues = list(result.issues)
    if result.root is not None:
        profiles = tuple(load_expected(case.expected_path).get("profiles", []))
        issues += validator_for(ig_specs(case)).validate(result.root, profiles=profiles)
    return issues


def message_problems(wanted: list[Expectation], issues: list[Issue]) -> list[str]:
    """Each expectation with `message_contains` needs its own reported issue (same row) whose message has it."""
    pool: dict[IssueRow, list[str]] = {}
    for issue in issues:
        pool.setdefault(_row(issue), []).append(issue.message)
    problems = []
    for expectation in sorted(wanted, key=lambda e: e.message_contains is None):
        messages = pool.get(expectation.row, [])
        needle = expectation.message_contains
        hit = next((m for m in messages if needle is None or needle in m), None)
        if hit is None:
            problems.append(f"    - {_show(expectation.row)}: no message containing {needle!r} "
                            f"(messages there: {messages})")
        else:
            messages.remove(hit)
    return problems


def _params() -> list[Any]:
    params = []
    for case in CASES:
        data = load_expected(case.expected_path) if case.expected_path.is_file() else {}
        marks: list[Any] = [pytest.mark.core]
        if "shared" in data.get("needs", []):
            marks.append(pytest.mark.shared)
        if data.get("pending"):
            marks.append(pytest.mark.xfail(reason=f"pending: {data['pending']}", strict=False))
        params.append(pytest.param(case, marks=marks, id=case.id))
    return params


@pytest.mark.parametrize("case", _params())
def test_case(case: Case) -> None:
    wanted = expectations(case)
    expected = sorted(e.row for e in wanted)
    issues = run_case(case)
    actual = sorted(_row(i) for i in issues if i.severity.value in REPORTED)
    if actual != expected:
        pytest.fail(render_diff(case, expected, issues), pytrace=False)
    problems = message_problems(wanted, issues)
    if problems:
        pytest.fail("\n".join([f"{case.id}: messages differ from {case.expected_path.name}", *problems]),
                    pytrace=False)
