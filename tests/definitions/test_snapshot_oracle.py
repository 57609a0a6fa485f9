"""Oracle: regenerate published snapshots from their differentials and compare with the published ones.

US Core 3.1.0 (../shared) carries the snapshots the HL7 IG publisher made in November 2019; the R4
core package carries those the FHIR build made for its own profiles and extensions. For each
StructureDefinition the snapshot is stripped (for US Core, from every US Core definition, so bases
and extension definitions are regenerated too), generated again, and compared on: element ids
(the set and the order), min/max, type codes, type profiles and target profiles, fixed[x] and
pattern[x], binding strength and value set, and slicing (discriminators, rules, ordered).

Every difference must be listed in KNOWN_DIFFERENCES with the reason it is justified: a test
fails when a new difference appears and when a listed one goes away.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.definitions.snapshot import SnapshotGenerator
from conformance.definitions.xml_json import type_code

SHARED = Path(__file__).resolve().parents[3] / "shared"

US_CORE = SHARED / "fhir" / "packages" / "hl7.fhir.us.core-3.1.0" / "package"
US = "http://hl7.org/fhir/us/core/StructureDefinition/"
CORE = "http://hl7.org/fhir/StructureDefinition/"

Difference = tuple[str, ...]

_NESTED = "the 2019 IG publisher also expanded the children of the nested `extension` element inside each " \
          "complex-extension slice, which the differential never mentions (R4 core's own complex extensions, " \
          "e.g. patient-proficiency, do not have them)"
_SLICE_OF_SINGLE = "the differential slices a non-repeating element without slicing; the FHIR build turned the " \
                   "element itself into the 'slice' and dropped it, we keep the element and its slice and report " \
                   "definition.invalid-differential"
_EXTENSION_KLUDGE = "the FHIR build copies an extension definition's children under each new extension slice " \
                    "of an already-sliced `extension` (a documented kludge in ProfileUtilities), although the " \
                    "differential does not walk into them; we expand only what a differential walks into"

_ROOT_CARDINALITY = "the extension definition's root says 0..1 and applies wherever the extension is used (the " \
                    "higher min, the lower max, as HL7's current generator merges a type profile's root); the " \
                    "2019 build kept the base's 0..*"

_SLICE_ENTRY = "the slicing entry's constraints on its children apply to every slice (R4 ElementDefinition.slicing: " \
               "the entry 'is the definition that applies to all the slices [...] This may include the common " \
               "constraints on the children of the element'), so a new slice's children start from the entry's as " \
               "this profile constrained them; the 2019 generators started them from the base's. HL7's current " \
               "generator gives these profiles the same result (SnapshotGenerationPreProcessor merges the entry's " \
               "child constraints into each slice's differential)"
_SLICE_ENTRY_CHILDREN = _SLICE_ENTRY + "; the slices' children carry those constraints, so they are listed even " \
                        "where the slice's own differential does not walk into them"

_AGENT_TYPE = "http://hl7.org/fhir/ValueSet/provenance-agent-type"
_IDENTIFIER_CHILDREN = ("id", "extension", "use", "type", "system", "value", "period", "assigner")
_AGENTS = ["Practitioner", "PractitionerRole", "RelatedPerson", "Patient", "Device", "Organization"]
_US_CORE_AGENTS = [US + "us-core-practitioner", CORE + "PractitionerRole", CORE + "RelatedPerson",
                   US + "us-core-patient", CORE + "Device", US + "us-core-organization"]


def _missing(*ids: str) -> list[Difference]:
    return [("missing", i) for i in ids]


def _extra_identifier_children(*slices: str) -> list[Difference]:
    return [("extra", f"{s}.{c}") for s in slices for c in _IDENTIFIER_CHILDREN]


def _references(*targets: str) -> str:
    """A Reference type as `_summary` shows it."""
    return repr([("Reference", [], list(targets))])


def _agent_slice(slice_name: str) -> list[Difference]:
    """us-core-provenance: an agent slice inherits the entry's type binding and reference targets."""
    agent = f"Provenance.agent:{slice_name}"
    return [
        (f"{agent}.type", "binding", repr(("extensible", _AGENT_TYPE)),
         repr(("extensible", "http://hl7.org/fhir/us/core/ValueSet/us-core-provenance-participant-type"))),
        (f"{agent}.who", "types", _references(*(CORE + a for a in _AGENTS)), _references(*_US_CORE_AGENTS)),
        (f"{agent}.onBehalfOf", "types", _references(*(CORE + a for a in _AGENTS)),
         _references(US + "us-core-organization")),
    ]


