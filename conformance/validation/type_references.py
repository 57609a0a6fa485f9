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


def check_type_code(type_: Node, logical: bool, resolve: Resolve, issues: list[Issue]) -> None:
    code_node = type_.child("code")
    code = code_node.value if code_node is not None else None
    if code_node is None or not code:
        return
    if ":" in code:
        if not logical and not code.startswith(CORE_NAMESPACE) and not code.startswith(_FHIRPATH_TYPES):
            issues.append(make_issue("structuredefinition.type-code", code_node, code=code,
                                     detail="absolute URLs are only allowed in logical models"))
        return
    defined = resolve(CORE_NAMESPACE + code)
    if not isinstance(defined, dict) or defined.get("resourceType") != "StructureDefinition":
        issues.append(make_issue("structuredefinition.type-code", code_node, code=code,
                                 detail=f"it stands for {CORE_NAMESPACE}{code}, which R4 does not define"))


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
