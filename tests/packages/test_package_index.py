"""The per-package index: what it records, which files it reads, and that it is built only once."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conformance.packages import index
from conformance.packages.index import IndexEntry


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the index layer reads (every read goes through index.read_bytes)."""
    seen: list[str] = []
    original = index.read_bytes

    def counting(path: Path) -> bytes:
        seen.append(path.name)
        return original(path)

    monkeypatch.setattr(index, "read_bytes", counting)
    return seen


def test_json_structure_definition_fields(fixtures: Path) -> None:
    path = fixtures / "example-package" / "package" / "StructureDefinition-demo-patient.json"
    entry = index.summarise(path.name, path.read_bytes())
    assert entry == IndexEntry(
        filename="StructureDefinition-demo-patient.json", resource_type="StructureDefinition", id="demo-patient",
        url="http://example.org/fhir/demo/StructureDefinition/demo-patient", version="1.0.0", type="Patient",
        kind="resource", derivation="constraint", base_definition="http://hl7.org/fhir/StructureDefinition/Patient",
        abstract=False,
    )
    assert entry.resourceType == "StructureDefinition"
    assert entry.baseDefinition == "http://hl7.org/fhir/StructureDefinition/Patient"
    assert not entry.is_xml


def test_other_resources_carry_no_structure_fields() -> None:
    data = b'\xef\xbb\xbf{"resourceType": "CapabilityStatement", "id": "c", "url": "http://x/c", "kind": "capability"}'
    assert index.summarise("c.json", data) == IndexEntry("c.json", "CapabilityStatement", "c", "http://x/c", None)


@pytest.mark.parametrize("data", [b"[1, 2]", b'{"id": "no-type"}', b'{"resourceType": 3}'])
def test_json_that_is_not_a_resource_is_skipped(data: bytes) -> None:
    assert index.summarise("x.json", data) is None


def test_invalid_json_is_reported() -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        index.summarise("x.json", b'{"resourceType": ')


def test_xml_structure_definition_fields(fixtures: Path) -> None:
    path = fixtures / "loose-xml" / "StructureDefinition-demo-encounter.xml"
    entry = index.summarise(path.name, path.read_bytes())
    assert entry == IndexEntry(
        "StructureDefinition-demo-encounter.xml", "StructureDefinition", "demo-encounter",
        "http://example.org/fhir/loose/StructureDefinition/demo-encounter", "2.0.0", "Encounter", "resource",
        "constraint", "http://hl7.org/fhir/StructureDefinition/Encounter", True,
    )
    assert entry.is_xml


def test_xml_outside_the_fhir_namespace_is_skipped() -> None:
    assert index.summarise("x.xml", b'<StructureDefinition><url value="http://x"/></StructureDefinition>') is None


def test_xml_external_entity_is_refused_not_expanded(fixtures: Path) -> None:
    path = fixtures / "loose-xml" / "xxe.xml"
    with pytest.raises(ValueError, match="external entity 'secret'"):
        index.summarise(path.name, path.read_bytes())


def test_list_files_walks_subfolders_but_skips_examples_and_hidden(tmp_path: Path) -> None:
    for name in ["a.json", "sub/b.xml", "example/c.json", "openapi/d.json", ".hidden/e.json", "package.json",
                 ".index.json", "notes.txt", "sub/deeper/f.json"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert [name for name, _ in index.list_files(tmp_path)] == ["a.json", "sub/b.xml", "sub/deeper/f.json"]


def test_tree_index_of_loose_json(fixtures: Path) -> None:
    built = index.load_tree(fixtures / "loose-json")
    assert [(e.filename, e.resource_type) for e in built.entries] == [
        ("StructureDefinition-demo-observation.json", "StructureDefinition"),
        ("ValueSet-demo-status.json", "ValueSet"),
    ]
    assert [name for name, _ in built.problems] == ["broken.json"]


def test_tree_index_of_loose_xml(fixtures: Path) -> None:
    built = index.load_tree(fixtures / "loose-xml")
    assert [(e.filename, e.resource_type, e.url) for e in built.entries] == [
        ("StructureDefinition-demo-encounter.xml", "StructureDefinition",
         "http://example.org/fhir/loose/StructureDefinition/demo-encounter"),
        ("valuesets/ValueSet-demo-kind.xml", "ValueSet", "http://example.org/fhir/loose/ValueSet/demo-kind"),
    ]
    assert [name for name, _ in built.problems] == ["xxe.xml"]


def test_tree_index_is_reused_until_a_file_changes(tmp_path: Path, fixtures: Path, reads: list[str]) -> None:
    folder = tmp_path / "loose"
    shutil.copytree(fixtures / "loose-json", folder)
    first = index.load_tree(folder)
    assert sorted(reads) == ["StructureDefinition-demo-observation.json", "ValueSet-demo-status.json", "broken.json",
                             "notes.json"]
    reads.clear()
    second = index.load_tree(folder)
    assert reads == []  # served from the stored index: no resource file read
    assert second.entries == first.entries and second.problems == first.problems

    (folder / "broken.json").write_text('{"resourceType": "ValueSet", "id": "fixed", "url": "http://x/fixed"}')
    third = index.load_tree(folder)
    assert len(reads) == 4  # a file changed: rebuilt
    assert [e.id for e in third.entries] == ["demo-observation", "demo-status", "fixed"]
    assert third.problems == []


def test_sealed_index_is_stored_beside_the_package(tmp_path: Path, fixtures: Path, reads: list[str]) -> None:
    content = tmp_path / "cache" / "example.fhir.demo#1.0.0" / "package"
    shutil.copytree(fixtures / "example-package" / "package", content)
    built = index.load_sealed(content)
    stored = content.parent / ".conformance" / "index-v1.json"
    assert stored.is_file()
    assert [e.id for e in built.entries] == ["demo-colours", "demo-patient", "demo-colours"]
    assert len(reads) == 3
    reads.clear()
    again = index.load_sealed(content)
    assert reads == []
    assert again.entries == built.entries
    assert json.loads(stored.read_text())["format"] == 1


def test_damaged_stored_index_is_rebuilt(tmp_path: Path, fixtures: Path, reads: list[str]) -> None:
    content = tmp_path / "p#1" / "package"
    shutil.copytree(fixtures / "example-package" / "package", content)
    index.load_sealed(content)
    stored = content.parent / ".conformance" / "index-v1.json"
    for damage in ["{not json", '{"format": 1, "fingerprint": "x", "rows": []}', "[]"]:
        stored.write_text(damage)
        reads.clear()
        assert len(index.load_sealed(content).entries) == 3
        assert len(reads) == 3


def test_sealed_index_falls_back_to_the_user_cache(tmp_path: Path, fixtures: Path, reads: list[str]) -> None:
    content = tmp_path / "p#1" / "package"
    shutil.copytree(fixtures / "example-package" / "package", content)
    (content.parent / ".conformance").write_text("a file where the index folder would go")
    index.load_sealed(content)
    stored = list((Path(os.environ["CONFORMANCE_CACHE_DIR"]) / "index").glob("*.json"))
    assert len(stored) == 1
    reads.clear()
    index.load_sealed(content)
    assert reads == []
