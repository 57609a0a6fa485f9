"""Acceptance suite for base FHIR R4 validation, driven by the files in fixtures/validation/base.

Each case is a resource (`<group>/<case>.json` or `.xml`) and `<case>.expected.yaml`, which holds
the EXACT fatal/error/warning issues the tool must report for it (information is ignored) as
(severity, code, location, line, column). Adding a case is adding two files; nothing here names a
case. The tests that need no FHIR package check the fixtures themselves (pairing, schema, and that
every expected position really points at the element its location names), so a miscounted line
is caught even where the core package is absent.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.issues import CATALOGUE, Issue

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "validation" / "base"
REPORTED = ("fatal", "error", "warning")
EXPECTED_SUFFIX = ".expected.yaml"
CORE = "hl7.fhir.r4.core#4.0.1"

IssueRow = tuple[str, str, str, int, int]  # severity, code, location, line, column


@dataclass(frozen=True)
class Case:
    id: str  # group/case
    path: Path
    expected_path: Path

    @property
    def format(self) -> str:
        return self.path.suffix[1:]


def discover() -> list[Case]:
    """Every resource file under the fixtures, paired with its expected file (pairing checked below)."""
    cases = []
    for path in sorted(FIXTURES.glob("*/*")):
        if path.suffix in (".json", ".xml"):
            expected = path.with_name(path.stem + EXPECTED_SUFFIX)
            cases.append(Case(f"{path.parent.name}/{path.stem}", path, expected))
    return cases


CASES = discover()


@cache
def load_expected(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def expected_rows(case: Case) -> list[IssueRow]:
    data = load_expected(case.expected_path)
    return sorted((i["severity"], i["code"], i["location"], i["line"], i["column"]) for i in data["issues"])


# -- the fixtures themselves (no FHIR package needed) -------------------------------------------

def test_fixtures_exist_in_every_group() -> None:
    groups = Counter(c.id.split("/")[0] for c in CASES)
    assert set(groups) >= {"resources", "cardinality", "choice", "primitives", "json", "extensions", "bindings",
                           "contained", "bundle", "parameters", "xml"}
    assert sum(groups.values()) == len(CASES) >= 60


def test_every_resource_file_has_an_expected_file_and_back() -> None:
    problems = [f"{c.id}: no {c.expected_path.name}" for c in CASES if not c.expected_path.is_file()]
    resources = {c.path.with_suffix("") for c in CASES}
    for expected in sorted(FIXTURES.glob(f"*/*{EXPECTED_SUFFIX}")):
        if expected.with_name(expected.name[: -len(EXPECTED_SUFFIX)]) not in resources:
            problems.append(f"{expected.relative_to(FIXTURES)}: no resource file beside it")
    strays = [p for p in FIXTURES.glob("*/*") if p.suffix not in (".json", ".xml", ".yaml")]
    problems += [f"{p.relative_to(FIXTURES)}: unexpected file" for p in strays]
    assert problems == []


def test_every_group_has_valid_and_invalid_cases() -> None:
    kinds: dict[str, set[bool]] = {}
    for case in CASES:
        valid = not load_expected(case.expected_path)["issues"]
        kinds.setdefault(case.id.split("/")[0], set()).add(valid)
    assert {group: sorted(k) for group, k in kinds.items() if k != {False, True}} == {}


def _schema_problems(case: Case) -> list[str]:
    data = load_expected(case.expected_path)
    if not isinstance(data, dict) or set(data) != {"description", "issues"}:
        return ["must be a mapping with exactly 'description' and 'issues'"]
    problems = []
    description = data["description"]
    if not isinstance(description, str) or not re.search(r"R4|RFC \d+", description):
        problems.append("description must be a sentence citing the FHIR R4 rule (or the RFC) it proves")
    if not isinstance(data["issues"], list):
        return [*problems, "issues must be a list"]
    for n, issue in enumerate(data["issues"]):
        if not isinstance(issue, dict) or set(issue) != {"severity", "code", "location", "line", "column"}:
            problems.append(f"issue {n}: needs exactly severity, code, location, line, column")
            continue
        problems += _issue_problems(n, issue)
    return problems


def _issue_problems(n: int, issue: dict[str, Any]) -> list[str]:
    """What is wrong with one expected issue's code, severity, location and position."""
    problems = []
    kind = CATALOGUE.get(issue["code"])
    if kind is None:
        problems.append(f"issue {n}: {issue['code']} is not in the issue catalogue")
    elif issue["severity"] != kind.severity.value and not issue["code"].startswith("invariant."):
        problems.append(f"issue {n}: {issue['code']} has severity {kind.severity.value}, not {issue['severity']}")
    if issue["severity"] not in REPORTED:
        problems.append(f"issue {n}: only {'/'.join(REPORTED)} issues are compared")
    if not isinstance(issue["location"], str):
        problems.append(f"issue {n}: location must be a string")
    if not (isinstance(issue["line"], int) and isinstance(issue["column"], int)
            and issue["line"] >= 1 and issue["column"] >= 1):
        problems.append(f"issue {n}: line and column are 1-based integers")
    return problems


