"""The FHIR XML reader: tree shape, exact positions, hostile and malformed input."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from conformance.fhir import xml_reader
from conformance.fhir.json_reader import MAX_DEPTH
from conformance.fhir.tree import Node
from conformance.fhir.xml_reader import read_xml
from conformance.issues import CATALOGUE, Severity

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "readers"
SHARED = REPO.parent / "shared"
NS = b'xmlns="http://hl7.org/fhir"'


def codes(data: bytes) -> list[tuple[str, int, int]]:
    return [(i.code, i.line, i.column) for i in read_xml(data).issues]


def node_at(root: Node, location: str) -> Node:
    for n in root.iter_tree():
        if n.location == location:
            return n
    raise AssertionError(f"no node at {location}")


# -- tree shape ----------------------------------------------------------------------------------

def test_primitive_value_attribute_is_the_value_and_siblings_are_indexed() -> None:
    doc = b'<Patient ' + NS + b'><name><given value="A"/><given value="B"/><family value="C"/></name></Patient>'
    result = read_xml(doc)
    assert result.issues == [] and result.format == "xml"
    root = result.root
    assert root is not None and root.name == "Patient" and root.resource_type == "Patient"
    name = root.children[0]
    assert [(c.name, c.value, c.index, c.repeating, c.json_kind, c.in_json_array) for c in name.children] == [
        ("given", "A", 0, True, None, None),
        ("given", "B", 1, True, None, None),
        ("family", "C", 0, False, None, None),
    ]
    assert [c.location for c in name.children] == ["Patient.name.given[0]", "Patient.name.given[1]", "Patient.name.family"]


def test_id_and_url_attributes_become_first_children_in_that_order() -> None:
    doc = b'<Patient ' + NS + b'><extension url="http://x" id="e"><valueString value="v"/></extension></Patient>'
    root = read_xml(doc).root
    assert root is not None
    ext = root.children[0]
    assert [(c.name, c.value) for c in ext.children] == [("id", "e"), ("url", "http://x"), ("valueString", "v")]


def test_url_attribute_is_only_allowed_on_extensions() -> None:
    doc = b'<Patient ' + NS + b'><name url="u"/></Patient>'
    assert codes(doc) == [("xml.unexpected-attribute", 1, 44)]


@pytest.mark.parametrize("wrapper", [b"contained", b"modifierExtension", b"resource"])
def test_an_element_holding_one_capitalised_element_is_a_resource(wrapper: bytes) -> None:
    doc = b'<Bundle ' + NS + b'><' + wrapper + b'><Patient><id value="p"/></Patient></' + wrapper + b'></Bundle>'
    root = read_xml(doc).root
    assert root is not None
    held = root.children[0]
    assert (held.name, held.resource_type, [(c.name, c.value) for c in held.children]) == (
        wrapper.decode(), "Patient", [("id", "p")])


def test_two_capitalised_children_or_a_value_are_not_a_wrapper() -> None:
    doc = (b'<Bundle ' + NS + b'><resource><Patient/><Patient/></resource>'
           b'<other value="x"><Patient/></other></Bundle>')
    root = read_xml(doc).root
    assert root is not None
    assert [(n.location, n.resource_type) for n in root.iter_tree()] == [
        ("Bundle", "Bundle"),
        ("Bundle.resource", None),
        ("Bundle.resource.Patient[0]", None),
        ("Bundle.resource.Patient[1]", None),
        ("Bundle.other", None),
        ("Bundle.other.Patient", None),
    ]


def test_attributes_on_a_resource_are_unexpected_but_schema_location_is_tolerated() -> None:
    doc = (b'<Patient ' + NS + b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           b'xsi:schemaLocation="http://hl7.org/fhir patient.xsd" id="x"><contained><Patient value="v"/></contained>'
           b'</Patient>')
    result = read_xml(doc)
    assert result.root is not None and result.root.children[0].resource_type == "Patient"
    assert [(i.code, i.message, i.location, i.line, i.column) for i in result.issues] == [
        ("xml.unexpected-attribute", "unexpected attribute 'id'", "Patient", 1, 145),
        ("xml.unexpected-attribute", "unexpected attribute 'value'", "Patient.contained", 1, 172),
    ]


def test_other_attributes_are_reported_at_the_attribute() -> None:
    doc = b'<Patient ' + NS + b'>\n  <name>\n    <family value="x"\n            foo="y"/>\n  </name>\n</Patient>'
    result = read_xml(doc)
    assert [(i.code, i.message, i.location, i.line, i.column) for i in result.issues] == [
        ("xml.unexpected-attribute", "unexpected attribute 'foo'", "Patient.name.family", 4, 13)]
    family = node_at(result.root, "Patient.name.family")  # type: ignore[arg-type]
    assert family.value == "x" and family.children == []


def test_namespaced_attribute_is_named_with_its_namespace() -> None:
    doc = b'<Patient ' + NS + b' xmlns:o="urn:o"><active o:value="true"/></Patient>'
    result = read_xml(doc)
    assert [i.message for i in result.issues] == ["unexpected attribute '{urn:o}value'"]
    assert result.root.children[0].value is None  # type: ignore[union-attr]


def test_text_content_is_reported_at_its_element() -> None:
    doc = b'<Patient ' + NS + b'>\n <name>\n  <family>Smith</family>\n  <given value="A"/> tail\n </name>\n</Patient>'
    result = read_xml(doc)
    assert [(i.code, i.location, i.line, i.column) for i in result.issues] == [
        ("xml.text-content", "Patient.name", 2, 2),
        ("xml.text-content", "Patient.name.family", 3, 3),
    ]


def test_empty_value_is_reported_like_an_empty_json_string() -> None:
    assert codes(b'<Patient ' + NS + b'>\n<gender value=""/></Patient>') == [("value.empty", 2, 1)]


def test_wrong_namespaces_are_errors_but_the_tree_is_still_built() -> None:
    doc = (b'<Patient>\n  <active value="true"/>\n  <o:x xmlns:o="urn:other"/>\n'
           b'  <text><div>hi</div></text>\n</Patient>')
    result = read_xml(doc)
    assert [(i.code, i.message, i.location, i.line, i.column) for i in result.issues] == [
        ("xml.namespace", "element 'Patient' is in namespace '(none)', expected the FHIR namespace http://hl7.org/fhir",
         "Patient", 1, 1),
        ("xml.namespace", "element 'active' is in namespace '(none)', expected the FHIR namespace http://hl7.org/fhir",
         "Patient.active", 2, 3),
        ("xml.namespace", "element 'x' is in namespace 'urn:other', expected the FHIR namespace http://hl7.org/fhir",
         "Patient.x", 3, 3),
        ("xml.namespace", "element 'text' is in namespace '(none)', expected the FHIR namespace http://hl7.org/fhir",
         "Patient.text", 4, 3),
        ("xml.namespace", "element 'div' is in namespace '(none)', expected the XHTML namespace http://www.w3.org/1999/xhtml",
         "Patient.text.div", 4, 9),
    ]
    assert result.root is not None
    assert [n.name for n in result.root.iter_tree()] == ["Patient", "active", "x", "text", "div"]
    assert node_at(result.root, "Patient.text.div").value == "<div>hi</div>"


def test_comments_and_processing_instructions_are_dropped() -> None:
    doc = b'<?xml version="1.0"?><!--c--><Patient ' + NS + b'><!-- x --><?pi y?><active value="true"/></Patient>'
    result = read_xml(doc)
    assert result.issues == [] and [c.name for c in result.root.children] == ["active"]  # type: ignore[union-attr]


def test_character_references_and_predefined_entities_are_decoded() -> None:
    doc = b'<Patient ' + NS + b'><name><family value="O&apos;Brien &#x263A; &amp;"/></name></Patient>'
    assert read_xml(doc).root.children[0].children[0].value == "O'Brien \u263a &"  # type: ignore[union-attr]


# -- positions -----------------------------------------------------------------------------------

PRETTY_POSITIONS = [
    ("Patient", 2, 1),
    ("Patient.id", 3, 3),
    ("Patient.text.div", 9, 5),
    ("Patient.extension", 12, 3),
    ("Patient.extension.id", 12, 14),
    ("Patient.extension.url", 12, 22),
    ("Patient.extension.extension[1]", 16, 5),
    ("Patient.extension.extension[1].valueString", 17, 7),
    ("Patient.name.given[1]", 29, 5),
    ("Patient.name.given[1].id", 29, 12),
    ("Patient.name.given[1].extension.valueCode", 31, 9),
    ("Patient.gender.extension", 36, 5),
    ("Patient.multipleBirthInteger", 46, 3),
]


@pytest.mark.parametrize(("location", "line", "column"), PRETTY_POSITIONS)
def test_positions_in_pretty_printed_xml(location: str, line: int, column: int) -> None:
    root = read_xml((FIXTURES / "equivalence" / "patient-extensions.xml").read_bytes()).root
    assert root is not None
    assert node_at(root, location).position == (line, column)


def test_positions_in_single_line_xml_are_every_start_tag() -> None:
    text = (FIXTURES / "equivalence" / "bundle-entries.xml").read_text()
    root = read_xml(text.encode()).root
    assert root is not None
    # every node is at its own start tag, in document order; a resource in a wrapper is at the wrapper
    expected = []
    pos = 0
    for node in root.iter_tree():
        pos = text.index(f"<{node.name}", pos)
        expected.append((node.location, 1, pos + 1))
        pos += 1
    assert [(n.location, n.line, n.column) for n in root.iter_tree()] == expected
    assert node_at(root, "Bundle.entry[2].response.outcome").position == (1, text.index("<outcome>") + 1)


def test_same_tag_twice_on_a_line_and_tags_inside_comments_and_cdata() -> None:
    doc = ('<Patient ' + NS.decode() + '>\n'
           '  <!-- <name><given value="not me"/></name> --><name><given value="a"/><given value="b"/></name>\n'
           '  <text><status value="x"/><div xmlns="http://www.w3.org/1999/xhtml"><![CDATA[<name>]]><div/></div></text>'
           '<name><given value="ü"/></name>\n</Patient>').encode()
    root = read_xml(doc).root
    assert root is not None
    root.children[0].repeating = root.children[2].repeating = True
    got = {n.location: n.position for n in root.iter_tree()}
    assert got == {
        "Patient": (1, 1),
        "Patient.name[0]": (2, 48),
        "Patient.name[0].given[0]": (2, 54),
        "Patient.name[0].given[1]": (2, 72),
        "Patient.text": (3, 3),
        "Patient.text.status": (3, 9),
        "Patient.text.div": (3, 28),
        "Patient.name[1]": (3, 107),
        "Patient.name[1].given": (3, 113),
    }


def test_multi_line_start_tag_is_located_at_its_opening_bracket() -> None:
    doc = b'<Patient ' + NS + b'>\n  <extension\n      id="a"\n      url="http://x">\n  <valueCode value="c"/></extension>\n</Patient>'
    root = read_xml(doc).root
    assert root is not None
    ext = root.children[0]
    assert [(n.name, n.position) for n in ext.iter_tree()] == [
        ("extension", (2, 3)), ("id", (3, 7)), ("url", (4, 7)), ("valueCode", (5, 3))]


def test_columns_count_characters_not_bytes() -> None:
    doc = '<Patient xmlns="http://hl7.org/fhir"><name><family value="Zoë"/><given value="Åsa"/></name></Patient>'
    root = read_xml(doc.encode()).root
    assert root is not None
    assert root.children[0].children[1].position == (1, doc.index("<given") + 1) == (1, 65)


def test_line_numbers_beyond_65535_are_exact() -> None:
    doc = b'<Patient ' + NS + b'>' + b'\n' * 70000 + b'  <active value="true"/></Patient>'
    root = read_xml(doc).root
    assert root is not None and root.children[0].position == (70001, 3)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_documents_are_read_with_exact_positions(encoding: str) -> None:
    text = ('<?xml version="1.0" encoding="UTF-16"?>\n<Patient xmlns="http://hl7.org/fhir">\n'
            '  <name><family value="Łukasz €"/></name>\n</Patient>')
    result = read_xml(text.encode(encoding))
    assert result.issues == []
    root = result.root
    assert root is not None and root.position == (2, 1)
    family = root.children[0].children[0]
    assert (family.value, family.position) == ("Łukasz €", (3, 9))


def test_latin1_declared_document_is_read() -> None:
    doc = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<Patient ' + NS + b'><name><family value="M\xfcller"/></name></Patient>'
    root = read_xml(doc).root
    assert root is not None and root.children[0].children[0].value == "Müller"
    assert root.children[0].children[0].position == (2, 44)


def test_positions_are_resolved_lazily() -> None:
    root = read_xml(b'<Patient ' + NS + b'><active value="true"/></Patient>').root
    assert root is not None
    resolver = root._resolver
    assert resolver is not None and getattr(resolver, "__self__", None) is not None
    assert resolver.__self__._text is None  # nothing scanned until a position is asked for
    assert root.children[0].position == (1, 38)
    assert resolver.__self__._text is not None


# -- malformed and hostile input -----------------------------------------------------------------

SYNTAX_ERRORS = [
    pytest.param(b'<Patient ' + NS + b'>\n  <id value="x">\n</Patient>', 3, 11, "Opening and ending tag mismatch",
                 id="tag-mismatch"),
    pytest.param(b'<Patient ' + NS + b'>\n  <id value="x/>\n</Patient>', 3, 1, "Unescaped '<'", id="open-quote"),
    pytest.param(b'<Patient ' + NS + b'>\n  <name><family value="&nbsp;"/></name>\n</Patient>', 2, 30,
                 "Entity 'nbsp' not defined", id="undefined-entity"),
    pytest.param(b'<?xml version="1.0"?>\n', 2, 1, "Start tag expected", id="declaration-only"),
    pytest.param(b'<Patient ' + NS + b'/>\n<Patient/>', 2, 1, "Extra content at the end", id="two-roots"),
    pytest.param(b'hello', 1, 1, "Start tag expected", id="not-xml"),
    pytest.param('<Patient xmlns="http://hl7.org/fhir"><name><family value="ééé" x="1" x="2"/></name></Patient>'.encode(),
                 1, 75, "Attribute x redefined", id="columns-in-characters"),  # at the '/' after x="2"
    pytest.param(b'<Patient ' + NS + b'><name><family value="M\xfcller"/></name></Patient>', 1, 60,
                 "Invalid bytes in character encoding", id="latin1-undeclared"),
    pytest.param(b'<Patient ' + NS + b'>\n  <active value="true"/>', 2, 25, "Premature end of data", id="truncated"),
]


@pytest.mark.parametrize(("doc", "line", "column", "reason"), SYNTAX_ERRORS)
def test_malformed_xml_is_one_located_fatal_issue(doc: bytes, line: int, column: int, reason: str) -> None:
    result = read_xml(doc)
    assert result.root is None and result.fatal
    [issue] = result.issues
    assert (issue.code, issue.severity, issue.line, issue.column) == ("xml.syntax", Severity.FATAL, line, column)
    assert issue.message.startswith("malformed XML: " + reason)


def test_errors_from_one_document_never_leak_into_the_next() -> None:
    read_xml(b'<a><b></a>')
    assert codes(b'<Patient ' + NS + b'>\n<x y="1" y="2"/></Patient>') == [("xml.syntax", 2, 15)]


@pytest.mark.parametrize("doc", [b"", b"   \n\t", b"\xef\xbb\xbf \n", "  \n".encode("utf-16")])
def test_blank_document_is_empty(doc: bytes) -> None:
    assert codes(doc) == [("file.empty", 1, 1)]


def test_1000_levels_of_nesting_are_refused_at_the_first_element_too_deep() -> None:
    doc = b'<Patient ' + NS + b'>\n' + b'<extension>\n' * 999 + b'</extension>' * 999 + b'</Patient>'
    result = read_xml(doc)
    assert result.root is None
    assert [(i.code, i.severity, i.message, i.line, i.column) for i in result.issues] == [
        ("xml.too-deep", Severity.FATAL, "the document is nested more than 256 levels deep", 257, 1)]


def test_single_line_deep_document_is_located_at_the_tag() -> None:
    doc = b'<Patient ' + NS + b'>' + b'<a>' * 1000 + b'</a>' * 1000 + b'</Patient>'
    assert codes(doc) == [("xml.too-deep", 1, 37 + 3 * 255 + 1)]


def test_depth_at_the_limit_is_accepted() -> None:
    doc = b'<Patient ' + NS + b'>' + b'<a>' * (MAX_DEPTH - 1) + b'</a>' * (MAX_DEPTH - 1) + b'</Patient>'
    result = read_xml(doc)
    assert result.root is not None
    assert max(len(n.location.split(".")) for n in result.root.iter_tree()) == MAX_DEPTH


def test_own_depth_limit_applies_even_if_the_parser_allows_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xml_reader, "MAX_DEPTH", 3)
    doc = b'<Patient ' + NS + b'>\n <contact>\n  <name>\n   <given value="a"/>\n  </name>\n </contact>\n</Patient>'
    assert [(i.code, i.message, i.line, i.column) for i in read_xml(doc).issues] == [
        ("xml.too-deep", "the document is nested more than 3 levels deep", 4, 4)]


def test_xml_too_deep_is_registered_as_fatal() -> None:
    assert CATALOGUE["xml.too-deep"].severity is Severity.FATAL


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Patient xmlns="http://hl7.org/fhir"><name><family value="&lol9;"/></name></Patient>
"""


