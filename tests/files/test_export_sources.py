"""What `conformance check` reads: arguments to export files (display and inner paths), globs against
inner paths, Bulk Data manifest URLs, and archives refused before or while they are read."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import pytest

from conformance.files.archives import (
    ArchiveLimits,
    ArchiveRefused,
    guarded_gzip,
    inspect_zip,
    unsafe_member_name,
)
from conformance.files.engine import check_export
from conformance.files.executors import SerialExecutor
from conformance.files.globs import glob_match
from conformance.files.manifest import parse_manifest, resolve_url
from conformance.files.sources import collect_inputs
from conformance.profiles import load_profile
from conformance.results import Outcome

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "fixtures" / "files" / "exports"
PROFILE = load_profile(REPO / "fixtures" / "files" / "profiles" / "export-checks")
PATIENT = (EXPORTS / "good" / "Patient.ndjson").read_bytes()


# -- globs ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("**/Patient*.ndjson", "Patient.ndjson", True),
    ("**/Patient*.ndjson", "a/b/Patient_1.ndjson", True),
    ("**/Patient*.ndjson", "a/Observation.ndjson", False),
    ("Patient.ndjson", "a/Patient.ndjson", False),  # no implicit any-depth
    ("*.json", "a/b.json", False),  # * stays inside a segment
    ("a/*/c.json", "a/b/c.json", True),
    ("a/**", "a/b/c.json", True),
    ("data/?.ndjson", "data/1.ndjson", True),
    ("data/[0-9].ndjson", "data/x.ndjson", False),
    ("data/[!x].ndjson", "data/1.ndjson", True),
    ("manifest.json", "manifest.json", True),
    ("Manifest.json", "manifest.json", False),  # case-sensitive
    ("a+b(1).json", "a+b(1).json", True),  # regex characters are literal
])
def test_globs_match_paths_inside_the_export(pattern: str, path: str, matches: bool) -> None:
    assert glob_match(pattern, path) is matches


# -- arguments ---------------------------------------------------------------------------------------

def test_a_folder_gives_its_files_relative_to_it_and_the_manifest_types() -> None:
    inputs = collect_inputs([str(EXPORTS / "good")])
    assert [(f.display, f.inner, f.declared_type, f.is_manifest) for f in inputs.files] == [
        (str(EXPORTS / "good" / n), n, t, n == "manifest.json") for n, t in [
            ("Observation.ndjson", "Observation"), ("Organization.ndjson", "Organization"),
            ("Patient.ndjson", "Patient"), ("manifest.json", None)]]
    assert all(os.path.isabs(f.location.path) for f in inputs.files)
    assert inputs.problems == [] and inputs.findings == []


def test_a_glob_is_relative_to_its_fixed_start_and_arguments_are_deduplicated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO / "fixtures" / "files")
    inputs = collect_inputs(["exports/*/Patient.ndjson", "exports/good/Patient.ndjson"])
    assert [(f.display, f.inner) for f in inputs.files] == [
        ("exports/broken/Patient.ndjson", "broken/Patient.ndjson"), ("exports/good/Patient.ndjson", "good/Patient.ndjson")]


def test_arguments_that_name_nothing_are_problems_not_exceptions(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    inputs = collect_inputs([str(tmp_path / "missing.ndjson"), str(tmp_path / "*.nothing"), str(tmp_path / "empty")])
    assert [reason for _, reason in inputs.problems] == [
        "no such file or directory", "no file matches this pattern",
        "no FHIR files (.json, .xml, .ndjson, .jsonl, .zip, .gz) in this folder"]


def test_hidden_files_and_other_extensions_are_left_out_of_folders(tmp_path: Path) -> None:
    (tmp_path / ".hidden.ndjson").write_bytes(PATIENT)
    (tmp_path / "README.txt").write_text("notes")
    (tmp_path / "Patient.ndjson").write_bytes(PATIENT)
    assert [f.inner for f in collect_inputs([str(tmp_path)]).files] == ["Patient.ndjson"]


# -- Bulk Data manifests -----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "folder", "expected"), [
    ("https://server/bulk/files/Patient_1.ndjson?token=x", "", "Patient_1.ndjson"),
    ("file:///var/export/Observation.ndjson", "export", "export/Observation.ndjson"),
    ("Patient.ndjson", "export", "export/Patient.ndjson"),
    ("part/../Patient.ndjson", "", "Patient.ndjson"),
    ("../Patient.ndjson", "", None),  # outside the export
    ("a/../../Patient.ndjson", "export", "Patient.ndjson"),
    ("/etc/passwd", "", None),
    ("https://server/", "", None),
])
def test_manifest_urls_resolve_to_paths_inside_the_export(url: str, folder: str, expected: str | None) -> None:
    assert resolve_url(url, folder) == expected


def test_manifest_problems_are_listed_with_where_they_are() -> None:
    manifest = parse_manifest(b'{"output": [{"type": "Patient"}, {"url": "x.ndjson"}, 3], "error": {}}')
    assert manifest is not None and manifest.entries == []
    assert manifest.problems == [("it has no 'transactionTime'", ""), ("it has no 'request'", ""),
                                 ("the entry has no 'url'", "output[0]"), ("the entry has no 'type'", "output[1]"),
                                 ("an entry is not an object", "output[2]"), ("'error' is not a list", "error")]
    assert parse_manifest(b'{"resourceType": "Bundle", "output": []}') is None
    assert parse_manifest(b"not json") is None


def test_a_manifest_error_file_is_declared_as_operation_outcomes() -> None:
    manifest = parse_manifest(b'{"transactionTime": "t", "request": "r", "output": [], '
                              b'"error": [{"type": "OperationOutcome", "url": "err.ndjson"}, {"url": "e2.ndjson"}]}')
    assert manifest is not None and [(e.type, e.url) for e in manifest.entries] == [
        ("OperationOutcome", "err.ndjson"), ("OperationOutcome", "e2.ndjson")]


# -- archives refused --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "why"), [
    ("../x.ndjson", "has a '..' segment (path traversal)"),
    ("a/../../x.ndjson", "has a '..' segment (path traversal)"),
    ("..\\x.ndjson", "has a '..' segment (path traversal)"),
    ("/etc/x.ndjson", "is an absolute path"),
    ("\\x.ndjson", "is an absolute path"),
    ("C:x.ndjson", "is an absolute path"),
    ("a\x00b", "contains a NUL character"),
    ("a/b..c/x.ndjson", None),
])
def test_member_names_that_escape_the_archive_are_recognised(name: str, why: str | None) -> None:
    assert unsafe_member_name(name) == why


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_zip_with_a_traversal_path_is_refused_with_a_clear_error_and_the_run_goes_on(tmp_path: Path) -> None:
    evil = _zip(tmp_path / "evil.zip", {"Patient.ndjson": PATIENT, "../../escaped.ndjson": PATIENT})
    inputs = collect_inputs([str(evil), str(EXPORTS / "good")])
    assert [(shown, i.code, i.severity.value, i.message) for shown, i in inputs.findings] == [
        (str(evil), "export.archive-refused", "fatal",
         "the archive was refused: member '../../escaped.ndjson' has a '..' segment (path traversal)")]
    assert not any("evil.zip" in f.display for f in inputs.files)  # nothing of it is read
    result = check_export(PROFILE, inputs, SerialExecutor())
    files_test = result.groups[0].tests[0]
    assert files_test.id == "export-files" and files_test.outcome is Outcome.ERROR
    assert [f.code for f in files_test.findings] == ["export.archive-refused"]
    assert result.groups[0].message == "3 file(s), 6 resource(s)"  # the good export was still checked
    assert result.exit_code() == 2


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    bomb = _zip(tmp_path / "bomb.zip", {"Patient.ndjson": b"\n" * (16 << 20)})  # 16 MiB of newlines: ~16 KiB
    inputs = collect_inputs([str(bomb)])
    (shown, issue), = inputs.findings
    assert issue.code == "export.archive-refused"
    assert issue.message.startswith("the archive was refused: member 'Patient.ndjson' expands ")
    assert issue.message.endswith("times its compressed size (the limit is 200): a zip bomb?")
    assert inputs.files == []


@pytest.mark.parametrize(("limits", "message"), [
    (ArchiveLimits(max_members=2), "it has 3 members, over the limit of 2"),
    (ArchiveLimits(max_total_bytes=1000), "its members expand to"),
])
def test_zips_over_the_member_and_size_limits_are_refused(tmp_path: Path, limits: ArchiveLimits, message: str) -> None:
    archive = _zip(tmp_path / "a.zip", {"a.ndjson": PATIENT, "b.ndjson": PATIENT, "c.ndjson": PATIENT})
    with zipfile.ZipFile(archive) as z, pytest.raises(ArchiveRefused, match=message):
        inspect_zip(z, archive.stat().st_size, limits)


def test_symbolic_links_in_a_zip_are_refused(tmp_path: Path) -> None:
    info = zipfile.ZipInfo("link.ndjson")
    info.external_attr = (0o120777 << 16)
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(info, "/etc/passwd")
    with zipfile.ZipFile(archive) as z, pytest.raises(ArchiveRefused, match="is a symbolic link"):
        inspect_zip(z, archive.stat().st_size, ArchiveLimits())


def test_a_gzip_bomb_is_stopped_while_it_is_read(tmp_path: Path) -> None:
    packed = gzip.compress(b" " * (40 << 20))  # about 40 KiB
    stream = guarded_gzip(io.BytesIO(packed), ArchiveLimits(), "bomb.ndjson.gz")
    with pytest.raises(ArchiveRefused, match="expands more than 200 times its compressed size"):
        while stream.read(1 << 20):
            pass
    assert stream.produced <= 200 * len(packed) + (1 << 20)  # stopped within a chunk of the limit, not at 40 MiB


def test_a_gzip_bomb_in_an_export_is_a_located_refusal(tmp_path: Path) -> None:
    (tmp_path / "Patient.ndjson.gz").write_bytes(gzip.compress(PATIENT + b" " * (30 << 20)))
    result = check_export(PROFILE, collect_inputs([str(tmp_path)]), SerialExecutor())
    files_test = result.groups[0].tests[0]
    assert [(f.code, Path(f.path or "").name) for f in files_test.findings] == [
        ("export.archive-refused", "Patient.ndjson.gz")]
    assert files_test.outcome is Outcome.ERROR
    # the guards run over the whole stream before any of it is parsed: not a line of the bomb was read
    assert result.groups[0].message == "1 file(s), 0 resource(s)"


def test_a_corrupt_archive_is_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "Patient.ndjson.gz").write_bytes(gzip.compress(PATIENT)[:-12])
    result = check_export(PROFILE, collect_inputs([str(tmp_path)]), SerialExecutor())
    findings = result.groups[0].tests[0].findings
    assert [(f.code, Path(f.path or "").name) for f in findings] == [  # the archive never became a file: first
        ("file.unreadable", "broken.zip"), ("file.unreadable", "Patient.ndjson.gz")]
    assert findings[0].message == "cannot read the file: not a readable zip archive (File is not a zip file)"
    assert findings[1].message.startswith(f"cannot read the file: {tmp_path / 'Patient.ndjson.gz'} is corrupt: ")