def test_expected_files_are_well_formed() -> None:
    problems = [f"{c.id}: {p}" for c in CASES for p in _schema_problems(c)]
    assert problems == []


def test_expected_positions_point_at_the_named_element() -> None:
    """Each expected (line, column) must be where its location's last element is written.

    JSON: the key of that property, or an item of the array under that key (with the same index
    when the location shows one). XML: the start tag of that element (or, for an unexpected
    attribute, an attribute inside that start tag). A root location is the document start / root tag.
    """
    problems = []
    for case in CASES:
        text = case.path.read_bytes().decode("utf-8-sig")
        for row in expected_rows(case):
            why = _position_problem(case.format, text, row)
            if why:
                problems.append(f"{case.id}: {row}: {why}")
    assert problems == []


_SEGMENT = re.compile(r"^(?P<name>[^.\[]+)(?:\[(?P<index>\d+)\])?$")


def _position_problem(fmt: str, text: str, row: IssueRow) -> str | None:
    _, code, location, line, column = row
    offset = _offset(text, line, column)
    if offset is None:
        return "no such line/column in the file"
    if code in ("json.syntax", "xml.syntax"):
        return None  # where the parser gave up; the reader's tests own that
    if not location:
        return None if offset == 0 else "an issue without a location belongs at 1:1"
    segment = _SEGMENT.match(location.rsplit(".", 1)[-1])
    if segment is None:
        return f"cannot read the last segment of {location!r}"
    name, index = segment["name"], segment["index"]
    is_root = "." not in location
    if fmt == "json":
        if is_root:
            declared = re.search(r'"resourceType"\s*:\s*"([^"]*)"', text)
            if declared is None or declared.group(1) != name:
                return f"the root location must be the document's resourceType, not {name!r}"
            return None if offset == 0 else "a root location belongs at 1:1"
        found = _json_targets(text).get(offset)
        if found is None:
            return "not at a property key or an array item"
        key, item = found
        if key != name:
            return f"points at {key!r}, not {name!r}"
        if item is not None and index is not None and item != int(index):
            return f"points at item {item}, not {index}"
        return None
    tag = re.match(r"<(?:[\w.-]+:)?([\w.-]+)", text[offset:])
    if code == "xml.unexpected-attribute":
        start = text.rfind("<", 0, offset)
        tag = re.match(r"<(?:[\w.-]+:)?([\w.-]+)", text[start:])
        if not (text[offset - 1].isspace() and re.match(r"[\w.:-]+\s*=", text[offset:])):
            return "not at an attribute"
    if tag is None:
        return "not at a start tag"
    if tag.group(1) != name:
        return f"points at <{tag.group(1)}>, not <{name}>"
    first = re.search(r"<[A-Za-z]", text)
    if is_root and code != "xml.unexpected-attribute" and (first is None or first.start() != offset):
        return "a root location belongs at the root element"
    return None


