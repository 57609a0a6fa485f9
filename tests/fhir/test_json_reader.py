"""The FHIR JSON reader (conformance/fhir/json_reader.py): representation rules and exact positions."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.fhir import json_reader
from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import MAX_DEPTH, JsonPositions, read_json
from conformance.fhir.ndjson import iter_ndjson
from conformance.fhir.tree import Node
from conformance.issues import Severity


def issues(data: bytes | str, **kw: int) -> list[tuple[str, str, int, int]]:
    return [(i.code, i.location, i.line, i.column) for i in read_json(data, **kw).issues]


def tree(data: bytes | str) -> Node:
    result = read_json(data)
    assert result.root is not None, result.issues
    return result.root


def node_at(root: Node, location: str) -> Node:
    for n in root.iter_tree():
        if n.location == location:
            return n
    raise AssertionError(f"no node at {location}")


# -- encodings -----------------------------------------------------------------------------------

def test_bom_is_a_warning_and_the_resource_is_read() -> None:
    result = read_json(b'\xef\xbb\xbf{"resourceType": "Patient",\n "active": true}')
    assert [(i.code, i.severity, i.line, i.column) for i in result.issues] == [("encoding.bom", Severity.WARNING, 1, 1)]
    assert result.root is not None and node_at(result.root, "Patient.active").position == (2, 2)


def test_invalid_utf8_is_fatal_at_the_bad_byte() -> None:
    result = read_json(b'{"resourceType": "Patient",\n "name": [{"family": "M\xfcller"}]}')
    assert result.root is None
    assert [(i.code, i.message, i.line, i.column) for i in result.issues] == [
        ("encoding.invalid-utf8", "invalid UTF-8 byte sequence: byte 0xfc at offset 51", 2, 24)]


def test_invalid_utf8_column_counts_characters() -> None:
    # line 2 is  "name":[{"family":"é<0xfc>  -> the bad byte is the 21st character (22nd byte)
    assert issues(b'{"resourceType":"Patient",\n"name":[{"family":"\xc3\xa9\xfc"}]}') == [
        ("encoding.invalid-utf8", "", 2, 21)]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param('{"resourceType": "Patient"}'.encode("utf-16"), "UTF-16", id="utf-16-bom"),
        pytest.param('{"resourceType": "Patient"}'.encode("utf-16-le"), "UTF-16", id="utf-16-le"),
        pytest.param('{"resourceType": "Patient"}'.encode("utf-16-be"), "UTF-16", id="utf-16-be"),
        pytest.param('{"resourceType": "Patient"}'.encode("utf-32"), "UTF-32", id="utf-32"),
    ],
)
def test_utf16_and_utf32_json_are_refused(data: bytes, encoding: str) -> None:
    result = read_json(data)
    assert result.root is None
    assert [(i.code, i.severity, i.message, i.line, i.column) for i in result.issues] == [
        ("encoding.not-utf8", Severity.FATAL, f"the file is {encoding}, not UTF-8; FHIR JSON must be UTF-8", 1, 1)]


# -- syntax --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "line", "column", "reason"),
    [
        pytest.param(b'{"resourceType": "Patient", "active": true,}', 1, 44, "Expecting property name", id="trailing-comma"),
        pytest.param(b'{"resourceType": "Patient",\n  "active": tru}', 2, 13, "Expecting value", id="bad-literal"),
        pytest.param(b"{'resourceType': 'Patient'}", 1, 2, "Expecting property name", id="single-quotes"),
        pytest.param(b'{"resourceType": "Patient",\n "name": [{"family": "x"}', 2, 26, "Expecting ','", id="truncated"),
        pytest.param(b'{"resourceType": "Patient" "active": true}', 1, 28, "Expecting ','", id="missing-comma"),
        pytest.param(b'{"resourceType": "Pat\nient"}', 1, 22, "Invalid control character", id="raw-newline-in-string"),
    ],
)
def test_malformed_json_is_one_located_fatal_issue(data: bytes, line: int, column: int, reason: str) -> None:
    result = read_json(data)
    assert result.root is None
    [issue] = result.issues
    assert (issue.code, issue.severity, issue.line, issue.column) == ("json.syntax", Severity.FATAL, line, column)
    assert issue.message.startswith("malformed JSON: " + reason)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    result = read_json('{"resourceType": "Observation",\n "valueQuantity": {"value": ' + constant + "}}")
    assert result.root is None
    assert [(i.code, i.message) for i in result.issues] == [("json.syntax", f"malformed JSON: {constant} is not valid JSON")]


def test_nan_is_located_at_the_token() -> None:
    assert issues('{"resourceType": "Observation",\n "valueQuantity": {"value": NaN}}') == [("json.syntax", "", 2, 29)]


@pytest.mark.parametrize(
    ("data", "line", "column"),
    [
        pytest.param(b'{"resourceType": "Patient"}\n  x', 2, 3, id="garbage-next-line"),
        pytest.param(b'{"resourceType": "Patient"} {"resourceType": "Patient"}', 1, 29, id="second-object"),
        pytest.param(b'{"resourceType": "Patient"}}', 1, 28, id="extra-brace"),
    ],
)
def test_trailing_content_is_fatal_where_it_starts(data: bytes, line: int, column: int) -> None:
    result = read_json(data)
    assert result.root is None
    assert issues(data) == [("json.trailing-content", "", line, column)]


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\r\n"])
def test_empty_document(data: bytes) -> None:
    assert issues(data) == [("file.empty", "", 1, 1)]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'[{"resourceType": "Patient"}]', "a FHIR resource is a JSON object with 'resourceType'"),
        (b'"Patient"', "a FHIR resource is a JSON object with 'resourceType'"),
        (b'{"id": "x"}', "no 'resourceType' property: this is not a FHIR resource"),
    ],
)
def test_not_a_resource(data: bytes, reason: str) -> None:
    result = read_json(data)
    assert result.root is None
    assert [(i.code, i.message, i.line, i.column) for i in result.issues] == [("structure.not-a-resource", reason, 1, 1)]


def test_1000_levels_of_nested_objects_are_refused() -> None:
    data = '{"resourceType": "Patient", "extension": ' + '{"extension": ' * 999 + "{}" + "}" * 999 + "}"
    result = read_json(data)
    assert result.root is None
    assert [(i.code, i.severity, i.message, i.line, i.column) for i in result.issues] == [
        ("json.too-deep", Severity.FATAL, f"the document is nested more than {MAX_DEPTH} levels deep", 1, 1)]


def test_1000_levels_of_nested_arrays_are_refused() -> None:
    assert issues("[" * 1000 + "]" * 1000) == [("json.too-deep", "", 1, 1)]


def test_depth_at_the_limit_is_accepted() -> None:
    data = '{"resourceType": "Patient"' + ', "a": {"b": 1' * (MAX_DEPTH - 1) + "}" * (MAX_DEPTH - 1) + "}"
    result = read_json(data)
    assert result.root is not None and result.issues == []
    assert max(len(n.location.split(".")) for n in result.root.iter_tree()) == MAX_DEPTH + 1  # the leaf primitive


# -- representation ------------------------------------------------------------------------------

def test_duplicate_keys_are_fatal_at_the_second_occurrence() -> None:
    data = b'{"resourceType": "Patient",\n "active": true,\n "name": [{"family": "a", "family": "b"}],\n "active": false}'
    result = read_json(data)
    assert [(i.code, i.severity, i.message, i.location, i.line, i.column) for i in result.issues] == [
        ("json.duplicate-key", Severity.FATAL, "property 'active' appears more than once in the same object",
         "Patient.active", 4, 2),
        ("json.duplicate-key", Severity.FATAL, "property 'family' appears more than once in the same object",
         "Patient.name[0].family", 3, 27),
    ]


def test_a_key_written_three_times_is_one_finding_and_the_first_value_is_kept() -> None:
    data = b'{"resourceType": "Patient",\n "gender": "male",\n "gender": "female",\n "gender": "other"}'
    result = read_json(data)
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == [
        ("json.duplicate-key", "Patient.gender", 3, 2)]
    assert result.root is not None
    assert [n.value for n in result.root.iter_tree() if n.name == "gender"] == ["male"]


def test_decimals_are_kept_as_written() -> None:
    data = ('{"resourceType": "Observation", "valueQuantity": {"value": 1.50}, "component": ['
            '{"valueInteger": 1e3}, {"valueDecimal": -0.0}, {"valueDecimal": 1E-7}, {"valueDecimal": 0.10},'
            '{"valueDecimal": 100000000000000000000000000000.000000000000000000001}]}')
    root = tree(data)
    values = [(n.name, n.value, n.json_kind) for n in root.iter_tree() if n.value is not None]
    assert values == [
        ("value", "1.50", "number"), ("valueInteger", "1e3", "number"), ("valueDecimal", "-0.0", "number"),
        ("valueDecimal", "1E-7", "number"), ("valueDecimal", "0.10", "number"),
        ("valueDecimal", "100000000000000000000000000000.000000000000000000001", "number"),
    ]


def test_primitive_kinds_and_lexical_values() -> None:
    root = tree('{"resourceType": "Patient", "active": false, "multipleBirthInteger": 2, "gender": "male"}')
    assert [(n.name, n.value, n.json_kind) for n in root.children] == [
        ("active", "false", "boolean"), ("multipleBirthInteger", "2", "number"), ("gender", "male", "string")]


PAIRING_CASES = [
    pytest.param(
        {"given": ["a", None, "c"], "_given": [None, {"id": "x"}, None]},
        [("given", 0, "a", []), ("given", 1, None, ["id"]), ("given", 2, "c", [])], [],
        id="null-value-with-extension"),
    pytest.param(
        {"_given": [None, {"id": "x"}]},
        [("given", 1, None, ["id"])], [],
        id="underscore-only-keeps-index"),
    pytest.param(
        {"given": ["a", None], "_given": [None, None]},
        [("given", 0, "a", [])], [("json.null", "Patient.name[0].given[1]")],
        id="null-both-sides"),
    pytest.param(
        {"given": ["a", None]},
        [("given", 0, "a", [])], [("json.null", "Patient.name[0].given[1]")],
        id="null-without-underscore"),
    pytest.param(
        {"given": ["a", "b"], "_given": [None]},
        [("given", 0, "a", []), ("given", 1, "b", [])],
        [("json.primitive-pairing", "Patient.name[0]._given")],
        id="length-mismatch"),
    pytest.param(
        {"given": ["a"], "_given": {"id": "x"}},
        [("given", 0, "a", [])],
        [("json.primitive-pairing", "Patient.name[0]._given")],
        id="array-vs-object"),
    pytest.param(
        {"family": "a", "_family": [{"id": "x"}]},
        [("family", 0, "a", [])],
        [("json.primitive-pairing", "Patient.name[0]._family")],
        id="object-vs-array"),
    pytest.param(
        {"family": "a", "_family": "x"},
        [("family", 0, "a", [])],
        [("json.primitive-pairing", "Patient.name[0]._family")],
        id="underscore-not-an-object"),
]


@pytest.mark.parametrize(("name", "expected_nodes", "expected_issues"), PAIRING_CASES)
def test_underscore_pairing(name: dict, expected_nodes: list, expected_issues: list) -> None:
    result = read_json(json.dumps({"resourceType": "Patient", "name": [name]}))
    assert result.root is not None
    got = [(n.name, n.index, n.value, [c.name for c in n.children]) for n in result.root.children[0].children]
    assert got == expected_nodes
    assert [(i.code, i.location) for i in result.issues] == expected_issues


def test_empty_object_array_and_string() -> None:
    data = '{"resourceType": "Patient",\n "meta": {},\n "name": [],\n "gender": ""}'
    assert issues(data) == [
        ("json.empty-object", "Patient.meta", 2, 2),
        ("json.empty-array", "Patient.name", 3, 2),
        ("value.empty", "Patient.gender", 4, 2),
    ]


# -- positions -----------------------------------------------------------------------------------

DOC = {
    "resourceType": "Patient",
    "id": "x",
    "name": [
        {"family": 'a"b{[', "given": ["A", "B"],
         "_given": [None, {"extension": [{"url": "u", "valueString": "v"}]}]},
        {"text": "é é"},
    ],
    "birthDate": "2000",
    "_birthDate": {"id": "bd"},
    "_gender": {"id": "g"},
    "multipleBirthInteger": 3,
}

# location -> the text each node must be found at: a key (with its quote) or an array item's first character
ANCHORS = [
    ("Patient.id", '"id"', 0),
    ("Patient.name[0]", "{", 1),
    ("Patient.name[0].family", '"family"', 0),
    ("Patient.name[0].given[0]", '"A"', 0),
    ("Patient.name[0].given[1]", '"B"', 0),
    ("Patient.name[0].given[1].extension[0]", "{", 4),
    ("Patient.name[0].given[1].extension[0].url", '"url"', 0),
    ("Patient.name[0].given[1].extension[0].valueString", '"valueString"', 0),
    ("Patient.name[1]", "{", 5),
    ("Patient.name[1].text", '"text"', 0),
    ("Patient.birthDate", '"birthDate"', 0),
    ("Patient.birthDate.id", '"id"', 1),
    ("Patient.gender", '"_gender"', 0),
    ("Patient.gender.id", '"id"', 2),
    ("Patient.multipleBirthInteger", '"multipleBirthInteger"', 0),
]


def _line_col(text: str, anchor: str, skip: int) -> tuple[int, int]:
    pos = -1
    for _ in range(skip + 1):
        pos = text.index(anchor, pos + 1)
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(DOC, indent=2, ensure_ascii=False), id="pretty"),
        pytest.param(json.dumps(DOC, separators=(",", ":"), ensure_ascii=False), id="minified"),
        pytest.param(json.dumps(DOC, indent="\t", ensure_ascii=False).replace("\n", "\r\n"), id="tabs-crlf"),
        # white space before and after every colon and comma (the scanner skips it only where there is some)
        pytest.param(json.dumps(DOC, indent=" \t", separators=(" \r\n,", " \t:  "), ensure_ascii=False),
                     id="spaced"),
        pytest.param(json.dumps(DOC, separators=(" , ", " : "), ensure_ascii=False), id="spaced-one-line"),
    ],
)
def test_positions_of_properties_and_array_items(text: str) -> None:
    root = tree(text)
    got = {n.location: n.position for n in root.iter_tree()}
    expected = {loc: _line_col(text, anchor, skip) for loc, anchor, skip in ANCHORS}
    expected["Patient"] = (1, 1)
    assert got == expected


def test_some_positions_written_out() -> None:
    text = json.dumps(DOC, indent=2, ensure_ascii=False)
    root = tree(text)
    assert node_at(root, "Patient.name[0].given[1]").position == (9, 9)
    assert node_at(root, "Patient.name[1].text").position == (24, 7)
    minified = tree(json.dumps(DOC, separators=(",", ":"), ensure_ascii=False))
    assert node_at(minified, "Patient.name[0].given[1]").position == (1, 76)
    assert node_at(minified, "Patient.multipleBirthInteger").position == (1, 225)


def test_line_offset_shifts_every_line_but_not_columns() -> None:
    result = read_json(b'{"resourceType":"Patient",\r\n"active":true, "gender": ""}', line_offset=4)
    assert result.root is not None
    assert [(n.location, n.position) for n in result.root.iter_tree()] == [
        ("Patient", (5, 1)), ("Patient.active", (6, 1)), ("Patient.gender", (6, 16))]
    assert [(i.code, i.line, i.column) for i in result.issues] == [("value.empty", 6, 16)]
    assert issues(b'{"resourceType":\n  x}', line_offset=9) == [("json.syntax", "", 11, 3)]


def test_root_is_located_at_its_opening_brace() -> None:
    assert tree(b'\n\n  {"resourceType": "Patient"}').position == (3, 3)


def test_str_input_is_accepted() -> None:
    assert tree('{"resourceType": "Patient", "gender": "female"}').children[0].value == "female"


# -- the official FHIRPath suite's JSON inputs ---------------------------------------------------

SUITE_ISSUES = {
    "appointment-examplereq.json": [],
    "explanationofbenefit-example.json": [],
    "patient-container-example.json": [],
    # deliberately odd input: `given: [null, "James"]` with a one-item `_given`
    "patient-name-extensions.json": [
        ("json.primitive-pairing", "Patient.name[0]._given", 13, 7),
        ("json.null", "Patient.name[0].given[0]", 10, 9),
    ],
}


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SUITE_ISSUES))
def test_fhirpath_suite_json_inputs_read_without_fatal_issues(shared_dir: Path, name: str) -> None:
    result = read_json((shared_dir / "fhirpath-suite-r4" / name).read_bytes())
    assert result.root is not None
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == SUITE_ISSUES[name]


@pytest.mark.shared
def test_fhirpath_suite_json_inputs_are_all_listed(shared_dir: Path) -> None:
    assert sorted(p.name for p in (shared_dir / "fhirpath-suite-r4").glob("*.json")) == sorted(SUITE_ISSUES)


def test_an_integer_of_more_than_4300_digits_is_a_located_range_error_not_an_internal_one() -> None:
    data = b'{"resourceType": "Patient",\n "multipleBirthInteger": ' + b"9" * 5000 + b',\n "x": -' + b"1" * 4300 + b"}"
    result = read_json(data)
    assert [(i.code, i.location, i.line) for i in result.issues] == [
        ("value.out-of-range", "Patient.multipleBirthInteger", 2)]
    assert result.issues[0].message.startswith("an integer of 5,000 digits is out of range")
    assert result.root is not None and result.root.child("multipleBirthInteger").value is None  # type: ignore[union-attr]
    assert result.root.child("x").value == "-" + "1" * 4300  # type: ignore[union-attr]


def test_positions_scan_only_the_containers_on_the_path_and_scan_each_once() -> None:
    """Locating findings costs one scan of each container they sit in, however many findings."""
    entries = ",\n".join(f'{{"resource": {{"resourceType": "Basic", "id": "b{i}"}}}}' for i in range(50))
    text = '{"resourceType": "Bundle",\n"entry": [\n' + entries + "\n]}"
    positions = JsonPositions(text)
    assert positions.lookup(()) == (1, 1)
    assert positions._members == {}  # the root needs no scan
    assert positions.lookup(("entry", 49, "resource", "id")) == (52, 40)
    assert positions.lookup(("entry", 3, "resource", "id")) == (6, 40)
    # root, the entry array, and for each of the two entries the entry and its resource
    assert sorted(positions._members, key=len) == [
        (), ("entry",), ("entry", 49), ("entry", 3), ("entry", 49, "resource"), ("entry", 3, "resource")]
    assert positions.lookup(("entry", 50)) is None
    assert positions.lookup(("entry", 1, "missing")) is None


def test_positions_of_escaped_keys_and_duplicates() -> None:
    text = '{"resourceType": "Patient", "a\\u0062c": 1, "x": [1, {"y": 2}], "x": 3}'
    positions = JsonPositions(text)
    assert positions.lookup(("abc",)) == (1, 29)
    assert positions.lookup(("x", 1, "y")) == (1, 54)
    assert positions.lookup(("x",), duplicate=True) == (1, 64)


def test_positions_skip_over_huge_integers() -> None:
    text = '{"resourceType": "Patient", "x": ' + "9" * 5000 + ', "gender": ""}'
    assert JsonPositions(text).lookup(("gender",)) == (1, 5036)


# -- the compact reading (no pairs hook) and its proof -------------------------------------------
# A one-line resource is read without the pairs hook, and kept only when counting proves no key is repeated;
# otherwise (and for every multi-line text) it is read the general way. Both must give the same result.

def everything(result: ParseResult) -> tuple[Any, ...]:
    """Every finding and every node, with all a caller can see of them."""
    found = [(i.severity, i.code, i.message, i.location, i.line, i.column) for i in result.issues]
    nodes = None if result.root is None else [
        (n.location, n.name, n.value, n.json_kind, n.index, n.repeating, n.in_json_array, n.resource_type, n.position)
        for n in result.root.iter_tree()]
    document = None if result.document is None else repr(result.document.value)
    return found, nodes, result.format, document


_READ_PAIRS = json_reader._read_pairs  # taken before any test replaces it


def general(text: str, line_offset: int = 0) -> tuple[Any, ...]:
    """The general reading (through the pairs hook) of `text`, as `everything` sees it."""
    return everything(_READ_PAIRS(text, json_reader._skip_ws(text), [], line_offset))


@pytest.fixture()
def readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which reading each `read_json` ended with: 'compact' (kept), 'general' after the compact one was given
    up, or 'general only' (not tried)."""
    seen: list[str] = []
    compact, pairs = json_reader._read_compact, json_reader._read_pairs

    def spy_compact(*args: Any) -> ParseResult | None:
        result = compact(*args)
        seen.append("compact" if result is not None else "given up")
        return result

    def spy_pairs(*args: Any) -> ParseResult:
        if seen and seen[-1] == "given up":
            seen[-1] = "general"
        else:
            seen.append("general only")
        return pairs(*args)

    monkeypatch.setattr(json_reader, "_read_compact", spy_compact)
    monkeypatch.setattr(json_reader, "_read_pairs", spy_pairs)
    return seen


