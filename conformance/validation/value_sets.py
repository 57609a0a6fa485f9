"""ValueSet compose codes that cannot belong to their code system by its syntax.

R4 ValueSet.compose.include.system is "the code system from which the selected codes come from", and each
`concept.code` "a code for the concept to be included or excluded", so a listed code is a code of that system.
Where the system defines its codes by a syntax we hold offline (SNOMED CT and dm+d identifiers, LOINC check
digits, mime types, language tags, UCUM units; `terminology/syntax.py`), a code breaking it is
`terminology.unknown-code`, as in a Coding. Codes of other systems are left to the terminology layer. The HL7
validator checks every listed code against its code system.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.terminology.syntax import syntax_problem


def check_compose_codes(value_set: Node, issues: list[Issue]) -> None:
    """Each `compose.include`/`exclude` concept code checked against its system's syntax."""
    compose = value_set.child("compose")
    if compose is None:
        return
    for part in (*compose.children_named("include"), *compose.children_named("exclude")):
        system = part.child("system")
        if system is None or not system.value:
            continue
        for concept in part.children_named("concept"):
            code = concept.child("code")
            if code is None or not code.value:
                continue
            problem = syntax_problem(system.value, code.value)
            if problem is not None:
                issues.append(make_issue("terminology.unknown-code", code, code=code.value, system=system.value,
                                         reason=problem))
