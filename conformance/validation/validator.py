"""Walks a positioned tree against compiled plans and reports every finding as an Issue.

Base R4 validation: resource types, unknown elements, cardinality, choice types, primitive
lexical rules, JSON array/single shape, extension shape, `ele-1`, contained resources, resources
inside Bundles and Parameters (recursively), required bindings that can be expanded locally,
and that claimed profiles exist. Profile-specific rules build on this in later layers.
"""

from __future__ import annotations

from collections.abc import Sequence

from conformance.definitions.registry import Definitions
from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.terminology.expansion import Expander
from conformance.validation.plan import (
    PRIMITIVE_TYPES,
    ChildIndex,
    ElementRule,
    TypePlan,
    compile_structure_definition,
)
from conformance.validation.primitives import PrimitiveRule, build_rule

_CODED_TYPES = frozenset({"code", "Coding", "CodeableConcept"})
_ELE1_HUMAN = "All FHIR elements must have a @value or children"


class Validator:
    """Validates resources against the base definitions of the loaded packages.

    Build one per run: plans, primitive rules and expansions are compiled on first use and
    then shared by every resource the validator sees.
    """

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self.expander = Expander(definitions)
        self._plans: dict[str, TypePlan | None] = {}
        self._primitive_rules: dict[str, PrimitiveRule] = {}
        self._searched = ", ".join(definitions.packages.ids())

    # -- public ---------------------------------------------------------------------------------
    def validate(self, root: Node, profiles: Sequence[str] = ()) -> list[Issue]:
        """Every issue found in this resource (reader issues are the caller's)."""
        issues: list[Issue] = []
        if self._check_resource(root, issues):
            self._check_profiles_exist(root, profiles, issues)
        return issues

    def plan_for_type(self, type_name: str) -> TypePlan | None:
        if type_name not in self._plans:
            sd = self.definitions.structure_definition(type_name)
            self._plans[type_name] = compile_structure_definition(sd) if sd and "snapshot" in sd else None
        return self._plans[type_name]

    # -- resources ---------------------------------------------------------------------------------
    def _check_resource(self, node: Node, issues: list[Issue]) -> bool:
        rt = node.resource_type or ""
        plan = self.plan_for_type(rt) if rt in self.definitions.resource_types else None
        if plan is None:
            issues.append(make_issue("structure.unknown-resource-type", node, name=rt))
            return False
        if plan.abstract:
            issues.append(make_issue("structure.abstract-resource-type", node, name=rt))
            return False
        self._walk(node, plan.root, issues)
        if rt == "Bundle":
            self._bundle_rules(node, issues)
        return True

    @staticmethod
    def _bundle_rules(bundle: Node, issues: list[Issue]) -> None:
        """bdl-7 in linear time: fullUrl (with meta.versionId) unique, except in history Bundles."""
        bundle_type = bundle.child("type")
        if bundle_type is not None and bundle_type.value == "history":
            return
        seen: set[tuple[str, str]] = set()
        for entry in bundle.children_named("entry"):
            full_url = entry.child("fullUrl")
            if full_url is None or not full_url.value:
                continue
            version = ""
            resource = entry.child("resource")
            meta = resource.child("meta") if resource is not None else None
            version_node = meta.child("versionId") if meta is not None else None
            if version_node is not None and version_node.value:
                version = version_node.value
            key = (full_url.value, version)
            if key in seen:
                issues.append(make_issue("bundle.duplicate-fullurl", full_url, url=full_url.value))
            seen.add(key)

    def _check_profiles_exist(self, root: Node, profiles: Sequence[str], issues: list[Issue]) -> None:
        meta = root.child("meta")
        claimed = meta.children_named("profile") if meta is not None else []
        for node in claimed:
            if node.value:
                self._check_profile(node.value, root, node, issues)
        for url in profiles:
            self._check_profile(url, root, None, issues)

    def _check_profile(self, url: str, root: Node, node: Node | None, issues: list[Issue]) -> None:
        sd = self.definitions.structure_definition(url) if "/" in url else None
        where = node if node is not None else root
        if sd is None:
            issues.append(make_issue("profile.unknown", where, url=url, searched=self._searched))
        elif sd.get("type") not in (root.resource_type, "Resource", "DomainResource"):
            issues.append(make_issue("profile.wrong-type", where, url=url, expected=sd.get("type"),
                                     actual=root.resource_type))

    # -- elements ----------------------------------------------------------------------------------
    def _walk(self, node: Node, index: ChildIndex, issues: list[Issue]) -> None:
        """Check the children of `node` against `index`, then each child against its rule."""
        counts: dict[int, int] = {}
        choice_names: dict[int, str] = {}
        by_name = index.by_name
        for child in node.children:
            hit = by_name.get(child.name)
            if hit is None:
                self._unknown(child, index, issues)
                continue
            rule, type_code = hit
            key = id(rule)
            count = counts[key] = counts.get(key, 0) + 1
            mixed_choice = False
            if rule.choice:
                first = choice_names.setdefault(key, child.name)
                mixed_choice = first != child.name
                if mixed_choice and child.index == 0:
                    issues.append(make_issue("choice.multiple", node, names=", ".join(sorted({first, child.name}))))
            if count == rule.over_max and not mixed_choice:
                issues.append(make_issue("cardinality.max", node, path=rule.path, max=rule.max,
                                         count=sum(1 for c in node.children if by_name.get(c.name, (None,))[0] is rule)))
            self._shape(child, rule, issues)
            self._element(child, rule, type_code, issues)
        for rule in index.required:
            count = counts.get(id(rule), 0)
            if count < rule.min and rule.path != "Extension.url":  # no url: extension.no-url says what to do
                issues.append(make_issue("cardinality.min", node, path=rule.path, min=rule.min, count=count))

    def _unknown(self, child: Node, index: ChildIndex, issues: list[Issue]) -> None:
        if child.index != 0:
            return  # one finding per unknown property name
        choice = index.choice_for(child.name)
        if choice is not None:
            issues.append(make_issue("choice.type-not-allowed", child, name=child.name, path=choice.path,
                                     allowed=", ".join(choice.name + t[0].upper() + t[1:] for t in choice.types)))
        else:
            issues.append(make_issue("structure.unknown-element", child, name=child.name))

    @staticmethod
    def _shape(child: Node, rule: ElementRule, issues: list[Issue]) -> None:
        """JSON array vs single, and the `[i]` in locations (which follows the definition)."""
        repeats = rule.max is None or rule.max > 1
        in_array = child.in_json_array
        if in_array is None:  # XML
            child.repeating = repeats
        elif in_array and not repeats:
            child.repeating = False
            if child.index == 0:
                issues.append(make_issue("json.array-unexpected", child, name=child.name))
        elif not in_array and repeats:
            child.repeating = True
            issues.append(make_issue("json.array-expected", child, name=child.name))

    def _element(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        if node.resource_type is not None and type_code != "Resource":
            issues.append(make_issue("structure.resourcetype-misplaced", node))
            return
        if type_code in PRIMITIVE_TYPES:
            self._primitive(node, rule, type_code, issues)
            return
        if type_code == "Resource":
            if node.resource_type is None:
                issues.append(make_issue("structure.resource-expected", node, name=node.name))
                return
            if rule.name == "contained" and node.child("id") is None:
                issues.append(make_issue("id.missing-contained", node))
            self._check_resource(node, issues)
            return
        if node.value is not None:
            issues.append(make_issue("structure.complex-expected", node, name=node.name, type=type_code))
            return
        children = node.children
        if not children or (children[0].name == "id" and len(children) == 1):
            if children or node.in_json_array is None:
                issues.append(make_issue("invariant.failed", node, key="ele-1", human=_ELE1_HUMAN))
            return
        index = rule.children
        if index is None:
            plan = self.plan_for_type(type_code)
            if plan is None:
                return
            index = plan.root
        if type_code == "Extension":
            self._extension_shape(node, issues)
        self._walk(node, index, issues)
        if rule.binding is not None and type_code in _CODED_TYPES:
            self._binding(node, rule, type_code, issues)

    def _primitive(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        extras = False
        for c in node.children:
            if c.name == "extension":
                extras = True
            elif c.name != "id":
                issues.append(make_issue("structure.primitive-expected", node, name=node.name, type=type_code))
                return
        if node.value is None and not extras:
            issues.append(make_issue("invariant.failed", node, key="ele-1", human=_ELE1_HUMAN))
        prim = self._primitive_rules.get(type_code)
        if prim is None:
            prim = self._primitive_rules[type_code] = build_rule(type_code,
                                                                  self.definitions.structure_definition(type_code))
        prim.check(node, issues)
        if node.children:
            plan = self.plan_for_type("Element")
            if plan is not None:
                self._walk(node, plan.root, issues)
        if rule.binding is not None and type_code == "code" and node.value:
            self._binding(node, rule, type_code, issues)

    @staticmethod
    def _extension_shape(node: Node, issues: list[Issue]) -> None:
        has_url = has_value = has_nested = False
        url_node: Node | None = None
        for c in node.children:
            if c.name == "url":
                has_url, url_node = True, c
            elif c.name == "extension":
                has_nested = True
            elif c.name.startswith("value"):
                has_value = True
        if not has_url:
            issues.append(make_issue("extension.no-url", node))
        elif url_node is not None and url_node.value and ":" not in url_node.value:
            parent = node.parent
            nested = parent is not None and parent.name in ("extension", "modifierExtension")
            if not nested:
                issues.append(make_issue("extension.url-not-absolute", url_node, url=url_node.value))
        if has_value and has_nested:
            issues.append(make_issue("extension.value-and-children", node))
        elif not has_value and not has_nested:
            issues.append(make_issue("extension.empty", node))

    # -- bindings ------------------------------------------------------------------------------------
    def _binding(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        strength, url = rule.binding  # type: ignore[misc]
        if strength != "required":
            return
        expansion = self.expander.expand(url)
        codings = _codings(node, type_code)
        if not codings:
            return
        if expansion is None:
            issues.append(make_issue("binding.not-expandable", node, valueset=url, code=_code_label(codings)))
            return
        for system, code in codings:
            if code is not None and expansion.contains(system if type_code != "code" else None, code):
                return
        issues.append(make_issue("binding.required", node, code=_code_label(codings), valueset=url))


def _codings(node: Node, type_code: str) -> list[tuple[str | None, str | None]]:
    if type_code == "code":
        return [(None, node.value)]
    if type_code == "Coding":
        return [_coding(node)]
    return [_coding(c) for c in node.children_named("coding")]


def _coding(node: Node) -> tuple[str | None, str | None]:
    system = node.child("system")
    code = node.child("code")
    return (system.value if system is not None else None, code.value if code is not None else None)


def _code_label(codings: list[tuple[str | None, str | None]]) -> str:
    labels: list[str] = []
    for system, code in codings:
        labels.append(f"'{code}'" if system is None else f"{system}#{code}")
    return ", ".join(labels)