def test_a_plain_ndjson_line_is_kept_from_the_compact_reading(readings: list[str]) -> None:
    line = '{"resourceType":"Patient","id":"a","name":[{"family":"F","given":["G","H"]}],"active":true}'
    assert everything(read_json(line)) == general(line)
    assert readings == ["compact"]


def test_a_duplicate_key_in_an_ndjson_line_is_reported_exactly(readings: list[str]) -> None:
    data = (b'{"resourceType":"Patient","id":"p"}\n'
            b'{"resourceType":"Patient","name":[{"family":"a","family":"b"}],"active":true,"active":false}\n')
    results = [r for _, r in iter_ndjson(io.BytesIO(data))]
    assert [(i.code, i.location, i.line, i.column) for i in results[1].issues] == [
        ("json.duplicate-key", "Patient.active", 2, 78),
        ("json.duplicate-key", "Patient.name[0].family", 2, 49)]
    assert results[1].root is not None
    assert [n.value for n in results[1].root.iter_tree() if n.name in ("family", "active")] == ["a", "true"]
    assert readings == ["compact", "general"]


def test_a_duplicate_key_in_pretty_json_is_reported_exactly(readings: list[str]) -> None:
    text = '{\n  "resourceType": "Patient",\n  "gender": "male",\n  "birthDate": "2000-01-01",\n  "gender": "other"\n}\n'
    result = read_json(text)
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == [("json.duplicate-key", "Patient.gender", 5, 3)]
    assert everything(result) == general(text)
    assert readings == ["general only"]  # a text of several lines is not read the compact way


