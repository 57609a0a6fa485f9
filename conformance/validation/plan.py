"""StructureDefinition snapshot → validation plan, compiled once per definition.

A plan is the snapshot reshaped for walking instances fast: for every element that can have
children, a `ChildIndex` maps each JSON/XML property name (`valueQuantity`, not `value[x]`)
straight to its rule and concrete type, and lists the rules with a minimum. Walking a node is
then one dict lookup per child. Base types and profiles compile the same way; a profile's rules
simply carry more (slices, fixed and pattern values, type profiles, constraints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.validation.element_limits import ElementLimits, read_limits

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_TYPE_PREFIX = "http://hl7.org/fhirpath/System."

PRIMITIVE_TYPES = frozenset({
    "base64Binary", "boolean", "canonical", "code", "date", "dateTime", "decimal", "id", "instant", "integer",
    "markdown", "oid", "positiveInt", "string", "time", "unsignedInt", "uri", "url", "uuid", "xhtml",
})

_SYSTEM_TO_FHIR = {"String": "string", "Boolean": "boolean", "Integer": "integer", "Decimal": "decimal",
                   "Date": "date", "DateTime": "dateTime", "Time": "time"}


@dataclass(frozen=True, slots=True)
class Constraint:
    """An invariant of an element: a FHIRPath expression that must be true."""

    key: str
    severity: str
    human: str
    expression: str
    source: str


@dataclass(frozen=True, slots=True)
class Discriminator:
    type: Literal["value", "pattern", "type", "profile", "exists"]
    path: str


@dataclass(frozen=True, slots=True)
class Slicing:
    discriminators: tuple[Discriminator, ...]
    rules: Literal["closed", "open", "openAtEnd"]
    ordered: bool


@dataclass(eq=False, slots=True)
class ElementRule:
    """One element of a definition: what may appear under one name (or one `[x]` choice)."""

    name: str
    path: str
    min: int
    max: int | None  # None means unbounded
    types: tuple[str, ...]
    choice: bool
    element_id: str = ""
    binding: tuple[str, str] | None = None  # (strength, value set canonical without version)
    max_value_set: str | None = None  # R4 elementdefinition-maxValueSet on an extensible/preferred binding
    content_reference: str | None = None
    children: ChildIndex | None = None  # inline children (BackboneElement, or a profile's constraints)
    over_max: int = 0  # the count that first breaks max (max + 1); 0 when unbounded
    base_repeats: bool = False  # max > 1 in the base definition: decides JSON arrays and `[i]` in locations
    # profile constraints
    fixed: tuple[str, Any] | None = None  # (fixedX name, value)
    pattern: tuple[str, Any] | None = None
    max_length: int | None = None
    limits: ElementLimits | None = None  # R4's regex / minLength / maxDecimalPlaces / maxSize extensions
    min_value: tuple[str, Any] | None = None
    max_value: tuple[str, Any] | None = None
    type_profiles: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type code → profiles
    target_profiles: tuple[str, ...] = ()
    aggregation: tuple[str, ...] = ()  # ElementDefinition.type.aggregation of a Reference: the modes allowed
    must_support: bool = False
    constraints: tuple[Constraint, ...] = ()
    slice_name: str | None = None
    slicing: Slicing | None = None
    slices: list[ElementRule] = field(default_factory=list)
    must_have_value: bool = False  # R5 mustHaveValue (as R4 cross-version extension): no extension in place of the value
    value_alternatives: tuple[str, ...] = ()  # R5 valueAlternatives: the extensions allowed in place of the value
    narrative_language: str | None = None  # HL7's narrative-language-control on a Narrative element (_no, _yes, ...)

    has_profile_rules: bool = False  # fixed, pattern, limits or target profiles to check
    resolved_types: dict[str, Any] = field(default_factory=dict)  # the validator's per-type cache for this rule
    # the validator's per-type cache of primitive checks for types where a value that passed before needs
    # nothing more here (no binding on a code, no profile rules, no constraints): see `Validator._walk`
    plain_primitives: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.over_max = 0 if self.max is None else self.max + 1
        if not self.base_repeats:
            self.base_repeats = self.max is None or self.max > 1
        self.has_profile_rules = bool(self.fixed or self.pattern or self.max_length is not None or self.min_value
                                      or self.max_value or self.target_profiles or self.limits)

    @property
    def repeats(self) -> bool:
        return self.max is None or self.max > 1

    def max_text(self) -> str:
        return "*" if self.max is None else str(self.max)


@dataclass(slots=True)
class ChildIndex:
    """The children one element may have, keyed by concrete property name."""

    rules: list[ElementRule] = field(default_factory=list)
    by_name: dict[str, tuple[ElementRule, str]] = field(default_factory=dict)
    choices: list[ElementRule] = field(default_factory=list)
    required: list[ElementRule] = field(default_factory=list)  # rules with min > 0
    must_support: list[ElementRule] = field(default_factory=list)
    slices_required: list[ElementRule] = field(default_factory=list)  # sliced rules with a slice min > 0
    order: dict[str, int] = field(default_factory=dict)  # property name → its element's place in the definition

    def add(self, rule: ElementRule) -> None:
        self.rules.append(rule)
        place = len(self.rules) - 1
        if rule.choice:
            self.choices.append(rule)
            for t in rule.types:
                name = rule.name + t[0].upper() + t[1:]
                self.by_name[name] = (rule, t)
                self.order[name] = place
        else:
            self.by_name[rule.name] = (rule, rule.types[0] if rule.types else "")
            self.order[rule.name] = place
        if rule.min > 0:
            self.required.append(rule)
        if rule.must_support:
            self.must_support.append(rule)

    def choice_for(self, name: str) -> ElementRule | None:
        """The choice element a name like `valueFoo` was meant for, if any."""
        for rule in self.choices:
            if name.startswith(rule.name) and len(name) > len(rule.name) and name[len(rule.name)].isupper():
                return rule
        return None

    def rule_named(self, name: str) -> ElementRule | None:
        """The rule for a definition name (`value` for `value[x]`) or a property name."""
        hit = self.by_name.get(name)
        if hit is not None:
            return hit[0]
        for rule in self.rules:
            if rule.name == name:
                return rule
        return None


@dataclass(slots=True)
class TypePlan:
    """A compiled StructureDefinition."""

    url: str
    type_name: str
    kind: str
    abstract: bool
    derivation: str
    root: ChildIndex
    by_path: dict[str, ElementRule]
    root_constraints: tuple[Constraint, ...] = ()
    is_profile: bool = False
    by_id: dict[str, ElementRule] = field(default_factory=dict)  # every element, slices included, by its id
    # the root element's own rule: a data type profile may fix or pattern the whole value there
    # (an Identifier profile's `patternIdentifier` on `Identifier`)
    root_rule: ElementRule | None = None


def _type_code(t: dict[str, Any]) -> str:
    code = t.get("code", "")
    if code.startswith(SYSTEM_TYPE_PREFIX):
        for ext in t.get("extension", ()):
            if ext.get("url") == FHIR_TYPE_EXT:
                return str(ext.get("valueUrl") or ext.get("valueUri") or "string")
        return _SYSTEM_TO_FHIR.get(code[len(SYSTEM_TYPE_PREFIX):], "string")
    return str(code)


def _parse_max(value: str | None) -> int | None:
    if value is None or value == "*":
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _prefixed(element: dict[str, Any], prefix: str) -> tuple[str, Any] | None:
    for key, value in element.items():
        if key.startswith(prefix) and len(key) > len(prefix) and key[len(prefix)].isupper():
            return key, value
    return None


# invariants the walker checks natively: on every element (ele-1, ext-1), in linear time (bdl-7), or as
# the reference rules that also say which reference is wrong (ref-1 → reference.contained-not-found)
NATIVE_INVARIANTS = frozenset({"ele-1", "ext-1", "bdl-7", "ref-1"})


def _constraints(element: dict[str, Any]) -> tuple[Constraint, ...]:
    found = []
    for c in element.get("constraint", ()):
        if c.get("expression") and c.get("key") not in NATIVE_INVARIANTS:
            found.append(Constraint(c.get("key", "?"), c.get("severity", "error"), c.get("human", ""),
                                    c["expression"], c.get("source", "")))
    return tuple(found)


def _slicing(element: dict[str, Any]) -> Slicing | None:
    s = element.get("slicing")
    if not s:
        return None
    discriminators = tuple(Discriminator(d.get("type", "value"), d.get("path", "$this"))
                           for d in s.get("discriminator", ()))
    return Slicing(discriminators, s.get("rules", "open"), bool(s.get("ordered", False)))


def _split_id(element_id: str) -> tuple[str, str]:
    """`Patient.identifier:nhs.system` → (`Patient.identifier:nhs`, `system`).

    Slice names never contain dots (eld-16), so the last dot always separates parent and child.
    """
    parent, _, last = element_id.rpartition(".")
    return parent, last


def _bound_value_set(canonical: str, owner: str) -> str:
    """The binding's value set without its version; a contained one (`#id`) qualified by its owner."""
    url = canonical.partition("|")[0]
    return f"{owner}{url}" if url.startswith("#") and owner else url


