"""A ValueSet's enumerated codes against their code system (R4 ValueSet.compose.include.concept).

`ValueSet.compose.include.concept` "Specifies a concept to be included or excluded", and its `code` is
"a code ... from the code system", the system `include.system` names: a code that the code system
does not define includes nothing and is an error (`valueset.include-unknown-code`). Judged only where
the code system (of `include.version`, when stated) is loaded and complete (content = complete lists
every code: codesystem.html, CodeSystem.content), as the HL7 validator does; the codes of systems held
elsewhere (SNOMED CT, LOINC, ...) are never judged from a package.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.terminology.codesystem import CodeSystems


def check_value_set_codes(value_set: Node, code_systems: CodeSystems, issues: list[Issue]) -> None:
    compose = value_set.child("compose")
    if compose is None:
        return
    for include in compose.children_named("include"):
        system = include.child_value("system")
        concepts = include.children_named("concept")
        if not system or not concepts:
            continue
        cs = code_systems.local(system, include.child_value("version"))
        if cs is None:
            continue
        for concept in concepts:
            code = concept.child("code")
            if code is not None and code.value and code.value not in cs:
                issues.append(make_issue("valueset.include-unknown-code", code, code=code.value, system=system))