def _nested_extension_children(*slices: str) -> list[Difference]:
    return _missing(*(f"Extension.extension:{s}.extension.{c}" for s in slices
                      for c in ("id", "extension", "url", "value[x]")))


KNOWN_DIFFERENCES: dict[str, tuple[str, list[Difference]]] = {
    US + "us-core-race": (_NESTED, _nested_extension_children("ombCategory", "detailed", "text")),
    US + "us-core-ethnicity": (_NESTED, _nested_extension_children("ombCategory", "detailed", "text")),
    CORE + "catalog": (_SLICE_OF_SINGLE, [("extra", "Composition.date")]),
    CORE + "familymemberhistory-genetic": (_SLICE_OF_SINGLE, [
        ("extra", i) for i in (
            "FamilyMemberHistory.relationship", "FamilyMemberHistory.sex", "FamilyMemberHistory.born[x]",
            "FamilyMemberHistory.age[x]", "FamilyMemberHistory.deceased[x]", "FamilyMemberHistory.condition",
            "FamilyMemberHistory.condition.id", "FamilyMemberHistory.condition.extension",
            "FamilyMemberHistory.condition.modifierExtension", "FamilyMemberHistory.condition.code",
            "FamilyMemberHistory.condition.outcome", "FamilyMemberHistory.condition.contributedToDeath",
            "FamilyMemberHistory.condition.onset[x]", "FamilyMemberHistory.condition.note")]),
    CORE + "clinicaldocument": (_ROOT_CARDINALITY, [("Composition.extension:versionNumber", "max", "'*'", "'1'")]),
    US + "us-core-provenance": (_SLICE_ENTRY, _agent_slice("ProvenanceAuthor") + _agent_slice("ProvenanceTransmitter")),
    US + "us-core-organization": (_SLICE_ENTRY_CHILDREN, _extra_identifier_children(
        "Organization.identifier:NPI", "Organization.identifier:CLIA")),
    US + "us-core-practitioner": (_SLICE_ENTRY_CHILDREN, _extra_identifier_children("Practitioner.identifier:NPI")),
    CORE + "provenance-relevant-history": (_SLICE_ENTRY, [
        ("Provenance.agent:Author.type", "binding", repr(("extensible", _AGENT_TYPE)),
         repr(("extensible", "http://hl7.org/fhir/ValueSet/provenance-history-agent-type")))]),
    CORE + "elementdefinition-de": (_EXTENSION_KLUDGE, _missing(
        *(f"ElementDefinition.extension:{s}.{c}" for s in ("Question", "AllowedUnits")
          for c in ("id", "extension", "url", "value[x]")))),
}


def _summary(e: dict[str, Any]) -> dict[str, Any]:
    binding = e.get("binding")
    slicing = e.get("slicing")
    return {
        "min": e.get("min"),
        "max": e.get("max"),
        "types": [(type_code(t), t.get("profile", []), t.get("targetProfile", [])) for t in e.get("type", ())],
        "values": {k: v for k, v in e.items() if k.startswith(("fixed", "pattern"))},
        "binding": (binding.get("strength"), binding.get("valueSet")) if binding else None,
        "slicing": (slicing.get("discriminator"), slicing.get("rules"), slicing.get("ordered")) if slicing else None,
    }