def test_a_compact_file_ending_in_a_line_break_is_read_the_compact_way(readings: list[str]) -> None:
    text = '\n {"resourceType":"Patient","active":true}\r\n'
    assert everything(read_json(text)) == general(text)
    assert readings == ["compact"]


@pytest.mark.parametrize("value", [
    r'"a\":b"', r'"a\" :b"', '" :"', r'"x\": \":"', '":"', r'"\u0022:"', r'"<div class=\"x\" id=\"y\">"',
])
def test_quotes_and_colons_inside_strings_make_no_false_duplicate(value: str, readings: list[str]) -> None:
    line = '{"resourceType":"Patient","id":"p","text":{"status":"generated","div":' + value + '},"gender":' + value + '}'
    result = read_json(line)
    assert [i.code for i in result.issues] == []
    assert everything(result) == general(line)


def test_a_string_that_inflates_the_bound_is_read_again_with_the_same_result(readings: list[str]) -> None:
    # `\":` counts as a key end: the bound exceeds the keys read, so the compact reading is given up
    line = '{"resourceType":"Patient","id":"p","gender":"x\\":y","active":true}'
    assert everything(read_json(line)) == general(line)
    assert readings == ["general"]


@pytest.mark.parametrize("line", [
    '{"resourceType" :"Patient","id"  :  "p","active"\t:true}',
    '{ "resourceType" : "Patient" , "name" : [ { "family" : "F" } ] }',
])
def test_keys_with_white_space_before_the_colon_are_counted(line: str, readings: list[str]) -> None:
    assert everything(read_json(line)) == general(line)
    assert readings == ["compact"]  # the regular expression's bound is reached


