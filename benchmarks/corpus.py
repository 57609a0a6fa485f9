"""A deterministic corpus of realistic, valid FHIR R4 Patients and Observations for benchmarks.

Speed depends on shape, so the corpus looks like a real export rather than one resource copied N
times: names, identifiers (NHS numbers with a correct check digit), addresses and telecoms vary;
Observations are vital signs, blood pressure panels with components, lab results with reference
ranges and interpretations, and coded smoking status. The same seed always gives the same bytes,
so numbers from different runs and machines describe the same work.

Every resource is valid base R4 (and R4B, and valid against the R4 JSON schema), so a benchmark
measures the cost of checking good data, which is what a supplier's CI mostly sees.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_SEED = 20240301
XHTML = "http://www.w3.org/1999/xhtml"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

FAMILY = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
          "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
          "Patel", "Khan", "Ahmed", "Singh", "Nowak", "O'Brien", "MacDonald", "Okafor", "Nguyen", "de Souza"]
GIVEN_F = ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Sophia", "Aisha", "Zara", "Chloe", "Ruth",
           "Margaret", "Joan", "Siobhan", "Priya", "Fatima", "Eilidh", "Megan"]
GIVEN_M = ["Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Muhammad", "Jack", "Thomas", "Oscar",
           "William", "David", "Peter", "Rhys", "Callum", "Arjun", "Kwame", "Tomasz"]
STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Manor Road",
           "Park Avenue", "Mill Lane", "Queens Road", "The Crescent"]
TOWNS = [("Leeds", "LS"), ("York", "YO"), ("Bristol", "BS"), ("Manchester", "M"), ("Cardiff", "CF"),
         ("Norwich", "NR"), ("Exeter", "EX"), ("Newcastle upon Tyne", "NE"), ("Leicester", "LE"),
         ("Sheffield", "S")]


@dataclass(frozen=True)
class Corpus:
    """Resources as JSON bytes (what readers get) plus a few facts for the report."""

    items: list[bytes]
    types: dict[str, int]
    seed: int

    @property
    def total_bytes(self) -> int:
        return sum(len(b) for b in self.items)


def build_corpus(count: int, seed: int = DEFAULT_SEED, findings: bool = False) -> Corpus:
    """`count` resources, one Patient for every two Observations, as compact JSON bytes; with
    `findings`, changed as `with_findings` changes them."""
    resources = generate_resources(count, seed)
    if findings:
        resources = with_findings(resources)
    types: dict[str, int] = {}
    for r in resources:
        types[r["resourceType"]] = types.get(r["resourceType"], 0) + 1
    items = [json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode("utf-8") for r in resources]
    return Corpus(items, types, seed)


def generate_resources(count: int, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    patients: list[str] = []
    for i in range(count):
        if i % 3 == 0:
            pid = f"pat-{i:06d}"
            patients.append(pid)
            out.append(_patient(rng, pid))
        else:
            out.append(_observation(rng, f"obs-{i:06d}", rng.choice(patients)))
    return out


# -- Patients -------------------------------------------------------------------------------------

def nhs_number(rng: random.Random) -> str:
    """A 10-digit NHS number with a valid modulus-11 check digit."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(4, 9)
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _narrative(text: str) -> dict[str, str]:
    safe = text.replace("&", "&amp;").replace("<", "&lt;")
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{safe}</div>'}


def _instant(rng: random.Random, start_year: int = 2019) -> datetime:
    base = datetime(start_year, 1, 1, tzinfo=UTC)
    return base + timedelta(seconds=rng.randint(0, 5 * 365 * 24 * 3600), milliseconds=rng.randint(0, 999))


def _fmt(moment: datetime, millis: bool = False) -> str:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if millis:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "+00:00"


