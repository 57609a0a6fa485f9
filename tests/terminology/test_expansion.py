"""Local ValueSet expansion: the exact members and undecided systems of every fixture ValueSet."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.definitions.registry import Definitions
from conformance.terminology.expansion import ANY, Expander, Expansion
from tests.terminology.conftest import SYSTEMS, load_cases, system_url, valueset_url

EXPANSIONS = load_cases("expansions.yaml")
ALIASES = {url: alias for alias, url in SYSTEMS.items()}


@pytest.fixture(scope="module")
def expander(fixture_definitions: Definitions) -> Expander:
    return Expander(fixture_definitions)


def _labels(expansion: Expansion) -> list[str]:
    return sorted(f"{ALIASES.get(s, s)}#{c}" for s, c in expansion.pairs)


@pytest.mark.parametrize("case", EXPANSIONS, ids=lambda c: c["valueset"])
def test_expansion_members_and_undecided_systems(expander: Expander, case: dict[str, Any]) -> None:
    expansion = expander.expansion(valueset_url(case["valueset"]) or "")
    assert expansion is not None
    assert _labels(expansion) == sorted(case["codes"])
    unknown = sorted(ANY if s == "*" else str(system_url(s)) for s in case.get("unknown", []))
    assert sorted(expansion.unknown) == unknown
    assert expansion.complete is (not unknown)
    assert bool(expansion.reasons) is (not expansion.complete)  # every undecided part says why


def test_every_fixture_valueset_has_an_expansion_case(fixture_definitions: Definitions) -> None:
    urls = {entry.url or "" for _, entry in fixture_definitions.packages.entries_of_type("ValueSet")}
    named = {(valueset_url(c["valueset"]) or "").split("|")[0] for c in EXPANSIONS}
    assert sorted(urls - named) == []


def test_expand_returns_only_complete_expansions(expander: Expander) -> None:
    """The validator's contract: `expand` is None whenever anything is undecided."""
    assert expander.expand(valueset_url("snomed-is-a") or "") is None
    assert expander.expand(valueset_url("missing-import") or "") is None
    assert expander.expand(valueset_url("does-not-exist") or "") is None
    complete = expander.expand(valueset_url("is-a-mammal") or "")
    assert complete is not None
    assert complete.contains(SYSTEMS["animals"], "dog") is True
    assert complete.contains(None, "dog") is True
    assert complete.contains(SYSTEMS["animals"], "parrot") is False
    assert complete.contains(SYSTEMS["colours"], "dog") is False


def test_partial_expansion_membership_is_three_valued(expander: Expander) -> None:
    mixed = expander.expansion(valueset_url("mixed") or "")
    assert mixed is not None
    assert mixed.membership(SYSTEMS["animals"], "dog") is True
    assert mixed.membership(SYSTEMS["animals"], "cat") is False
    assert mixed.membership(SYSTEMS["sct"], "22298006") is None
    assert mixed.membership(None, "cat") is None  # a bare code might be a SNOMED CT one
    assert mixed.contains(SYSTEMS["sct"], "22298006") is False  # contains: only what is known


def test_expansions_are_cached_per_run(expander: Expander) -> None:
    first = expander.expansion(valueset_url("import") or "")
    assert first is expander.expansion(valueset_url("import") or "")
    assert expander.expansion(valueset_url("is-a-mammal") or "") is expander.expand(valueset_url("is-a-mammal") or "")


def test_versioned_canonical_forms_are_equivalent(expander: Expander) -> None:
    url = valueset_url("versioned") or ""
    assert expander.expansion(f"{url}|2.0.0") is expander.expansion(url, "2.0.0")
    v1 = expander.expansion(url, "1.0.0")
    assert v1 is not None and v1.version == "1.0.0"
    assert sorted(v1.codes) == ["red"]


def test_displays_and_designations_are_kept(expander: Expander) -> None:
    whole = expander.expansion(valueset_url("whole") or "")
    assert whole is not None
    dog = whole.member(SYSTEMS["animals"], "dog")
    assert dog is not None and dog.displays == ("Dog", "Domestic dog", "Canis familiaris")
    listed = expander.expansion(valueset_url("listed") or "")
    assert listed is not None
    named = listed.member(SYSTEMS["animals"], "dog")
    assert named is not None and named.display == "Good dog"
    assert named.designations == ("Dog", "Domestic dog", "Canis familiaris")
    stored = expander.expansion(valueset_url("stored-only") or "")
    assert stored is not None
    mi = stored.member(SYSTEMS["sct"], "22298006")
    assert mi is not None and mi.display == "Myocardial infarction"


@pytest.mark.core
@pytest.mark.parametrize(("url", "size", "inside", "outside"), [
    ("http://hl7.org/fhir/ValueSet/observation-status", 8, "final", "done"),
    ("http://hl7.org/fhir/ValueSet/administrative-gender", 4, "unknown", "m"),
    # is-a FAMMEMB over the v3 RoleCode hierarchy; the abstract _PersonalRelationshipRoleType is outside
    ("http://terminology.hl7.org/ValueSet/v3-FamilyMember", 105, "MTH", "_PersonalRelationshipRoleType"),
    # descendent-of _ActMoodPredicate: the root itself is not a member
    ("http://hl7.org/fhir/ValueSet/inactive", 11, "EVN.CRT", "_ActMoodPredicate"),
])
def test_core_value_sets_expand_exactly(core_definitions: Definitions, url: str, size: int, inside: str,
                                        outside: str) -> None:
    expansion = Expander(core_definitions).expand(url)
    assert expansion is not None
    assert len(expansion.pairs) == size
    assert expansion.contains(None, inside) and not expansion.contains(None, outside)


@pytest.mark.core
def test_core_snomed_value_set_is_undecided_not_empty(core_definitions: Definitions) -> None:
    expansion = Expander(core_definitions).expansion("http://hl7.org/fhir/ValueSet/clinical-findings")
    assert expansion is not None and not expansion.complete
    assert expansion.unknown == frozenset({"http://snomed.info/sct"})
    assert expansion.membership("http://snomed.info/sct", "22298006") is None
