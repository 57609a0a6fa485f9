"""StructureDefinition authoring rules the R4 definitions state in prose rather than as invariants.

- `StructureDefinition.type`: "References are URLs that are relative to
  http://hl7.org/fhir/StructureDefinition e.g. "string" is a reference to
  http://hl7.org/fhir/StructureDefinition/string. Absolute URLs are only allowed in logical
  models." A relative type must therefore be a type the FHIR specification defines, and an absolute
  one needs `kind` logical.
- A `specialization` "defines a new type that adds additional elements to the base type" and is
  "the master definition for a type": its type cannot be its base's type.
- For logical models "the type name SHOULD start with the tail of the type URL" (the `type`
  comment): element paths that do not are a warning (the sdf-8/8a invariants cover other kinds).
- `ElementDefinition.type.profile` "applies to the datatype this element refers to": a
  StructureDefinition named there must describe that type (a Count, whose R4 type is Count, is
  not a profile of Quantity); on a `Resource`/`DomainResource` type any resource profile fits.
  Profiles that cannot be resolved, or that resolve to an ImplementationGuide, are not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

CORE = "http://hl7.org/fhir/StructureDefinition/"
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})

Resolve = Callable[[str], "dict[str, Any] | None"]


def check_structure_definition(sd: Node, resolve: Resolve, issues: list[Issue]) -> None:
    type_node, kind = sd.child("type"), _value(sd, "kind")
    own_type = type_node.value if type_node is not None and type_node.value else None
    if own_type is not None and type_node is not None:
        _type_name(type_node, own_type, kind, resolve, issues)
        if _value(sd, "derivation") == "specialization":
            base_url = _value(sd, "baseDefinition")
            base = resolve(base_url) if base_url else None
            if isinstance(base, dict) and _short(str(base.get("type") or "")) == _short(own_type):
                issues.append(make_issue("structuredefinition.specialization-same-type", type_node,
                                         type=own_type, base=base_url))
        if kind == "logical" and ":" in own_type:
            _logical_paths(sd, own_type.rstrip("/").rsplit("/", 1)[-1], issues)
    for element in _elements(sd):
        for type_ in element.children_named("type"):
            _type_profiles(type_, resolve, issues)


def _type_name(at: Node, own_type: str, kind: str | None, resolve: Resolve, issues: list[Issue]) -> None:
    if ":" in own_type:
        if kind != "logical" and not own_type.startswith(CORE):
            issues.append(make_issue("structuredefinition.type-invalid", at, type=own_type,
                                     detail="absolute URLs are only allowed in logical models"))
        return
    defined = resolve(CORE + own_type)
    if not isinstance(defined, dict) or defined.get("resourceType") != "StructureDefinition":
        issues.append(make_issue("structuredefinition.type-invalid", at, type=own_type,
                                 detail=f"it stands for {CORE}{own_type}, which is not a type the FHIR "
                                        "specification defines (other types are absolute URLs, in logical models)"))


def _logical_paths(sd: Node, name: str, issues: list[Issue]) -> None:
    for element in _elements(sd):
        path = _value(element, "path")
        if path and path.split(".", 1)[0] != name:
            issues.append(make_issue("structuredefinition.path-type", element, path=path, name=name))


def _type_profiles(type_: Node, resolve: Resolve, issues: list[Issue]) -> None:
    code = _value(type_, "code")
    if not code:
        return
    for profile in type_.children_named("profile"):
        if not profile.value:
            continue
        target = resolve(profile.value)
        if not isinstance(target, dict) or target.get("resourceType") != "StructureDefinition":
            continue
        described = _short(str(target.get("type") or ""))
        if described == _short(code) or (code in _ANY_RESOURCE and target.get("kind") == "resource"):
            continue
        issues.append(make_issue("structuredefinition.profile-wrong-type", profile, url=profile.value,
                                 described=described or "(none)", type=code))


def _elements(sd: Node) -> Iterator[Node]:
    for view in ("differential", "snapshot"):
        holder = sd.child(view)
        if holder is not None:
            yield from holder.children_named("element")


def _short(type_name: str) -> str:
    return type_name[len(CORE):] if type_name.startswith(CORE) else type_name


def _value(node: Node, name: str) -> str | None:
    child = node.child(name)
    return child.value if child is not None else None