def _patient(rng: random.Random, pid: str) -> dict[str, Any]:
    gender = rng.choices(["female", "male", "other", "unknown"], weights=[49, 49, 1, 1])[0]
    given_pool = GIVEN_F if gender == "female" else GIVEN_M if gender == "male" else GIVEN_F + GIVEN_M
    family = rng.choice(FAMILY)
    given = rng.sample(given_pool, rng.choice([1, 1, 2]))
    born = datetime(1930, 1, 1) + timedelta(days=rng.randint(0, 90 * 365))
    town, area = rng.choice(TOWNS)
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"lastUpdated": _fmt(_instant(rng), millis=True)},
        "text": _narrative(f"{' '.join(given)} {family}, {gender}, born {born:%d %B %Y}"),
        "identifier": [{"use": "official", "system": "https://fhir.nhs.uk/Id/nhs-number",
                        "value": nhs_number(rng)}],
        "active": True,
        "name": [{"use": "official", "family": family, "given": given}],
        "gender": gender,
        "birthDate": born.strftime("%Y-%m-%d"),
        "address": [{
            "use": "home",
            "line": [f"{rng.randint(1, 250)} {rng.choice(STREETS)}"],
            "city": town,
            "postalCode": f"{area}{rng.randint(1, 28)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                          f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            "country": "GB",
        }],
        "generalPractitioner": [{"reference": f"Organization/gp-{rng.randint(1, 400):04d}"}],
    }
    if rng.random() < 0.3:
        patient["identifier"].append({"use": "usual", "system": "https://example.org/fhir/Id/mrn",
                                      "value": f"MRN{rng.randint(100000, 999999)}"})
    if rng.random() < 0.2:
        patient["name"][0]["prefix"] = [rng.choice(["Mr", "Mrs", "Ms", "Dr", "Mx"])]
    telecom = []
    if rng.random() < 0.8:
        telecom.append({"system": "phone", "value": f"07700 900{rng.randint(0, 999):03d}", "use": "mobile"})
    if rng.random() < 0.4:
        telecom.append({"system": "email", "value": f"{given[0].lower()}.{family.lower().replace(' ', '')}"
                                                    f"@example.org", "use": "home"})
    if telecom:
        patient["telecom"] = telecom
    if rng.random() < 0.05:
        patient["deceasedDateTime"] = _fmt(_instant(rng))
    if rng.random() < 0.5:
        code, display = rng.choice([("M", "Married"), ("S", "Never Married"), ("D", "Divorced"), ("W", "Widowed")])
        patient["maritalStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                                "code": code, "display": display}]}
    return patient


# -- Observations ---------------------------------------------------------------------------------

def _quantity(value: float | int, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _vital(loinc: str, display: str, unit: str, code: str, low: float, high: float,
           digits: int) -> Callable[[random.Random], dict[str, Any]]:
    def make(rng: random.Random) -> dict[str, Any]:
        value: float | int = round(rng.uniform(low, high), digits) if digits else rng.randint(int(low), int(high))
        return {"category": "vital-signs", "code": (loinc, display), "valueQuantity": _quantity(value, unit, code)}
    return make


def _lab(loinc: str, display: str, unit: str, code: str, ref: tuple[float, float],
         spread: tuple[float, float], digits: int) -> Callable[[random.Random], dict[str, Any]]:
    def make(rng: random.Random) -> dict[str, Any]:
        value = round(rng.uniform(*spread), digits)
        flag = "L" if value < ref[0] else "H" if value > ref[1] else "N"
        return {
            "category": "laboratory",
            "code": (loinc, display),
            "valueQuantity": _quantity(value, unit, code),
            "interpretation": [{"coding": [{"system": INTERPRETATION, "code": flag}]}],
            "referenceRange": [{"low": _quantity(ref[0], unit, code), "high": _quantity(ref[1], unit, code)}],
        }
    return make


def _blood_pressure(rng: random.Random) -> dict[str, Any]:
    systolic, diastolic = rng.randint(95, 175), rng.randint(55, 105)
    return {
        "category": "vital-signs",
        "code": ("85354-9", "Blood pressure panel with all children optional"),
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": "8480-6", "display": "Systolic blood pressure"}]},
             "valueQuantity": _quantity(systolic, "mmHg", "mm[Hg]")},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4", "display": "Diastolic blood pressure"}]},
             "valueQuantity": _quantity(diastolic, "mmHg", "mm[Hg]")},
        ],
    }


