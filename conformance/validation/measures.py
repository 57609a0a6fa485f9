"""A MeasureReport checked against its Measure (FHIR R4 measurereport.html, measure.html).

The R4 definitions tie a report's structure to the measure it reports on:
- `MeasureReport.group`: "The results of the calculation, one for each population group in the
  measure", and `group.code`: "The meaning of the population group as defined in the measure
  definition". So every report group is one of the measure's groups, named by its code, and a
  complete report has one group for each. A measure with a single group needs no code to pair
  its one report group with it (nothing to tell apart).
- `group.population`: "one for each type of population appropriate for the measure", its
  `code` "The type of the population": a population must be one the measure's group defines.
- `group.population.subjectResults`: "a List of subject level MeasureReport resources, one for
  each subject in this population" — what a `subject-list` report returns ("a subject-listing,
  which returns the list of members", `MeasureReport.type`); an individual or summary report
  lists no subjects.

- A single report group paired with a single measure group keeps its meaning: when both state a
  code, the codes agree.
- Each measure group, population and stratifier is reported once ("one for each"): a second report
  group, population or stratifier for the same one is an error.
- `group.population.code` is "The type of the population": a population without one reports none of
  the measure's populations (an error).
- `group.stratifier`: "there will be a stratifier group for each stratifier defined by the measure",
  its `code` "The meaning of this stratifier, as defined in the measure definition": every report
  stratifier is one of the measure group's (matched by coding, or by text where neither has codings),
  and a complete report has one for each.
- A `proportion` measure's score is a proportion (measure-scoring: "The measure score is defined
  using a proportion"; numerator a subset of the denominator): a value outside 0..1 is an error.

Groups, populations and stratifiers are only required to be complete in a `complete` report that is
not `data-collection` (R4: data-collection reports "do not necessarily include all the data";
nothing is available before `complete`); a measure population of type `measure-observation`
("the individual observation to be performed for each case") has no count to report, so it is not
required.
The measure is found by `MeasureReport.measure`: a `#id` in `contained`, else the loaded packages
and `--ig` files; one that cannot be found is not checked against (the canonical is reported
elsewhere when it matters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.questionnaire import as_json, canonical_target

Resolve = Callable[[str], "dict[str, Any] | None"]
CodeKey = frozenset[tuple[str, str]]


def check_measure_report(report: Node, resolve: Resolve, issues: list[Issue]) -> None:
    for group in report.children_named("group"):
        for population in group.children_named("population"):
            _subject_results(report, population, issues)
    reference = report.child("measure")
    measure = canonical_target(report, reference.value, "Measure", resolve) if reference is not None and reference.value else None
    if measure is None:
        return
    defined = [g for g in _list(measure, "group") if isinstance(g, dict)]
    groups = report.children_named("group")
    status, kind = report.child("status"), report.child("type")
    complete = status is not None and status.value == "complete" and not (kind is not None and kind.value == "data-collection")
    proportion = "proportion" in {code for _, code in _json_key(measure.get("scoring"))}
    matched: set[int] = set()
    for group in groups:
        index = _match_group(group, defined, len(groups))
        if index is None:
            code = group.child("code")
            issues.append(make_issue("measurereport.group-unknown", group, code=_describe(code)))
            continue
        if index in matched:
            issues.append(make_issue("measurereport.duplicate", group, what="group", code=_describe(group.child("code"))))
            continue
        matched.add(index)
        _populations(group, defined[index], complete, issues)
        _stratifiers(group, defined[index], complete, issues)
        if proportion:
            _proportion_score(group, issues)
    if not complete:
        return
    for index, definition in enumerate(defined):
        if index not in matched:
            issues.append(make_issue("measurereport.group-missing", report, code=_describe_json(definition.get("code"))))


def _subject_results(report: Node, population: Node, issues: list[Issue]) -> None:
    results = population.child("subjectResults")
    kind = report.child("type")
    if results is not None and kind is not None and kind.value and kind.value != "subject-list":
        issues.append(make_issue("measurereport.subject-results", population, type=kind.value))


def _match_group(group: Node, defined: list[dict[str, Any]], reported: int) -> int | None:
    """The index of the measure group this report group reports on, or None."""
    key = _node_key(group.child("code"))
    if len(defined) == 1 and reported == 1:
        own = _json_key(defined[0].get("code"))
        return 0 if not key or not own or key & own else None
    if not key:
        return None
    for index, definition in enumerate(defined):
        if key & _json_key(definition.get("code")):
            return index
    return None


_OBSERVATION = ("http://terminology.hl7.org/CodeSystem/measure-population", "measure-observation")


def _populations(group: Node, definition: dict[str, Any], complete: bool, issues: list[Issue]) -> None:
    reported = [(p, _node_key(p.child("code")), _describe(p.child("code"))) for p in group.children_named("population")]
    _match_once(group, "population", reported, definition, complete, issues)


def _stratifiers(group: Node, definition: dict[str, Any], complete: bool, issues: list[Issue]) -> None:
    reported: list[tuple[Node, CodeKey, str]] = []
    for stratifier in group.children_named("stratifier"):
        codes = stratifier.children_named("code")
        key: CodeKey = frozenset().union(*(_node_key(c) for c in codes))
        reported.append((stratifier, key, ", ".join(_describe(c) for c in codes) or "(no code)"))
    _match_once(group, "stratifier", reported, definition, complete, issues)


def _match_once(group: Node, what: str, reported: list[tuple[Node, CodeKey, str]], definition: dict[str, Any],
                complete: bool, issues: list[Issue]) -> None:
    """Each reported population or stratifier (node, code key, description) is one of the measure group's
    (`measurereport.{what}-unknown`), at most once (`measurereport.duplicate`); a complete report has each
    one that has a code (`measurereport.missing`; a `measure-observation` population has no count to
    report, so it is not asked for)."""
    defined = [d for d in _list(definition, what) if isinstance(d, dict)]
    allowed = [_json_key(d.get("code")) for d in defined]
    seen: set[int] = set()
    for node, key, code in reported:
        index = next((i for i, other in enumerate(allowed) if key & other), None)
        if index is None:
            issues.append(make_issue(f"measurereport.{what}-unknown", node, code=code))
        elif index in seen:
            issues.append(make_issue("measurereport.duplicate", node, what=what, code=code))
        else:
            seen.add(index)
    if complete:
        for index, key in enumerate(allowed):
            if index not in seen and key and not (what == "population" and _OBSERVATION in key):
                issues.append(make_issue("measurereport.missing", group, what=what,
                                         code=_describe_json(defined[index].get("code"))))


def _proportion_score(group: Node, issues: list[Issue]) -> None:
    score = group.child("measureScore")
    value = score.child("value") if score is not None else None
    if value is None or value.value is None:
        return
    try:
        number = float(value.value)
    except ValueError:
        return  # not a decimal: reported by the datatype check
    if not 0 <= number <= 1:
        issues.append(make_issue("measurereport.proportion-score", value, value=value.value))


def _node_key(concept: Node | None) -> CodeKey:
    """A CodeableConcept as (system, code) pairs, or ("text", text) when it has no codings."""
    if concept is None:
        return frozenset()
    return _json_key(as_json(concept))


def _json_key(concept: Any) -> CodeKey:
    if not isinstance(concept, dict):
        return frozenset()
    pairs = set()
    for coding in _list(concept, "coding"):
        if isinstance(coding, dict) and coding.get("code"):
            pairs.add((str(coding.get("system") or ""), str(coding["code"])))
    if not pairs and concept.get("text"):
        pairs.add(("text", str(concept["text"])))
    return frozenset(pairs)


def _describe(concept: Node | None) -> str:
    return _describe_json(as_json(concept) if concept is not None else None)


def _describe_json(concept: Any) -> str:
    key = sorted(_json_key(concept))
    if not key:
        return "(no code)"
    return ", ".join(code if system == "text" else f"{system}#{code}" for system, code in key)


def _list(d: dict[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