def differences(published: list[dict[str, Any]], generated: list[dict[str, Any]]) -> list[Difference]:
    """What differs between two snapshots, in a stable, readable form."""
    old = [e["id"] for e in published]
    new = [e["id"] for e in generated]
    found: list[Difference] = [("missing", i) for i in old if i not in set(new)]
    found += [("extra", i) for i in new if i not in set(old)]
    if [i for i in old if i in set(new)] != [i for i in new if i in set(old)]:
        found.append(("order",))
    by_id = {e["id"]: _summary(e) for e in generated}
    for e in published:
        if e["id"] in by_id:
            mine, theirs = by_id[e["id"]], _summary(e)
            found += [(e["id"], key, repr(theirs[key]), repr(mine[key])) for key in theirs if theirs[key] != mine[key]]
    return found


def _check(sds: list[dict[str, Any]], resolve: Callable[[str], Any]) -> dict[str, list[Difference]]:
    generator = SnapshotGenerator(resolve)
    found: dict[str, list[Difference]] = {}
    for sd in sds:
        stripped = {k: v for k, v in sd.items() if k != "snapshot"}
        generated, _ = generator.generate(stripped)
        assert "snapshot" not in stripped
        found[sd["url"]] = differences(sd["snapshot"]["element"], generated["snapshot"]["element"])
    return found


def _expected(urls: list[str]) -> dict[str, list[Difference]]:
    return {url: KNOWN_DIFFERENCES.get(url, ("", []))[1] for url in urls}


@pytest.mark.shared
@pytest.mark.core
def test_us_core_snapshots_match_the_published_ones(core_packages: Any) -> None:
    published = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(US_CORE.glob("StructureDefinition-*.json"))]
    assert len(published) == 29
    differentials_only = {sd["url"]: {k: v for k, v in sd.items() if k != "snapshot"} for sd in published}

    def resolve(url: str) -> dict[str, Any] | None:
        return differentials_only.get(url.partition("|")[0]) or core_packages.resolve(url)

    found = _check(published, resolve)
    assert found == _expected([sd["url"] for sd in published])


@pytest.mark.core
def test_r4_core_profiles_and_extensions_match_the_published_ones(core_packages: Any) -> None:
    core = next(p for p in core_packages.packages if p.id == "hl7.fhir.r4.core")
    published = []
    for entry in core.entries:
        if entry.resource_type == "StructureDefinition" and entry.derivation == "constraint":
            sd = core.load(entry)
            if sd.get("snapshot", {}).get("element"):
                published.append(sd)
    assert len(published) == 439
    found = _check(published, core_packages.resolve)
    assert {url: d for url, d in found.items() if d} == {
        url: d for url, d in _expected(list(found)).items() if d}


@pytest.mark.core
def test_r4_core_types_regenerate_from_their_differentials(core_packages: Any) -> None:
    """New types (derivation specialization): the differential adds elements under the base's.

    The FHIR build writes resources without the `slicing` that `Element.extension` carries (by url),
    so the extension elements of resources differ in slicing only; nothing else may.
    """
    core = next(p for p in core_packages.packages if p.id == "hl7.fhir.r4.core")
    published = [core.load(e) for e in core.entries
                 if e.resource_type == "StructureDefinition" and e.derivation == "specialization"
                 and e.kind in ("resource", "complex-type")]
    assert len(published) == 187
    found = _check(published, core_packages.resolve)
    unexpected = {url: [d for d in diffs if not (len(d) == 4 and d[1] == "slicing"
                                                 and d[0].endswith(("extension", "modifierExtension")))]
                  for url, diffs in found.items()}
    assert {url: d for url, d in unexpected.items() if d} == {}
    resources = {sd["url"] for sd in published if sd["kind"] == "resource"}
    assert {url for url, diffs in found.items() if diffs} <= resources
