"""An OperationDefinition's parameters against its `inputProfile` and `outputProfile`.

R4 OperationDefinition.inputProfile / outputProfile: "Additional validation information for the in
[out] parameters - a single profile that covers all the parameters. The profile is a constraint on the
parameters resource", and "If present the profile shall not conflict with what is specified in the
parameters in the operation definition (max/min etc.), though it may provide additional constraints."

Checked where the profile is loaded (its snapshot, generated when it has only a differential). The profile
describes a parameter by a slice of `Parameters.parameter` whose `name` is fixed (or patterned) to the
parameter's name. For each top-level parameter of the operation (`use` in or out):
- a slice with a different `min` or `max` conflicts (`operation.profile-conflict`, error): the operation
  definition's cardinality is the parameter's, the profile restates it;
- a type the operation definition gives that the slice's `value[x]`/`resource` does not allow, or a type the
  slice narrows to that the operation definition does not give, conflicts (only where the slice states types:
  `value[x]` with R4's 50 types, or fewer than 10 of them, and `resource` as any Resource say nothing);
- the operation definition's `targetProfile` and the slice's target profiles differ: conflict (a profile on
  a resource-typed slice is not compared: R4 gives targetProfile to Reference and canonical only, opd-3);
- a parameter of the operation without a slice, or a slice naming no parameter of the operation, is a
  warning (`operation.profile-parameter-missing` / `-unknown`): the profile may be open, but then it does
  not cover "all the parameters".
A profile that constrains another type than Parameters is an error (`operation.profile-not-parameters`).
Parts (`parameter.part`) are not compared: R4 describes them in the profile only through nested slices, which
the operation's own rules already govern.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_USES = (("inputProfile", "in"), ("outputProfile", "out"))
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})


@dataclass
class _Slice:
    """What a profile's `Parameters.parameter` slice says about one parameter."""

    name: str
    min: int | None = None
    max: str | None = None
    types: set[str] = field(default_factory=set)  # the types it narrows value[x]/resource to (empty: no statement)
    profiles: set[str] = field(default_factory=set)  # the targetProfile of its Reference/canonical types
    stated_types: bool = False


def check_operation_profiles(definition: Node, structure_definition: Callable[[str], dict[str, Any] | None],
                             resource_types: frozenset[str] | set[str], issues: list[Issue]) -> None:
    parameters = list(definition.children_named("parameter"))
    for element, use in _USES:
        profile_node = definition.child(element)
        if profile_node is None or not profile_node.value:
            continue
        sd = structure_definition(profile_node.value)
        if isinstance(sd, dict) and sd.get("type") and sd.get("type") != "Parameters":
            issues.append(make_issue("operation.profile-not-parameters", profile_node, use=use,
                                     profile=profile_node.value, type=sd.get("type")))
            continue
        snapshot = (sd or {}).get("snapshot", {}).get("element") if isinstance(sd, dict) else None
        if not snapshot or sd is None or sd.get("type") != "Parameters":
            continue
        slices = _slices(snapshot)
        own = [p for p in parameters if p.child_value("use") == use]
        own_names = {p.child_value("name") for p in own}
        for s in slices.values():
            if s.name not in own_names:
                issues.append(make_issue("operation.profile-parameter-unknown", profile_node, use=use,
                                         profile=profile_node.value, name=s.name))
        for parameter in own:
            name = parameter.child_value("name") or ""
            found = slices.get(name)
            if found is None:
                issues.append(make_issue("operation.profile-parameter-missing", parameter, use=use,
                                         profile=profile_node.value, name=name))
                continue
            for detail in _conflicts(parameter, found, resource_types):
                issues.append(make_issue("operation.profile-conflict", parameter, use=use, profile=profile_node.value,
                                         name=name, detail=detail))



def _slices(snapshot: list[dict[str, Any]]) -> dict[str, _Slice]:
    """The profile's parameter slices by the parameter name they fix."""
    by_id: dict[str, dict[str, Any]] = {e["id"]: e for e in snapshot if isinstance(e, dict) and isinstance(e.get("id"), str)}
    found: dict[str, _Slice] = {}
    for element in snapshot:
        if not isinstance(element, dict) or element.get("path") != "Parameters.parameter" or not element.get("sliceName"):
            continue
        sid = element["id"]
        name_element = by_id.get(f"{sid}.name", {})
        name = name_element.get("fixedString") or name_element.get("patternString")
        if not isinstance(name, str):
            continue
        s = _Slice(name, element.get("min"), element.get("max"))
        for part in ("value[x]", "resource"):
            typed = by_id.get(f"{sid}.{part}")
            if typed is None or typed.get("max") == "0":
                continue
            codes = [t.get("code") for t in typed.get("type") or () if isinstance(t.get("code"), str)]
            if (part == "value[x]" and not 0 < len(codes) < 10) or (part == "resource" and codes == ["Resource"]):
                # as the base has it (value[x]'s 50 types, any resource): the profile says nothing about the type
                continue
            s.types.update(codes)
            s.stated_types = True
            for t in typed.get("type") or ():
                s.profiles.update(p for p in t.get("targetProfile") or () if isinstance(p, str))
        found.setdefault(name, s)
    return found


def _conflicts(parameter: Node, s: _Slice, resource_types: frozenset[str] | set[str]) -> list[str]:
    """How the slice contradicts the operation definition's parameter (empty when it does not)."""
    found: list[str] = []
    for name, theirs in (("min", s.min), ("max", s.max)):
        own = parameter.child(name)
        if own is not None and own.value is not None and theirs is not None and str(own.value) != str(theirs):
            found.append(f"{name} is {theirs} in the profile, {own.value} in the operation definition")
    own_type = parameter.child_value("type")
    if not own_type or not s.stated_types:
        return found

    def covers(general: str, specific: str) -> bool:
        return general == specific or (general in _ANY_RESOURCE and (specific in resource_types
                                                                      or specific in _ANY_RESOURCE))

    if not any(covers(t, own_type) for t in s.types):
        found.append(f"its type {own_type} is not among the types the profile allows ({', '.join(sorted(s.types))})")
    extra = sorted(t for t in s.types if not covers(own_type, t))
    if extra:
        found.append(f"the profile allows type(s) {', '.join(extra)}, which the operation definition does not")
    own_profiles = {t.value for t in parameter.children_named("targetProfile") if isinstance(t.value, str)}
    missing, added = sorted(own_profiles - s.profiles), sorted(s.profiles - own_profiles)
    if missing:
        found.append(f"the profile does not require {', '.join(missing)}, which the operation definition's "
                     "targetProfile names")
    if added:
        found.append(f"the profile requires {', '.join(added)}, which the operation definition's targetProfile "
                     "does not name")
    return found
