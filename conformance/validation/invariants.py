"""FHIRPath invariants (constraints) of the definitions, evaluated on instances.

Each constraint expression is compiled once (the engine caches by text) and evaluated with the
element as focus. FHIR R4 says an invariant must evaluate to true; following the HL7 validator
and the FHIRPath rules for empty propagation, an empty result does not fail it (an invariant
about an absent element has nothing to say). A result other than a single boolean, or an
expression the engine cannot evaluate, is reported as `invariant.not-evaluated` — never a crash,
never a silent pass.

`ele-1`, `ext-1` and `bdl-7` are checked natively by the walker (they apply to every element or
need linear-time treatment); plans leave them out (`plan.NATIVE_INVARIANTS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.definitions.registry import Definitions
from conformance.fhir.tree import Node
from conformance.fhirpath import (
    EvaluationContext,
    FhirPathError,
    FhirPathSyntaxError,
    StructureDefinitionModel,
    compile,
)
from conformance.fhirpath.narrative import NO_CONTENT, internal_links, narrative_problems
from conformance.issues import Issue, Severity, make_issue
from conformance.validation.invariant_guard import (
    PresenceTerm,
    first_steps,
    presence_terms,
    presence_verdict,
    present_names,
)
from conformance.validation.plan import Constraint

_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING}

# R4 gives txt-1 (allowed markup) and txt-2 (some content) the same expression, htmlChecks(); each is
# judged here by its own part of the narrative rules, and the message says what is wrong.
_NARRATIVE_RULES = {"txt-1": lambda p: p != NO_CONTENT, "txt-2": lambda p: p == NO_CONTENT}


# Published R4 expressions that are wrong as written, with the correction later FHIR releases made.
# que-7 tests `answer is Boolean`: unqualified `Boolean` is System.Boolean, which a FHIR `boolean` is not
# (the FHIRPath suite's testType12: `Patient.active.is(Boolean).not()`), so as published it fails every
# valid `exists` condition. R4B/R5 read `answer is boolean`; the HL7 validator evaluates that form too.
CORRECTED_EXPRESSIONS = {
    "operator = 'exists' implies (answer is Boolean)": "operator = 'exists' implies (answer is boolean)",
}

# dom-3 as R4 publishes it. Its words are "If the resource is contained in another resource, it SHALL be
# referred to from elsewhere in the resource"; its expression looks only at data elements, so a contained
# Binary that the narrative shows (`<img src="#image"/>`, R4 narrative.html) fails it although the
# resource refers to it. The narrative's fragment links are added to what counts as a reference, as the
# HL7 validator also does: `%narrativeLinks`, set per resource by `InvariantChecker.check`.
DOM_3 = ("contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | "
         "%resource.descendants().as(uri) | %resource.descendants().as(url))) or "
         "descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or "
         "descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()")
_NARRATIVE_LINKS = "narrativeLinks"
# What counts as a reference to a contained resource is the same for every contained resource, so it is
# gathered once per resource (`InvariantChecker.check` sets `%dom3References`), not once per contained resource
# as the published expression does: 3,000 contained resources took minutes that way.
_DOM_3_REFERENCES = "dom3References"
DOM_3_REFERENCE_EXPRESSION = ("%resource.descendants().reference | %resource.descendants().as(canonical) | "
                              f"%resource.descendants().as(uri) | %resource.descendants().as(url) | %{_NARRATIVE_LINKS}")
CORRECTED_EXPRESSIONS[DOM_3] = DOM_3.replace(
    "(%resource.descendants().reference | %resource.descendants().as(canonical) | "
    "%resource.descendants().as(uri) | %resource.descendants().as(url))", f"%{_DOM_3_REFERENCES}")


def narrative_links(resource: Node) -> list[str]:
    """`#target` for every fragment link of every narrative in the resource (contained ones included)."""
    return ["#" + target for n in resource.iter_tree()
            if n.name == "div" and isinstance(n.value, str) for target in internal_links(n.value)]


# a constraint ready to check: (constraint, expression as evaluated or "" for a narrative rule, compiled
# expression or None when it does not parse, the guard of `invariant_guard` or None, its presence terms
# and whether they are the whole expression (`invariant_guard.presence_terms`) or None)
_Prepared = tuple[Constraint, str, Any, frozenset[str] | None, tuple[tuple[PresenceTerm, ...], bool] | None]


class _Terminology:
    def __init__(self, member_of: Callable[[Any, str], bool | None]) -> None:
        self._member_of = member_of

    def member_of(self, item: Any, valueset: str) -> bool | None:
        return self._member_of(item, valueset)


class _Conformance:
    def __init__(self, conforms: Callable[[Node, str], bool | None]) -> None:
        self._conforms = conforms

    def conforms_to(self, item: Node, profile: str) -> bool | None:
        return self._conforms(item, profile)


class InvariantChecker:
    """Evaluates constraints; one per validator, so the model and compiled expressions are shared."""

    def __init__(self, definitions: Definitions, member_of: Callable[[Any, str], bool | None],
                 conforms: Callable[[Node, str], bool | None]) -> None:
        self.model = StructureDefinitionModel(definitions.structure_definition, definitions.resource_types)
        self._terminology = _Terminology(member_of)
        self._conformance = _Conformance(conforms)
        self._context: EvaluationContext | None = None
        self._guards: dict[str, frozenset[str] | None] = {}
        self._when_absent: dict[str, list[Any]] = {}
        self._passes_when_absent: dict[str, bool] = {}
        self._prepared_by_id: dict[int, tuple[tuple[Constraint, ...], list[_Prepared]]] = {}

    def new_document(self) -> None:
        """Start a new document: the next evaluation gets a fresh context.

        One context per document, so node type lookups are cached across its constraints; the context holds
        no other state of the document (`%resource` and the like are worked out from each focus), so which
        context an evaluation gets changes nothing but what is cached. Told by the validator rather than
        found by walking up from each focus to its root, which cost 3 % of a validation."""
        self._context = None

    def _context_for(self, node: Node) -> EvaluationContext:
        context = self._context
        if context is None:
            context = self._context = EvaluationContext(model=self.model, terminology=self._terminology,
                                                        conformance=self._conformance, enforce_as_singleton=False)
        return context

    def select(self, expression: str, focus: Node, variables: dict[str, Any] | None = None,
               errors: list[str] | None = None) -> list[Any] | None:
        """What `expression` selects from `focus` (None when it cannot be evaluated, the reason then appended to
        `errors` when given), with `variables` as `%name`s for this evaluation only."""
        context = self._context_for(focus)
        if not variables:
            return self._evaluate(expression, focus, context, errors)
        saved = context.variables
        context.variables = {**saved, **variables}
        try:
            return self._evaluate(expression, focus, context, errors)
        finally:
            context.variables = saved

    @staticmethod
    def _evaluate(expression: str, focus: Node, context: EvaluationContext,
                  errors: list[str] | None) -> list[Any] | None:
        try:
            return compile(expression).evaluate(focus, context=context)
        except FhirPathError as exc:
            if errors is not None:
                errors.append(str(exc))
            return None

    def _guard(self, expression: str) -> frozenset[str] | None:
        try:
            return self._guards[expression]
        except KeyError:
            try:
                guard = first_steps(compile(expression).tree)
            except FhirPathSyntaxError:
                guard = None
            self._guards[expression] = guard
            return guard

    def _value_when_absent(self, expression: str, node: Node) -> list[Any]:
        """The expression's value on an element with no children (it cannot depend on anything else)."""
        try:
            return self._when_absent[expression]
        except KeyError:
            stub = Node(node.name, resource_type=node.resource_type)
            context = EvaluationContext(model=self.model, enforce_as_singleton=False)
            result = compile(expression).evaluate(stub, context=context)
            self._when_absent[expression] = result
            return result

    def _prepared(self, constraints: tuple[Constraint, ...]) -> list[_Prepared]:
        """Per tuple of constraints (a plan's, so few and long-lived): each constraint with its corrected
        expression, compiled form and guard, worked out once instead of once per element."""
        found = self._prepared_by_id.get(id(constraints))
        if found is not None and found[0] is constraints:
            return found[1]
        prepared: list[_Prepared] = []
        for c in constraints:
            if c.expression == "htmlChecks()" and c.key in _NARRATIVE_RULES:
                prepared.append((c, "", None, None, None))
                continue
            expression = CORRECTED_EXPRESSIONS.get(c.expression, c.expression)
            try:
                compiled = compile(expression)
            except FhirPathSyntaxError:
                compiled = None  # reported, with its column, each time it would be evaluated
            terms = presence_terms(compiled.tree) if compiled is not None else None
            prepared.append((c, expression, compiled, self._guard(expression), terms))
        # the tuple is kept with its entry, so its id cannot be reused by another tuple while cached
        self._prepared_by_id[id(constraints)] = (constraints, prepared)
        return prepared

    def check(self, node: Node, constraints: tuple[Constraint, ...], issues: list[Issue],
              resource: Node | None = None) -> None:
        """Evaluate `constraints` on `node`. `resource` is `%resource` when it is not the resource that holds
        the focus: a resource's definition's invariants on an element that is itself a resource
        (`Bundle.entry.resource` in a Bundle profile) are evaluated in that definition's resource (R4
        fhirpath.html: `%resource` is "the original resource current context is part of")."""
        context: EvaluationContext | None = None
        present: dict[str, bool] | None = None
        for c, expression, compiled, guard, terms in self._prepared(constraints):
            if not expression:
                self._narrative(node, c, issues)
                continue
            if terms is not None:  # (before the guard: the terms decide most such invariants by themselves)
                if present is None:
                    present = present_names(node.children)
                decided = presence_verdict(terms[0], terms[1], present, node.children)
                if decided is not None:
                    if not decided:
                        self._verdict(node, c, [False], issues)
                    continue
            if guard is not None:
                if present is None:
                    present = present_names(node.children)
                if guard.isdisjoint(present):
                    if self._passes_when_absent.get(expression):
                        continue  # (the common case: the absent element's invariant holds)
                    try:
                        result = self._value_when_absent(expression, node)
                    except FhirPathError:
                        result = None
                    if result is not None:
                        self._passes_when_absent[expression] = not result or (len(result) == 1 and result[0] is True)
                        self._verdict(node, c, result, issues)
                        continue
            if context is None:
                context = self._context_for(node)
            gathers_references = c.key == "dom-3" and _DOM_3_REFERENCES in expression
            if gathers_references:
                context.variables[_NARRATIVE_LINKS] = narrative_links(node)
            saved = context.resource
            if resource is not None:
                context.resource = resource
            try:
                if gathers_references:  # (with %resource as the expression has it)
                    context.variables[_DOM_3_REFERENCES] = compile(DOM_3_REFERENCE_EXPRESSION).evaluate(
                        node, context=context)
                # an expression that did not parse is compiled again here, to raise its syntax error
                result = (compiled or compile(expression)).evaluate(node, context=context)
            except FhirPathSyntaxError as exc:
                issues.append(make_issue("invariant.not-evaluated", node, key=c.key,
                                         reason=f"syntax error at column {getattr(exc, 'column', '?')}: {exc}"))
                continue
            except FhirPathError as exc:
                issues.append(make_issue("invariant.not-evaluated", node, key=c.key, reason=str(exc)))
                continue
            finally:
                context.resource = saved
            self._verdict(node, c, result, issues)

    @staticmethod
    def _verdict(node: Node, c: Constraint, result: list[Any], issues: list[Issue]) -> None:
        if not result or (len(result) == 1 and result[0] is True):
            return
        if len(result) == 1 and result[0] is False:
            severity = _SEVERITY.get(c.severity, Severity.ERROR)
            issues.append(make_issue("invariant.failed", node, severity=severity, key=c.key, human=c.human))
            return
        issues.append(make_issue("invariant.not-evaluated", node, key=c.key,
                                 reason=f"the expression gave {len(result)} item(s), not one boolean"))

    @staticmethod
    def _narrative(node: Node, c: Constraint, issues: list[Issue]) -> None:
        if node.value is None:
            return
        applies = _NARRATIVE_RULES[c.key]
        broken = [p for p in narrative_problems(node.value) if applies(p)]
        if broken:
            issues.append(make_issue("invariant.failed", node, severity=_SEVERITY.get(c.severity, Severity.ERROR),
                                     key=c.key, human=f"{c.human} ({'; '.join(broken)})"))
