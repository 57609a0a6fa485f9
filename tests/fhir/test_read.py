"""read_file and sniff: the format of a file on disk, and every bad file becoming one located issue."""

from __future__ import annotations

import builtins
import gzip
import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from conformance.fhir import read as read_module
from conformance.fhir.read import read_file, sniff
from conformance.issues import Severity

FILES = Path(__file__).resolve().parents[2] / "fixtures" / "readers" / "files"


def summary(path: Path, **kw: int) -> list[tuple[str, bool, list[tuple[str, int, int]]]]:
    return [
        (r.format, r.root is not None, [(i.code, i.line, i.column) for i in r.issues])
        for r in read_file(path, **kw)
    ]


# -- sniff ---------------------------------------------------------------------------------------

SNIFF_CASES = [
    (b'{"resourceType": "Patient"}', "a.json", "json"),
    (b'{"resourceType": "Patient"}', "a.JSON", "json"),
    (b'{"resourceType": "Patient"}', "a.ndjson", "ndjson"),
    (b'{"resourceType": "Patient"}', "a.jsonl", "ndjson"),
    (b'{"resourceType": "Patient"}', "a", "json"),
    (b'{"resourceType": "Patient"}', "a.xml", "json"),  # the content decides between JSON and XML
    (b"<Patient/>", "a.json", "xml"),
    (b"<Patient/>", "a.xml", "xml"),
    (b"<Patient/>", "export", "xml"),
    (b'\n\t  <?xml version="1.0"?><Patient/>', "a.txt", "xml"),
    (b"\xef\xbb\xbf<Patient/>", "a.xml", "xml"),
    (b"\xef\xbb\xbf  {}", "a", "json"),
    ('<?xml version="1.0" encoding="UTF-16"?><Patient/>'.encode("utf-16"), "a.xml", "xml"),
    ('<?xml version="1.0" encoding="UTF-16"?><Patient/>'.encode("utf-16-be"), "a.xml", "xml"),
    ('{"resourceType": "Patient"}'.encode("utf-16"), "a.json", "json"),
    ('{"resourceType": "Patient"}'.encode("utf-16-le"), "a", "json"),
    ('{"resourceType": "Patient"}'.encode("utf-16-be"), "a.json", "json"),
    ('{"resourceType": "Patient"}'.encode("utf-32-be"), "a.json", "json"),
    ('  {"resourceType": "Patient"}'.encode("utf-32-le"), "a.ndjson", "ndjson"),
    (b'[{"resourceType": "Patient"}]', "a.json", "json"),  # JSON, though not a resource: reported precisely
    (b'"Patient"', "a.jsonl", "ndjson"),
    (b'[{"resourceType": "Patient"}]', "a.txt", None),
    (b"nhs_number,family\n9000000009,Smith\n", "a.csv", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.png", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a.json", None),
    (b"\x1f\x8b\x08\x00", "a.ndjson.gz", None),
    (b"", "a.json", None),
    (b"   \n", "a.json", None),
]


@pytest.mark.parametrize(
    ("head", "filename", "expected"), SNIFF_CASES, ids=[f"{i}-{case[1]}" for i, case in enumerate(SNIFF_CASES)]
)
def test_sniff(head: bytes, filename: str, expected: str | None) -> None:
    assert sniff(head, filename) == expected


# -- fixtures: each bad file gives exactly these results ----------------------------------------

