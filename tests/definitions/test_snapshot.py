"""Snapshot generation on hand-written profiles (fixtures/definitions/snapshot) over the R4 core package.

Each test names the profiling rule it pins down: where an element goes (deep paths, slices,
re-slices, extension slices, choices, content references), what it becomes (merged constraints)
and what is reported when a profile is incomplete or wrong.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from conformance.definitions.snapshot import (
    EXTENSION_SLICING,
    TYPE_SLICING,
    SnapshotGenerator,
    generate_snapshot,
)
from conformance.definitions.xml_json import type_code
from conformance.issues import Issue, Severity

CORE_SD = "http://hl7.org/fhir/StructureDefinition/"
EXAMPLE_SD = "http://example.org/fhir/StructureDefinition/"

pytestmark = pytest.mark.core

PATIENT = EXAMPLE_SD + "test-patient"


def ids(sd: dict[str, Any]) -> list[str]:
    return [e["id"] for e in sd["snapshot"]["element"]]


def element(sd: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(e for e in sd["snapshot"]["element"] if e["id"] == ident)


def between(sd: dict[str, Any], first: str, stop: str) -> list[str]:
    """The ids from `first` up to (not including) `stop`."""
    all_ids = ids(sd)
    return all_ids[all_ids.index(first):all_ids.index(stop)]


def codes(e: dict[str, Any]) -> list[str]:
    return [type_code(t) for t in e.get("type", ())]


def rows(issues: list[Issue]) -> list[tuple[str, str, str]]:
    return [(i.severity.value, i.code, i.location) for i in issues]


@pytest.fixture
def generator(resolver: Any) -> SnapshotGenerator:
    return SnapshotGenerator(resolver)


@pytest.fixture
def patient(generator: SnapshotGenerator, fixture_definitions: dict[str, Any]) -> dict[str, Any]:
    sd, _ = generator.generate(fixture_definitions[PATIENT])
    return sd


def test_a_deep_path_expands_the_data_type_in_its_own_order(patient: dict[str, Any]) -> None:
    assert between(patient, "Patient.name", "Patient.telecom") == [
        "Patient.name", "Patient.name.id", "Patient.name.extension", "Patient.name.use", "Patient.name.text",
        "Patient.name.family", "Patient.name.given", "Patient.name.prefix", "Patient.name.suffix",
        "Patient.name.period",
    ]
    assert element(patient, "Patient.name")["min"] == 1
    assert element(patient, "Patient.name.family")["min"] == 1
    assert element(patient, "Patient.name.family")["base"] == {"path": "HumanName.family", "min": 0, "max": "1"}
    # untouched complex elements are not expanded
    assert ids(patient)[ids(patient).index("Patient.telecom") + 1] == "Patient.gender"


def test_slices_and_reslices_follow_their_slicing_entry(patient: dict[str, Any]) -> None:
    identifier_children = ["id", "extension", "use", "type", "system", "value", "period", "assigner"]
    assert between(patient, "Patient.identifier", "Patient.active") == (
        ["Patient.identifier", "Patient.identifier:nhsNumber"]
        + [f"Patient.identifier:nhsNumber.{c}" for c in identifier_children[:2]]
        + ["Patient.identifier:nhsNumber.extension:verification"]
        + [f"Patient.identifier:nhsNumber.{c}" for c in identifier_children[2:]]
        + ["Patient.identifier:local", "Patient.identifier:local/official"]
        + [f"Patient.identifier:local/official.{c}" for c in identifier_children]
    )
    assert element(patient, "Patient.identifier")["slicing"] == {
        "discriminator": [{"type": "value", "path": "system"}], "ordered": False, "rules": "open"}
    nhs = element(patient, "Patient.identifier:nhsNumber")
    assert (nhs["sliceName"], nhs["path"], nhs["min"], nhs["max"]) == ("nhsNumber", "Patient.identifier", 0, "1")
    assert element(patient, "Patient.identifier:nhsNumber.system")["fixedUri"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert element(patient, "Patient.identifier:nhsNumber.value")["maxLength"] == 10
    reslice = element(patient, "Patient.identifier:local/official")
    assert reslice["sliceName"] == "local/official" and reslice["max"] == "1"
    assert element(patient, "Patient.identifier:local")["slicing"]["discriminator"] == [{"type": "value",
                                                                                           "path": "use"}]
    assert element(patient, "Patient.identifier:local/official.use")["fixedCode"] == "official"


def test_a_new_slice_starts_from_the_element_as_inherited(patient: dict[str, Any]) -> None:
    assert element(patient, "Patient.identifier")["mustSupport"] is True  # this profile's change
    assert "mustSupport" not in element(patient, "Patient.identifier:nhsNumber")
    assert element(patient, "Patient.identifier:nhsNumber")["base"] == {"path": "Patient.identifier", "min": 0,
                                                                        "max": "*"}


def _profile(name: str, base: str, *elements: dict[str, Any]) -> dict[str, Any]:
    """A differential-only profile of a core resource; each element's path is its id without slice names."""
    diff = [dict(e, path=".".join(part.partition(":")[0] for part in e["id"].split("."))) for e in elements]
    return {"resourceType": "StructureDefinition", "url": EXAMPLE_SD + name, "name": name, "status": "draft",
            "kind": "resource", "abstract": False, "type": base, "derivation": "constraint",
            "baseDefinition": CORE_SD + base, "differential": {"element": diff}}


LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
BY_SYSTEM = {"discriminator": [{"type": "value", "path": "system"}], "rules": "open"}
# the shape of UK Core's blood pressure: the unsliced component's codings are sliced by system, then
# the component slices name those coding slices again without repeating the systems
BLOOD_PRESSURE = _profile(
    "test-blood-pressure", "Observation",
    {"id": "Observation.component", "min": 1,
     "slicing": {"discriminator": [{"type": "value", "path": "code.text"}], "rules": "closed"}},
    {"id": "Observation.component.code.coding", "slicing": BY_SYSTEM},
    {"id": "Observation.component.code.coding:loinc", "sliceName": "loinc", "min": 1, "max": "1"},
    {"id": "Observation.component.code.coding:loinc.system", "fixedUri": LOINC},
    {"id": "Observation.component.code.coding:snomed", "sliceName": "snomed"},
    {"id": "Observation.component.code.coding:snomed.system", "fixedUri": SNOMED},
    {"id": "Observation.component:systolic", "sliceName": "systolic", "min": 1, "max": "1"},
    {"id": "Observation.component:systolic.code.coding", "slicing": BY_SYSTEM},
    {"id": "Observation.component:systolic.code.coding:loinc", "sliceName": "loinc", "min": 1, "max": "1"},
    {"id": "Observation.component:systolic.code.coding:loinc.code", "fixedCode": "8480-6"},
    {"id": "Observation.component:diastolic", "sliceName": "diastolic", "max": "1"},
    # out of order: the entry changed after its slices were made does not change them
    {"id": "Observation.component.code.coding:late", "sliceName": "late"},
)


def test_a_new_slice_starts_from_the_children_as_the_slicing_entry_constrains_them(
        generator: SnapshotGenerator) -> None:
    """R4 ElementDefinition.slicing: the entry "is the definition that applies to all the slices", with
    "the common constraints on the children of the element" (what UK Core's blood pressure relies on)."""
    sd, issues = generator.generate(BLOOD_PRESSURE)
    assert issues == []
    systolic = "Observation.component:systolic.code.coding"
    assert element(sd, systolic)["slicing"] == BY_SYSTEM
    assert element(sd, f"{systolic}:loinc.system")["fixedUri"] == LOINC  # the entry's, so the slices differ
    assert element(sd, f"{systolic}:snomed.system")["fixedUri"] == SNOMED
    assert element(sd, f"{systolic}:loinc.code")["fixedCode"] == "8480-6"  # the slice's own, on top
    assert [(e["min"], e["max"]) for e in (element(sd, f"{systolic}:loinc"), element(sd, f"{systolic}:snomed"))] \
        == [(1, "1"), (0, "*")]
    # a slice the differential never walks into still carries the entry's children
    assert element(sd, "Observation.component:diastolic.code.coding:snomed.system")["fixedUri"] == SNOMED
    assert between(sd, "Observation.component:diastolic.code.coding", "Observation.component:diastolic.code.text")[
        :3] == ["Observation.component:diastolic.code.coding", "Observation.component:diastolic.code.coding:loinc",
                "Observation.component:diastolic.code.coding:loinc.id"]
    # the element itself is the slice's own, as inherited: not the entry's min 1 or slicing
    diastolic = element(sd, "Observation.component:diastolic")
    assert (diastolic["min"], diastolic["max"], "slicing" in diastolic) == (0, "1", False)
    # nothing leaks between the entry and its slices, either way
    assert "fixedCode" not in element(sd, "Observation.component.code.coding:loinc.code")
    assert "Observation.component.code.coding:late" in ids(sd)
    assert not [i for i in ids(sd) if i.startswith("Observation.component:") and ":late" in i]