def test_billion_laughs_is_refused_without_expansion() -> None:
    result = read_xml(BILLION_LAUGHS)
    assert result.root is None
    assert [(i.code, i.severity, i.line, i.column) for i in result.issues] == [
        ("xml.dtd-forbidden", Severity.FATAL, 2, 1)]
    assert "lol" not in result.issues[0].message


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request made to it."""
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            requests.append(self.path)
            body = b'<!ENTITY secret "FETCHED-OVER-HTTP">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()
        server.server_close()


def _external_entity_docs(secret_file: Path, base_url: str) -> list[bytes]:
    return [
        (f'<?xml version="1.0"?>\n<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
         '<Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>').encode(),
        (f'<!DOCTYPE Patient [<!ENTITY xxe SYSTEM "{base_url}/entity.txt">]>'
         '<Patient xmlns="http://hl7.org/fhir"><name><family value="&xxe;"/></name></Patient>').encode(),
        (f'<?xml version="1.0"?>\n\n<!DOCTYPE Patient SYSTEM "{base_url}/patient.dtd">'
         '<Patient xmlns="http://hl7.org/fhir"><name><family value="&secret;"/></name></Patient>').encode(),
        (f'<!DOCTYPE Patient [<!ENTITY % p SYSTEM "{base_url}/param.dtd"> %p;]>'
         '<Patient xmlns="http://hl7.org/fhir"/>').encode(),
    ]


def test_external_entities_are_refused_and_nothing_is_fetched_or_read(
    tmp_path: Path, http_server: tuple[str, list[str]]
) -> None:
    base_url, requests = http_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    results = [read_xml(doc) for doc in _external_entity_docs(secret, base_url)]
    assert [[(i.code, i.line, i.column) for i in r.issues] for r in results] == [
        [("xml.dtd-forbidden", 2, 1)], [("xml.dtd-forbidden", 1, 1)], [("xml.dtd-forbidden", 3, 1)],
        [("xml.dtd-forbidden", 1, 1)]]
    assert all(r.root is None for r in results)
    assert requests == []
    text = repr([r.issues for r in results])
    assert "TOP-SECRET" not in text and "FETCHED" not in text


def test_the_parser_itself_never_fetches_or_expands(tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    """Defence in depth: even a document that reached lxml would not fetch or expand anything."""
    base_url, requests = http_server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for doc in _external_entity_docs(secret, base_url):
        try:
            element = etree.fromstring(doc, xml_reader._parser())
        except etree.XMLSyntaxError:
            continue
        assert b"TOP-SECRET" not in etree.tostring(element)
        assert b"FETCHED" not in etree.tostring(element)
    assert requests == []


@pytest.mark.parametrize(
    ("doc", "line", "column"),
    [
        pytest.param(b"<!DOCTYPE Patient>\n<Patient " + NS + b"/>", 1, 1, id="plain-doctype"),
        pytest.param(b'<?xml version="1.0"?><!-- <!DOCTYPE in a comment is fine> -->\n  <!DOCTYPE x><x/>', 2, 3,
                     id="after-comment"),
        pytest.param(b'<?xml version="1.0"?>\n<?pi <!DOCTYPE?>\n<!DOCTYPE x><x/>', 3, 1, id="after-pi"),
        pytest.param('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x>\n<x/>'.encode("utf-16"), 2, 1, id="utf-16"),
        pytest.param(b'\xef\xbb\xbf<!DOCTYPE x><x/>', 1, 1, id="bom"),
        pytest.param(b"<!--" + b"x" * 70000 + b"-->\n<!DOCTYPE x><x/>", 2, 1, id="after-long-comment"),
    ],
)
def test_any_doctype_is_refused(doc: bytes, line: int, column: int) -> None:
    assert codes(doc) == [("xml.dtd-forbidden", line, column)]


def test_doctype_inside_the_document_is_a_syntax_error() -> None:
    assert codes(b'<Patient ' + NS + b'>\n<!DOCTYPE x></Patient>')[0][0] == "xml.syntax"


# -- the official FHIRPath suite's inputs --------------------------------------------------------

SUITE = SHARED / "fhirpath-suite-r4"
SUITE_RESOURCES = sorted(p.name for p in SUITE.glob("*.xml") if p.name != "tests-fhir-r4.xml") or ["absent"]


@pytest.mark.shared
@pytest.mark.parametrize("name", SUITE_RESOURCES)
def test_fhirpath_suite_inputs_read_cleanly(shared_dir: Path, name: str) -> None:
    result = read_xml((shared_dir / "fhirpath-suite-r4" / name).read_bytes())
    assert result.issues == []
    assert result.root is not None and result.root.resource_type == name.split("-")[0].capitalize().replace(
        "Codesystem", "CodeSystem").replace("Valueset", "ValueSet")
    assert all(n.position[0] > 0 for n in result.root.iter_tree())


@pytest.mark.shared
def test_fhirpath_suite_inputs_are_all_present(shared_dir: Path) -> None:
    assert len(SUITE_RESOURCES) == 7


@pytest.mark.shared
def test_fhirpath_suite_definition_file_reads_without_fatal_issues(shared_dir: Path) -> None:
    result = read_xml((shared_dir / "fhirpath-suite-r4" / "tests-fhir-r4.xml").read_bytes())
    assert result.root is not None and result.root.name == "tests"
    assert not any(i.severity is Severity.FATAL for i in result.issues)
