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
- A slicing discriminator's path "is a FHIRPath expression ... that identifies the element(s)"
  of each slice to tell them apart (profiling.html#discriminator): in a constraint (which adds no
  elements) every name along it must be an element of the sliced element's type, walked through
  the base definitions; `extension('url')` and `ofType(T)` switch type, and what follows
  `resolve()` or a resource-typed element is not judged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.slicing import FUNCTION_STEP, split_path

CORE = "http://hl7.org/fhir/StructureDefinition/"
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})

Resolve = Callable[[str], "dict[str, Any] | None"]


def check_structure_definition(sd: Node, resolve: Resolve, structure: Resolve, issues: list[Issue]) -> None:
    """`resolve` finds any canonical resource; `structure` a type's StructureDefinition with its snapshot."""
    type_node, kind = sd.child("type"), sd.child_value("kind")
    own_type = type_node.value if type_node is not None and type_node.value else None
    if own_type is not None and type_node is not None:
        _type_name(type_node, own_type, kind, resolve, issues)
        if sd.child_value("derivation") == "specialization":
            base_url = sd.child_value("baseDefinition")
            base = resolve(base_url) if base_url else None
            if isinstance(base, dict) and _short(str(base.get("type") or "")) == _short(own_type):
                issues.append(make_issue("structuredefinition.specialization-same-type", type_node,
                                         type=own_type, base=base_url))
        if kind == "logical" and ":" in own_type:
            _logical_paths(sd, own_type.rstrip("/").rsplit("/", 1)[-1], issues)
    for element in _elements(sd):
        for type_ in element.children_named("type"):
            _type_profiles(type_, resolve, issues)
    _check_discriminators(sd, structure, issues)


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
        path = element.child_value("path")
        if path and path.split(".", 1)[0] != name:
            issues.append(make_issue("structuredefinition.path-type", element, path=path, name=name))


def _type_profiles(type_: Node, resolve: Resolve, issues: list[Issue]) -> None:
    code = type_.child_value("code")
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


def _elements(sd: Node, views: tuple[str, ...] = ("differential", "snapshot")) -> Iterator[Node]:
    for view in views:
        holder = sd.child(view)
        if holder is not None:
            yield from holder.children_named("element")


def _short(type_name: str) -> str:
    return type_name[len(CORE):] if type_name.startswith(CORE) else type_name



# -- discriminator paths ------------------------------------------------------------------------

_ANY_CONTENT = frozenset({"Resource", "DomainResource", "Element", "BackboneElement", "*"})


class _Structure:
    """A type's snapshot as plain JSON, indexed by element path (for walking discriminator paths)."""

    def __init__(self, sd: dict[str, Any]) -> None:
        self.elements: dict[str, dict[str, Any]] = {}
        self.parents: set[str] = set()
        for element in (sd.get("snapshot") or {}).get("element") or ():
            path = element.get("path") if isinstance(element, dict) else None
            if isinstance(path, str) and path not in self.elements:
                self.elements[path] = element
                self.parents.add(path.rsplit(".", 1)[0])


Position = tuple[_Structure, str] | None  # None: anything may follow (a resource, an unknown type)


def _check_discriminators(sd: Node, structure: Callable[[str], dict[str, Any] | None],
                          issues: list[Issue]) -> None:
    if sd.child_value("derivation") != "constraint":
        return  # a specialization defines its own elements; only constraints keep the base's
    cache: dict[str, _Structure | None] = {}

    def load(type_name: str) -> _Structure | None:
        if type_name not in cache:
            found = structure(type_name)
            cache[type_name] = _Structure(found) if isinstance(found, dict) else None
        return cache[type_name]

    for element in _elements(sd, views=("differential",)) if sd.child("differential") else _elements(sd):
        slicing = element.child("slicing")
        path = element.child_value("path")
        if slicing is None or not path:
            continue
        own = [code for t in element.children_named("type") if (code := t.child_value("code"))]
        starts = _positions_of(path, own, load)
        if starts is None:
            continue
        for discriminator in slicing.children_named("discriminator"):
            d_path = discriminator.child("path")
            if d_path is None or not d_path.value:
                continue
            if not _walkable(d_path.value, starts, load):
                issues.append(make_issue("structuredefinition.discriminator-path", d_path, path=d_path.value,
                                         element=path))


def _positions_of(path: str, own_types: list[str], load: Callable[[str], _Structure | None]) -> list[Position] | None:
    """Where the sliced element's content is defined; None when it cannot be told."""
    if own_types:
        return [_type_position(t, load) for t in own_types]
    names = path.split(".")
    positions = [_type_position(names[0], load)]
    for name in names[1:]:
        positions = _step(positions, name, load)
        if not positions:
            return None
    return positions


def _type_position(type_name: str, load: Callable[[str], _Structure | None]) -> Position:
    short = _short(type_name)
    if short in _ANY_CONTENT:
        return None
    found = load(short)
    return (found, short) if found is not None else None


def _step(positions: list[Position], name: str, load: Callable[[str], _Structure | None]) -> list[Position]:
    """The positions reached by a child name from each position ([] when no position has it)."""
    out: list[Position] = []
    for position in positions:
        if position is None:
            out.append(None)
            continue
        held, prefix = position
        element = held.elements.get(f"{prefix}.{name}") or held.elements.get(f"{prefix}.{name}[x]")
        if element is None:
            out.extend(_typed_choice(held, prefix, name, load))
            continue
        child_path = str(element["path"])
        reference = element.get("contentReference")
        if isinstance(reference, str) and reference.startswith("#"):
            out.append((held, reference[1:]))
        elif child_path in held.parents and not child_path.endswith("[x]"):
            out.append((held, child_path))
        else:
            codes = [t.get("code") for t in element.get("type") or () if isinstance(t, dict)]
            out.extend(_type_position(str(c), load) for c in codes if c)
    return out


def _typed_choice(held: _Structure, prefix: str, name: str, load: Callable[[str], _Structure | None]) -> list[Position]:
    """A choice named with its type (`valueQuantity` for `value[x]` as Quantity): FHIRPath writes
    `value.ofType(Quantity)`, but the JSON name is unambiguous, so it is read rather than refused."""
    for i in range(1, len(name)):
        if name[i].isupper():
            element = held.elements.get(f"{prefix}.{name[:i]}[x]")
            codes = [t.get("code") for t in (element or {}).get("type") or () if isinstance(t, dict)]
            wanted = name[i:]
            for code in codes:
                if isinstance(code, str) and code[:1].upper() + code[1:] == wanted:
                    return [_type_position(code, load)]
    return []


def _walkable(path: str, positions: list[Position], load: Callable[[str], _Structure | None]) -> bool:
    for segment in split_path(path):
        function = FUNCTION_STEP.match(segment)
        if function is not None:
            if function.group(1) == "resolve":
                return True  # continues in the target's definition: not judged here
            name = function.group(4) or function.group(2) or function.group(3) or ""
            positions = [_type_position("Extension" if function.group(1) == "extension" else name, load)]
            continue
        if not segment.isidentifier():
            return True  # a step this check does not read
        if any(p is None for p in positions):
            return True
        positions = _step(positions, segment, load)
        if not positions:
            return False
    return True
