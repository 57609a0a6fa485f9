"""The search rules of GET /Patient called directly: each parameter rule's error code, the minimum and fuzzy
combinations, matching (wildcards, Soundex, history, ranges, postcodes) and scores, and what a search withholds."""

from __future__ import annotations

import pytest

from conformance.reference.apis.pds.criteria import parse
from conformance.reference.apis.pds.matching import soundex
from conformance.reference.apis.pds.records import Patients
from conformance.reference.apis.pds.searching import search
from conformance.reference.outcomes import FhirError

BASE = "https://pds.example/personal-demographics/FHIR/R4"
JANE = [("family", "Smith"), ("gender", "female"), ("birthdate", "eq2010-10-22")]


def refused(query: list[tuple[str, str]]) -> tuple[int, str]:
    with pytest.raises(FhirError) as caught:
        parse(query)
    return caught.value.status, caught.value.error_code


@pytest.mark.parametrize(("query", "answer"), [
    ([], (400, "UNSUPPORTED_SERVICE")),
    ([("_max-results", "5")], (400, "UNSUPPORTED_SERVICE")),  # no search parameter, only an option
    ([*JANE, ("invalidParam", "123")], (400, "ADDITIONAL_PROPERTIES")),
    ([*JANE[:2], ("birthdate", "22/10/2010")], (400, "INVALID_VALUE")),
    ([*JANE[:2], ("birthdate", "eq2010-02-30")], (400, "INVALID_VALUE")),
    ([("family", "Smith"), ("gender", "mal"), ("birthdate", "eq2010-10-22")], (400, "INVALID_VALUE")),
    ([*JANE, ("_max-results", "0")], (400, "INVALID_VALUE")),
    ([*JANE, ("_max-results", "51")], (400, "INVALID_VALUE")),
    ([*JANE, ("_fuzzy-match", "yes")], (400, "INVALID_VALUE")),
    ([("family", "S" * 36), ("birthdate", "eq2010-10-22")], (400, "INVALID_VALUE")),
    ([*JANE, ("address-postcode", "LS1 6AE"), ("address-postalcode", "LS1 6AE")], (400, "INVALID_SEARCH_DATA")),
    ([*JANE, ("family", "Jones")], (400, "INVALID_SEARCH_DATA")),  # a single-valued parameter twice
    ([*JANE[:2], ("birthdate", "ge2010-01-01"), ("birthdate", "ge2010-02-01")], (400, "INVALID_SEARCH_DATA")),
    ([("family", "S*"), ("birthdate", "eq2010-10-22")], (400, "INVALID_SEARCH_DATA")),
    ([*JANE, ("email", "jane*@example.com")], (400, "INVALID_SEARCH_DATA")),
    ([("family", "Sm*"), ("given", "Jane"), ("birthdate", "eq2010-10-22"), ("_fuzzy-match", "true")],
     (400, "INVALID_SEARCH_DATA")),
    ([("family", "Smith"), ("birthdate", "eq2010-10-22"), ("_fuzzy-match", "true")], (400, "INVALID_SEARCH_DATA")),
    ([("family", "Smith"), ("gender", "female")], (400, "MISSING_VALUE")),
    ([("email", "j.smith@example.com"), ("phone", "0163")], (400, "MISSING_VALUE")),
    ([("birthdate", "eq2010-10-22"), ("phone", "01632960587")], (400, "INVALID_SEARCH_DATA")),
])
def test_each_rule_is_refused_with_its_error_code(query: list[tuple[str, str]], answer: tuple[int, str]) -> None:
    assert refused(query) == answer


@pytest.mark.parametrize("query", [
    [("family", "Smith"), ("given", "Jane"), ("birthdate", "eq2010-10-22"), ("_fuzzy-match", "true")],
    [("family", "Smith"), ("gender", "female"), ("birthdate", "eq2010-10-22"), ("address-postalcode", "LS1 6AE"),
     ("_fuzzy-match", "true")],
    [("given", "Jane"), ("gender", "female"), ("birthdate", "eq2010-10-22"), ("address-postalcode", "LS1 6AE"),
     ("_fuzzy-match", "true")],
])
def test_the_three_fuzzy_combinations_are_accepted(query: list[tuple[str, str]]) -> None:
    assert parse(query).fuzzy is True


def test_soundex_codes_the_homophones_alike() -> None:
    assert soundex("Smith") == soundex("Smyth") == soundex("Smythe") == "S530"
    assert (soundex("Robert"), soundex("Rupert"), soundex("Ashcraft"), soundex("Tymczak")) == (
        "R163", "R163", "A261", "T522")


def ids_scores(patients: Patients, query: list[tuple[str, str]]) -> list[tuple[str, float]]:
    bundle = search(parse(query), patients, BASE)
    return [(e["resource"]["id"], e["search"]["score"]) for e in bundle.get("entry", [])]


def test_an_exact_search_scores_one_and_a_wildcard_matches_partly(patients: Patients) -> None:
    assert ids_scores(patients, JANE) == [("9000000009", 1.0)]
    wildcard = ids_scores(patients, [("family", "Sm*"), *JANE[1:]])
    assert [i for i, _ in wildcard] == ["9000000009", "9000000017", "9000000025"]
    assert all(score < 1.0 for _, score in wildcard)
    assert ids_scores(patients, [("family", "Sm*"), *JANE[1:], ("_exact-match", "true")]) == []