def test_type_and_extension_slices_take_their_children_from_their_type(generator: SnapshotGenerator) -> None:
    """An entry's children are those of its (choice or Extension) type; a slice's are its own type's."""
    sd, issues = generator.generate(_profile(
        "test-typed-slices", "Observation",
        {"id": "Observation.extension.id", "maxLength": 20},
        {"id": "Observation.extension:ethnic", "sliceName": "ethnic",
         "type": [{"code": "Extension", "profile": [EXAMPLE_SD + "test-ethnic-category"]}]},
        {"id": "Observation.extension:ethnic.value[x]", "min": 1},
        {"id": "Observation.value[x].id", "maxLength": 20},
        {"id": "Observation.value[x]:valueQuantity", "sliceName": "valueQuantity", "type": [{"code": "Quantity"}]},
        {"id": "Observation.value[x]:valueQuantity.system", "fixedUri": "http://unitsofmeasure.org"},
    ))
    assert issues == []
    assert codes(element(sd, "Observation.extension:ethnic.value[x]")) == ["CodeableConcept"]
    assert "maxLength" not in element(sd, "Observation.extension:ethnic.id")
    assert element(sd, "Observation.value[x]:valueQuantity.system")["fixedUri"] == "http://unitsofmeasure.org"
    assert "maxLength" not in element(sd, "Observation.value[x]:valueQuantity.id")


def test_extension_slices(patient: dict[str, Any]) -> None:
    assert element(patient, "Patient.extension")["slicing"] == EXTENSION_SLICING  # added: extensions slice by url
    ethnic = element(patient, "Patient.extension:ethnicCategory")
    assert ethnic["max"] == "1" and ethnic["short"] == "The ethnicity of the subject"  # the definition's own
    assert ethnic["type"] == [{"code": "Extension", "profile": [EXAMPLE_SD + "test-ethnic-category"]}]
    # walked into: the children come from the extension definition (generated on the way)
    assert between(patient, "Patient.extension:ethnicCategory", "Patient.extension:fetalStatus")[1:] == [
        "Patient.extension:ethnicCategory.id", "Patient.extension:ethnicCategory.extension",
        "Patient.extension:ethnicCategory.url", "Patient.extension:ethnicCategory.value[x]"]
    assert element(patient, "Patient.extension:ethnicCategory.extension")["max"] == "0"
    assert element(patient, "Patient.extension:ethnicCategory.url")["fixedUri"] == EXAMPLE_SD + "test-ethnic-category"
    value = element(patient, "Patient.extension:ethnicCategory.value[x]")
    assert (codes(value), value["min"], value["binding"]["strength"]) == (["CodeableConcept"], 1, "extensible")
    assert value["short"] == "The ethnic category, as the NHS Data Dictionary codes it"
    # not walked into: no children
    after = ids(patient)[ids(patient).index("Patient.identifier:nhsNumber.extension:verification") + 1]
    assert after == "Patient.identifier:nhsNumber.use"


def test_an_unresolved_extension_is_reported_once_and_its_base_type_used(
        generator: SnapshotGenerator, fixture_definitions: dict[str, Any]) -> None:
    sd, issues = generator.generate(fixture_definitions[PATIENT])
    missing = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Patient.fetalStatus"
    assert rows(issues) == [("information", "definition.unresolved", "StructureDefinition.differential.element[3]")]
    assert missing in issues[0].message and PATIENT in issues[0].message
    assert between(sd, "Patient.extension:fetalStatus", "Patient.modifierExtension") == [
        "Patient.extension:fetalStatus", "Patient.extension:fetalStatus.id", "Patient.extension:fetalStatus.extension",
        "Patient.extension:fetalStatus.url", "Patient.extension:fetalStatus.value[x]"]
    assert element(sd, "Patient.extension:fetalStatus.value[x]")["short"] == "Fetal status"
    assert len(codes(element(sd, "Patient.extension:fetalStatus.value[x]"))) == 50  # Extension.value[x] as is
    # a profile built on this one names the same definition: not reported again by the same generator
    _, again = generator.generate(fixture_definitions[EXAMPLE_SD + "test-derived-patient"])
    assert again == []