def make_rule(element: dict[str, Any], kind: str, owner: str = "") -> ElementRule:
    """One element's rule. `owner` is the URL of the StructureDefinition the element comes from: a
    binding to one of its contained ValueSets (`#id`, R4 references.html#contained) becomes
    `owner#id`, which `Definitions.value_set` resolves to that contained resource."""
    path: str = element["path"]
    name = path.rpartition(".")[2]
    choice = name.endswith("[x]")
    if choice:
        name = name[:-3]
    type_entries = element.get("type", ())
    types = tuple(_type_code(t) for t in type_entries)
    # Resource.id is typed System.String/string in R4 snapshots, but its rules are those of `id`
    if kind == "resource" and path.count(".") == 1 and name == "id":
        types = ("id",)
    type_profiles: dict[str, tuple[str, ...]] = {}
    targets: list[str] = []
    aggregation: list[str] = []
    for t, code in zip(type_entries, types, strict=False):
        if t.get("profile"):
            type_profiles[code] = tuple(_with_profile_element(t["profile"], t.get("_profile")))
        targets.extend(t.get("targetProfile", ()))
        aggregation.extend(a for a in t.get("aggregation", ()) if isinstance(a, str) and a not in aggregation)
    binding = element.get("binding")
    max_length = element.get("maxLength")
    base_max = _parse_max((element.get("base") or {}).get("max", element.get("max")))
    return ElementRule(
        name=name,
        path=path,
        min=int(element.get("min", 0)),
        max=_parse_max(element.get("max")),
        types=types,
        choice=choice,
        element_id=element.get("id", path),
        binding=(binding["strength"], _bound_value_set(binding["valueSet"], owner))
        if binding and "valueSet" in binding else None,
        max_value_set=_max_value_set(binding, owner),
        content_reference=element.get("contentReference"),
        fixed=_prefixed(element, "fixed"),
        pattern=_prefixed(element, "pattern"),
        max_length=int(max_length) if isinstance(max_length, int) else None,
        limits=read_limits(element),
        min_value=_prefixed(element, "minValue"),
        max_value=_prefixed(element, "maxValue"),
        type_profiles=type_profiles,
        target_profiles=tuple(targets),
        aggregation=tuple(aggregation),
        must_support=bool(element.get("mustSupport", False)),
        constraints=_constraints(element),
        slice_name=element.get("sliceName"),
        slicing=_slicing(element),
        base_repeats=base_max is None or base_max > 1,
        must_have_value=any(e.get("valueBoolean") is True for e in _xver_element_extensions(element, "mustHaveValue")),
        value_alternatives=tuple(str(e["valueCanonical"]) for e in _xver_element_extensions(element, "valueAlternatives")
                                 if "valueCanonical" in e),
        narrative_language=next((str(e["valueCode"]) for e in element.get("extension") or ()
                                 if isinstance(e, dict) and e.get("url") == NARRATIVE_LANGUAGE_CONTROL
                                 and "valueCode" in e), None),
    )


