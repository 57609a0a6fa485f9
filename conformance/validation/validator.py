"""Walks a positioned tree against compiled plans and reports every finding as an Issue.

One walk covers the base specification and any profiles: a resource is walked against each
profile it claims (`meta.profile`) or is given (`--profile`) — a profile's snapshot carries every
base rule too — or against its base definition when it has none. Along the way: unknown elements,
cardinality (slices included), choice types, primitive lexical rules, JSON shape, `ele-1`,
extensions (by their own definitions), fixed/pattern values and limits, slicing, bindings,
references (contained and Bundle, in linear time), invariants, and national rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.definitions.registry import Definitions
from conformance.fhir.tree import Node
from conformance.fhirpath.values import QUANTITY_TYPES
from conformance.issues import Issue, make_issue
from conformance.packages.loader import CORE
from conformance.terminology.service import CodeCheck, binding_outcome, create_terminology
from conformance.validation import slicing
from conformance.validation.bundles import (
    bad_conditional_query,
    check_entries,
    check_full_urls,
    check_links,
    entry_base,
    not_a_literal_reference,
)
from conformance.validation.canonical_resources import check_canonical_url
from conformance.validation.code_systems import check_code_system
from conformance.validation.cross_version import is_r5_modifier_extension, r5_extension_problems
from conformance.validation.datatypes import check_attachment, check_element_ids, check_uri_identifier
from conformance.validation.documents import check_document, required_in_document, required_in_message
from conformance.validation.element_limits import check_limits
from conformance.validation.extension_contexts import (
    CANONICAL_RESOURCE,
    CORE_NAMESPACE,
    added_contexts,
    canonical_resource_types,
    check_modifier_use,
    check_sub_extension_defined,
    instance_path,
    published_by_hl7,
)
from conformance.validation.invariants import InvariantChecker
from conformance.validation.measure_logic import check_measure_criteria
from conformance.validation.measures import check_measure_report
from conformance.validation.narrative_language import check_narrative_language
from conformance.validation.national import CODING_CHECKS, check_coding, check_identifier
from conformance.validation.operation_definitions import check_operation_profiles
from conformance.validation.operation_parameters import check_parameter_cardinality
from conformance.validation.plan import (
    PRIMITIVE_TYPES,
    ChildIndex,
    ElementRule,
    TypePlan,
    compile_structure_definition,
)
from conformance.validation.primitives import PrimitiveRule, build_rule
from conformance.validation.questionnaire import ResponseChecker, enable_when_targets
from conformance.validation.references import ResolutionScope, parse_reference
from conformance.validation.search_parameters import (
    check_capability_search_params,
    check_composite_components,
    check_derived_from,
    check_search_expression,
)
from conformance.validation.structure_definitions import DifferentialChecker, check_structure_definition
from conformance.validation.value_sets import check_value_set_codes
from conformance.validation.values import (
    TEMPORAL_TYPES,
    compare_ordered,
    compare_quantity,
    compare_temporal,
    describe,
    equals_fixed,
    matches_pattern,
    temporal_bound,
)

_CODED_TYPES = frozenset({"code", "Coding", "CodeableConcept", "Quantity"})
_ELE1_HUMAN = "All FHIR elements must have a @value or children"
_GENERIC_CONTEXTS = frozenset({"Element", "Base"})
_ANY_RESOURCE = frozenset({"Resource", "DomainResource"})
_WHITE_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class ValidationOptions:
    allow_any_extension: bool = False  # unknown extensions are not reported
    must_support: bool = False  # report absent must-support elements (information)
    tx: str | None = None  # a FHIR terminology server for what cannot be decided offline
    tx_cache: str | None = None  # recorded server answers, replayed offline


@dataclass(slots=True)
class _Host:
    """Where an extension sits: the element's definition path and type (for context checks)."""

    path: str
    type_code: str
    is_resource: bool
    alias: str = ""  # the element a contentReference repeats (`PlanDefinition.action` for `action.action`)


