"""HL7's cross-version extension urls: parsed, and R5's elements (generated data) looked up as the HL7 validator
looks them up (as a path, as a choice `path[x]`, inherited from a base type)."""

from __future__ import annotations

import json

from conformance.issues import Issue
from conformance.validation.cross_version import _r5_element, cross_version_parts


def test_cross_version_urls_are_parsed_and_others_are_not() -> None:
    assert cross_version_parts("http://hl7.org/fhir/5.0/StructureDefinition/extension-DeviceRequest.doNotPerform") \
        == ("5.0", "DeviceRequest.doNotPerform")
    assert cross_version_parts("http://hl7.org/fhir/3.0/StructureDefinition/extension-Patient.animal|1") == \
        ("3.0", "Patient.animal")
    assert cross_version_parts("http://hl7.org/fhir/StructureDefinition/patient-birthPlace") is None
    assert cross_version_parts("http://hl7.org/fhir/us/core/StructureDefinition/extension-x") is None
    assert cross_version_parts("http://hl7.org/fhir/R5/StructureDefinition/extension-Patient.gender") is None


def test_r5_elements_are_found_as_paths_choices_and_inherited() -> None:
    assert _r5_element("Observation.triggeredBy") == ("Observation.triggeredBy", ["BackboneElement"])
    assert _r5_element("Patient.deceased") == ("Patient.deceased[x]", ["boolean", "dateTime"])
    assert _r5_element("Patient.text") == ("DomainResource.text", ["Narrative"])
    assert _r5_element("Age.value") == ("Quantity.value", ["decimal"])
    assert _r5_element("Patient.foo") is None
    assert _r5_element("Nothing.text") is None


def test_a_type_itself_is_no_element_for_a_cross_version_extension() -> None:
    from conformance.fhir.json_reader import read_json
    from conformance.validation.cross_version import r5_extension_problems

    url = "http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation"
    root = read_json(json.dumps({"resourceType": "Basic", "extension": [{"url": url, "valueString": "x"}]})).root
    assert root is not None
    issues: list[Issue] = []
    assert r5_extension_problems(root.children_named("extension")[0], url, issues)
    assert [i.code for i in issues] == ["extension.cross-version-element"]
    issues = []
    assert not r5_extension_problems(root, "http://hl7.org/fhir/3.0/StructureDefinition/extension-Patient.animal",
                                     issues)
    assert not r5_extension_problems(root, "http://example.org/fhir/StructureDefinition/x", issues)
    assert issues == []