def test_a_duplicate_key_with_white_space_before_its_colon_is_reported(readings: list[str]) -> None:
    # `":` appears once per distinct key here: only the white space check finds the second `active`
    line = '{"resourceType":"Patient","active":true,"active" :false}'
    result = read_json(line)
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == [("json.duplicate-key", "Patient.active", 1, 41)]
    assert everything(result) == general(line)
    assert readings == ["general"]


@pytest.mark.parametrize(("line", "reading"), [
    # objects the reader does not read (an array inside an array) hold keys the count does not reach
    ('{"resourceType":"Patient","name":[[{"family":"a"}]]}', "general"),
    ('{"resourceType":"Patient","name":[[{"family":"a","family":"b"}]]}', "general"),
    # `_x` written for a complex value: its object is not read either
    ('{"resourceType":"Patient","name":[{"family":"a"}],"_name":[{"id":"x","id":"y"}]}', "general"),
    # not a resource, not valid, too deep: given up so that the general reading reports it
    ('{"a":{"b":1,"b":2}}', "general"),
    ('[{"resourceType":"Patient"}]', "general"),
    ('{"resourceType":"Patient",}', "general"),
    ('{"resourceType":"Patient"} {}', "general"),
    ('{"resourceType":"Patient","x":' + '{"a":' * 300 + '1' + '}' * 300 + '}', "general"),
    # every object read, no key repeated: kept, with the findings the general reading has
    ('{"resourceType":1,"id":"p"}', "compact"),
    ('{"resourceType":"Patient","id":"","name":[null,{}],"_gender":{"id":"g"},"gender":"male"}', "compact"),
])
def test_what_the_compact_reading_cannot_prove_is_read_the_general_way(line: str, reading: str,
                                                                       readings: list[str]) -> None:
    assert everything(read_json(line)) == general(line)
    assert readings == [reading]


def test_the_key_bound() -> None:
    bound = json_reader._no_repeated_keys
    text = '{"a":1,"b":{"c":"x"}}'
    assert bound(text, 0, len(text), 3)
    assert not bound(text, 0, len(text), 2)  # a key not read (or read once for two occurrences)
    spaced = '{"a" :1, "b"\n:{"c":"x"}}'
    assert bound(spaced, 0, len(spaced), 3)
    assert not bound(spaced, 0, len(spaced), 2)
    escaped = '{"a":"\\":"}'  # one key; the escaped quote before a colon counts too: an upper bound, not exact
    assert not bound(escaped, 0, len(escaped), 1)
