"""NDJSON: one result per line, file line numbers, bad lines isolated, streamed."""

from __future__ import annotations

import io

import pytest

from conformance.fhir.ndjson import iter_ndjson
from conformance.issues import CATALOGUE, Severity


def read(data: bytes, **kw: int) -> list[tuple[int, bool, list[tuple[str, int, int]]]]:
    return [
        (lineno, result.root is not None, [(i.code, i.line, i.column) for i in result.issues])
        for lineno, result in iter_ndjson(io.BytesIO(data), **kw)
    ]


P = b'{"resourceType":"Patient","id":"%d"}'


def test_each_line_is_one_result_with_file_positions() -> None:
    data = b'{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient",  "gender":""}\n'
    results = list(iter_ndjson(io.BytesIO(data)))
    assert [n for n, _ in results] == [1, 2]
    assert all(r.format == "ndjson" for _, r in results)
    first, second = results[0][1].root, results[1][1].root
    assert first is not None and second is not None
    assert first.child("id").position == (1, 27)  # type: ignore[union-attr]
    assert second.child("gender").position == (2, 29)  # type: ignore[union-attr]
    assert [(i.code, i.line, i.column) for i in results[1][1].issues] == [("value.empty", 2, 29)]


def test_final_newline_does_not_make_an_empty_line() -> None:
    assert read(P % 1 + b"\n" + P % 2 + b"\n") == [(1, True, []), (2, True, [])]
    assert read(P % 1 + b"\n" + P % 2) == [(1, True, []), (2, True, [])]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(P % 1 + b"\n\n" + P % 3 + b"\n", [(1, True, []), (2, False, [("ndjson.empty-line", 2, 1)]),
                                                    (3, True, [])], id="zero-byte-line"),
        pytest.param(b"\n" + P % 2, [(1, False, [("ndjson.empty-line", 1, 1)]), (2, True, [])], id="first-line"),
        pytest.param(P % 1 + b"\n \t\r\n" + P % 3, [(1, True, []), (2, False, [("ndjson.empty-line", 2, 1)]),
                                                   (3, True, [])], id="white-space-line"),
        pytest.param(P % 1 + b"\n\n", [(1, True, []), (2, False, [("ndjson.empty-line", 2, 1)])], id="blank-last-line"),
    ],
)
def test_empty_lines_are_warnings_at_their_line(data: bytes, expected: list) -> None:
    assert read(data) == expected


def test_empty_line_is_a_warning() -> None:
    assert CATALOGUE["ndjson.empty-line"].severity is Severity.WARNING


def test_truncated_last_line_is_fatal_for_that_line_only() -> None:
    data = P % 1 + b"\n" + P % 2 + b'\n{"resourceType":"Patient","id":"c","name":[{"fam'
    assert read(data) == [(1, True, []), (2, True, []), (3, False, [("json.syntax", 3, 45)])]


def test_malformed_middle_line_does_not_stop_the_rest() -> None:
    data = P % 1 + b"\n{oops}\n" + P % 3 + b"\n"
    assert read(data) == [(1, True, []), (2, False, [("json.syntax", 2, 2)]), (3, True, [])]


def test_crlf_line_endings() -> None:
    data = P % 1 + b"\r\n" + b'{"resourceType":"Patient","gender":""}\r\n'
    assert read(data) == [(1, True, []), (2, True, [("value.empty", 2, 27)])]


def test_lines_are_read_one_at_a_time() -> None:
    data = P % 1 + b"\n" + P % 2 + b"\n" + P % 3 + b"\n"

    class NoBulkRead(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:  # type: ignore[override]
            raise AssertionError("the whole stream must never be read at once")

    stream = NoBulkRead(data)
    lines = iter_ndjson(stream)
    lineno, result = next(lines)
    assert lineno == 1 and result.root is not None
    assert stream.tell() == len(P % 1) + 1  # nothing beyond the first line has been consumed
    assert [n for n, _ in lines] == [2, 3]


def test_over_long_line_is_skipped_unread() -> None:
    long_line = b'{"resourceType":"Patient","id":"' + b"x" * 5000 + b'"}'
    data = P % 1 + b"\n" + long_line + b"\r\n" + P % 3 + b"\n"
    results = list(iter_ndjson(io.BytesIO(data), max_line_bytes=1000))
    assert [(n, r.root is not None, [(i.code, i.severity, i.message, i.line) for i in r.issues]) for n, r in results] == [
        (1, True, []),
        (2, False, [("ndjson.line-too-large", Severity.FATAL,
                     f"the line is {len(long_line)} bytes, over the limit of 1000 bytes; it was skipped", 2)]),
        (3, True, []),
    ]


def test_bom_on_the_first_line_is_reported_there() -> None:
    assert read(b"\xef\xbb\xbf" + P % 1 + b"\n" + P % 2) == [(1, True, [("encoding.bom", 1, 1)]), (2, True, [])]


def test_a_line_that_is_not_a_resource() -> None:
    assert read(P % 1 + b'\n[1, 2]\n') == [(1, True, []), (2, False, [("structure.not-a-resource", 2, 1)])]


def test_an_error_at_the_end_of_a_truncated_line_stays_on_that_line() -> None:
    import io

    from conformance.fhir.ndjson import iter_ndjson

    data = b'{"resourceType": "Patient", "id": "a"}\n{"resourceType": "Patient", "id": "b"\n{"resourceType": "Patient"}\n'
    results = list(iter_ndjson(io.BytesIO(data)))
    assert [(n, r.root is not None) for n, r in results] == [(1, True), (2, False), (3, True)]
    [issue] = results[1][1].issues
    assert (issue.code, issue.line) == ("json.syntax", 2)