def test_an_extension_on_a_primitive_expands_the_primitive(patient: dict[str, Any]) -> None:
    assert between(patient, "Patient.birthDate", "Patient.deceased[x]") == [
        "Patient.birthDate", "Patient.birthDate.id", "Patient.birthDate.extension",
        "Patient.birthDate.extension:birthTime", "Patient.birthDate.value"]
    assert element(patient, "Patient.birthDate.extension")["slicing"] == EXTENSION_SLICING
    # the extension definition's root cardinality (0..1) applies where it is used
    birth_time = element(patient, "Patient.birthDate.extension:birthTime")
    assert (birth_time["min"], birth_time["max"]) == (0, "1")
    assert element(patient, "Patient.extension:fetalStatus")["max"] == "*"  # not loaded: the base's


def test_choices(patient: dict[str, Any], generator: SnapshotGenerator,
                 fixture_definitions: dict[str, Any]) -> None:
    assert codes(element(patient, "Patient.deceased[x]")) == ["boolean"]
    # a renamed choice (`multipleBirthInteger`) is a type slice of `multipleBirth[x]`
    choice = element(patient, "Patient.multipleBirth[x]")
    assert (choice["slicing"], codes(choice)) == (TYPE_SLICING, ["integer"])
    typed = element(patient, "Patient.multipleBirth[x]:multipleBirthInteger")
    assert (typed["sliceName"], codes(typed), typed["minValueInteger"]) == ("multipleBirthInteger", ["integer"], 1)

    observation, issues = generator.generate(fixture_definitions[EXAMPLE_SD + "test-observation"])
    assert issues == []
    quantity = ["id", "extension", "value", "comparator", "unit", "system", "code"]
    assert between(observation, "Observation.value[x]", "Observation.dataAbsentReason") == (
        ["Observation.value[x]", "Observation.value[x]:valueQuantity"]
        + [f"Observation.value[x]:valueQuantity.{c}" for c in quantity])
    assert element(observation, "Observation.value[x]:valueQuantity")["min"] == 1
    assert element(observation, "Observation.value[x]:valueQuantity.system")["fixedUri"] == "http://unitsofmeasure.org"
    # inside a slice's inherited content a renamed choice constrains the type (as the HL7 generator does)
    assert between(observation, "Observation.component:systolic.value[x]",
                   "Observation.component:systolic.dataAbsentReason") == (
        ["Observation.component:systolic.value[x]"]
        + [f"Observation.component:systolic.value[x].{c}" for c in quantity])
    systolic_value = element(observation, "Observation.component:systolic.value[x]")
    assert codes(systolic_value) == ["Quantity"] and "slicing" not in systolic_value
    assert element(observation, "Observation.component:systolic.value[x].code")["fixedCode"] == "mm[Hg]"
    # an explicit type slice gets the type slicing it implies
    note = element(observation, "Observation.component:note.value[x]")
    assert (note["slicing"], codes(note)) == (TYPE_SLICING, ["string"])
    assert element(observation, "Observation.component:note.value[x]:valueString")["maxLength"] == 200


def test_a_content_reference_is_expanded_when_walked_into(generator: SnapshotGenerator,
                                                         fixture_definitions: dict[str, Any]) -> None:
    sd, issues = generator.generate(fixture_definitions[EXAMPLE_SD + "test-questionnaire"])
    assert issues == []
    all_ids = ids(sd)
    item_children = [i[len("Questionnaire.item."):] for i in all_ids
                     if i.startswith("Questionnaire.item.") and not i.startswith("Questionnaire.item.item.")]
    nested = [i[len("Questionnaire.item.item."):] for i in all_ids if i.startswith("Questionnaire.item.item.")]
    assert nested == item_children
    inner = element(sd, "Questionnaire.item.item")
    assert "contentReference" not in inner and codes(inner) == ["BackboneElement"]
    assert element(sd, "Questionnaire.item.item.linkId")["maxLength"] == 20
    assert element(sd, "Questionnaire.item.item.item")["contentReference"] == "#Questionnaire.item"


def test_constraints_accumulate_with_their_sources(patient: dict[str, Any]) -> None:
    root = [(c["key"], c["source"]) for c in element(patient, "Patient")["constraint"]]
    assert root[:2] == [("dom-2", CORE_SD + "DomainResource"), ("dom-3", CORE_SD + "DomainResource")]
    assert root[-1] == ("tp-1", PATIENT)
    assert [c["key"] for c in element(patient, "Patient.name.family")["constraint"]] == ["ele-1"]


