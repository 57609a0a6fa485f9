"""FHIR XML → JSON: exact JSON forms for hand-written pairs, a round trip over core resources, UK Core."""

from __future__ import annotations

import decimal
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import pytest

from conformance.definitions.xml_json import (
    JsonModel,
    XmlConversionError,
    convert_xml,
    decimal_value,
    make_xml_to_json,
    xml_to_json,
)
from conformance.packages import PackageError

REPO = Path(__file__).resolve().parents[2]
PAIRS = REPO / "fixtures" / "definitions" / "xml_json"
UK_CORE = REPO.parent / "shared" / "fhir" / "uk-core-source"


def same(got: Any, expected: Any, where: str = "$") -> list[str]:
    """Strict JSON equality: booleans, integers, strings and objects by type; decimals by value."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected an object, got {got!r}"]
        problems = [f"{where}.{k}: missing" for k in expected if k not in got]
        problems += [f"{where}.{k}: unexpected" for k in got if k not in expected]
        for k in expected.keys() & got.keys():
            problems += same(got[k], expected[k], f"{where}.{k}")
        return problems
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {got!r}"]
        return [p for i, (g, e) in enumerate(zip(got, expected, strict=True)) for p in same(g, e, f"{where}[{i}]")]
    if isinstance(expected, bool) or isinstance(got, bool):
        return [] if type(got) is type(expected) and got == expected else [f"{where}: {got!r} != {expected!r}"]
    if isinstance(expected, decimal.Decimal):
        ok = isinstance(got, float | decimal.Decimal) and decimal.Decimal(repr(got) if isinstance(got, float)
                                                                          else got) == expected
        return [] if ok else [f"{where}: {got!r} != {expected}"]
    return [] if type(got) is type(expected) and got == expected else [f"{where}: {got!r} != {expected!r}"]


# -- decimals --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected", "kind"), [
    ("12", 12, int),
    ("-3", -3, int),
    ("1.5", 1.5, float),
    ("72.0", 72.0, float),
    ("1.50", decimal.Decimal("1.50"), decimal.Decimal),
    ("0.1000", decimal.Decimal("0.1000"), decimal.Decimal),
    ("1e2", decimal.Decimal("1e2"), decimal.Decimal),
    ("0.3333333333333333333", decimal.Decimal("0.3333333333333333333"), decimal.Decimal),
])
def test_decimal_value_keeps_what_was_written(text: str, expected: Any, kind: type) -> None:
    value = decimal_value(text)
    assert type(value) is kind and value == expected
    if "e" not in text:
        assert str(value) == text  # nothing a reader wrote is lost (exponents are written as 1E+2)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN-ish"])
def test_decimal_value_refuses_non_numbers(text: str) -> None:
    with pytest.raises(ValueError):
        decimal_value(text)


# -- hand-written pairs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model(core_type: Any) -> JsonModel:
    return JsonModel(core_type)


@pytest.mark.core
@pytest.mark.parametrize("name", ["patient", "questionnaire", "bundle"])
def test_xml_converts_to_its_exact_json(model: JsonModel, name: str) -> None:
    resource, issues = convert_xml((PAIRS / f"{name}.xml").read_bytes(), model)
    expected = json.loads((PAIRS / f"{name}.json").read_text(encoding="utf-8"), parse_float=decimal.Decimal)
    assert issues == []
    assert same(resource, expected) == []


@pytest.mark.core
def test_primitive_shapes(model: JsonModel) -> None:
    patient = xml_to_json((PAIRS / "patient.xml").read_bytes(), model)
    assert patient["extension"][0]["valueDecimal"] == decimal.Decimal("1.50")
    assert str(patient["extension"][0]["valueDecimal"]) == "1.50"
    assert patient["name"][0]["given"] == ["Jane", None, "Ann"]
    assert patient["name"][0]["_given"][0] is None and patient["name"][0]["_given"][2] is None
    assert patient["_birthDate"]["id"] == "dob"
    assert patient["identifier"][0]["id"] == "nhs"  # an element id attribute is an ordinary property
    assert patient["active"] is True and patient["multipleBirthInteger"] == 2
    assert patient["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')


@pytest.mark.core
def test_unknown_element_is_kept_and_reported(model: JsonModel) -> None:
    data = b'<Patient xmlns="http://hl7.org/fhir">\n  <nickname value="Jo"/>\n  <active value="yes"/>\n</Patient>'
    resource, issues = convert_xml(data, model)
    assert resource == {"resourceType": "Patient", "nickname": "Jo", "active": "yes"}
    assert [(i.code, i.location, i.line, i.column) for i in issues] == [
        ("structure.unknown-element", "Patient.nickname", 2, 3),
        ("value.format", "Patient.active", 3, 3),
    ]


@pytest.mark.core
@pytest.mark.parametrize(("data", "message"), [
    (b'<Patient xmlns="http://hl7.org/fhir"><active value="true"/>', "malformed XML"),
    (b'<Mystery xmlns="http://hl7.org/fhir"/>', "unknown resource type 'Mystery'"),
    (b'<!DOCTYPE x [<!ENTITY a "b">]><Patient xmlns="http://hl7.org/fhir"/>', "DOCTYPE"),
    (b"   ", "the file is empty"),
])
def test_what_cannot_be_converted_is_one_clear_error(model: JsonModel, data: bytes, message: str) -> None:
    with pytest.raises(XmlConversionError) as caught:
        xml_to_json(data, model)
    assert isinstance(caught.value, PackageError)  # the CLI prints it and exits 2
    assert message in str(caught.value) and "\n" not in str(caught.value)


# -- round trip over core resources ----------------------------------------------------------------------

def to_xml(resource: dict[str, Any]) -> str:
    """A small FHIR JSON → XML writer, enough for the round trip (not part of the product)."""
    rtype = resource["resourceType"]
    return f'<{rtype} xmlns="http://hl7.org/fhir">{_xml_children(resource, is_resource=True)}</{rtype}>'


def _xml_children(obj: dict[str, Any], is_resource: bool = False, attributes: tuple[str, ...] = ("id",)) -> str:
    out: list[str] = []
    for key, value in obj.items():
        if key == "resourceType" or key.startswith("_") or (key in attributes and not is_resource
                                                             and isinstance(value, str)):
            continue
        extras = obj.get("_" + key)
        values = value if isinstance(value, list) else [value]
        extra_list = extras if isinstance(extras, list) else [extras] * len(values)
        for item, extra in zip(values, extra_list, strict=True):
            out.append(_xml_element(key, item, extra))
    for key, extras in obj.items():  # primitives that only have extensions
        if key.startswith("_") and key[1:] not in obj:
            for extra in extras if isinstance(extras, list) else [extras]:
                out.append(_xml_element(key[1:], None, extra))
    return "".join(out)


def _xml_element(name: str, value: Any, extra: dict[str, Any] | None) -> str:
    if name == "div":
        return str(value)
    if isinstance(value, dict):
        if "resourceType" in value:
            return f"<{name}>{to_xml(value)}</{name}>"
        names = ("id", "url") if name in ("extension", "modifierExtension") else ("id",)
        attrs = "".join(f" {a}={quoteattr(value[a])}" for a in names if isinstance(value.get(a), str))
        return f"<{name}{attrs}>{_xml_children(value, attributes=names)}</{name}>"
    attrs = ""
    if value is not None:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        attrs += f" value={quoteattr(text)}"
    inner = ""
    if extra:
        if "id" in extra:
            attrs = f" id={quoteattr(extra['id'])}" + attrs
        inner = "".join(_xml_element("extension", e, None) for e in extra.get("extension", ()))
    return f"<{name}{attrs}>{inner}</{name}>" if inner else f"<{name}{attrs}/>"


def _core_sample(core_packages: Any) -> list[dict[str, Any]]:
    """Up to eight resources of each kind in the core package (deterministic: by file name)."""
    package = next(p for p in core_packages.packages if p.id == "hl7.fhir.r4.core")
    taken: dict[str, int] = {}
    sample = []
    for entry in sorted(package.entries, key=lambda e: e.filename):
        if taken.get(entry.resource_type, 0) < 8:
            taken[entry.resource_type] = taken.get(entry.resource_type, 0) + 1
            sample.append(package.load(entry))
    return sample


@pytest.mark.core
def test_core_resources_survive_a_round_trip_through_xml(core_packages: Any, model: JsonModel) -> None:
    sample = _core_sample(core_packages)
    kinds = {r["resourceType"] for r in sample}
    assert {"StructureDefinition", "ValueSet", "CodeSystem", "CapabilityStatement", "ConceptMap",
            "OperationDefinition", "SearchParameter"} <= kinds
    for resource in sample:
        again, issues = convert_xml(to_xml(resource).encode("utf-8"), model)
        expected = json.loads(json.dumps(resource), parse_float=decimal.Decimal)
        assert issues == [], resource.get("url")
        assert same(again, expected) == [], resource.get("url")


# -- the packages layer takes the converter ------------------------------------------------------------------

@pytest.mark.core
def test_a_folder_of_xml_loads_through_the_packages_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          core_type: Any) -> None:
    from conformance.packages import PackageCache, load_packages

    monkeypatch.setenv("CONFORMANCE_CACHE_DIR", str(tmp_path / "user-cache"))
    folder = tmp_path / "ig"
    folder.mkdir()
    (folder / "vs.xml").write_text(
        '<ValueSet xmlns="http://hl7.org/fhir"><url value="http://example.org/fhir/ValueSet/yes-no"/>'
        '<status value="active"/><immutable value="true"/><compose><include>'
        '<system value="http://example.org/yes-no"/><concept><code value="Y"/></concept>'
        '<concept><code value="N"/></concept></include></compose></ValueSet>', encoding="utf-8")
    packages = load_packages([str(folder)], PackageCache.default(), xml_to_json=make_xml_to_json(core_type))
    value_set = packages.resolve("http://example.org/fhir/ValueSet/yes-no")
    assert value_set == {
        "resourceType": "ValueSet", "url": "http://example.org/fhir/ValueSet/yes-no", "status": "active",
        "immutable": True,
        "compose": {"include": [{"system": "http://example.org/yes-no",
                                 "concept": [{"code": "Y"}, {"code": "N"}]}]},
    }


# -- UK Core, as its authors keep it -------------------------------------------------------------------------

@pytest.mark.shared
@pytest.mark.core
def test_every_uk_core_xml_file_converts(model: JsonModel) -> None:
    files = sorted(UK_CORE.rglob("*.xml"))
    by_folder: dict[str, int] = {}
    problems = []
    for path in files:
        resource, issues = convert_xml(path.read_bytes(), model)
        assert resource is not None, path
        by_folder[path.parent.name] = by_folder.get(path.parent.name, 0) + 1
        problems += [(path.name, i.code, i.location, i.line) for i in issues]
    assert by_folder == {"structuredefinitions": 153, "valuesets": 134, "codesystems": 88, "conceptmaps": 3,
                         "CapabilityStatement": 1}
    # the one representation problem in the sources: stray text after a display element
    assert problems == [("CodeSystem-UKCore-EthnicCategoryScotland.xml", "xml.text-content", "CodeSystem.concept[3]",
                         35)]


@pytest.mark.shared
@pytest.mark.core
def test_uk_core_known_values(model: JsonModel) -> None:
    def load(relative: str) -> dict[str, Any]:
        return xml_to_json((UK_CORE / relative).read_bytes(), model)

    patient = load("structuredefinitions/UKCore-Patient.xml")
    assert patient["abstract"] is False and patient["kind"] == "resource"
    assert patient["contact"][0]["telecom"][0] == {"system": "email", "value": "ukcore@hl7.org.uk", "use": "work",
                                                   "rank": 1}
    nhs = next(e for e in patient["differential"]["element"] if e["id"] == "Patient.identifier:nhsNumber.system")
    assert nhs == {"id": "Patient.identifier:nhsNumber.system", "path": "Patient.identifier.system", "min": 1,
                   "fixedUri": "https://fhir.nhs.uk/Id/nhs-number"}
    slicing = next(e for e in patient["differential"]["element"] if e["id"] == "Patient.identifier")["slicing"]
    assert slicing == {"discriminator": [{"type": "value", "path": "system"}], "ordered": False, "rules": "open"}
    ethnic = next(e for e in patient["differential"]["element"] if e["id"] == "Patient.extension:ethnicCategory")
    assert ethnic["type"] == [{"code": "Extension",
                               "profile": ["https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"]}]

    capability = load("CapabilityStatement/CapabilityStatement-UKCore.xml")
    assert capability["format"] == ["application/fhir+json", "application/fhir+xml"]
    assert len(capability["rest"]) == 1 and len(capability["rest"][0]["resource"]) == 47
    assert capability["rest"][0]["resource"][0] == {
        "type": "AllergyIntolerance", "profile": "https://fhir.hl7.org.uk/StructureDefinition/UKCore-AllergyIntolerance"}

    code_system = load("codesystems/CodeSystem-UKCore-NHSNumberVerificationStatus.xml")
    assert code_system["caseSensitive"] is True

    concept_map = load("conceptmaps/ConceptMap-UKCore-AdministrativeGender.xml")
    assert concept_map["group"][0]["element"][0]["code"] == "male"
    assert concept_map["group"][0]["element"][0]["target"][0]["code"] == "1"


def test_top_level_elements_can_be_left_out(model: JsonModel) -> None:
    """`omit` (what the differential checks use: a StructureDefinition without its snapshot); nested elements of
    the same name are kept, and without `omit` everything is converted."""
    from conformance.definitions.xml_json import node_to_json
    from conformance.fhir.xml_reader import read_xml

    data = (b'<StructureDefinition xmlns="http://hl7.org/fhir"><url value="http://example.org/sd"/>'
            b'<snapshot><element id="Patient"><path value="Patient"/></element></snapshot>'
            b'<differential><element id="Patient"><path value="Patient"/><min value="1"/></element></differential>'
            b'</StructureDefinition>')
    root = read_xml(data).root
    assert root is not None
    whole, _ = node_to_json(root, model)
    part, issues = node_to_json(root, model, omit=frozenset({"snapshot"}))
    assert whole is not None and part is not None and issues == []
    assert "snapshot" in whole and "snapshot" not in part
    assert part == {k: v for k, v in whole.items() if k != "snapshot"}
    assert part["differential"]["element"][0]["min"] == 1