FIXTURE_RESULTS = {
    "good.json": [("json", True, [])],
    "good.xml": [("xml", True, [])],
    "malformed.json": [("json", False, [("json.syntax", 3, 3)])],
    "malformed.xml": [("xml", False, [("xml.syntax", 4, 11)])],
    "empty.json": [("json", False, [("file.empty", 1, 1)])],
    "blank.xml": [("xml", False, [("file.empty", 1, 1)])],
    "utf16.json": [("json", False, [("encoding.not-utf8", 1, 1)])],
    "patients.csv": [("json", False, [("file.unknown-format", 1, 1)])],
    "notes.txt": [("json", False, [("file.unknown-format", 1, 1)])],
    "xxe.xml": [("xml", False, [("xml.dtd-forbidden", 2, 1)])],
    "billion-laughs.xml": [("xml", False, [("xml.dtd-forbidden", 2, 1)])],
    "two-lines.json": [("json", False, [("json.trailing-content", 2, 1)])],
    "truncated.ndjson": [("ndjson", True, []), ("ndjson", True, []), ("ndjson", False, [("json.syntax", 3, 45)])],
    "empty-lines.ndjson": [("ndjson", True, []), ("ndjson", False, [("ndjson.empty-line", 2, 1)]),
                           ("ndjson", False, [("ndjson.empty-line", 3, 1)]), ("ndjson", True, [])],
}


def test_every_fixture_is_covered() -> None:
    assert sorted(p.name for p in FILES.iterdir()) == sorted(FIXTURE_RESULTS)


@pytest.mark.parametrize("name", sorted(FIXTURE_RESULTS))
def test_fixture_file(name: str) -> None:
    assert summary(FILES / name) == FIXTURE_RESULTS[name]


def test_unknown_format_messages_say_what_the_file_looks_like(tmp_path: Path) -> None:
    png = tmp_path / "scan.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    gz = tmp_path / "export.ndjson.gz"
    gz.write_bytes(gzip.compress(b'{"resourceType":"Patient"}\n'))
    messages = {p.name: [i.message for r in read_file(p) for i in r.issues] for p in (png, gz)}
    assert messages == {
        "scan.png": ["not a FHIR JSON, XML or NDJSON document: it looks like binary data"],
        "export.ndjson.gz": ["not a FHIR JSON, XML or NDJSON document: it is gzip-compressed; decompress it first"],
    }
    assert [i.message for r in read_file(FILES / "patients.csv") for i in r.issues] == [
        "not a FHIR JSON, XML or NDJSON document: it starts with 'nhs_number,family,given'"]


def test_external_entity_file_never_exposes_the_target() -> None:
    results = list(read_file(FILES / "xxe.xml"))
    assert "root:" not in repr(results)


