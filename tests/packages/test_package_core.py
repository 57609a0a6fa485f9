"""The real hl7.fhir.r4.core#4.0.1 from the default package cache (installed by the README's set-up)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.packages import PackageCache, load_packages


@pytest.mark.core
def test_real_core_resolves_patient(monkeypatch: pytest.MonkeyPatch, session_package_cache: Path) -> None:
    """The cache is the session's ($FHIR_PACKAGE_CACHE where set): this folder's fixtures clear the variable."""
    monkeypatch.delenv("CONFORMANCE_CACHE_DIR", raising=False)  # the index beside the real package may be reused
    loaded = load_packages(["hl7.fhir.r4.core#4.0.1"], PackageCache(session_package_cache))
    assert loaded.ids() == ["hl7.fhir.r4.core#4.0.1"]
    patient = loaded.resolve("http://hl7.org/fhir/StructureDefinition/Patient")
    assert patient is not None
    assert (patient["id"], patient["kind"], patient["derivation"]) == ("Patient", "resource", "specialization")
    assert len(patient["snapshot"]["element"]) > 30
    found = loaded.find("http://hl7.org/fhir/StructureDefinition/Patient|4.0.1")
    assert found is not None
    entry = found[1]
    assert (entry.type, entry.kind, entry.base_definition, entry.abstract) == (
        "Patient", "resource", "http://hl7.org/fhir/StructureDefinition/DomainResource", False
    )
    structure_definitions = list(loaded.entries_of_type("StructureDefinition"))
    assert len(structure_definitions) > 600