def test_other_constraints_are_merged(patient: dict[str, Any]) -> None:
    assert element(patient, "Patient.gender")["binding"] == {
        "strength": "required", "valueSet": "http://example.org/fhir/ValueSet/test-gender"}
    assert element(patient, "Patient.contact.relationship")["patternCodeableConcept"] == {
        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N"}]}
    assert element(patient, "Patient.generalPractitioner")["type"] == [
        {"code": "Reference", "targetProfile": [CORE_SD + "Organization"]}]
    assert element(patient, "Patient.generalPractitioner")["max"] == "*"


def test_a_profile_on_a_profile(generator: SnapshotGenerator, fixture_definitions: dict[str, Any],
                                resolver: Any) -> None:
    derived, issues = generator.generate(fixture_definitions[EXAMPLE_SD + "test-derived-patient"])
    # the base had no snapshot: generated on the way, its issue reported with this run
    assert rows(issues) == [("information", "definition.unresolved", "StructureDefinition.differential.element[3]")]
    slices = [i for i in ids(derived) if i.startswith(("Patient.extension:", "Patient.identifier:")) and "." not in
              i.partition(":")[2]]
    assert slices == ["Patient.extension:ethnicCategory", "Patient.extension:fetalStatus",
                      "Patient.extension:religion", "Patient.identifier:nhsNumber", "Patient.identifier:local",
                      "Patient.identifier:local/official", "Patient.identifier:temporary"]
    nhs = element(derived, "Patient.identifier:nhsNumber")
    assert (nhs["min"], nhs["max"]) == (1, "1")
    assert element(derived, "Patient.identifier:nhsNumber.use")["fixedCode"] == "official"
    assert element(derived, "Patient.identifier:nhsNumber.system")["fixedUri"] == "https://fhir.nhs.uk/Id/nhs-number"
    # the base is generated once and cached; asking for it again reports nothing new
    base, again = generator.generate(fixture_definitions[PATIENT])
    assert again == [] and element(base, "Patient.identifier:nhsNumber")["min"] == 0
    assert resolver.calls.count(PATIENT) == 1
    assert resolver.calls.count(CORE_SD + "Identifier") == 1


def test_what_cannot_be_applied_is_reported_and_the_rest_generated(generator: SnapshotGenerator,
                                                                   fixture_definitions: dict[str, Any]) -> None:
    sd, issues = generator.generate(fixture_definitions[EXAMPLE_SD + "test-broken"])
    assert [(i.severity, i.code, i.location) for i in issues] == [
        (Severity.WARNING, "definition.unplaced-element", "StructureDefinition.differential.element[1]"),
        (Severity.WARNING, "definition.invalid-differential", "StructureDefinition.differential.element[2]"),
        (Severity.WARNING, "definition.invalid-differential", "StructureDefinition.differential.element[3]"),
        (Severity.WARNING, "definition.invalid-differential", "StructureDefinition.differential.element[3]"),
        (Severity.WARNING, "definition.unplaced-element", "StructureDefinition.differential.element[4]"),
        (Severity.WARNING, "definition.invalid-differential", "StructureDefinition.differential.element[5]"),
    ]
    assert "'Patient' has no element 'nickname'" in issues[0].message
    assert "max 2 is more than the base's max 1" in issues[1].message
    assert "'active' has no slicing" in issues[2].message and "does not repeat" in issues[3].message
    assert "'Patient.name.family' has no element 'given'" in issues[4].message
    assert "type string is not one of the base's types (code)" in issues[5].message
    assert "Patient.nickname" not in ids(sd)
    assert "Patient.name.family.id" not in ids(sd)  # a failed path leaves nothing behind
    assert element(sd, "Patient.gender")["max"] == "2"  # applied as written
    assert element(sd, "Patient.active:flag")["sliceName"] == "flag"


def test_a_missing_base_leaves_the_definition_without_a_snapshot(generator: SnapshotGenerator,
                                                                 fixture_definitions: dict[str, Any]) -> None:
    orphan = fixture_definitions[EXAMPLE_SD + "test-orphan"]
    sd, issues = generator.generate(orphan)
    assert sd is orphan and "snapshot" not in sd
    assert rows(issues) == [("information", "definition.unresolved", "StructureDefinition.baseDefinition")]
    assert issues[0].message == (
        "the base definition http://example.org/fhir/StructureDefinition/not-loaded is not in the loaded packages "
        "(needed by http://example.org/fhir/StructureDefinition/test-orphan); it gets no snapshot")


def test_a_cycle_is_reported_not_followed(generator: SnapshotGenerator, fixture_definitions: dict[str, Any]) -> None:
    sd, issues = generator.generate(fixture_definitions[EXAMPLE_SD + "test-cycle-a"])
    assert "snapshot" not in sd
    assert rows(issues) == [("warning", "definition.circular", "StructureDefinition.baseDefinition")]
    assert generator.snapshot_of(EXAMPLE_SD + "test-cycle-b") is None


def test_inputs_are_never_changed(resolver: Any, fixture_definitions: dict[str, Any]) -> None:
    before = copy.deepcopy(fixture_definitions)
    patient_core = copy.deepcopy(resolver(CORE_SD + "Patient"))
    for url in fixture_definitions:
        generate_snapshot(fixture_definitions[url], resolver)
    assert fixture_definitions == before
    assert resolver(CORE_SD + "Patient") == patient_core


def test_snapshot_of_returns_published_snapshots_as_they_are(generator: SnapshotGenerator, resolver: Any) -> None:
    published = resolver(CORE_SD + "vitalsigns")
    assert generator.snapshot_of(CORE_SD + "vitalsigns") is published
    generated = generator.snapshot_of(PATIENT)
    assert generated is not None and ids(generated)[0] == "Patient"
    assert generator.snapshot_of("http://example.org/nowhere") is None


MALFORMED: list[dict[str, Any]] = [
    {"differential": "not an object"},
    {"differential": {"element": "not a list"}},
    {"differential": {"element": [42, None, {"path": 3}, {"id": 5, "path": "Patient.name"}]}},
    {"differential": {"element": [{"path": "Patient.name", "min": "one", "max": 7, "type": "HumanName",
                                   "alias": "x", "condition": 3}]}},
    {"differential": {"element": [{"path": "Patient.name", "type": [{"code": "HumanName", "profile": "x"}, 3],
                                   "binding": "x", "slicing": [], "constraint": {}, "extension": "e"}]}},
    {"differential": {"element": [{"path": "Patient.identifier", "sliceName": 3},
                                  {"id": "Patient..x", "path": "Patient.identifier.system"},
                                  {"id": "Patient.identifier:a:b.system", "path": "Patient.identifier.system"},
                                  {"path": "Patient.extension.extension.value[x]", "sliceName": "s"},
                                  {"path": "Patient.extension", "sliceName": "e",
                                   "type": [{"code": "Extension", "profile": [None]}]},
                                  {"path": "Patient.extension.value[x]"},
                                  {"path": "Patient.deceasedQuantity"},
                                  {"path": "Patient.contact.name.given.extension.value[x]"}]}},
    {"baseDefinition": 42},
    {"snapshot": "broken"},
]


@pytest.mark.parametrize("change", MALFORMED)
def test_malformed_definitions_never_crash(resolver: Any, fixture_definitions: dict[str, Any],
                                           change: dict[str, Any]) -> None:
    sd = dict(fixture_definitions[EXAMPLE_SD + "test-broken"], **change)
    result, issues = SnapshotGenerator(resolver).generate(sd)
    assert isinstance(result, dict) and all(isinstance(i, Issue) for i in issues)
    if "snapshot" in result and isinstance(result["snapshot"], dict):
        assert ids(result)[0] == "Patient"


def test_apply_differential_generates_afresh_and_returns_only_the_profiles_own_problems(
        generator: SnapshotGenerator, fixture_definitions: dict[str, Any]) -> None:
    """What `validate` uses to judge a StructureDefinition's own differential (structure_definitions.py)."""
    broken = fixture_definitions[EXAMPLE_SD + "test-broken"]
    cached, issues = generator.generate(broken)
    sd, problems = generator.apply_differential(broken)
    assert [(index, code) for index, code, _ in problems] == [
        (1, "definition.unplaced-element"), (2, "definition.invalid-differential"),
        (3, "definition.invalid-differential"), (3, "definition.invalid-differential"),
        (4, "definition.unplaced-element"), (5, "definition.invalid-differential")]
    assert [reason for _, _, reason in problems] == [i.message.split(": ", 1)[1] for i in issues]
    assert sd is not cached and ids(sd) == ids(cached)  # generated again, not served from the cache
    again, _ = generator.generate(broken)
    assert again is cached  # and the cache is left as it was
    _, none = generator.apply_differential(fixture_definitions[PATIENT])
    assert none == []
