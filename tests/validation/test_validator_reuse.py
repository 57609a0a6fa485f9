"""One validator over many documents: what it caches between them changes no finding.

A run validates every resource with one `Validator`; its caches (compiled plans, primitive values that
passed, the FHIRPath context of the current document) must give each document the findings a fresh
validator gives it, whatever came before.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.issues import Issue

pytestmark = pytest.mark.core

# invariant failures: obs-7 (a value, and a component with the Observation's own code: it reads %resource),
# qty-3 (a unit code without a system), dom-6 (no narrative, a warning)
OBSERVATION = (b'{"resourceType": "Observation", "status": "final", "valueString": "high",'
               b' "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},'
               b' "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},'
               b' "valueQuantity": {"value": 120, "unit": "mmHg", "code": "mm[Hg]"}}]}')
PATIENT = (b'{"resourceType": "Patient", "text": {"status": "generated",'
           b' "div": "<div xmlns=\\"http://www.w3.org/1999/xhtml\\">Ann</div>"},'
           b' "contact": [{"gender": "female"}], "birthDate": "2001-02-30"}')


def _read(data: bytes) -> Node:
    root = read_json(data).root
    assert root is not None
    return root


def _rows(issues: list[Issue]) -> list[tuple[str, str, str, int, int]]:
    return [(i.severity.value, i.code, i.location, i.line, i.column) for i in issues]


def test_findings_do_not_depend_on_the_documents_before(validator: Any) -> None:
    alone = {name: _rows(validator.validate(_read(data))) for name, data in (("obs", OBSERVATION), ("pat", PATIENT))}
    assert alone["obs"] == [("error", "invariant.failed", "Observation.component[0].valueQuantity", 1, 236),
                            ("warning", "invariant.failed", "Observation", 1, 1),
                            ("error", "invariant.failed", "Observation", 1, 1)]
    assert alone["pat"] == [("error", "invariant.failed", "Patient.contact[0]", 1, 138),
                            ("error", "value.invalid-date", "Patient.birthDate", 1, 161)]
    for data, name in [(PATIENT, "pat"), (OBSERVATION, "obs"), (OBSERVATION, "obs"), (PATIENT, "pat")]:
        assert _rows(validator.validate(_read(data))) == alone[name]


def test_the_fhirpath_context_is_the_documents_own_and_is_not_kept(validator: Any) -> None:
    """The context caches node types: it is made afresh per document and dropped with it, so it never answers
    from a finished document's nodes, nor keeps them alive (a tree is freed as soon as its reader lets go)."""
    checker = validator._invariant_checker
    contexts: list[Any] = []
    check = checker.check

    def spy(node: Node, constraints: Any, issues: list[Issue]) -> None:
        check(node, constraints, issues)
        contexts.append(checker._context)

    checker.check = spy
    try:
        # (two Observations: obs-7 on a component needs the engine; the Patient's invariants are all decided
        # without it, by presence)
        first, second = _read(OBSERVATION), _read(OBSERVATION)
        validator.validate(first)
        seen = len(contexts)
        validator.validate(second)
    finally:
        del checker.check
    during_first = {id(c) for c in contexts[:seen] if c is not None}
    during_second = {id(c) for c in contexts[seen:] if c is not None}
    assert len(during_first) == 1 and len(during_second) == 1 and during_first != during_second
    # (it did cache types; the first checks may be decided without the engine, so without a context)
    assert any(node.root() is first for node in next(c for c in contexts[:seen] if c is not None)._types)
    assert checker._context is None
    tree = weakref.ref(first)
    first.release()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        contexts.clear()
        del first
        assert tree() is None  # freed by reference counting: nothing of the validator holds the finished document
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize(("first", "then", "expected"), [
    # a value that passed, written next as the wrong JSON type
    (b'{"resourceType": "Patient", "active": true}', b'{"resourceType": "Patient", "active": "true"}',
     [("error", "json.wrong-type", "Patient.active", 1, 29)]),
    # an invalid value, again: reported each time
    (b'{"resourceType": "Patient", "birthDate": "2001-02-30"}', b'{"resourceType": "Patient", "birthDate": "2001-02-30"}',
     [("error", "value.invalid-date", "Patient.birthDate", 1, 29)]),
    # the same valid code under a required binding, then one outside it (a bound code is never skipped)
    (b'{"resourceType": "Patient", "gender": "male"}', b'{"resourceType": "Patient", "gender": "man"}',
     [("error", "binding.required", "Patient.gender", 1, 29)]),
    # markup allowed in a rendering-xhtml extension, then the same string where it is plain text (never remembered)
    (b'{"resourceType": "Patient", "_gender": {"extension": [{"url": '
     b'"http://hl7.org/fhir/StructureDefinition/rendering-xhtml", "valueString": "<img src=\'m.png\'/>"}]}}',
     b'{"resourceType": "Patient", "name": [{"text": "<img src=\'m.png\'/>"}]}',
     [("error", "security.html-in-string", "Patient.name[0].text", 1, 39)]),
    # a passed value, then the same element with a child a primitive cannot have
    (b'{"resourceType": "Patient", "birthDate": "2001-02-03"}',
     b'{"resourceType": "Patient", "birthDate": "2001-02-03", "_birthDate": {"foo": 1}}',
     [("error", "structure.primitive-expected", "Patient.birthDate", 1, 29)]),
])
def test_a_primitive_value_seen_before_is_still_checked_where_it_differs(
        validator: Any, first: bytes, then: bytes, expected: list[tuple[str, str, str, int, int]]) -> None:
    """Primitive values that passed are skipped in later documents (`ElementRule.plain_primitives`); a value
    written with another JSON type, an invalid one, a bound code and one with extensions are not."""
    validator.validate(_read(first))
    found = [row for row in _rows(validator.validate(_read(then))) if row[1] != "invariant.failed"]
    assert found == expected


def test_forgetting_passed_values_changes_no_finding(validator: Any) -> None:
    """`forget_passed_values` (for benchmarks' repeated passes) empties what was remembered; the findings of
    the next document are the same as with the values remembered."""
    remembered = _rows(validator.validate(_read(PATIENT)))
    assert any(rule.passed for rule in validator._primitive_rules.values())
    validator.forget_passed_values()
    assert not any(rule.passed for rule in validator._primitive_rules.values())
    assert _rows(validator.validate(_read(PATIENT))) == remembered
