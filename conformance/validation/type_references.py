"""What an element definition's types name: type codes, type profiles and target profiles.

- `ElementDefinition.type.code`: "URL of Data type or Resource that is a(or the) type used for this
  element. References are URLs that are relative to http://hl7.org/fhir/StructureDefinition e.g.
  "string" is a reference to http://hl7.org/fhir/StructureDefinition/string. Absolute URLs are only
  allowed in logical models." A relative code is therefore a type R4 defines, and an absolute one
  needs a logical model (`structuredefinition.type-code`, an error). The FHIRPath system types
  (`http://hl7.org/fhirpath/System.String`, ...), which R4's own snapshots give the `value` of each
  primitive type, are the one exception R4 practises.
- `ElementDefinition.type.profile` and `targetProfile` name StructureDefinitions by canonical URL. HL7
  publishes the StructureDefinitions of its core namespace (`http://hl7.org/fhir/StructureDefinition/`)
  in R4 itself or, for extensions, in its extensions pack: a URL there that neither defines names
  nothing (`structuredefinition.profile-unknown`, an error). Any other URL that no loaded package holds
  cannot be checked (`structuredefinition.profile-unresolved`, a warning: load the package that has
  it), as the HL7 validator also reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.extension_contexts import CORE_NAMESPACE, published_by_hl7

_FHIRPATH_TYPES = "http://hl7.org/fhirpath/System."

Resolve = Callable[[str], "dict[str, Any] | None"]


def type_name_problem(name: str, logical: bool, resolve: Resolve, absolute_ok: tuple[str, ...] = ()) -> str | None:
    """Why `name`, a type as StructureDefinition.type or ElementDefinition.type.code states it, is not
    valid (None when it is): relative names stand for R4's types, absolute URLs are for logical models
    (and for the namespaces in `absolute_ok`)."""
    if ":" in name:
        if logical or name.startswith(CORE_NAMESPACE) or name.startswith(absolute_ok):
            return None
        return "absolute URLs are only allowed in logical models"
    defined = resolve(CORE_NAMESPACE + name)
    if isinstance(defined, dict) and defined.get("resourceType") == "StructureDefinition":
        return None
    return f"it stands for {CORE_NAMESPACE}{name}, which is not a type R4 defines"


def check_type_code(type_: Node, logical: bool, resolve: Resolve, issues: list[Issue]) -> None:
    code_node = type_.child("code")
    if code_node is None or not code_node.value:
        return
    problem = type_name_problem(code_node.value, logical, resolve, (_FHIRPATH_TYPES,))
    if problem is not None:
        issues.append(make_issue("structuredefinition.type-code", code_node, code=code_node.value, detail=problem))


def check_profile_references(type_: Node, resolve: Resolve, issues: list[Issue]) -> None:
    for name in ("profile", "targetProfile"):
        for profile in type_.children_named(name):
            url = profile.value
            if not url or resolve(url) is not None:
                continue
            if url.partition("|")[0].startswith(CORE_NAMESPACE) and not published_by_hl7(url):
                issues.append(make_issue("structuredefinition.profile-unknown", profile, what=name, url=url))
            else:
                issues.append(make_issue("structuredefinition.profile-unresolved", profile, what=name, url=url))