ALAN = [("family", "Smith"), ("birthdate", "eq1990-05-20")]  # Alan Michael Smith: a first and a middle name


def test_a_given_name_wildcard_matches_the_start_of_the_first_given_name_only(patients: Patients) -> None:
    # the score averages the name (0.8, a wildcard match) and the date of birth (1.0)
    assert ids_scores(patients, [*ALAN, ("given", "Ala*")]) == [("9000000106", 0.9)]
    assert ids_scores(patients, [*ALAN, ("given", "Mic*")]) == []  # "can be searched with Ala* but not Mic*"
    assert ids_scores(patients, [*ALAN, ("given", "Alan"), ("given", "Mic*")]) == [("9000000106", 0.9)]
    with_fault = search(parse([*ALAN, ("given", "Mic*")]), patients, BASE, first_given_only=False)
    assert [e["resource"]["id"] for e in with_fault["entry"]] == ["9000000106"]


@pytest.mark.parametrize("given", ["J*", "*ane", "Ja*"])
def test_a_given_name_wildcard_is_refused_in_the_first_two_characters_unless_the_fault_is_on(given: str) -> None:
    query = [*JANE, ("given", given)]
    if given == "Ja*":
        assert parse(query).given == ("Ja*",)
    else:
        assert refused(query) == (400, "INVALID_SEARCH_DATA")
    assert parse(query, check_wildcard_position=False).given == (given,)


def test_a_fuzzy_search_finds_homophones_and_ranks_the_exact_match_first(patients: Patients) -> None:
    found = ids_scores(patients, [("family", "Smith"), ("given", "Jane"), ("birthdate", "eq2010-10-22"),
                                  ("_fuzzy-match", "true")])
    assert found == [("9000000009", 1.0), ("9000000017", 0.9)]  # Smyth, Jayne: two homophones


def test_previous_names_are_searched_with_history_and_the_current_name_returned(patients: Patients) -> None:
    taylor = [("family", "Taylor"), ("birthdate", "eq2010-10-22")]
    assert ids_scores(patients, taylor) == []
    bundle = search(parse([*taylor, ("_history", "true")]), patients, BASE)
    names = bundle["entry"][0]["resource"]["name"]
    assert (bundle["total"], [n["family"] for n in names]) == (1, ["Smith"])  # the old name is not returned


def test_ranges_postcodes_emails_and_phones(patients: Patients) -> None:
    assert [i for i, _ in ids_scores(patients, [*JANE[:2], ("birthdate", "ge2010-10-21"),
                                                ("birthdate", "le2010-10-23")])] == ["9000000009"]
    assert ids_scores(patients, [*JANE[:2], ("birthdate", "ge2010-10-23")]) == []
    assert [i for i, _ in ids_scores(patients, [*JANE, ("address-postalcode", "ls16ae")])] == ["9000000009"]
    assert [i for i, _ in ids_scores(patients, [*JANE, ("email", "JANE.SMITH@example.com"),
                                                ("phone", "01632960587")])] == ["9000000009"]
    assert ids_scores(patients, [*JANE, ("email", "deb.trotter@example.com")]) == []


def test_too_many_matches_is_a_200_operation_outcome(patients: Patients) -> None:
    answer = search(parse([("family", "Sm*"), *JANE[1:], ("_max-results", "2")]), patients, BASE)
    coding = answer["issue"][0]["details"]["coding"][0]
    assert (answer["resourceType"], answer["issue"][0]["code"], coding["code"]) == (
        "OperationOutcome", "multiple-matches", "TOO_MANY_MATCHES")


def test_restricted_and_invalidated_records_in_searches(patients: Patients) -> None:
    janet = [("family", "Smythe"), ("given", "Janet"), ("birthdate", "eq2010-10-22")]
    found = search(parse(janet), patients, BASE)["entry"][0]["resource"]
    assert found["id"] == "9000000025" and not {"address", "telecom", "contact", "generalPractitioner"} & set(found)
    assert ids_scores(patients, [*janet, ("general-practitioner", "Y12345")]) == []
    assert ids_scores(patients, [("family", "Smith"), ("given", "Ivy"), ("birthdate", "eq2010-10-22")]) == []
    assert [i for i, _ in ids_scores(patients, [("family", "Smyth"), ("birthdate", "eq2010-10-22")])] == ["9000000017"]


def test_a_search_returns_only_the_data_the_specification_lists(patients: Patients) -> None:
    found = search(parse([("family", "Smyth"), ("birthdate", "eq2010-10-22")]), patients, BASE)["entry"][0]
    patient = found["resource"]
    assert found["fullUrl"] == f"{BASE}/Patient/9000000017"
    assert [a["use"] for a in patient["address"]] == ["home"]  # the seed's temporary address is left out
    assert not [e for e in patient["extension"] if "Pharmacy" in e["url"] or "Communication" in e["url"]
                or "ContactPreference" in e["url"] or e["url"].endswith("patient-birthPlace")]