MAX_VALUE_SET = "http://hl7.org/fhir/StructureDefinition/elementdefinition-maxValueSet"


def _max_value_set(binding: Any, owner: str) -> str | None:
    """R4's elementdefinition-maxValueSet on an `extensible` or `preferred` binding: "the value set from which
    additional codes can be taken from. This defines a 'required' binding over the top of the extensible binding"."""
    if not isinstance(binding, dict) or binding.get("strength") not in ("extensible", "preferred"):
        return None
    for ext in binding.get("extension") or ():
        if isinstance(ext, dict) and ext.get("url") == MAX_VALUE_SET:
            value = ext.get("valueCanonical") or ext.get("valueUri")
            if isinstance(value, str) and value:
                return _bound_value_set(value, owner)
    return None


PROFILE_ELEMENT = "http://hl7.org/fhir/StructureDefinition/elementdefinition-profile-element"


def _with_profile_element(profiles: Any, extensions: Any) -> list[str]:
    """A type's profiles, each written `url#element-id` where R4's elementdefinition-profile-element extension
    names "the specific element to use in the referenced profile" ("used when a backbone element is being
    profiled, rather than an established type"); `Validator.plan_for` resolves that form to the element."""
    out = [str(p) for p in profiles]
    for i, ext in enumerate(extensions if isinstance(extensions, list) else ()):
        if i < len(out) and isinstance(ext, dict):
            for e in ext.get("extension") or ():
                if isinstance(e, dict) and e.get("url") == PROFILE_ELEMENT and isinstance(e.get("valueString"), str):
                    out[i] = f"{out[i]}#{e['valueString']}"
    return out


