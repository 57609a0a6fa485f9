"""StructureDefinition snapshot → validation plan, compiled once per type.

A plan is the snapshot reshaped for walking instances fast: for every element that can have
children, a `ChildIndex` maps each JSON/XML property name (`valueQuantity`, not `value[x]`)
straight to its rule and concrete type, and lists the rules with a minimum. Walking a node is
then one dict lookup per child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_TYPE_PREFIX = "http://hl7.org/fhirpath/System."

PRIMITIVE_TYPES = frozenset({
    "base64Binary", "boolean", "canonical", "code", "date", "dateTime", "decimal", "id", "instant", "integer",
    "markdown", "oid", "positiveInt", "string", "time", "unsignedInt", "uri", "url", "uuid", "xhtml",
})

_SYSTEM_TO_FHIR = {"String": "string", "Boolean": "boolean", "Integer": "integer", "Decimal": "decimal",
                   "Date": "date", "DateTime": "dateTime", "Time": "time"}


@dataclass(eq=False, slots=True)
class ElementRule:
    """One element of a definition: what may appear under one name (or one `[x]` choice)."""

    name: str
    path: str
    min: int
    max: int | None  # None means unbounded
    types: tuple[str, ...]
    choice: bool
    binding: tuple[str, str] | None = None  # (strength, value set canonical)
    content_reference: str | None = None
    children: ChildIndex | None = None  # inline children (BackboneElement and the like)
    over_max: int = 0  # the count that first breaks max (max + 1); 0 when unbounded

    def __post_init__(self) -> None:
        self.over_max = 0 if self.max is None else self.max + 1

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

    def add(self, rule: ElementRule) -> None:
        self.rules.append(rule)
        if rule.choice:
            self.choices.append(rule)
            for t in rule.types:
                self.by_name[rule.name + t[0].upper() + t[1:]] = (rule, t)
        else:
            self.by_name[rule.name] = (rule, rule.types[0] if rule.types else "")
        if rule.min > 0:
            self.required.append(rule)

    def choice_for(self, name: str) -> ElementRule | None:
        """The choice element a name like `valueFoo` was meant for, if any."""
        for rule in self.choices:
            if name.startswith(rule.name) and len(name) > len(rule.name) and name[len(rule.name)].isupper():
                return rule
        return None


@dataclass(slots=True)
class TypePlan:
    """A compiled StructureDefinition."""

    url: str
    type_name: str
    kind: str
    abstract: bool
    root: ChildIndex
    by_path: dict[str, ElementRule]


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


def compile_structure_definition(sd: dict[str, Any]) -> TypePlan:
    """Compile a snapshot. Slices (ids with `:`) are left to profile validation."""
    elements = sd.get("snapshot", {}).get("element", [])
    type_name = sd.get("type", "")
    kind = sd.get("kind", "")
    root_path = elements[0]["path"] if elements else type_name
    indexes: dict[str, ChildIndex] = {root_path: ChildIndex()}
    by_path: dict[str, ElementRule] = {}
    for element in elements[1:]:
        if ":" in element.get("id", ""):
            continue
        path: str = element["path"]
        parent_path, _, name = path.rpartition(".")
        parent = indexes.get(parent_path)
        if parent is None:
            # a child of a choice or of something we skipped: attach to the nearest known parent
            continue
        choice = name.endswith("[x]")
        if choice:
            name = name[:-3]
        types = tuple(_type_code(t) for t in element.get("type", ()))
        # Resource.id is typed System.String/string in R4 snapshots, but its rules are those of `id`
        if kind == "resource" and path.count(".") == 1 and name == "id":
            types = ("id",)
        binding = element.get("binding")
        rule = ElementRule(
            name=name,
            path=path,
            min=int(element.get("min", 0)),
            max=_parse_max(element.get("max")),
            types=types,
            choice=choice,
            binding=(binding["strength"], binding["valueSet"].partition("|")[0])
            if binding and "valueSet" in binding else None,
            content_reference=element.get("contentReference"),
        )
        parent.add(rule)
        by_path[path] = rule
        indexes[path] = ChildIndex()
    # inline children: an element with children in the snapshot keeps them
    for path, rule in by_path.items():
        children = indexes[path]
        if children.rules:
            rule.children = children
    # contentReference (`#Questionnaire.item`): the element repeats the referenced one's content
    for rule in by_path.values():
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
        root=indexes[root_path],
        by_path=by_path,
    )