def _offset(text: str, line: int, column: int) -> int | None:
    lines = text.split("\n")
    if not 1 <= line <= len(lines) or not 1 <= column <= len(lines[line - 1]):
        return None
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _json_targets(text: str) -> dict[int, tuple[str, int | None]]:
    """Offsets of every property key (key, None) and array item (key of the array, index).

    A deliberately small scanner, independent of the reader under test.
    """
    targets: dict[int, tuple[str, int | None]] = {}
    stack: list[list[Any]] = []  # [is_object, key of this container, pending key / next index]
    pos, n = 0, len(text)
    expect_key = False
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\n,:":
            if ch == "," and stack and stack[-1][0]:
                expect_key = True
            pos += 1
            continue
        if ch in "}]":
            stack.pop()
            pos += 1
            expect_key = False
            continue
        top = stack[-1] if stack else None
        if top is not None and top[0] and expect_key and ch == '"':
            m = _JSON_STRING.match(text, pos)
            key = text[pos + 1: m.end() - 1] if m else ""
            targets[pos] = (key, None)
            top[2] = key
            expect_key = False
            pos = m.end() if m else n
            continue
        owner: str | None = None
        if top is not None and not top[0]:  # an array item
            targets.setdefault(pos, (top[1], top[2]))
            owner, top[2] = top[1], top[2] + 1
        elif top is not None:
            owner = top[2]
        if ch in "{[":
            stack.append([ch == "{", owner, None if ch == "{" else 0])
            expect_key = ch == "{"
            pos += 1
            continue
        m = _JSON_STRING.match(text, pos) if ch == '"' else re.compile(r"[^\s,\]}]+").match(text, pos)
        pos = m.end() if m else pos + 1
    return targets


# -- the acceptance tests (need the core package) -------------------------------------------------

def _core_installed() -> bool:
    root = Path(os.environ.get("FHIR_PACKAGE_CACHE") or "~/.fhir/packages").expanduser()
    return (root / CORE / "package" / "package.json").is_file()


@pytest.fixture(scope="module")
def validator() -> Any:
    if not _core_installed():
        message = f"{CORE} is not in the FHIR package cache (run the README's set-up command)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from conformance.validation import create_validator

    return create_validator()


def run_case(case: Case, validator: Any) -> list[Issue]:
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
        issues += validator.validate(result.root)
    return issues


def _row(issue: Issue) -> IssueRow:
    return (issue.severity.value, issue.code, issue.location, issue.line, issue.column)


def _show(row: IssueRow) -> str:
    severity, code, location, line, column = row
    return f"{line}:{column} {severity} {code} at {location or '(document)'}"


def render_diff(case: Case, expected: list[IssueRow], issues: list[Issue]) -> str:
    actual = Counter(_row(i) for i in issues if i.severity.value in REPORTED)
    wanted = Counter(expected)
    lines = [f"{case.path.relative_to(FIXTURES.parents[2])}: reported issues differ from "
             f"{case.expected_path.name}"]
    missing = sorted((wanted - actual).elements())
    extra = sorted((actual - wanted).elements())
    if missing:
        lines.append("  expected but not reported:")
        lines += [f"    - {_show(r)}" for r in missing]
    if extra:
        lines.append("  reported but not expected:")
        lines += [f"    + {_show(r)}" for r in extra]
    lines.append("  everything reported (information included):")
    for issue in sorted(issues, key=lambda i: i.sort_key):
        lines.append(f"      {_show(_row(issue))}: {issue.message}")
    lines.append(f"  case: {load_expected(case.expected_path)['description']}")
    return "\n".join(lines)


@pytest.mark.core
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case: Case, validator: Any) -> None:
    expected = expected_rows(case)
    issues = run_case(case, validator)
    actual = sorted(_row(i) for i in issues if i.severity.value in REPORTED)
    if actual != expected:
        pytest.fail(render_diff(case, expected, issues), pytrace=False)