def _smoking(rng: random.Random) -> dict[str, Any]:
    code, display = rng.choice([("266919005", "Never smoked tobacco"), ("8517006", "Ex-smoker"),
                                ("77176002", "Smoker")])
    return {
        "category": "social-history",
        "code": ("72166-2", "Tobacco smoking status"),
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
    }


KINDS: list[Callable[[random.Random], dict[str, Any]]] = [
    _vital("8867-4", "Heart rate", "beats/minute", "/min", 48, 130, 0),
    _vital("8310-5", "Body temperature", "degrees C", "Cel", 35.5, 39.5, 1),
    _vital("29463-7", "Body weight", "kg", "kg", 45, 140, 1),
    _vital("9279-1", "Respiratory rate", "breaths/minute", "/min", 10, 30, 0),
    _vital("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%", "%", 88, 100, 0),
    _blood_pressure,
    _lab("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", "mmol/L", (3.5, 5.3), (2.9, 6.4), 1),
    _lab("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", "mmol/L", (133, 146), (125, 152), 0),
    _lab("718-7", "Hemoglobin [Mass/volume] in Blood", "g/L", "g/L", (115, 165), (85, 185), 0),
    _lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%", (4.0, 6.0), (4.2, 11.5), 1),
    _lab("2524-7", "Lactate [Moles/volume] in Serum or Plasma", "mmol/L", "mmol/L", (0.5, 2.2), (0.4, 4.8), 2),
    _smoking,
]


def _observation(rng: random.Random, oid: str, patient_id: str) -> dict[str, Any]:
    kind = rng.choice(KINDS)(rng)
    loinc, display = kind.pop("code")
    category = kind.pop("category")
    effective = _instant(rng)
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": oid,
        "meta": {"lastUpdated": _fmt(effective + timedelta(hours=2), millis=True)},
        "text": _narrative(f"{display} for {patient_id}"),
        "status": rng.choices(["final", "amended", "preliminary"], weights=[90, 5, 5])[0],
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}], "text": display},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": _fmt(effective),
        "issued": _fmt(effective + timedelta(minutes=rng.randint(5, 600)), millis=True),
        "performer": [{"reference": f"Practitioner/pr-{rng.randint(1, 900):04d}"}],
    }
    obs.update(kind)
    if rng.random() < 0.1:
        obs["note"] = [{"text": rng.choice(["Patient fasting.", "Repeat requested.", "Sample slightly haemolysed.",
                                            "Taken after exercise."])}]
    return obs


# -- the same corpus with the findings of a typical export ---------------------------------------

MISSING_PATIENT = "Patient/not-in-export"


def with_findings(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The resources with the findings real exports carry, so benchmarks also price reporting:

    - no narrative on any resource (`dom-6`, a warning on every resource: typical of bulk exports);
    - every second Patient's marital status coded outside its extensible value set (a warning);
    - every fourth Observation's subject a Patient that is not in the export (an unresolved
      reference, reported by `check`'s references-resolve rule and inside Bundles).
    Deterministic: the same input gives the same output."""
    return list(iter_with_findings(resources))


def iter_with_findings(resources: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`with_findings`, one resource at a time (for exports too big to hold)."""
    patients = observations = 0
    for resource in resources:
        changed = json.loads(json.dumps(resource))
        changed.pop("text", None)
        if changed["resourceType"] == "Patient":
            if patients % 2 == 0:
                changed["maritalStatus"] = {"coding": [{"system": "https://example.org/marital-status",
                                                        "code": "civil-partnership"}]}
            patients += 1
        elif changed["resourceType"] == "Observation":
            if observations % 4 == 0:
                changed["subject"] = {"reference": MISSING_PATIENT}
            observations += 1
        yield changed
