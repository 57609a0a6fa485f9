"""The table of contexts HL7's extensions pack adds to R4's core extensions only adds, and only to R4's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.packages import PackageCache
from conformance.validation.extension_contexts import _table, added_contexts, canonical_resource_types


def _r4_extensions(cache: Path) -> dict[str, dict[str, Any]]:
    folder = PackageCache.default(cache).package_dir("hl7.fhir.r4.core", "4.0.1")
    assert folder is not None
    found = {}
    for path in folder.glob("StructureDefinition-*.json"):
        sd = json.loads(path.read_text(encoding="utf-8"))
        if sd.get("type") == "Extension" and sd.get("derivation") == "constraint":
            found[sd["url"]] = sd
    return found


@pytest.mark.core
def test_every_added_context_is_for_an_r4_core_extension_and_new_to_it(session_package_cache: Path) -> None:
    r4 = _r4_extensions(session_package_cache)
    added = _table()["added"]
    assert set(added) <= set(r4)
    for url, contexts in added.items():
        own = {(c["type"], c["expression"]) for c in r4[url]["context"]}
        assert contexts and all((c["type"], c["expression"]) not in own for c in contexts), url


@pytest.mark.core
def test_canonical_resources_are_the_types_r4s_replaces_extension_lists(session_package_cache: Path) -> None:
    replaces = _r4_extensions(session_package_cache)["http://hl7.org/fhir/StructureDefinition/replaces"]
    assert canonical_resource_types() == {c["expression"] for c in replaces["context"]}
    assert {"CodeSystem", "ValueSet", "StructureDefinition", "OperationDefinition"} <= canonical_resource_types()
    assert "Patient" not in canonical_resource_types()


def test_the_corrections_the_r4_specification_relies_on_are_there() -> None:
    assert added_contexts("http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type") == (
        {"type": "element", "expression": "ElementDefinition.type"},)
    assert {"type": "element", "expression": "CanonicalResource"} in added_contexts(
        "http://hl7.org/fhir/StructureDefinition/structuredefinition-normative-version|4.0.1")
    assert added_contexts("http://example.org/fhir/StructureDefinition/anything") == ()


@pytest.mark.core
def test_contexts_r4s_own_definitions_practise_are_added(session_package_cache: Path) -> None:
    """R4 puts `regex` on ElementDefinition.type in every primitive type's definition; neither R4's nor the
    pack's definition of `regex` lists that context, so the table adds it, from R4's own StructureDefinitions."""
    from conformance.validation.extension_contexts import _element_definition_uses

    folder = PackageCache.default(session_package_cache).package_dir("hl7.fhir.r4.core", "4.0.1")
    assert folder is not None
    uses = _element_definition_uses(folder)
    assert "ElementDefinition.type" in uses["http://hl7.org/fhir/StructureDefinition/regex"]
    assert {"type": "element", "expression": "ElementDefinition.type"} in added_contexts(
        "http://hl7.org/fhir/StructureDefinition/regex")


@pytest.mark.core
def test_r4s_own_contexts_still_count_when_another_package_defines_a_core_extension(
        tmp_path: Path, session_package_cache: Path) -> None:
    """The extensions pack's cqf-qualityOfEvidence allows PlanDefinition.action only, R4's Attachment (where R4's
    own PlanDefinition examples put it). With the pack's definition in use, R4's context still counts (the
    union), and an element neither allows is still `extension.context`, naming both."""
    from conformance.fhir.json_reader import read_json
    from conformance.validation import create_validator

    url = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
    r4 = _r4_extensions(session_package_cache)[url]
    pack = r4 | {"version": "5.3.0", "context": [{"type": "element", "expression": "PlanDefinition.action"}]}
    folder = tmp_path / "pack"
    folder.mkdir()
    (folder / "StructureDefinition-cqf-qualityOfEvidence.json").write_text(json.dumps(pack), encoding="utf-8")
    validator = create_validator([str(folder)], PackageCache.default(session_package_cache))
    assert validator.definitions.structure_definition(url)["version"] == "5.3.0"  # type: ignore[index]
    extension = {"url": url, "valueCodeableConcept": {"text": "high"}}

    def contexts_refused(resource: dict[str, Any]) -> list[tuple[str, str]]:
        root = read_json(json.dumps(resource).encode()).root
        assert root is not None
        return [(i.location, i.message) for i in validator.validate(root) if i.code == "extension.context"]

    on_attachment = {"resourceType": "DocumentReference", "status": "current",
                     "content": [{"attachment": {"url": "http://example.org/a.pdf", "extension": [extension]}}]}
    assert contexts_refused(on_attachment) == []
    on_a_name = {"resourceType": "Patient", "name": [{"family": "Doe", "extension": [extension]}]}
    assert contexts_refused(on_a_name) == [
        ("Patient.name[0].extension[0]", f"extension '{url}' is not allowed on Patient.name; its definition allows "
                                         "PlanDefinition.action, Attachment")]
