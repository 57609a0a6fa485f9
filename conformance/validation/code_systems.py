"""CodeSystem authoring rules R4 states in prose (codesystem.html, CodeSystem element definitions).

- `CodeSystem.concept.property.code` is "A code that is a reference to CodeSystem.property.code": a
  concept property whose code the CodeSystem does not declare in `property` is reported
  (`codesystem.property-undeclared`). R4's standard concept properties (concept-properties.html:
  inactive, deprecated, notSelectable, parent, child) are no exception: a code system that uses them
  declares them, with their URI. A warning, not an error: R4 states it in a definition, not an
  invariant, the concept means the same either way, and the HL7 validator warns too; published code
  systems (UK Core's MedicationRequestCategory, some of HL7 Terminology's) leave `inactive` undeclared.
- `CodeSystem.property.type` is "The type of the property value": a concept's `value[x]` of another
  type than the declared one is an error (`codesystem.property-type`).
- `CodeSystem.count` is "The total number of concepts defined by the code system"; with
  `content` = complete "All the concepts defined by the code system are included in the code system
  resource", so the count equals the concepts the resource lists, nested ones included
  (`codesystem.count`, an error). With other content values the resource lists only part of the system.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_VALUE = "value"


def check_code_system(code_system: Node, issues: list[Issue]) -> None:
    declared: dict[str, str | None] = {}
    for prop in code_system.children_named("property"):
        code = prop.child_value("code")
        if code:
            declared.setdefault(code, prop.child_value("type"))
    concepts = list(_concepts(code_system))
    for concept in concepts:
        for prop in concept.children_named("property"):
            code_node = prop.child("code")
            code = code_node.value if code_node is not None else None
            if not code or code_node is None:
                continue
            if code not in declared:
                issues.append(make_issue("codesystem.property-undeclared", code_node, code=code,
                                         concept=concept.child_value("code") or "(no code)"))
                continue
            expected = declared[code]
            value = next((c for c in prop.children if c.name.startswith(_VALUE) and c.name != _VALUE), None)
            if expected and value is not None:
                actual = _type_name(value.name[len(_VALUE):])
                if actual != expected:
                    issues.append(make_issue("codesystem.property-type", value, code=code, type=expected,
                                             actual=actual))
    count = code_system.child("count")
    if count is not None and count.value and code_system.child_value("content") == "complete":
        try:
            stated = int(count.value)
        except ValueError:
            return
        if stated != len(concepts):
            issues.append(make_issue("codesystem.count", count, count=stated, listed=len(concepts)))


def _type_name(suffix: str) -> str:
    """The FHIR type a `value[x]` suffix names (`Code` -> code; complex types keep their capital)."""
    return suffix if suffix == "Coding" else suffix[:1].lower() + suffix[1:]


def _concepts(holder: Node) -> Iterator[Node]:
    for concept in holder.children_named("concept"):
        yield concept
        yield from _concepts(concept)
