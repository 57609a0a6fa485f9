"""A ValueSet's enumerated codes against their code system (R4 ValueSet.compose.include.concept).

R4 ValueSet.compose.include.system is "the code system from which the selected codes come from", and each
`concept.code` "a code for the concept to be included or excluded", so a listed code is a code of that system.
Two checks follow, each judged only where we can decide offline:

- Syntax: where the system defines its codes by a syntax we hold (SNOMED CT and dm+d identifiers, LOINC check
  digits, mime types, language tags, UCUM units; `terminology/syntax.py`), an included or excluded code
  breaking it is `terminology.unknown-code`, as in a Coding.
- Membership: an included code that a loaded, complete code system (of `include.version`, when stated) does
  not define includes nothing and is an error (`valueset.include-unknown-code`; content = complete lists
  every code: codesystem.html, CodeSystem.content). The codes of systems held elsewhere (SNOMED CT, LOINC,
  ...) are never judged from a package, nor are codes missing from a dated copy of an external terminology
  (R4's 2015 DICOM: `terminology/codesystem.py` DATED_COPIES), which later editions may define.

The HL7 validator checks every listed code against its code system.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.terminology.codesystem import CodeSystems
from conformance.terminology.syntax import syntax_problem


def check_value_set_codes(value_set: Node, code_systems: CodeSystems, issues: list[Issue]) -> None:
    """Each `compose.include`/`exclude` concept code checked against its system's syntax, and each included
    one against its loaded complete code system."""
    compose = value_set.child("compose")
    if compose is None:
        return
    for part in (*compose.children_named("include"), *compose.children_named("exclude")):
        system = part.child_value("system")
        concepts = part.children_named("concept")
        if not system or not concepts:
            continue
        local = code_systems.local(system, part.child_value("version")) if part.name == "include" else None
        for concept in concepts:
            code = concept.child("code")
            if code is None or not code.value:
                continue
            problem = syntax_problem(system, code.value)
            if problem is not None:
                issues.append(make_issue("terminology.unknown-code", code, code=code.value, system=system,
                                         reason=problem))
            elif local is not None and local.dated_copy is None and code.value not in local:
                issues.append(make_issue("valueset.include-unknown-code", code, code=code.value, system=system))
