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
- A constraint "adds additional rules to an existing concrete type" (`derivation`) and is "a
  constraint on the stated type" (`type`): its `type` and `kind` are its base's (an error).
- Its differential must apply to the base (profiling.html: a profile constrains the elements the
  base defines — it "cannot ... add new elements", cardinalities are only narrowed, types only
  chosen among the base's; a required binding is not loosened): each element the snapshot generator
  cannot place or apply as written is an error (`structuredefinition.differential-invalid`). Four
  generator findings stay the generator's warnings, as published definitions have them: a changed
  `isSummary` (R4 lets servers ignore per-profile summaries), a changed `isModifier` (R4 forbids it,
  but US Core 3.1.0's DiagnosticReport profiles do it), a slice of an element the base does not
  slice, and slicing an element that does not repeat (R4's own familymemberhistory-genetic and catalog
  profiles do both).
- `ElementDefinition.meaningWhenMissing`: "Implicit meanings for missing values can only be
  specified on a resource, data type, or extension definition, and never in a profile that applies
  to one of these": in a constraint's differential it is an error, except in extension definitions
  and on extension elements (where the HL7 validator also allows it).
- `fixed[x]`, `pattern[x]`, `defaultValue[x]` are values "for this element in the instance", so of
  one of the element's types; `minValue[x]`/`maxValue[x]` "SHALL be the same as the specified type
  of the element" (a Quantity also bounds a Quantity-based type). Judged where the element's types
  are known: its own, else those the generated snapshot gives it.
- The snapshot is the complete view ("A snapshot view is expressed in a standalone form that can be used
  and interpreted without considering the base StructureDefinition"): an element the differential states
  that the snapshot lacks is an error (`structuredefinition.snapshot-missing`).
- `StructureDefinition.context` "Identifies the types of resource or data type elements to which the
  extension can be applied": a definition of another type than Extension has none (an error; sdf-18 says
  the same of `contextInvariant`). An extension's `element` context is the path of an element ("all
  elements matching a particular path"): one that names no element of an R4 type is an error
  (`structuredefinition.context-unknown-element`). Content references and fixed extension urls are
  `definition_links`' rules; type codes and unresolvable profiles `type_references`'.
- A Reference's `targetProfile` "applies to the target of the reference", a resource: a
  StructureDefinition of a data type there is an error. An extension whose definition is a modifier
  belongs in `modifierExtension`, any other in `extension` (extensibility.html): a profile on the
  wrong one is an error.
- `ElementDefinition.constraint.expression` is "A FHIRPath expression": one that does not parse is an
  error, for constraints the definition states itself (no `source`, or its own URL). One that names an
  element the constrained element's type does not have is a warning: FHIRPath evaluates such a name to
  empty and leaves reporting it to implementations that know the model (the HL7 validator makes it an
  error; R4's own ChargeItemDefinition cid-0 and US Core 3.1.0's us-core-2 have such names). A key stands for one constraint: within a differential or a snapshot,
  the same key with two different expressions is an error (ele-1, which R4 repeats, aside).
- eld-11's rule as R4 states it, "Binding can only be present for coded elements, string, and uri": a binding
  on an element whose stated types are none of those (nor their specialisations) is an error. R4's eld-11
  expression cannot fail (`type.select(...)` yields a boolean per type, which exists), so it is checked here.
- `ElementDefinition.binding.valueSet` "Refers to the value set": a canonical that resolves to another
  kind of resource is a warning (R4's own ExplanationOfBenefit binds `priority` to the processpriority
  CodeSystem's URL; the HL7 validator makes it an error).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from conformance.definitions.snapshot import SnapshotGenerator
from conformance.definitions.xml_json import JsonModel, node_to_json
from conformance.fhir.tree import Node
from conformance.fhirpath.errors import FhirPathSyntaxError
from conformance.fhirpath.model import ModelInfo
from conformance.fhirpath.parser import parse as parse_fhirpath
from conformance.fhirpath.semantic import check as semantic_check
from conformance.fhirpath.values import UCUM_SYSTEM as UCUM
from conformance.issues import Issue, make_issue
from conformance.validation.definition_links import check_content_references, check_extension_urls
from conformance.validation.extension_contexts import declared_modifier
from conformance.validation.slicing import FUNCTION_STEP, split_path
from conformance.validation.type_references import (
    check_profile_references,
    check_type_code,
    type_name_problem,
)
from conformance.validation.values import DURATION_STEPS

CORE = "http://hl7.org/fhir/StructureDefinition/"
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})

Resolve = Callable[[str], "dict[str, Any] | None"]


_NOT_FOR_GENERATION = frozenset({"snapshot", "text", "contained", "mapping"})  # the generator reads none


class DifferentialChecker:
    """Applies a validated StructureDefinition's differential to its base with a snapshot generator of its
    own (its findings are this check's, not the run's), caching the bases it compiles."""

    def __init__(self, resolve: Resolve, model: ModelInfo | None = None) -> None:
        self._generator = SnapshotGenerator(resolve)
        self._model = JsonModel(lambda name: resolve(CORE + name))
        self.fhirpath_model = model  # for checking the names constraint expressions use

    def apply(self, node: Node) -> tuple[list[tuple[int, str, str]], dict[str, dict[str, Any]]]:
        """The differential's problems (index, code, reason) and the generated snapshot's elements by id."""
        try:
            sd, _ = node_to_json(node, self._model, omit=_NOT_FOR_GENERATION)
            if sd is None:
                return [], {}
            generated, problems = self._generator.apply_differential(sd)
        except Exception:  # noqa: BLE001 - a definition the generator cannot read is judged elsewhere
            return [], {}
        by_id: dict[str, dict[str, Any]] = {}
        for element in (generated.get("snapshot") or {}).get("element") or ():
            if isinstance(element, dict) and isinstance(element.get("id"), str):
                by_id.setdefault(element["id"], element)
        return problems, by_id


def check_structure_definition(sd: Node, resolve: Resolve, structure: Resolve, issues: list[Issue],
                               differential: DifferentialChecker | None = None) -> None:
    """`resolve` finds any canonical resource; `structure` a type's StructureDefinition with its snapshot;
    `differential` applies the differential to the base (the differential is not judged without it)."""
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
    if own_type is not None and _short(own_type) != "Extension":
        for context in sd.children_named("context"):
            issues.append(make_issue("structuredefinition.context-not-extension", context, type=own_type))
    else:
        _context_elements(sd, structure, issues)
    check_content_references(sd, structure, issues)
    check_extension_urls(sd, issues)
    for element in _elements(sd):
        for type_ in element.children_named("type"):
            check_type_code(type_, kind == "logical", resolve, issues)
            check_profile_references(type_, resolve, issues)
            _type_profiles(type_, resolve, issues)
            _target_profiles(type_, resolve, issues)
            _extension_profiles(element, type_, resolve, issues)
        _binding_value_set(element, resolve, issues)
        _binding_type(element, issues)
    model = differential.fhirpath_model if differential is not None else None
    for view in ("differential", "snapshot"):
        keys: dict[str, str] = {}
        for element in _elements(sd, views=(view,)):
            _invariants(sd, element, keys, model, issues)
    _check_discriminators(sd, structure, issues)
    generated: dict[str, dict[str, Any]] = {}
    if sd.child_value("derivation") == "constraint":
        _constraint_base(sd, resolve, issues)
        _meaning_when_missing(sd, issues)
        if differential is not None and sd.child("differential") is not None:
            generated = _differential(sd, differential, issues)
    _value_types(sd, generated, issues)
    _snapshot_covers_differential(sd, issues)


def _type_name(at: Node, own_type: str, kind: str | None, resolve: Resolve, issues: list[Issue]) -> None:
    problem = type_name_problem(own_type, kind == "logical", resolve)
    if problem is not None:
        issues.append(make_issue("structuredefinition.type-invalid", at, type=own_type, detail=problem))


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


def _loader(structure: Callable[[str], dict[str, Any] | None]) -> Callable[[str], _Structure | None]:
    """Loads (once each) the snapshots of the types a path walks through."""
    cache: dict[str, _Structure | None] = {}

    def load(type_name: str) -> _Structure | None:
        if type_name not in cache:
            found = structure(type_name)
            cache[type_name] = _Structure(found) if isinstance(found, dict) else None
        return cache[type_name]

    return load


Position = tuple[_Structure, str] | None  # None: anything may follow (a resource, an unknown type)


def _check_discriminators(sd: Node, structure: Callable[[str], dict[str, Any] | None],
                          issues: list[Issue]) -> None:
    if sd.child_value("derivation") != "constraint":
        return  # a specialization defines its own elements; only constraints keep the base's
    load = _loader(structure)

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


def _context_elements(sd: Node, structure: Callable[[str], dict[str, Any] | None], issues: list[Issue]) -> None:
    """An `element` context names an element (R4 ExtensionContextType "element": "The context is all
    elements matching a particular path", e.g. `Patient.contact`): a path whose first name is a type R4
    defines but that names no element of it (walked through the types, as `Patient.name.family`) is
    an error. Paths of types that are not loaded, and contexts given by URL, are not judged."""
    load = _loader(structure)

    for context in sd.children_named("context"):
        expression = context.child("expression")
        path = expression.value if expression is not None else None
        if context.child_value("type") != "element" or expression is None or not path or ":" in path or "#" in path \
                or "." not in path or not all(n.replace("[x]", "").isidentifier() for n in path.split(".")):
            continue
        if _short(path.split(".")[0]) in _ANY_CONTENT or load(path.split(".")[0]) is None:
            continue
        if _positions_of(path, [], load) is None:
            issues.append(make_issue("structuredefinition.context-unknown-element", expression, path=path))


# -- constraints on a base ----------------------------------------------------------------------

_GENERATOR_ONLY = ("isSummary cannot be changed", "isModifier cannot be changed", "does not repeat (max 1)", "has no slicing")


def _constraint_base(sd: Node, resolve: Resolve, issues: list[Issue]) -> None:
    base_node = sd.child("baseDefinition")
    base = resolve(base_node.value) if base_node is not None and base_node.value else None
    if not isinstance(base, dict) or base.get("resourceType") != "StructureDefinition":
        return
    own_type, own_kind = sd.child("type"), sd.child("kind")
    base_type, base_kind = base.get("type"), base.get("kind")
    if own_type is not None and own_type.value and isinstance(base_type, str) and _short(own_type.value) != _short(base_type):
        issues.append(make_issue("structuredefinition.constraint-base", own_type, what="type", value=own_type.value,
                                 base=base_node.value if base_node is not None else "", base_value=base_type))
    if own_kind is not None and own_kind.value and isinstance(base_kind, str) and own_kind.value != base_kind:
        issues.append(make_issue("structuredefinition.constraint-base", own_kind, what="kind", value=own_kind.value,
                                 base=base_node.value if base_node is not None else "", base_value=base_kind))


def _differential(sd: Node, checker: DifferentialChecker, issues: list[Issue]) -> dict[str, dict[str, Any]]:
    holder = sd.child("differential")
    elements = holder.children_named("element") if holder is not None else []
    problems, generated = checker.apply(sd)
    for index, _code, reason in problems:
        if not 0 <= index < len(elements) or any(text in reason for text in _GENERATOR_ONLY):
            continue
        element = elements[index]
        issues.append(make_issue("structuredefinition.differential-invalid", element,
                                 element=element.child_value("id") or element.child_value("path") or "",
                                 reason=reason))
    return generated


def _meaning_when_missing(sd: Node, issues: list[Issue]) -> None:
    if _short(sd.child_value("type") or "") == "Extension":
        return
    for element in _elements(sd, views=("differential",)):
        found = element.child("meaningWhenMissing")
        path = element.child_value("path") or ""
        if found is None or path.endswith((".extension", ".modifierExtension")):
            continue
        issues.append(make_issue("structuredefinition.meaning-when-missing", found, path=path))


def _snapshot_covers_differential(sd: Node, issues: list[Issue]) -> None:
    """Every element the differential states is in the snapshot (by id, else by path, a renamed choice
    `valueQuantity` standing for `value[x]`)."""
    snapshot, differential = sd.child("snapshot"), sd.child("differential")
    if snapshot is None or differential is None:
        return
    ids: set[str] = set()
    paths: set[str] = set()
    for element in snapshot.children_named("element"):
        if (ident := element.child_value("id")):
            ids.add(ident)
        if (path := element.child_value("path")):
            paths.add(path)
    choices = {p[:-3] for p in paths if p.endswith("[x]")}
    for element in differential.children_named("element"):
        ident, path = element.child_value("id"), element.child_value("path")
        if not path or (ident and ident in ids) or _unrenamed(path, choices) in paths:
            continue
        issues.append(make_issue("structuredefinition.snapshot-missing", element, element=ident or path))


def _unrenamed(path: str, choices: set[str]) -> str:
    """`Observation.valueQuantity.value` as `Observation.value[x].value` when `value[x]` is a choice."""
    out: list[str] = []
    for name in path.split("."):
        prefix = ".".join(out)
        stem = next((name[:i] for i in range(1, len(name)) if name[i].isupper()
                     and f"{prefix}.{name[:i]}" in choices), None)
        out.append(f"{stem}[x]" if stem is not None and out else name)
    return ".".join(out)


# -- values of the element's type ---------------------------------------------------------------

_VALUE_PREFIXES = ("fixed", "pattern", "defaultValue", "minValue", "maxValue")
_QUANTITIES = frozenset({"Quantity", "Age", "Count", "Distance", "Duration", "SimpleQuantity", "MoneyQuantity"})


_DATE_TYPES = frozenset({"date", "dateTime", "instant"})


def _is_duration(value: Node) -> bool:
    """R4 ElementDefinition.minValue[x]/maxValue[x]: on a date, dateTime or instant the limit may be "a Duration
    which specifies a relative time limit to the current time" (positive; a UCUM unit of time, drt-1)."""
    return value.child_value("code") in DURATION_STEPS and value.child_value("system") in (None, UCUM) \
        and not str(value.child_value("value") or "").startswith("-")


def _value_types(sd: Node, generated: dict[str, dict[str, Any]], issues: list[Issue]) -> None:
    for view in ("differential", "snapshot"):
        for element in _elements(sd, views=(view,)):
            values = [c for c in element.children if c.name.startswith(_VALUE_PREFIXES)]
            if not values:
                continue
            codes = [code for t in element.children_named("type") if (code := t.child_value("code"))]
            if not codes and view == "differential":
                found = generated.get(element.child_value("id") or "")
                codes = [str(t.get("code")) for t in (found or {}).get("type") or () if isinstance(t, dict) and t.get("code")]
            if not codes or any(not c[:1].isalpha() or ":" in c or c in _ANY_CONTENT for c in codes):
                continue
            for value in values:
                prefix = next(p for p in _VALUE_PREFIXES if value.name.startswith(p))
                suffix = value.name[len(prefix):]
                if not suffix[:1].isupper():
                    continue
                if any(c[:1].upper() + c[1:] == suffix for c in codes):
                    continue
                if prefix in ("minValue", "maxValue") and suffix == "Quantity" and set(codes) & _QUANTITIES:
                    continue
                if prefix in ("minValue", "maxValue") and suffix == "Quantity" and set(codes) & _DATE_TYPES \
                        and _is_duration(value):
                    continue
                issues.append(make_issue("structuredefinition.value-type", value, what=value.name,
                                         path=element.child_value("path") or "", types=", ".join(codes)))


# -- type profiles ------------------------------------------------------------------------------

def _target_profiles(type_: Node, resolve: Resolve, issues: list[Issue]) -> None:
    if type_.child_value("code") != "Reference":
        return
    for target in type_.children_named("targetProfile"):
        found = resolve(target.value) if target.value else None
        if isinstance(found, dict) and found.get("resourceType") == "StructureDefinition" \
                and found.get("kind") in ("primitive-type", "complex-type"):
            issues.append(make_issue("structuredefinition.target-not-resource", target, url=target.value,
                                     type=_short(str(found.get("type") or ""))))


def _extension_profiles(element: Node, type_: Node, resolve: Resolve, issues: list[Issue]) -> None:
    path = element.child_value("path") or ""
    leaf = path.rsplit(".", 1)[-1]
    if type_.child_value("code") != "Extension" or leaf not in ("extension", "modifierExtension"):
        return
    for profile in type_.children_named("profile"):
        found = resolve(profile.value) if profile.value else None
        if not isinstance(found, dict) or found.get("type") != "Extension":
            continue
        modifier = declared_modifier(found, views=("snapshot",))
        if modifier is None:
            continue
        if modifier != (leaf == "modifierExtension"):
            issues.append(make_issue("structuredefinition.extension-modifier", profile, url=profile.value,
                                     what="a modifier extension" if modifier else "not a modifier extension",
                                     element=leaf))


def _invariants(sd: Node, element: Node, keys: dict[str, str], model: ModelInfo | None,
                issues: list[Issue]) -> None:
    own = sd.child_value("url")
    for constraint in element.children_named("constraint"):
        expression = constraint.child("expression")
        key, source = constraint.child_value("key"), constraint.child_value("source")
        if expression is None or not expression.value:
            continue
        if key and key != "ele-1":
            if key in keys and keys[key] != expression.value:
                issues.append(make_issue("structuredefinition.invariant-key", constraint.child("key") or constraint,
                                         key=key))
            keys.setdefault(key, expression.value)
        if source and source != own:
            continue  # inherited: judged where it is defined
        try:
            tree = parse_fhirpath(expression.value)
        except FhirPathSyntaxError as exc:
            issues.append(make_issue("structuredefinition.invariant-syntax", expression,
                                     key=key or "(no key)", detail=exc.message))
            continue
        except Exception:  # noqa: BLE001 - only what cannot be read is judged here
            continue
        focus = _focus_key(sd, element.child_value("path") or "", model) if model is not None else None
        if focus is None or model is None:
            continue
        try:
            problems = semantic_check(tree, focus, model, any_type=True)
        except Exception:  # noqa: BLE001 - the static check is a help, never a crash
            continue
        if problems:
            issues.append(make_issue("structuredefinition.invariant-names", expression,
                                     key=key or "(no key)", detail=problems[0]))


def _focus_key(sd: Node, path: str, model: ModelInfo) -> str | None:
    """The model key of the element a constraint applies to (None when it cannot be told)."""
    own_type = sd.child_value("type") or ""
    names = path.split(".")
    if not path or ":" in own_type or sd.child_value("kind") == "logical" or names[0] != _short(own_type) \
            or not model.knows(names[0]):
        return None
    key = names[0]
    for name in names[1:]:
        info = model.child(key, name)
        if info is None or info.type_key is None or info.choice or not model.knows(info.type_key):
            return None
        key = info.type_key
    return key


# eld-11's human text: "Binding can only be present for coded elements, string, and uri" (its R4 expression
# tests `type.select(...).exists()`, true for any type); with their specialisations, and the types the HL7
# validator also lets bind (Range, Extension, CodeableReference)
_BINDABLE = frozenset({"code", "Coding", "CodeableConcept", "Quantity", "Age", "Count", "Distance", "Duration",
                       "SimpleQuantity", "MoneyQuantity", "string", "id", "markdown", "uri", "url", "canonical",
                       "oid", "uuid", "Range", "Extension", "CodeableReference"})


def _binding_type(element: Node, issues: list[Issue]) -> None:
    binding = element.child("binding")
    codes = [code for t in element.children_named("type") if (code := t.child_value("code"))]
    if binding is None or not codes or any(c in _BINDABLE or ":" in c or c in _ANY_CONTENT for c in codes):
        return
    issues.append(make_issue("structuredefinition.binding-not-coded", binding, path=element.child_value("path") or "",
                             types=", ".join(codes)))


def _binding_value_set(element: Node, resolve: Resolve, issues: list[Issue]) -> None:
    binding = element.child("binding")
    value_set = binding.child("valueSet") if binding is not None else None
    if value_set is None or not value_set.value:
        return
    found = resolve(value_set.value)
    if isinstance(found, dict) and found.get("resourceType") not in (None, "ValueSet"):
        issues.append(make_issue("structuredefinition.binding-not-value-set", value_set, url=value_set.value,
                                 type=found.get("resourceType")))