# HL7's extensions pack: "rules for the validation of language sections in the narrative"
NARRATIVE_LANGUAGE_CONTROL = "http://hl7.org/fhir/StructureDefinition/narrative-language-control"


# R5's ElementDefinition elements written in R4 as HL7's cross-version extensions (R5 versions.html#extensions)
XVER_ELEMENT_DEFINITION = "http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition."


def _xver_element_extensions(element: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The element's extensions standing for R5's `ElementDefinition.<name>` (beyond R4; see `Validator._value_presence`)."""
    url = XVER_ELEMENT_DEFINITION + name
    return [e for e in element.get("extension") or () if isinstance(e, dict) and e.get("url") == url]


def compile_structure_definition(sd: dict[str, Any]) -> TypePlan:
    """Compile a snapshot, slices included, keyed by element id."""
    elements = sd.get("snapshot", {}).get("element", [])
    type_name = sd.get("type", "")
    kind = sd.get("kind", "")
    root_id = elements[0].get("id", elements[0]["path"]) if elements else type_name
    indexes: dict[str, ChildIndex] = {root_id: ChildIndex()}
    rules_by_id: dict[str, ElementRule] = {}
    by_path: dict[str, ElementRule] = {}
    for element in elements[1:]:
        element_id = element.get("id") or element["path"]
        parent_id, last = _split_id(element_id)
        rule = make_rule(element, kind, sd.get("url") or "")
        rules_by_id[element_id] = rule
        indexes[element_id] = ChildIndex()
        if ":" in last:
            # a slice (or re-slice `a:b/c`) of the element `parent.name`
            base_name, _, slice_part = last.partition(":")
            sliced_id = f"{parent_id}.{base_name}" if parent_id else base_name
            if "/" in slice_part:
                sliced_id = f"{sliced_id}:{slice_part.rpartition('/')[0]}"
            sliced = rules_by_id.get(sliced_id)
            if sliced is not None:
                sliced.slices.append(rule)
            continue
        parent = indexes.get(parent_id)
        if parent is None:
            continue  # a child of an element we could not place
        parent.add(rule)
        by_path.setdefault(rule.path, rule)
    for element_id, rule in rules_by_id.items():
        children = indexes[element_id]
        if children.rules:
            rule.children = children
    for index in indexes.values():
        index.slices_required = [r for r in index.rules if any(s.min > 0 for s in r.slices)]
    # contentReference (`#Questionnaire.item`): the element repeats the referenced one's content
    for rule in rules_by_id.values():
        ref = rule.content_reference
        if ref:
            target = by_path.get(ref.partition("#")[2])
            if target is not None:
                rule.children = target.children
                rule.types = target.types
    return TypePlan(
        url=sd.get("url", ""),
        type_name=type_name,
        kind=kind,
        abstract=bool(sd.get("abstract", False)),
        derivation=sd.get("derivation", "specialization"),
        root=indexes[root_id],
        by_path=by_path,
        root_constraints=_constraints(elements[0]) if elements else (),
        root_rule=make_rule(elements[0], kind, sd.get("url") or "") if elements else None,
        is_profile=sd.get("derivation") == "constraint",
        by_id=rules_by_id,
    )