def test_utf16_xml_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "patient.xml"
    path.write_bytes('<?xml version="1.0" encoding="UTF-16"?>\n<Patient xmlns="http://hl7.org/fhir">\n'
                     '  <id value="ü"/>\n</Patient>\n'.encode("utf-16"))
    [result] = read_file(path)
    assert result.issues == [] and result.root is not None
    assert (result.root.children[0].value, result.root.children[0].position) == ("ü", (3, 3))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_ndjson_is_one_issue_not_one_per_line(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "export.ndjson"
    path.write_bytes('{"resourceType":"Patient"}\n{"resourceType":"Patient"}\n'.encode(encoding))
    assert summary(path) == [("ndjson", False, [("encoding.not-utf8", 1, 1)])]


def test_whitespace_before_content_beyond_the_first_chunk(tmp_path: Path) -> None:
    path = tmp_path / "padded.json"
    path.write_bytes(b" " * (read_module.HEAD_BYTES * 2 + 7) + b'\n{"resourceType": "Patient", "active": true}')
    [result] = read_file(path)
    assert result.issues == [] and result.root is not None and result.root.children[0].position == (2, 29)
    blank = tmp_path / "blank.json"
    blank.write_bytes(b" \n" * read_module.HEAD_BYTES)
    assert summary(blank) == [("json", False, [("file.empty", 1, 1)])]


# -- size ----------------------------------------------------------------------------------------

def test_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    data = b'{"resourceType": "Patient", "id": "' + b"x" * 2000 + b'"}'
    path.write_bytes(data)
    results = list(read_file(path, max_bytes=1000))
    assert [(r.root, [(i.code, i.severity, i.message, i.line, i.column) for i in r.issues]) for r in results] == [
        (None, [("file.too-large", Severity.FATAL, f"the file is {len(data)} bytes, over the limit of 1000 bytes", 0, 0)])]
    assert summary(path, max_bytes=len(data)) == [("json", True, [])]
    assert summary(path, max_bytes=len(data) - 1)[0][2] == [("file.too-large", 0, 0)]


def test_ndjson_limit_applies_per_line(tmp_path: Path) -> None:
    path = tmp_path / "export.ndjson"
    path.write_bytes(b'{"resourceType":"Patient"}\n' * 100 + b'{"resourceType":"Patient","id":"' + b"x" * 100 + b'"}\n')
    results = summary(path, max_bytes=100)
    assert len(results) == 101 and all(r[1] for r in results[:100])
    assert results[100] == ("ndjson", False, [("ndjson.line-too-large", 101, 1)])


def test_a_50_mb_bundle_reads_fine(tmp_path: Path) -> None:
    entry = json.dumps({
        "fullUrl": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
        "resource": {"resourceType": "Binary", "id": "b", "contentType": "text/plain", "data": "QUJD" * 1000},
    })
    count = 50 * 1024 * 1024 // (len(entry) + 1) + 1
    path = tmp_path / "bundle.json"
    with path.open("w") as f:
        f.write('{"resourceType": "Bundle", "type": "collection", "entry": [\n')
        f.write(",\n".join([entry] * count))
        f.write("\n]}\n")
    assert path.stat().st_size > 50 * 1024 * 1024
    [result] = read_file(path)
    assert result.issues == [] and result.root is not None
    entries = result.root.children_named("entry")
    assert len(entries) == count == 12625
    assert entries[-1].child("resource").resource_type == "Binary"  # type: ignore[union-attr]
    assert entries[-1].location == f"Bundle.entry[{count - 1}]"


# -- unreadable ----------------------------------------------------------------------------------

def test_missing_file_and_directory_are_unreadable(tmp_path: Path) -> None:
    missing = list(read_file(tmp_path / "nope.json"))
    folder = list(read_file(tmp_path))
    assert [(r.root, [(i.code, i.message, i.line, i.column) for i in r.issues]) for r in missing + folder] == [
        (None, [("file.unreadable", "cannot read the file: No such file or directory", 0, 0)]),
        (None, [("file.unreadable", "cannot read the file: not a regular file", 0, 0)]),
    ]


def test_permission_denied_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated, so that it also holds when the tests run as root (where chmod 000 does not stop reads)."""
    path = tmp_path / "locked.json"
    path.write_text('{"resourceType": "Patient"}')
    real_open = builtins.open

    def fake_open(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", fake_open)
    assert [(i.code, i.message) for r in read_file(path) for i in r.issues] == [
        ("file.unreadable", "cannot read the file: Permission denied")]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_chmod_000_file_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ordinary_user: Callable[[], AbstractContextManager[None]]) -> None:
    """Run as an ordinary user even under root (which reads files whatever their mode)."""
    tmp_path.chmod(0o755)
    monkeypatch.chdir(tmp_path)  # relative paths: the user need not enter the folders above tmp_path
    Path("open.json").write_text('{"resourceType": "Patient"}')
    path = Path("locked.json")
    path.write_text('{"resourceType": "Patient"}')
    path.chmod(0)
    assert summary(Path("open.json")) == [("json", True, [])]  # read once first: every module it needs is loaded
    try:
        with ordinary_user():
            readable = summary(Path("open.json"))
            locked = summary(path)
    finally:
        path.chmod(0o644)
    assert readable == [("json", True, [])]  # the user reaches the folder: only the file's mode bites
    assert locked == [("json", False, [("file.unreadable", 0, 0)])]


def test_io_error_mid_ndjson_is_reported_after_the_lines_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "export.ndjson"
    path.write_bytes(b'{"resourceType":"Patient"}\n' * 3)
    real_iter = read_module.iter_ndjson

    def failing(stream, **kw):  # type: ignore[no-untyped-def]
        lines = real_iter(stream, **kw)
        yield next(lines)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(read_module, "iter_ndjson", failing)
    assert summary(path) == [("ndjson", True, []), ("ndjson", False, [("file.unreadable", 0, 0)])]