class Validator:
    """Validates resources against the definitions of the loaded packages.

    Build one per run: plans, primitive rules and expansions are compiled on first use and
    then shared by every resource the validator sees.
    """

    def __init__(self, definitions: Definitions, options: ValidationOptions | None = None) -> None:
        self.definitions = definitions
        self.options = options or ValidationOptions()
        self.terminology = create_terminology(definitions, self.options.tx, self.options.tx_cache)
        self.expander = self.terminology.expander
        self._server_warned = False
        self._plans: dict[str, TypePlan | None] = {}
        self._primitive_rules: dict[str, PrimitiveRule] = {}
        self._searched = ", ".join(definitions.packages.ids())
        self._resource_types = definitions.resource_types
        self._canonical_types = canonical_resource_types()  # R4's definitional resources (their url is absolute)
        self._globals: dict[str, list[str]] | None = None
        self._merged_children: dict[tuple[int, str], ChildIndex] = {}
        self._scope: ResolutionScope | None = None
        self._target_type_cache: dict[tuple[str, ...], tuple[set[str], tuple[str, ...]]] = {}
        self._urls_by_type: dict[str, frozenset[str]] = {}
        # per document: does a target the document holds conform to a target profile? (in progress: assumed)
        self._target_conformance: dict[tuple[int, str], bool | None] = {}  # None: not decided (too deep)
        self._target_order: list[tuple[int, str]] = []  # the keys of _target_conformance, in order of checking
        self._target_depth = 0  # target-profile checks in progress, one inside another
        self._target_undecided = False  # a check in progress met a target it could not decide
        # the coded elements being walked that carry a binding, innermost last, with the bound value set
        self._bound_codings: list[tuple[Node, str]] = []
        self._questionnaire_responses = ResponseChecker(definitions.resolve, self._in_value_set)
        self._invariant_checker = InvariantChecker(definitions, self._member_of, self._conforms_hook)
        self._differentials = DifferentialChecker(definitions.resolve, self._invariant_checker.model)
        self._slice_ctx = slicing.SliceContext(
            resolve_reference=self._resolve_reference_node,
            plan_root=self._plan_root,
            in_value_set=self._in_value_set,
            conforms=self._conforms,
            type_of_profile=self._type_of_profile,
            profile_root=self._profile_root_rule,
        )

    # -- public ---------------------------------------------------------------------------------
    def validate(self, root: Node, profiles: Sequence[str] = ()) -> list[Issue]:
        """Every issue found in this resource (reader issues are the caller's)."""
        issues: list[Issue] = []
        self._scope = None
        self._bound_codings.clear()
        self._target_conformance.clear()
        self._target_order.clear()
        self._invariant_checker.new_document()
        reported = len(self.definitions.snapshots.issues)
        try:
            self._check_resource(root, issues, explicit_profiles=profiles)
        finally:
            # its FHIRPath context caches the types of the document's nodes: dropped with the document, so that
            # the tree is freed when its reader lets go of it, not held (and traversed by the collector) till the next
            self._invariant_checker.new_document()
        # problems met while building a definition this resource needed: reported once, with it
        issues.extend(self.definitions.snapshots.issues[reported:])
        return _dedupe(issues)

    def forget_passed_values(self) -> None:
        """Forget the primitive values that passed, as a new run would not know them. For benchmarks that pass
        over one corpus several times: a second pass would otherwise find every value it checks (every id and
        timestamp) already passed, which validating new data never does."""
        for rule in self._primitive_rules.values():
            rule.passed.clear()

    def plan_for(self, url_or_type: str) -> TypePlan | None:
        """The compiled definition for a type name or a profile URL (None when unknown)."""
        if url_or_type not in self._plans:
            sd = self.definitions.structure_definition(url_or_type)
            plan = None
            if sd is not None and sd.get("snapshot", {}).get("element"):
                plan = compile_structure_definition(sd)
            elif sd is None and "#" in url_or_type:
                plan = self._element_plan(url_or_type)
            self._plans[url_or_type] = plan
        return self._plans[url_or_type]

    def _element_plan(self, reference: str) -> TypePlan | None:
        """`url#element-id`: one element of a profile used as a type profile (R4's elementdefinition-profile-element
        extension: "The specific element to use in the referenced profile. This is used when a backbone element
        is being profiled, rather than an established type"); an element is walked against its children and
        invariants there. None when the profile or the element is not found."""
        url, _, element_id = reference.rpartition("#")
        owner = self.plan_for(url) if url and "." in element_id else None
        rule = owner.by_id.get(element_id) if owner is not None else None
        if owner is None or rule is None:
            return None
        return TypePlan(url=reference, type_name=owner.type_name, kind=owner.kind, abstract=False,
                        derivation=owner.derivation, root=rule.children or ChildIndex(), by_path={},
                        root_constraints=rule.constraints, is_profile=True, root_rule=rule)

    # -- resources ---------------------------------------------------------------------------------
    def _check_resource(self, node: Node, issues: list[Issue], explicit_profiles: Sequence[str] = (),
                        rule_profiles: Sequence[str] = ()) -> None:
        rt = node.resource_type or ""
        base = self.plan_for(rt) if rt in self._resource_types else None
        if base is None or base.kind != "resource":
            issues.append(make_issue("structure.unknown-resource-type", node, name=rt))
            return
        if base.abstract:
            issues.append(make_issue("structure.abstract-resource-type", node, name=rt))
            return
        plans = self._profile_plans(node, explicit_profiles, rule_profiles, issues) or [base]
        outer = self._scope
        scope = ResolutionScope.for_resource(node, outer)
        for id_node in scope.duplicate_contained:
            issues.append(make_issue("id.duplicate-contained", id_node, id=id_node.value))
        if node.name == "resource" and outer is not None and outer.bundle_type is not None:
            scope.is_entry = True  # relative references resolve against this entry's RESTful fullUrl
            scope.entry_base = entry_base(node)
        if rt == "Bundle":
            scope = ResolutionScope.for_bundle(node, scope, strict=True)
        self._scope = scope
        try:
            host = _Host(rt, rt, True)
            contained = node.parent is not None and node.name == "contained"
            for plan in plans:
                self._walk(node, plan.root, issues, host)
                constraints = plan.root_constraints
                if contained:  # a contained resource's narrative is its container's (dom-6 does not apply)
                    constraints = tuple(c for c in constraints if c.key != "dom-6")
                self._invariants(node, constraints, issues)
                if self.options.must_support and plan.is_profile:
                    self._must_support(node, plan, issues)
            check_element_ids(node, issues)
            if rt in self._canonical_types:
                check_canonical_url(node, issues)
            if rt == "Bundle":
                self._bundle_rules(node, issues)
                check_document(node, issues)
                check_full_urls(node, self._resource_types, issues)
                check_links(node, issues)
                check_entries(node, self._resource_types, issues)
            elif rt == "QuestionnaireResponse":
                self._questionnaire_responses.check(node, issues)
            elif rt == "Questionnaire":
                enable_when_targets(node, issues)
            elif rt == "OperationDefinition":
                check_operation_profiles(node, self.definitions.structure_definition, self._resource_types, issues)
                check_parameter_cardinality(node, issues)
            elif rt == "SearchParameter":
                check_derived_from(node, self.definitions.resolve, issues)
                check_composite_components(node, issues)
                check_search_expression(node, self._invariant_checker.model, issues)
            elif rt == "MeasureReport":
                check_measure_report(node, self.definitions.resolve, issues)
            elif rt == "Measure":
                check_measure_criteria(node, self.definitions.resolve, issues)
            elif rt == "StructureDefinition":
                check_structure_definition(node, self.definitions.resolve, self.definitions.structure_definition, issues,
                                           self._differentials)
            elif rt == "CapabilityStatement":
                check_capability_search_params(node, self.definitions.resolve, issues)
            elif rt == "CodeSystem":
                check_code_system(node, issues)
            elif rt == "ValueSet":
                check_value_set_codes(node, self.terminology.code_systems, issues)
        finally:
            self._scope = outer

    def _profile_plans(self, node: Node, explicit: Sequence[str], from_rule: Sequence[str],
                       issues: list[Issue]) -> list[TypePlan]:
        plans: list[TypePlan] = []
        seen: set[str] = set()
        meta = node.child("meta")
        claimed = [(p.value, p) for p in meta.children_named("profile") if p.value] if meta is not None else []
        globals_ = self._global_profiles().get(node.resource_type or "", ())
        if not (claimed or explicit or from_rule or globals_):
            return plans  # (most resources: no profile of any kind)
        wanted = claimed + [(u, None) for u in explicit] + [(u, None) for u in from_rule]
        wanted += [(u, None) for u in globals_]
        for url, where in wanted:
            if url in seen:
                continue
            seen.add(url)
            plan = self._profile_plan(url, node, where, issues)
            if plan is not None:
                plans.append(plan)
        return plans

    def _global_profiles(self) -> dict[str, list[str]]:
        """R4 ImplementationGuide.global: "a set of profiles that all resources covered by this
        implementation guide must conform to", from the guide of each loaded package. An ImplementationGuide
        a package merely holds (R4's examples hold the DAF example guide, which makes US Core's patient
        global) covers nothing being validated, so only a package's own guide counts (Package.is_own_guide)."""
        if self._globals is None:
            self._globals = {}
            for package, entry in self.definitions.packages.entries_of_type("ImplementationGuide"):
                if package.id == "hl7.fhir.r4.core":
                    continue
                guide = package.load(entry)
                if not package.is_own_guide(guide):
                    continue
                for item in guide.get("global") or ():
                    if isinstance(item, dict) and isinstance(item.get("type"), str) and isinstance(item.get("profile"), str):
                        self._globals.setdefault(item["type"], []).append(item["profile"])
        return self._globals

    def _profile_plan(self, url: str, root: Node, where: Node | None, issues: list[Issue]) -> TypePlan | None:
        at = where if where is not None else root
        sd = self.definitions.structure_definition(url) if ("/" in url or ":" in url) else None
        if sd is None:
            code = "profile.claimed-unknown" if where is not None else "profile.unknown"
            issues.append(make_issue(code, at, url=url, searched=self._searched))
            return None
        if sd.get("type") != root.resource_type and sd.get("type") not in ("Resource", "DomainResource"):
            issues.append(make_issue("profile.wrong-type", at, url=url, expected=sd.get("type"),
                                     actual=root.resource_type))
            return None
        plan = self.plan_for(url)
        if plan is None:
            issues.append(make_issue("profile.not-applied", at, url=url, reason="it has no snapshot"))
        return plan

    # -- elements ----------------------------------------------------------------------------------
    def _walk(self, node: Node, index: ChildIndex, issues: list[Issue], host: _Host) -> None:
        """Check the children of `node` against `index`, then each child against its rule.

        This loop runs once per element of every resource: it is kept flat on purpose.
        """
        counts: dict[ElementRule, int] = {}
        choice_names: dict[ElementRule, str] | None = None
        sliced: dict[ElementRule, list[tuple[Node, str]]] | None = None
        by_name = index.by_name
        element = self._element
        mistyped: set[ElementRule] | None = None  # choices present with a type they do not allow
        last_place = -1  # XML: the definition's place of the last element in order
        for child in node.children:
            hit = by_name.get(child.name)
            if hit is None:
                choice = self._unknown(child, index, issues)
                if choice is not None:
                    mistyped = (mistyped or set()) | {choice}
                continue
            rule, type_code = hit
            count = counts[rule] = counts.get(rule, 0) + 1
            if rule.choice:
                if choice_names is None:
                    choice_names = {}
                first = choice_names.setdefault(rule, child.name)
                if first != child.name:
                    if child.index == 0:
                        issues.append(make_issue("choice.multiple", node,
                                                 names=", ".join(sorted({first, child.name}))))
                elif count == rule.over_max:
                    self._too_many(node, rule, by_name, issues)
            elif count == rule.over_max:
                self._too_many(node, rule, by_name, issues)
            in_array = child.in_json_array
            if in_array is None:  # XML: locations follow the definition, and so must the elements' order
                child.repeating = rule.base_repeats
                if rule.name == "url" and node.name in ("extension", "modifierExtension"):
                    pass  # an attribute in XML, so it has no place among the elements
                elif (place := index.order.get(child.name, last_place)) >= last_place:
                    last_place = place
                else:
                    self._out_of_order(node, index, child, last_place, issues)
            elif in_array is not rule.base_repeats:
                self._shape_problem(child, rule, issues)
            if rule.slices:
                if sliced is None:
                    sliced = {}
                sliced.setdefault(rule, []).append((child, type_code))
                continue
            plain = rule.plain_primitives.get(type_code)
            if plain is not None:
                # most elements are primitives whose value was seen and passed before: nothing to check
                value = child.value
                if value is not None and value in plain.passed and not child.children and (
                        child.json_kind is None or child.json_kind == plain.json_kind):
                    continue
            element(child, rule, type_code, issues, host)
        for rule in index.required:
            count = counts.get(rule, 0)
            if count < rule.min and rule.path != "Extension.url" and not (mistyped and rule in mistyped):
                # (no url: extension.no-url says what to do; a mistyped choice: choice.type-not-allowed does)
                issues.append(make_issue("cardinality.min", node, path=rule.path, min=rule.min, count=count))
        if sliced is not None:
            for rule, items in sliced.items():
                self._slices(node, rule, items, issues, host)
        for rule in index.slices_required:
            if rule not in counts and not (mistyped and rule in mistyped):
                self._slices(node, rule, [], issues, host)

    @staticmethod
    def _out_of_order(node: Node, index: ChildIndex, child: Node, last_place: int, issues: list[Issue]) -> None:
        """An XML element after one its definition puts later (the R4 XML schemas are `xs:sequence`s)."""
        later = next((c.name for c in node.children if index.order.get(c.name) == last_place), "?")
        issues.append(make_issue("xml.element-order", child, name=child.name, later=later))

    @staticmethod
    def _too_many(node: Node, rule: ElementRule, by_name: dict[str, tuple[ElementRule, str]],
                  issues: list[Issue]) -> None:
        count = sum(1 for c in node.children if by_name.get(c.name, (None,))[0] is rule)
        issues.append(make_issue("cardinality.max", node, path=rule.path, max=rule.max, count=count))

    def _unknown(self, child: Node, index: ChildIndex, issues: list[Issue]) -> ElementRule | None:
        """Report an unknown property once per name; return the choice it was meant for, if any."""
        choice = index.choice_for(child.name)
        if child.index != 0:
            return choice
        if choice is not None:
            issues.append(make_issue("choice.type-not-allowed", child, name=child.name, path=choice.path,
                                     allowed=", ".join(choice.name + t[0].upper() + t[1:] for t in choice.types)))
        else:
            issues.append(make_issue("structure.unknown-element", child, name=child.name))
        return choice

    @staticmethod
    def _shape_problem(child: Node, rule: ElementRule, issues: list[Issue]) -> None:
        """JSON written as an array where the definition does not repeat, or the other way round."""
        if child.in_json_array:
            child.repeating = False
            if child.index == 0:
                issues.append(make_issue("json.array-unexpected", child, name=child.name))
        else:
            child.repeating = True
            issues.append(make_issue("json.array-expected", child, name=child.name))

    def _element(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue], host: _Host) -> None:
        is_resource = type_code == "Resource" or type_code in self._resource_types
        if node.resource_type is not None and not is_resource:
            if not self._has_resource_type_element(rule):
                issues.append(make_issue("structure.resourcetype-misplaced", node))
                return
            _resource_type_as_element(node)
        if type_code in PRIMITIVE_TYPES:
            self._primitive(node, rule, type_code, issues)
        elif is_resource:
            if node.resource_type is None:
                issues.append(make_issue("structure.resource-expected", node, name=node.name))
                return
            if type_code not in _ANY_RESOURCE and node.resource_type not in rule.types:
                # a profile narrowed Resource to one type (e.g. `Parameters.parameter.resource` as Patient)
                issues.append(make_issue("structure.resource-type-not-allowed", node, name=node.name,
                                         allowed=type_code, actual=node.resource_type))
            if rule.name == "contained" and node.child("id") is None:
                issues.append(make_issue("id.missing-contained", node))
            # a profile on the resource's own type (`Bundle.entry:brand.resource` as Organization with a
            # profile), else on any resource
            profiles = rule.type_profiles.get(node.resource_type) or rule.type_profiles.get(type_code, ())
            self._check_resource(node, issues, rule_profiles=profiles)
            if rule.constraints:  # a profile's invariants on the element (`Bundle.entry.resource`) hold too,
                container = node.parent.enclosing_resource() if node.parent is not None else None
                self._invariant_checker.check(node, rule.constraints, issues, resource=container)  # in its resource
            return
        else:
            if not self._complex(node, rule, type_code, issues, host):
                return
        if rule.has_profile_rules:
            self._profile_rules(node, rule, type_code, issues)
        if rule.constraints:
            self._invariants(node, rule.constraints, issues)

    def _type_profile_root(self, node: Node, plan: TypePlan, type_code: str, issues: list[Issue]) -> None:
        """A type profile's rules on its root element (a fixed[x]/pattern[x] on `Identifier` itself): R4
        ElementDefinition.type.profile, "the value must conform to at least one of the profiles", and the root
        element's fixed/pattern constrain the whole value as they would on any element."""
        root = plan.root_rule
        if root is not None and plan.is_profile and root.has_profile_rules:
            self._profile_rules(node, root, type_code, issues)

    def _any_type_profile(self, node: Node, plans: list[TypePlan], issues: list[Issue], host: _Host) -> None:
        """Several profiles on one type: the element must conform to at least one of them
        (R4 ElementDefinition.type.profile: "the value must conform to at least one of the profiles").
        The findings of the first profile it meets are kept; when it meets none, those of the closest."""
        best: list[Issue] | None = None
        for plan in plans:
            trial: list[Issue] = []
            self._walk(node, plan.root, trial, host)
            self._type_profile_root(node, plan, host.type_code, trial)
            self._invariants(node, plan.root_constraints, trial)
            errors = sum(1 for i in trial if i.severity.is_error)
            if errors == 0:
                issues.extend(trial)
                return
            if best is None or errors < sum(1 for i in best if i.severity.is_error):
                best = trial
        issues.extend(best or ())

    def _choice_children(self, rule: ElementRule, type_code: str) -> ChildIndex:
        """A profile that constrains inside a choice of several types (say an extension slice on
        `effective[x]`, dateTime or Period) gives it only the children those types share; the
        chosen type still has its own (`effectivePeriod.start`). Its children are the type's,
        with the profile's rules in place of the ones it constrains."""
        key = (id(rule), type_code)
        merged = self._merged_children.get(key)
        if merged is None:
            own = rule.children
            assert own is not None
            base = self.plan_for(type_code)
            if base is None:
                merged = own
            else:
                merged = ChildIndex()
                for base_rule in base.root.rules:
                    merged.add(own.rule_named(base_rule.name) or base_rule)
                for own_rule in own.rules:
                    if base.root.rule_named(own_rule.name) is None:
                        merged.add(own_rule)
                merged.slices_required = list(own.slices_required)
            self._merged_children[key] = merged
        return merged

    def _has_resource_type_element(self, rule: ElementRule) -> bool:
        """Whether the element defines a child called `resourceType` (e.g. `ExampleScenario.instance`):
        there the JSON property is that element, not the mark of a nested resource."""
        index = rule.children
        if index is None:
            plan = self.plan_for(rule.types[0]) if len(rule.types) == 1 else None
            index = plan.root if plan is not None else None
        return index is not None and "resourceType" in index.by_name

    def _complex(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue], host: _Host) -> bool:
        if node.value is not None:
            issues.append(make_issue("structure.complex-expected", node, name=node.name, type=type_code))
            return False
        children = node.children
        if not children or (children[0].name == "id" and len(children) == 1):
            if children or node.in_json_array is None:
                issues.append(make_issue("invariant.failed", node, key="ele-1", human=_ELE1_HUMAN))
            return False
        bound = rule.binding is not None and type_code in ("Coding", "CodeableConcept")
        if bound:  # its codings' displays may be the value set's (`_display_of_the_value_set`)
            self._bound_codings.append((node, rule.binding[1]))  # type: ignore[index]
        own_host, type_plans, type_constraints, unknown = self._element_type(rule, type_code)
        if unknown and len(unknown) == len(rule.type_profiles.get(type_code, ())):
            # every profile the element may conform to is missing (one that is loaded would do)
            for url in unknown:
                issues.append(make_issue("profile.unknown", node, url=url, searched=self._searched))
        if type_code == "Extension" and not rule.type_profiles:
            ext_plan = self._extension_plan(node, issues, host)
            if ext_plan is not None:
                type_plans = [ext_plan]
        if rule.children is not None:
            index = rule.children
            if rule.choice and len(rule.types) > 1:
                index = self._choice_children(rule, type_code)
            self._walk(node, index, issues, own_host)
            # the type itself among the listed profiles: conforming to it (just walked) is conforming to one
            base_listed = any(not plan.is_profile for plan in type_plans)
            type_plans = [] if base_listed else type_plans
        if len(type_plans) > 1:
            self._any_type_profile(node, type_plans, issues, own_host)
        else:
            for plan in type_plans:
                self._walk(node, plan.root, issues, own_host)
                self._type_profile_root(node, plan, type_code, issues)
                if plan.root_constraints:  # (tested here, not in `_invariants`: most elements have none)
                    self._invariant_checker.check(node, plan.root_constraints, issues)
        if type_constraints:
            self._invariant_checker.check(node, type_constraints, issues)
        if type_code == "Extension":
            self._extension_shape(node, issues)
        elif type_code == "Coding" or type_code in QUANTITY_TYPES:
            self._coding_rules(node, issues)
        elif type_code == "Attachment":
            check_attachment(node, issues)
        elif type_code == "Identifier":
            check_identifier(node, issues)
            check_uri_identifier(node, issues)
        elif type_code == "Narrative" and rule.narrative_language is not None:
            check_narrative_language(node, rule.narrative_language, issues)
        if bound:
            self._bound_codings.pop()
        if rule.binding is not None and type_code in _CODED_TYPES:
            self._binding(node, rule, type_code, issues)
        if type_code == "Reference":
            self._reference(node, rule, issues)
        return True

    def _element_type(self, rule: ElementRule, type_code: str) -> tuple[_Host, list[TypePlan], tuple, tuple[str, ...]]:
        """Per rule and type: the host descriptor, the definitions a complex element is walked
        against (its type profiles, else its type unless the rule carries its own children), the
        type's own invariants when its plan is not walked (they still apply), and the type profiles
        that are not loaded (an element cannot be shown to conform to them: `profile.unknown`).
        Extensions without a type profile are looked up by url per node (see `_extension_plan`); an
        extension profile that is not loaded is the extension rules' business (`extension.unknown`).
        """
        found = rule.resolved_types.get(type_code)
        if found is None:
            urls = rule.type_profiles.get(type_code, ())
            plans = [p for p in (self.plan_for(u) for u in urls) if p is not None]
            unknown = () if type_code == "Extension" else tuple(
                u for u in urls if self.definitions.structure_definition(u) is None and self.plan_for(u) is None)
            base = self.plan_for(type_code)
            if not plans and rule.children is None and base is not None:
                plans.append(base)
            extra = base.root_constraints if base is not None and base not in plans else ()
            alias = rule.content_reference.partition("#")[2] if rule.content_reference else ""
            found = rule.resolved_types[type_code] = (_Host(rule.path, type_code, False, alias), plans, extra,
                                                      unknown)
        return found

    def _primitive(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        children = node.children
        if children:
            extras = False
            for c in children:
                if c.name == "extension":
                    extras = True
                elif c.name != "id":
                    issues.append(make_issue("structure.primitive-expected", node, name=node.name, type=type_code))
                    return
            if node.value is None and not extras:
                issues.append(make_issue("invariant.failed", node, key="ele-1", human=_ELE1_HUMAN))
        elif node.value is None:
            issues.append(make_issue("invariant.failed", node, key="ele-1", human=_ELE1_HUMAN))
        prim = self._primitive_rules.get(type_code)
        if prim is None:
            prim = self._primitive_rules[type_code] = build_rule(type_code,
                                                                  self.definitions.structure_definition(type_code))
        if type_code not in rule.plain_primitives and not (rule.has_profile_rules or rule.constraints or (
                rule.binding is not None and type_code == "code")):
            rule.plain_primitives[type_code] = prim  # `_walk` may skip this rule's values that passed before
        kind = node.json_kind
        if not ((kind is None or kind == prim.json_kind) and node.value in prim.passed):  # (a value that passed)
            prim.check(node, issues)
        if children:
            index = rule.children
            if index is None:
                plan = self.plan_for("Element")
                index = plan.root if plan is not None else None
            if index is not None:
                self._walk(node, index, issues, _Host(rule.path, type_code, False))
        if rule.binding is not None and type_code == "code" and node.value:
            self._binding(node, rule, type_code, issues)
        if node.value is None and (rule.must_have_value or rule.value_alternatives):
            self._value_presence(node, rule, issues)

    def _value_presence(self, node: Node, rule: ElementRule, issues: list[Issue]) -> None:
        """A primitive carrying extensions in place of its value (R4 json.html#primitive, e.g. a
        data-absent-reason) where the profile restricts that. Beyond R4: R5's ElementDefinition.mustHaveValue
        ("the value of the data type cannot be replaced by an extension") and valueAlternatives ("a list of
        extensions that can appear in place of a primitive value"), which R4 profiles state with HL7's
        cross-version extensions `http://hl7.org/fhir/5.0/StructureDefinition/extension-ElementDefinition.*`,
        applied as the HL7 validator applies them."""
        if rule.must_have_value:
            issues.append(make_issue("profile.value-required", node, name=node.name))
            return
        present = {ext.child("url").value for ext in node.children_named("extension")  # type: ignore[union-attr]
                   if ext.child("url") is not None}
        if not present & set(rule.value_alternatives):
            issues.append(make_issue("profile.value-alternative", node, name=node.name,
                                     allowed=", ".join(rule.value_alternatives)))

    # -- profile rules ---------------------------------------------------------------------------
    def _profile_rules(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        if rule.fixed is not None and not equals_fixed(node, rule.fixed[1]):
            issues.append(make_issue("profile.fixed-value", node, name=node.name, expected=describe(rule.fixed[1])))
        if rule.pattern is not None and not matches_pattern(node, rule.pattern[1]):
            issues.append(make_issue("profile.pattern", node, name=node.name, expected=describe(rule.pattern[1])))
        value = node.value
        if value is None:
            value_node = node.child("value") if type_code == "Quantity" else None
            value = value_node.value if value_node is not None else None
        if rule.limits is not None:
            check_limits(node, type_code, rule.limits, issues)
        if type_code == "canonical" and rule.target_profiles and node.value:
            self._canonical_target(node, rule, issues)
        if rule.max_length is not None and node.value is not None and len(node.value) > rule.max_length:
            issues.append(make_issue("profile.max-length", node, name=node.name, length=len(node.value),
                                     limit=rule.max_length))
        for limit, code, sign in ((rule.min_value, "profile.min-value", -1), (rule.max_value, "profile.max-value", 1)):
            if limit is None:
                continue
            bound = limit[1].get("value") if isinstance(limit[1], dict) else limit[1]
            if type_code == "Quantity":
                order = compare_quantity(node, limit[1])
                if order == sign:
                    issues.append(make_issue(code, node, name=node.name, value=_with_unit(value, node.child("code")),
                                             limit=_with_unit(bound, limit[1].get("code"))))
                elif order is None and value is not None and bound is not None:
                    issues.append(make_issue("profile.limit-not-compared", node, name=node.name,
                                             value=_with_unit(value, node.child("code")),
                                             which="minimum" if sign < 0 else "maximum",
                                             limit=_with_unit(bound, limit[1].get("code")),
                                             reason="the units cannot be converted"))
            elif type_code in TEMPORAL_TYPES:
                instant = temporal_bound(limit[1], type_code, sign)
                shown = _temporal_limit(limit[1], sign, instant)
                order = compare_temporal(value, instant, type_code)
                if order == sign:
                    issues.append(make_issue(code, node, name=node.name, value=value, limit=shown))
                elif order is None and value is not None and TEMPORAL_TYPES[type_code](value) is not None:
                    issues.append(make_issue("profile.limit-not-compared", node, name=node.name, value=value,
                                             which="minimum" if sign < 0 else "maximum", limit=shown,
                                             reason=_UNPLACED_LIMIT if instant is None else _OVERLAPPING_VALUE))
            elif compare_ordered(value, bound, type_code) == sign:
                issues.append(make_issue(code, node, name=node.name, value=value, limit=bound))

    def _must_support(self, root: Node, plan: TypePlan, issues: list[Issue]) -> None:
        present = {c.name for c in root.children}
        for rule in plan.root.must_support:
            names = [rule.name + t[0].upper() + t[1:] for t in rule.types] if rule.choice else [rule.name]
            if not present.intersection(names):
                issues.append(make_issue("profile.must-support-missing", root, path=rule.path, profile=plan.url))

    # -- slicing ----------------------------------------------------------------------------------
    def _slices(self, node: Node, rule: ElementRule, items: list[tuple[Node, str]], issues: list[Issue],
                host: _Host) -> None:
        spec = rule.slicing
        discriminators = spec.discriminators if spec is not None else ()
        rules_kind = spec.rules if spec is not None else "open"
        counts = [0] * len(rule.slices)
        last_position = -1
        unmatched_so_far: list[Node] = []
        for item, type_code in items:
            matched, undecided = self._matching_slices(item, type_code, rule, discriminators, issues)
            if len(matched) > 1:
                names = ", ".join(rule.slices[i].slice_name or "?" for i in matched)
                signatures = {slicing.signature(rule.slices[i], discriminators, self._slice_ctx) for i in matched}
                if len(signatures) == 1 and None not in signatures:
                    # the profile defines slices no instance could tell apart: take the first, say so once
                    if item.index == 0:
                        issues.append(make_issue("slicing.indistinguishable", item, path=rule.path, slices=names))
                elif undecided:
                    # the discriminator could not be evaluated here (e.g. a value set we cannot expand), so
                    # "more than one slice" is what we could not rule out, not what the instance shows
                    issues.append(make_issue("slicing.undecided", item, name=item.name, path=rule.path, slices=names))
                else:
                    issues.append(make_issue("slicing.ambiguous", item, name=item.name, path=rule.path, slices=names))
            if not matched:
                unmatched_so_far.append(item)
                if rules_kind == "closed":
                    issues.append(make_issue("slicing.unmatched-closed", item, name=item.name, path=rule.path))
                elif type_code == "Extension" and rule.path.startswith("Extension.") and \
                        rule.path.endswith(".extension"):
                    check_sub_extension_defined(item, issues)
                self._element(item, rule, type_code, issues, host)
                continue
            position = matched[0]
            counts[position] += 1
            if rules_kind == "openAtEnd" and unmatched_so_far:
                for early in unmatched_so_far:  # reported at the unsliced item that should have come last
                    issues.append(make_issue("slicing.unmatched-not-at-end", early, name=early.name, path=rule.path))
                unmatched_so_far = []
            if spec is not None and spec.ordered and position < last_position:
                issues.append(make_issue("slicing.out-of-order", item, slice=rule.slices[position].slice_name,
                                         path=rule.path, previous=rule.slices[last_position].slice_name))
            last_position = max(last_position, position)
            chosen = rule.slices[position]
            slice_type = type_code if type_code in chosen.types or not chosen.types else chosen.types[0]
            self._element(item, chosen, slice_type, issues, host)
        for position, s in enumerate(rule.slices):
            label = f"{rule.path}:{s.slice_name}"
            if counts[position] < s.min:
                issues.append(make_issue("cardinality.min", node, path=label, min=s.min, count=counts[position]))
            elif s.max is not None and counts[position] > s.max:
                issues.append(make_issue("cardinality.max", node, path=label, max=s.max, count=counts[position]))

    def _matching_slices(self, item: Node, type_code: str, rule: ElementRule, discriminators: tuple,
                         issues: list[Issue]) -> tuple[list[int], bool]:
        """The slices `item` belongs to, and whether any was matched by the fallback (full validation against
        the slice) because its discriminator could not be evaluated: such a match is a "may belong"."""
        found: list[int] = []
        undecided = False
        for position, s in enumerate(rule.slices):
            try:
                ok = slicing.matches(item, type_code, s, discriminators, self._slice_ctx) if discriminators \
                    else self._conforms_to_rule(item, type_code, s)
            except slicing.Unusable as exc:
                if item.index == 0:
                    issues.append(make_issue("slicing.discriminator-unusable", item, type=discriminators[0].type,
                                             path=discriminators[0].path, slicing=rule.path, reason=str(exc)))
                ok = self._conforms_to_rule(item, type_code, s)
                undecided = undecided or ok
            if ok:
                found.append(position)
        return found, undecided

    def _conforms_to_rule(self, item: Node, type_code: str, rule: ElementRule) -> bool:
        trial: list[Issue] = []
        self._element(item, rule, type_code if type_code in rule.types or not rule.types else rule.types[0], trial,
                      _Host(rule.path, type_code, False))
        return not any(i.severity.is_error for i in trial)

    def _conforms(self, node: Node, type_code: str, profile: str) -> bool:
        plan = self.plan_for(profile)
        if plan is None:
            return False
        trial: list[Issue] = []
        if node.resource_type is not None:
            self._check_resource(node, trial, explicit_profiles=[profile])
        else:
            self._walk(node, plan.root, trial, _Host(plan.type_name, type_code, False))
        return not any(i.severity.is_error for i in trial)

    def _type_of_profile(self, url: str) -> str | None:
        sd = self.definitions.structure_definition(url)
        return sd.get("type") if sd is not None else None

    def _profile_root_rule(self, url: str) -> ElementRule | None:
        plan = self.plan_for(url)
        return plan.root_rule if plan is not None and plan.is_profile else None

    def _plan_root(self, url_or_type: str) -> ChildIndex | None:
        plan = self.plan_for(url_or_type)
        return plan.root if plan is not None else None

    def _in_value_set(self, url: str, node: Node, type_code: str) -> bool | None:
        """Is the coded node in the value set? None when that cannot be known offline."""
        verdicts = [self.terminology.validate_code(url, system if type_code not in ("code", "") else None, code,
                                                   None).outcome
                    for system, code in _codings(node, type_code or "code") if code]
        if "ok" in verdicts:
            return True
        if not verdicts or "not-validated" in verdicts:
            return None
        return False

    # -- extensions --------------------------------------------------------------------------------
    def _extension_plan(self, node: Node, issues: list[Issue], host: _Host) -> TypePlan | None:
        """The extension's own definition, found by its url (checks context; unknown ones reported)."""
        url_node = node.child("url")
        url = url_node.value if url_node is not None else None
        if not url or ":" not in url:
            return None  # no url (reported) or a nested extension's local name (checked by its parent)
        sd = self.definitions.structure_definition(url)
        if sd is None:
            if r5_extension_problems(node, url, issues):
                return None  # (a cross-version url naming nothing, or content not its element's)
            if node.name == "modifierExtension" and not is_r5_modifier_extension(url):
                issues.append(make_issue("extension.unknown-modifier", node, url=url))
            elif node.name == "extension" and is_r5_modifier_extension(url):
                # the cross-version extension of an R5 modifier element is a modifier (see check_modifier_use)
                issues.append(make_issue("extension.modifier-in-extension", node, url=url))
            elif not self.options.allow_any_extension:
                issues.append(_unknown_extension(node, url))
            return None
        if sd.get("type") != "Extension":
            issues.append(make_issue("extension.not-an-extension", node, url=url, type=sd.get("type")))
            return None
        check_modifier_use(node, url, sd, issues)
        self._extension_context(node, url, sd, host, issues)
        return self.plan_for(url)

    def _extension_context(self, node: Node, url: str, sd: dict, host: _Host, issues: list[Issue]) -> None:
        """R4 extensibility: an extension only where its definition's `context` allows it. For R4's core
        extensions the contexts HL7's extensions pack adds count too, and R4's own contexts still count when a
        loaded package's definition is used instead of R4's (the union: `extension_contexts.py` says why).
        Where the context allows it, R4 StructureDefinition.contextInvariant: "A set of rules as FHIRPath
        Invariants about when the extension can be used ... All the rules must be true", evaluated on the
        element that carries the extension, with `%extension` the extension itself."""
        contexts = sd.get("context") or []
        if not contexts:
            return
        allowed: list[str] = []
        unevaluated: list[str] = []
        if not self._context_allows(node, url, sd, host, allowed, unevaluated):
            if unevaluated:  # a context that might allow it could not be evaluated: undecided, never passed
                issues.append(make_issue("extension.context-not-evaluated", node, url=url,
                                         reason="; ".join(unevaluated)))
            else:
                issues.append(make_issue("extension.context", node, url=url, host=host.path,
                                         allowed=", ".join(allowed)))
            return
        owner = node.parent
        for rule in sd.get("contextInvariant") or ():
            if owner is None or not isinstance(rule, str):
                continue
            errors: list[str] = []
            found = self._invariant_checker.select(rule, owner, {"extension": node}, errors)
            if found is not None and found != [True] and all(isinstance(item, bool) for item in found):
                issues.append(make_issue("extension.context-invariant", node, url=url, invariant=rule))
            elif found is None or found != [True]:  # not evaluable, or not booleans: reported, never passed
                issues.append(make_issue("invariant.not-evaluated", node, key=f"contextInvariant '{rule}' of {url}",
                                         reason="; ".join(errors) or "the expression failed" if found is None else
                                         f"the expression gave {len(found)} item(s), not booleans"))

    def _context_allows(self, node: Node, url: str, sd: dict, host: _Host, allowed: list[str],
                        unevaluated: list[str]) -> bool:
        """Does one of the extension's contexts (or one R4 or the pack adds) allow it here? `allowed` gets them
        all, for the message; `unevaluated` the fhirpath contexts that could not be evaluated, with the reason."""
        listed = set(allowed)  # a set beside the list: a definition with thousands of contexts made this quadratic
        for ctx in (*sd["context"], *added_contexts(url), *self._r4_contexts(url, sd)):
            expression = ctx.get("expression", "")
            kind = ctx.get("type", "element")
            if expression not in listed:  # (the pack's definition and the added contexts may repeat one)
                listed.add(expression)
                allowed.append(expression)
            if expression == CANONICAL_RESOURCE:
                if host.is_resource and host.type_code in canonical_resource_types():
                    return True
                continue
            if kind == "fhirpath":
                if self._in_fhirpath_context(node, expression, unevaluated):
                    return True
                continue
            if kind == "extension":  # on an extension with that url (R4 ExtensionContextType `extension`)
                owner = node.parent
                if owner is not None and owner.name.startswith("value") and owner.parent is not None and \
                        owner.parent.name in ("extension", "modifierExtension"):
                    # on that extension's value, which it qualifies: HL7's IG Publisher puts
                    # structuredefinition-standards-status-reason on the valueCode of standards-status
                    owner = owner.parent
                owner_url = owner.child("url") if owner is not None and \
                    owner.name in ("extension", "modifierExtension") else None
                if owner_url is not None and (owner_url.value or "").partition("|")[0] == expression.partition("|")[0]:
                    return True
                continue
            if expression in _GENERIC_CONTEXTS or expression in (host.path, host.type_code) or \
                    (host.alias and expression == host.alias):
                return True
            if host.is_resource and expression == "Resource":
                return True
            if expression == "BackboneElement" and host.type_code == "BackboneElement":
                return True
            if host.path.endswith("." + expression) or expression.endswith("." + host.path):
                return True
            if self._inherited_context(expression, node, host):
                return True
        return False

    def _inherited_context(self, expression: str, node: Node, host: _Host) -> bool:
        """R4 defining-extensions.html#context: an `element` context is an element path, and an element a type
        inherits is that element (`DomainResource.text` is every domain resource's `text`, `DomainResource` is
        every domain resource, `Quantity` every `Age`). The element carrying the extension is named by its
        definition path, its type, and its path in the instance (`Patient.name.family` for a HumanName's
        `family`, whose definition path is `HumanName.family`); each, with its first step replaced by each type
        that type derives from (R4 StructureDefinition.baseDefinition), is compared with the context."""
        head, _, rest = expression.partition(".")
        for path in (host.path, host.type_code, instance_path(node.parent)):
            if path == expression:
                return True
            first, _, tail = path.partition(".")
            if tail == rest and first != head and self._invariant_checker.model.is_subtype(first, head):
                return True
        return False

    def _r4_contexts(self, url: str, sd: dict) -> list[dict[str, Any]]:
        """R4's own contexts of a core extension whose definition in use is another package's (the extensions
        pack's `cqf-qualityOfEvidence` allows PlanDefinition.action only, R4's Attachment, where R4's own
        examples put it); none when R4's definition is the one in use, or R4 has none."""
        if not url.startswith(CORE_NAMESPACE) or sd.get("version") == CORE[1]:
            return []
        r4 = self.definitions.resolve(url.partition("|")[0], CORE[1])
        return list(r4.get("context") or []) if r4 is not None and r4.get("type") == "Extension" else []

    def _in_fhirpath_context(self, node: Node, expression: str, unevaluated: list[str]) -> bool:
        """R4 ExtensionContextType `fhirpath`: the element carrying the extension must be one the
        expression selects, evaluated from the resource. An expression we cannot evaluate, or whose results
        are not elements, decides nothing: it goes to `unevaluated` with the reason (reported as
        `extension.context-not-evaluated` when no other context allows the extension), never read as allowed."""
        host = node.parent
        if host is None:
            return True
        errors: list[str] = []
        found = self._invariant_checker.select(expression, host.enclosing_resource(), errors=errors)
        if found is None:
            unevaluated.append(f"'{expression}': {'; '.join(errors) or 'the expression failed'}")
            return False
        if any(not isinstance(item, Node) for item in found):
            unevaluated.append(f"'{expression}' selects values, not elements")
            return False
        return any(item is host for item in found)

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

    # -- references -------------------------------------------------------------------------------
    def _resolve_reference_node(self, node: Node) -> Node | None:
        ref = node.child("reference")
        if ref is None or not ref.value or self._scope is None:
            return None
        return self._scope.resolve(ref.value)

    def _reference(self, node: Node, rule: ElementRule, issues: list[Issue]) -> None:
        ref = node.child("reference")
        if ref is None or not ref.value:
            self._declared_target_type(node, rule, issues)
            return
        text = ref.value
        if _WHITE_SPACE.search(text):
            # a literal reference is a URL (R4 references.html), and no URL holds white space (RFC 3986 §2)
            issues.append(make_issue("reference.white-space", ref, reference=text))
        parsed = parse_reference(text)
        target = self._scope.resolve(text, parsed=parsed) if self._scope is not None else None
        if parsed.kind == "contained":
            if target is None and parsed.id:
                issues.append(make_issue("reference.contained-not-found", ref, reference=text))
        elif self._scope is not None and self._scope.is_ambiguous(text, parsed):
            issues.append(make_issue("reference.ambiguous", ref, reference=text))
            target = None
        elif target is None and self._scope is not None:
            bundle = self._scope.in_bundle
            if bundle is not None:
                strict = bundle.bundle_type in ("document", "message") or parsed.kind == "urn"
                if parsed.kind == "other" and not_a_literal_reference(text, bundle.bundle_type):
                    issues.append(make_issue("reference.bad-format", ref, reference=text))
                elif parsed.kind == "other" and bad_conditional_query(text, bundle.bundle_type):
                    issues.append(make_issue("reference.conditional-query", ref, reference=text))
                elif strict and bundle.bundle_type == "document" and required_in_document(ref):
                    pass  # documents.py reports it, as the error R4's Composition makes it
                elif bundle.bundle_type == "message" and required_in_message(ref):
                    issues.append(make_issue("message.focus-not-included", ref, reference=text))
                elif strict:
                    issues.append(make_issue("reference.unresolved", ref, reference=text,
                                             bundle=bundle.bundle_type or "?"))
                elif parsed.kind == "relative":
                    issues.append(make_issue("reference.unresolved-relative", ref, reference=text))
        found = target.resource_type if target is not None else parsed.resource_type
        declared = node.child("type")
        # R4 Reference.type: "If both Reference.type and Reference.reference are populated and Reference.reference
        # is a FHIR URL, both SHALL be consistent" (an absolute type names a logical model: not compared)
        if declared is not None and declared.value and declared.value not in _ANY_RESOURCE and \
                "/" not in declared.value and found in self._resource_types and found != declared.value:
            issues.append(make_issue("reference.type-mismatch", declared, declared=declared.value, actual=found,
                                     reference=text))
        if rule.aggregation:
            self._aggregation(ref, rule, parsed.kind == "contained", target, issues)
        if rule.target_profiles:
            actual = found if found is not None else (declared.value if declared is not None else None)
            allowed, unknown = self._target_types(rule.target_profiles)
            if actual is not None and actual in allowed:
                if target is not None:
                    self._target_profiles(ref, target, rule.target_profiles, issues)
                return
            if unknown:
                # a target profile that is not loaded: the target this document holds cannot be shown to
                # conform to it, as for any profile a profile's rule names (profile.unknown); a target that
                # is not here (another server's) is not checked against any profile, known or not
                for url in unknown if target is not None else ():
                    issues.append(make_issue("profile.unknown", ref, url=url, searched=self._searched))
            elif actual is not None and actual in self._resource_types and allowed and "Resource" not in allowed:
                issues.append(make_issue("reference.target-type", ref, actual=actual, path=rule.path,
                                         allowed=", ".join(sorted(allowed))))

    def _declared_target_type(self, node: Node, rule: ElementRule, issues: list[Issue]) -> None:
        """A Reference without a literal `reference` (an identifier, a display) whose `type` names a resource type
        the element does not allow. R4 Reference.type is "the expected type of the target of the reference", and
        ElementDefinition.type.targetProfile the resource types (profiles) the target may have: a `type` outside
        them says the target is one the element does not allow, whether or not the reference can be resolved.
        (With a literal reference `_reference` checks the type it names, or the declared one when it names none.)
        A target profile that is not loaded, or `Resource`, allows any type here."""
        declared = node.child("type")
        if declared is None or not declared.value or not rule.target_profiles \
                or declared.value not in self._resource_types:
            return
        allowed, unknown = self._target_types(rule.target_profiles)
        if allowed and not unknown and not allowed & _ANY_RESOURCE and declared.value not in allowed:
            issues.append(make_issue("reference.target-type", declared, actual=declared.value, path=rule.path,
                                     allowed=", ".join(sorted(allowed))))

    def _aggregation(self, ref: Node, rule: ElementRule, contained: bool, target: Node | None,
                     issues: list[Issue]) -> None:
        """R4 ElementDefinition.type.aggregation: "how the resource is or can be aggregated - is it a contained
        resource, or a reference, and if the context is a bundle, is it included in the bundle". By R4's
        resource-aggregation-mode: `contained` is "a local reference to a contained resource"; `referenced`
        one "that has to be resolved externally to the resource that includes the reference", and `bundled`,
        its child concept, one whose target "will be found in the same bundle". So a reference to an entry of
        the Bundle is allowed by `bundled` or `referenced`, any other non-contained one by `referenced` only
        (the HL7 validator reads the codes the same way)."""
        if contained:
            mode, ok = "contained", "contained" in rule.aggregation
        elif target is not None and target.name == "resource":
            mode, ok = "bundled", "bundled" in rule.aggregation or "referenced" in rule.aggregation
        else:
            mode, ok = "referenced", "referenced" in rule.aggregation
        if not ok:
            issues.append(make_issue("reference.aggregation", ref, reference=ref.value, mode=mode, path=rule.path,
                                     allowed=", ".join(rule.aggregation)))

    def _target_profiles(self, ref: Node, target: Node, profiles: tuple[str, ...], issues: list[Issue]) -> None:
        """R4 ElementDefinition.type.targetProfile: "If any profiles are specified, then the resource must
        conform to at least one of them". Checked when the document holds the target (a contained resource,
        an entry of the Bundle); a target elsewhere cannot be checked offline. A listed base type (the
        resource's own StructureDefinition) is met by any resource of that type; a profile that is not loaded
        is `_reference`'s business (`profile.unknown`). The check is coinductive: a target met again while it is
        being checked against the same profile (two resources that link to each other) is taken to conform; a
        result that is not "conforms" withdraws the results found while it was assumed. Checks nest (a target's
        own targets are checked) at most `_TARGET_DEPTH` deep: a deeper target (a long chain of linked
        resources) is not decided, which is `reference.target-profile-not-evaluated` (warning) at the reference
        that led to it, never a pass nor an error."""
        rt = target.resource_type or ""
        wanted: list[str] = []
        for url in profiles:
            plan = self.plan_for(url)
            if plan is None or plan.type_name not in (rt, "Resource", "DomainResource"):
                continue
            if not plan.is_profile:
                return  # the base type (or Resource) is listed: any resource of the type conforms
            wanted.append(url)
        if not wanted:
            return
        outer = self._scope
        if target.name == "resource" and outer is not None and outer.in_bundle is not None:
            self._scope = outer.in_bundle  # an entry's references resolve as when the entry itself is walked
        undecided = False
        try:
            for url in wanted:
                known = self._target_conforms(target, rt, url)
                if known:
                    return
                undecided = undecided or known is None
        finally:
            self._scope = outer
        if undecided:
            self._target_undecided = True
            issues.append(make_issue("reference.target-profile-not-evaluated", ref, type=rt, reference=ref.value,
                                     profiles=" or ".join(wanted), depth=_TARGET_DEPTH))
            return
        issues.append(make_issue("reference.target-profile", ref, type=rt, reference=ref.value,
                                 profiles=" or ".join(wanted)))

    def _target_conforms(self, target: Node, rt: str, url: str) -> bool | None:
        """Does `target` conform to `url`? None when that is not decided (see `_target_profiles`)."""
        key = (id(target), url)
        if key in self._target_conformance:
            return self._target_conformance[key]
        if self._target_depth >= _TARGET_DEPTH:
            return None
        self._target_conformance[key] = True  # in progress: assumed (a circle conforms)
        mark = len(self._target_order)
        self._target_order.append(key)
        outer_undecided, self._target_undecided = self._target_undecided, False
        self._target_depth += 1
        try:
            known: bool | None = self._conforms(target, rt, url)
        finally:
            self._target_depth -= 1
            if known and self._target_undecided:
                known = None  # it conforms only if what could not be decided does
            self._target_undecided = outer_undecided
        self._target_conformance[key] = known
        if known is not True:
            # the results found while this one was assumed to conform may rest on that assumption
            for later in self._target_order[mark + 1:]:
                if self._target_conformance.get(later) is True:
                    del self._target_conformance[later]
            del self._target_order[mark + 1:]
        return known

    def _canonical_target(self, node: Node, rule: ElementRule, issues: list[Issue]) -> None:
        """R4 ElementDefinition.type.targetProfile, "Used when the type is "Reference" or "canonical" ...: If any
        profiles are specified, then the resource must conform to at least one of them": a canonical that names a
        resource we have (a contained `#id`, or one of the loaded packages) names one of the allowed types
        (`canonical(ValueSet)` naming a CodeSystem is `reference.canonical-type`). The HL7 validator checks it too.
        A url the packages give a resource of an allowed type is fine, even if another type shares it. A binding's
        valueSet is left to `structuredefinition.binding-not-value-set`, a warning: R4's own ExplanationOfBenefit
        binds `priority` to a CodeSystem's url."""
        if node.name == "valueSet" and node.parent is not None and node.parent.name == "binding":
            return
        allowed, _ = self._target_types(rule.target_profiles)
        if not allowed or allowed & _ANY_RESOURCE:
            return
        url = (node.value or "").partition("|")[0]
        if url.startswith("#"):
            target = self._scope.contained.get(url[1:]) if self._scope is not None else None
            actual = target.resource_type if target is not None else None
        else:
            found = self.definitions.resolve(url.partition("#")[0])
            actual = found.get("resourceType") if isinstance(found, dict) else None
            if actual is not None and actual not in allowed and any(
                    url.partition("#")[0] in self._urls_of_type(t) for t in allowed):
                return
        if actual is not None and actual not in allowed:
            issues.append(make_issue("reference.canonical-type", node, url=node.value, actual=actual,
                                     allowed=", ".join(sorted(allowed))))

    def _urls_of_type(self, resource_type: str) -> frozenset[str]:
        """The canonical urls the loaded packages give resources of one type (built once per type)."""
        urls = self._urls_by_type.get(resource_type)
        if urls is None:
            urls = self._urls_by_type[resource_type] = frozenset(
                entry.url for _, entry in self.definitions.packages.entries_of_type(resource_type) if entry.url)
        return urls

    def _target_types(self, profiles: tuple[str, ...]) -> tuple[set[str], tuple[str, ...]]:
        """The resource types the target profiles allow, and those of the profiles that are not loaded."""
        cached = self._target_type_cache.get(profiles)
        if cached is not None:
            return cached
        types: set[str] = set()
        unknown: list[str] = []
        for url in profiles:
            sd = self.definitions.structure_definition(url)
            if sd is not None and sd.get("type"):
                types.add(sd["type"])
            elif url.rpartition("/")[2] in self._resource_types:
                types.add(url.rpartition("/")[2])
            else:
                unknown.append(url)
        found = self._target_type_cache[profiles] = (types, tuple(unknown))
        return found

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

    # -- bindings ------------------------------------------------------------------------------------
    def _binding(self, node: Node, rule: ElementRule, type_code: str, issues: list[Issue]) -> None:
        """Apply a binding: required → error, extensible → warning, never an error we cannot prove."""
        strength, url = rule.binding  # type: ignore[misc]
        if rule.max_value_set is not None:
            self._max_binding(node, rule.max_value_set, type_code, issues)
        if strength not in ("required", "extensible"):
            return
        codings = _codings(node, type_code)
        checks = [self._check_code(url, system, code, None, issues) for system, code in codings if code]
        if not checks:
            if strength == "required" and type_code in ("CodeableConcept", "Coding") and not _data_absent(node):
                text = node.child("text") or node.child("display")
                shown = f" (only the text '{text.value}')" if text is not None and text.value else ""
                issues.append(make_issue("binding.required-no-code", node, text=shown, valueset=url))
            return
        outcome = binding_outcome(checks)
        if outcome == "ok":
            return
        label = _code_label(codings)
        if outcome == "not-validated":
            issues.append(make_issue("binding.not-expandable", node, valueset=url, code=label))
        elif strength == "required":
            issues.append(make_issue("binding.required", node, code=label, valueset=url))
        else:
            issues.append(make_issue("binding.extensible", node, code=label, valueset=url))

    def _max_binding(self, node: Node, url: str, type_code: str, issues: list[Issue]) -> None:
        """R4 elementdefinition-maxValueSet: "the value set from which additional codes can be taken from. This
        defines a 'required' binding over the top of the extensible binding": a code outside it is an error, as
        for a required binding (when the value set cannot be expanded offline, `binding.not-expandable` says that
        nothing was concluded, as for other bindings)."""
        codings = _codings(node, type_code)
        checks = [self._check_code(url, system, code, None, issues) for system, code in codings if code]
        outcome = binding_outcome(checks) if checks else "ok"
        if outcome == "not-validated":
            issues.append(make_issue("binding.not-expandable", node, valueset=url, code=_code_label(codings)))
        elif outcome != "ok":
            issues.append(make_issue("binding.max-value-set", node, code=_code_label(codings), valueset=url))

    def _check_code(self, valueset: str | None, system: str | None, code: str, display: str | None,
                    issues: list[Issue]) -> CodeCheck:
        check = self.terminology.validate_code(valueset, system, code, display)
        if check.server_warning and not self._server_warned:
            self._server_warned = True
            issues.append(make_issue("terminology.server-unavailable", server=self.options.tx or "?",
                                     reason=check.server_warning))
        return check

    def _coding_rules(self, node: Node, issues: list[Issue]) -> None:
        """Every Coding, and every Quantity's system and code (R4 datatypes.html#Quantity: "a computer processable
        form of the unit in some unit representation system", e.g. UCUM): national identifier rules, codes of
        local code systems, displays. A code that breaks its system's syntax (a LOINC check digit, a mime type,
        language tag or UCUM grammar; `terminology/syntax.py`) is `terminology.unknown-code`, like a code its
        local code system lacks, unless a national rule (SNOMED CT, dm+d) already reports it."""
        check_coding(node, issues)
        system, code = _coding(node)
        if not system or not code:
            return
        display_node = node.child("display")
        display = display_node.value if display_node is not None else None
        check = self._check_code(None, system, code, display, issues)
        if check.outcome == "unknown-code" and (check.source == "local" or
                                                (check.source == "syntax" and system not in CODING_CHECKS)):
            code_node = node.child("code") or node
            issues.append(make_issue("terminology.unknown-code", code_node, code=code, system=system,
                                     reason=check.message))
        elif check.outcome == "not-validated" and check.source == "dated-copy":
            issues.append(make_issue("terminology.code-not-checked", node.child("code") or node, reason=check.message))
        if check.display_message and display_node is not None and \
                not self._display_of_the_value_set(node, system, code, display):
            issues.append(make_issue("terminology.display-mismatch", display_node, message=check.display_message))

    def _display_of_the_value_set(self, coding: Node, system: str, code: str, display: str | None) -> bool:
        """Is `display` one the value set bound to this Coding (or to its CodeableConcept) gives the code? R4
        ValueSet compose.include.concept.display / designation and expansion.contains.display are "the text to
        display to the user for this concept in the context of this valueset", so such a display is valid
        whatever the code system's own display is."""
        for bound, url in reversed(self._bound_codings[-2:]):
            if (bound is coding or bound is coding.parent) and \
                    not self.terminology.validate_code(url, system, code, display).display_message:
                return True
        return False

    # -- invariants ------------------------------------------------------------------------------------
    def _invariants(self, node: Node, constraints: tuple, issues: list[Issue]) -> None:
        if constraints:
            self._invariant_checker.check(node, constraints, issues)

    def _member_of(self, item: object, valueset: str) -> bool | None:
        """FHIRPath memberOf(): the same local expansion the bindings use."""
        if not isinstance(item, Node):
            return None
        type_code = "CodeableConcept" if item.child("coding") is not None else (
            "Coding" if item.child("code") is not None else "code")
        return self._in_value_set(valueset.partition("|")[0], item, type_code)

    def _conforms_hook(self, item: Node, profile: str) -> bool | None:
        if self.definitions.structure_definition(profile) is None:
            return None
        return self._conforms(item, item.resource_type or "", profile)


# how deep target-profile checks nest (a target whose own references have target profiles, and so on); real
# profiles nest a few levels, and each level is a few dozen Python frames, well inside the recursion limit
_TARGET_DEPTH = 16


_UNPLACED_LIMIT = "the limit is neither a value of the element's type nor a positive UCUM duration of time"
_OVERLAPPING_VALUE = "the value is of another precision and may be either side of it"


def _temporal_limit(limit: Any, sign: int, instant: Any) -> str:
    """A date limit for a message: as written, or a Duration as `now + 10 a (2036-12-03)`."""
    if not isinstance(limit, dict):
        return str(limit)
    relative = f"now {'+' if sign > 0 else '-'} {_with_unit(limit.get('value'), limit.get('code'))}"
    return f"{relative} ({instant})" if instant is not None else relative


def _with_unit(value: Any, code: Any) -> str:
    """A Quantity's value for a message, with its unit code when it has one (`500 g`)."""
    if isinstance(code, Node):
        code = code.value
    return f"{value} {code}" if code else str(value)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    """Several profiles repeat base findings; report each finding once, in order."""
    seen: set[tuple[str, str, str, int, int]] = set()
    out: list[Issue] = []
    for i in issues:
        key = (i.code, i.location, i.message, i.line, i.column)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _unknown_extension(node: Node, url: str) -> Issue:
    """An extension whose definition is not loaded: a warning (it cannot be checked, and is never a false
    error), except in HL7's core namespace (`http://hl7.org/fhir/StructureDefinition/`). R4
    (extensibility.html) makes an extension's url the canonical URL of the StructureDefinition that defines it,
    and HL7 publishes the extensions of its core namespace in R4 and in its extensions pack
    (hl7.fhir.uv.extensions.r4) only, so a url there that neither defines (`extension_contexts.published_by_hl7`)
    names no extension at all: an error, as in the HL7 validator ("could not be found so is not allowed
    here"). An HL7 guide's namespace (`http://hl7.org/fhir/uv/sdc/...`), HL7's tools and cross-version
    namespaces and every other one stay a warning: the guide may define it, we cannot know without it (the
    HL7 validator errs there too; R4's own example Observation-example-genetics-brcapat uses US Core's
    `us-core-ethnicity` without US Core)."""
    if url.startswith(CORE_NAMESPACE) and not published_by_hl7(url):
        return make_issue("extension.unknown-hl7", node, url=url)
    return make_issue("extension.unknown", node, url=url)


def _codings(node: Node, type_code: str) -> list[tuple[str | None, str | None]]:
    if type_code == "code":
        return [(None, node.value)]
    if type_code in ("Coding", "Quantity"):
        return [_coding(node)]
    return [_coding(c) for c in node.children_named("coding")]


def _data_absent(node: Node) -> bool:
    """R4's data-absent-reason extension on the element: its value is missing on purpose, not outside a set."""
    return any((url := e.child("url")) is not None and url.value == _DATA_ABSENT_REASON
               for e in node.children_named("extension"))


_DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def _coding(node: Node) -> tuple[str | None, str | None]:
    system = node.child("system")
    code = node.child("code")
    return (system.value if system is not None else None, code.value if code is not None else None)


def _code_label(codings: list[tuple[str | None, str | None]]) -> str:
    return ", ".join(f"'{code}'" if system is None else f"{system}#{code}" for system, code in codings)


def _resource_type_as_element(node: Node) -> None:
    """The JSON reader takes every `resourceType` property for the mark of a resource; where the
    definition has an element of that name (`ExampleScenario.instance.resourceType`, a code) it is
    given back as that element, so cardinality, binding and invariants see it."""
    child = Node("resourceType", value=node.resource_type, json_kind="string", parent=node, in_json_array=False)
    node.children.insert(0, child)
    node.resource_type = None
