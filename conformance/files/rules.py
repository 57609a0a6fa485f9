"""The per-resource half of a profile's file checks, compiled once per worker and run on each partition.

Each top-level resource (an NDJSON line, a single-resource file, a Bundle) is read once and every
rule takes what it needs from it:
- the file's allowed types (`file_checks.files`) and its Bulk Data manifest type (the implicit
  `export-files` test);
- `validate`: base R4 and claimed profiles, plus the rule's profile for the resource's type —
  for a Bundle, for each entry's type too;
- `fhirpath`: the assertion on every resource of the type (Bundle entries included);
- `bundle`: type, first entry and entry counts of each top-level Bundle;
- references inside a Bundle (and to contained resources) are resolved here, where the whole
  Bundle is at hand; so are subjects inside Bundles;
- for the cross-file rules, compact index entries: top-level `Type/id`s, references that could
  name a resource of the export, identifier values.

Nothing here keeps a resource after its line is done. Findings located in an NDJSON line carry
the line and the FHIRPath location but no column: finding a column means re-scanning the line,
which would cost more than validating it (validation findings keep their columns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from conformance.fhir.collector import per_document
from conformance.fhir.document import ParseResult
from conformance.fhir.tree import Node
from conformance.fhirpath import CompiledExpression, FhirPathError
from conformance.fhirpath import compile as compile_fhirpath
from conformance.files.archives import ArchiveLimits
from conformance.files.consistency import CheckCharacters, ConsistentValues
from conformance.files.globs import glob_match
from conformance.files.partials import EXPORT_FILES, PartitionResult
from conformance.files.partitions import Partition
from conformance.files.reading import read_partition
from conformance.files.references import iter_references, target_key
from conformance.files.sources import ExportFile
from conformance.issues import Issue, Severity, make_issue
from conformance.profiles.filerules.base import typed
from conformance.profiles.filerules.bundle import Params as BundleParams
from conformance.profiles.filerules.check_character import Params as CheckCharacterParams
from conformance.profiles.filerules.consistent_values import Params as ConsistentParams
from conformance.profiles.filerules.fhirpath import Params as FhirPathParams
from conformance.profiles.filerules.identifier_unique import Params as IdentifierParams
from conformance.profiles.filerules.references_resolve import Params as ReferencesParams
from conformance.profiles.filerules.subject_exists import Params as SubjectParams
from conformance.profiles.filerules.validate import Params as ValidateParams
from conformance.profiles.model import FileRule, FileSpec
from conformance.results import Finding
from conformance.results.outcomes import FindingSeverity
from conformance.validation import Validator
from conformance.validation.references import ResolutionScope, parse_reference

# issues a validator reports once per process (with whichever resource first needed a definition):
# they are collected apart and reported once per run, so the output does not depend on scheduling
_ONCE_PREFIXES = ("definition.",)
_ONCE_CODES = frozenset({"terminology.server-unavailable"})


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """The picklable recipe of a run's per-resource checks; each worker compiles it once (by `key`)."""

    key: str
    rules: tuple[FileRule, ...]  # the rules that run (skipped ones are left out)
    specs: tuple[FileSpec, ...]
    validator: Callable[[], Validator] | None  # a ValidatorFactory: pickles as its recipe
    limits: ArchiveLimits = ArchiveLimits()
    max_bytes: int = 512 << 20


@dataclass(frozen=True, slots=True)
class _Entry:
    full_url: str | None
    resource: Node


class ResourceChecks:
    """A CheckPlan compiled: expressions parsed, patterns compiled, the validator built."""

    def __init__(self, plan: CheckPlan) -> None:
        self.plan = plan
        by_type: dict[str, list[FileRule]] = {}
        for rule in plan.rules:
            by_type.setdefault(rule.type, []).append(rule)
        wanted = by_type.get("validate", []) if plan.validator is not None else []
        self.validate_rules = [(r, p.profiles, dict(p.profiles), Severity(p.severity).rank)
                               for r in wanted for p in [typed(r.params, ValidateParams)]]
        self.validator = plan.validator() if self.validate_rules and plan.validator is not None else None
        self.fhirpath: dict[str, list[tuple[FileRule, FhirPathParams, CompiledExpression]]] = {}
        for r in by_type.get("fhirpath", []):
            fp = typed(r.params, FhirPathParams)
            self.fhirpath.setdefault(fp.resource_type, []).append((r, fp, compile_fhirpath(fp.expression)))
        self.bundle_rules = [(r, typed(r.params, BundleParams)) for r in by_type.get("bundle", [])]
        self.ref_rules = [(r, [re.compile(p) for p in typed(r.params, ReferencesParams).allow_external])
                          for r in by_type.get("references-resolve", [])]
        self.subject_rules = [(r, typed(r.params, SubjectParams).elements) for r in by_type.get("subject-exists", [])]
        self.unique_rules = by_type.get("unique-ids", [])
        self.ident_rules = [(i, r, typed(r.params, IdentifierParams)) for i, r in enumerate(plan.rules)
                            if r.type == "identifier-unique"]
        self.consistent = [ConsistentValues(r, typed(r.params, ConsistentParams))
                           for r in by_type.get("consistent-values", [])]
        self.check_chars: dict[str, list[CheckCharacters]] = {}
        for r in by_type.get("check-character", []):
            cc = CheckCharacters(r, typed(r.params, CheckCharacterParams))
            self.check_chars.setdefault(cc.params.resource_type, []).append(cc)
        self.needs_ids = bool(self.unique_rules or self.ref_rules or self.subject_rules)
        # the rules the shared reference/subject/id pass serves: its time is split evenly between them
        self.index_rule_ids = tuple(dict.fromkeys([*(r.id for r, _ in self.ref_rules),
                                                   *(r.id for r, _ in self.subject_rules),
                                                   *(r.id for r in self.unique_rules)]))

    def check(self, f: ExportFile, part: Partition) -> PartitionResult:
        """The partition's findings, and the time spent on each rule (reading and the rest: `export-files`)."""
        started = perf_counter()
        run = _PartitionRun(self, f, part)
        for line, parsed in per_document(read_partition(f, part, self.plan.limits, self.plan.max_bytes)):
            run.out.lines = max(run.out.lines, line)
            if parsed.root is None:
                run.unreadable(line, parsed)
            else:
                run.resource(line, parsed)
                parsed.done()  # what the rules keep are strings: the tree is freed now, not by the collector
        seconds = run.out.seconds
        seconds[EXPORT_FILES] = max(perf_counter() - started - sum(seconds.values()), 0.0)
        return run.out


class _PartitionRun:
    """The state of one partition: where it is, and what it has found so far."""

    def __init__(self, checks: ResourceChecks, f: ExportFile, part: Partition) -> None:
        self.c = checks
        self.file = f
        self.display = f.display
        self.out = PartitionResult(part.seq)
        self.spec = next((s for s in checks.plan.specs if glob_match(s.match, f.inner)), None)
        self.ndjson = True

    # -- findings ----------------------------------------------------------------------------------
    def add(self, rule_id: str, issue: Issue, severity: FindingSeverity | None = None) -> None:
        self.out.add(rule_id, Finding.from_issue(issue, self.display, path=self.display, severity=severity))

    def found(self, rule_id: str, code: str, node: Node, line: int, **params: Any) -> None:
        """A rule finding at `node`: exact in a single document; line and location in an NDJSON line."""
        if self.ndjson:
            self.add(rule_id, make_issue(code, node, line=line, column=0, **params))
        else:
            self.add(rule_id, make_issue(code, node, **params))

    def line_of(self, node: Node, line: int) -> int:
        return line if self.ndjson else node.line

    def spent(self, rule_id: str, since: float) -> None:
        """Count the time since `since` (a `perf_counter()`) as spent on this rule."""
        seconds = self.out.seconds
        seconds[rule_id] = seconds.get(rule_id, 0.0) + perf_counter() - since

    # -- a line or file that holds no resource -----------------------------------------------------------
    def unreadable(self, line: int, parsed: ParseResult) -> None:
        """Why a line (or file) holds no resource."""
        for issue in parsed.issues:
            self.add(EXPORT_FILES, issue)

    # -- one top-level resource ----------------------------------------------------------------------------
    def resource(self, line: int, parsed: ParseResult) -> None:
        root = parsed.root
        assert root is not None
        self.ndjson = parsed.format == "ndjson"
        self.out.resources += 1
        rt = root.resource_type or ""
        entries = _entries(root) if rt == "Bundle" else []
        counts = self.out.counts
        for res in [root, *(e.resource for e in entries)]:
            key = res.resource_type or ""
            counts[key] = counts.get(key, 0) + 1
        self.file_types(root, rt, line)
        if self.c.validate_rules:
            self.validate(root, rt, parsed.issues, entries)
        self.assertions(root, line)
        self.identifiers(root, line, None)
        for e in entries:
            self.assertions(e.resource, line)
            self.identifiers(e.resource, line, e.full_url)
        if rt == "Bundle":
            self.out.bundles += 1
            self.bundle(root, entries, line)
        started = perf_counter()
        if rt == "Bundle":
            self.bundle_references(root, entries, line)
        else:
            self.export_references(root, line)
            self.export_subjects(root, line)
        self.ids(root, rt, line)
        served = self.c.index_rule_ids
        if served:
            share = (perf_counter() - started) / len(served)
            seconds = self.out.seconds
            for rule_id in served:
                seconds[rule_id] = seconds.get(rule_id, 0.0) + share

    def file_types(self, root: Node, rt: str, line: int) -> None:
        if self.spec is not None and self.spec.resource_types and rt not in self.spec.resource_types:
            self.found(EXPORT_FILES, "export.type-not-allowed", root, line, actual=rt,
                       allowed=", ".join(self.spec.resource_types))
        declared = self.file.declared_type
        if declared and rt != declared:
            self.found(EXPORT_FILES, "export.manifest-type", root, line, expected=declared, actual=rt)

    # -- validate --------------------------------------------------------------------------------------
    def validate(self, root: Node, rt: str, reader_issues: Sequence[Issue], entries: Sequence[_Entry]) -> None:
        validator = self.c.validator
        assert validator is not None
        done: dict[tuple[tuple[str, str], ...], list[Issue]] = {}
        for rule, key, profiles, threshold in self.c.validate_rules:
            started = perf_counter()  # the first rule of a profile set pays for the validation they share
            issues = done.get(key)
            if issues is None:
                issues = done[key] = _validate(validator, root, rt, reader_issues, entries, profiles)
            for issue in issues:
                if issue.code in _ONCE_CODES or issue.code.startswith(_ONCE_PREFIXES):
                    self.out.once.add((rule.id, issue.code, issue.severity.value, issue.message))
                elif issue.severity.rank <= threshold:
                    self.add(rule.id, issue, "error")
                elif issue.severity is Severity.WARNING:
                    self.add(rule.id, issue, "warning")
            self.spent(rule.id, started)

    # -- fhirpath --------------------------------------------------------------------------------------
    def assertions(self, res: Node, line: int) -> None:
        for rule, params, expression in self.c.fhirpath.get(res.resource_type or "", ()):
            started = perf_counter()
            try:
                result = expression.evaluate(res)
            except FhirPathError as exc:
                shown: str | None = f"an error ({exc})"
            else:
                shown = None if result == [True] else _show(result)
            if shown is not None:
                self.found(rule.id, "export.assertion-failed", res, line, message=params.message or rule.title,
                           expression=params.expression, result=shown)
            self.spent(rule.id, started)
        for check in self.c.check_chars.get(res.resource_type or "", ()):
            started = perf_counter()
            for bad, code, values in check.problems(res):
                self.found(check.rule.id, code, bad, line, **values)
            self.spent(check.rule.id, started)

    # -- bundle ----------------------------------------------------------------------------------------
    def bundle(self, root: Node, entries: Sequence[_Entry], line: int) -> None:
        for consistent in self.c.consistent:
            started = perf_counter()
            for bad, code, values in consistent.problems([e.resource for e in entries]):
                self.found(consistent.rule.id, code, bad, line, **values)
            self.spent(consistent.rule.id, started)
        for rule, p in self.c.bundle_rules:
            started = perf_counter()
            self.bundle_rule(rule, p, root, entries, line)
            self.spent(rule.id, started)

    def bundle_rule(self, rule: FileRule, p: BundleParams, root: Node, entries: Sequence[_Entry], line: int) -> None:
        """One `bundle` rule: the Bundle's type, its first entry, the least count of each type."""
        if p.bundle_type:
            node = root.child("type")
            actual = node.value if node is not None and node.value else "absent"
            if actual != p.bundle_type:
                self.found(rule.id, "export.bundle-type", node or root, line, actual=actual,
                           expected=p.bundle_type)
        if p.first_entry:
            first = root.child("entry")
            resource = first.child("resource") if first is not None else None
            actual = (resource.resource_type or "?") if resource is not None else (
                "an entry without a resource" if first is not None else "absent (the Bundle has no entries)")
            if actual != p.first_entry:
                self.found(rule.id, "export.bundle-first-entry", first or root, line, actual=actual,
                           expected=p.first_entry)
        if p.required_types:
            held: dict[str, int] = {}
            for e in entries:
                held[e.resource.resource_type or ""] = held.get(e.resource.resource_type or "", 0) + 1
            for rtype, minimum in p.required_types:
                if held.get(rtype, 0) < minimum:
                    self.found(rule.id, "export.count-below-minimum", root, line, scope="this Bundle",
                               count=held.get(rtype, 0), type=rtype, minimum=minimum)

    def bundle_references(self, root: Node, entries: Sequence[_Entry], line: int) -> None:
        """Inside a Bundle every reference must resolve inside it (or to a contained resource)."""
        if not (self.c.ref_rules or self.c.subject_rules):
            return
        scope = ResolutionScope.for_bundle(root, None)
        for e in entries:
            parsed = parse_reference(e.full_url) if e.full_url else None
            scope.entry_base = parsed.base if parsed is not None and parsed.kind == "absolute" else None
            local = ResolutionScope.for_resource(e.resource, scope)
            if self.c.ref_rules:
                for node in iter_references(e.resource):
                    text = node.value or ""
                    if text == "#" or local.resolve(text) is not None:
                        continue
                    where = "to a contained resource" if text.startswith("#") else "to an entry of this Bundle"
                    self.unresolved(node, text, line, where)
            for rule, elements in self.c.subject_rules:
                for element in elements:
                    for child in e.resource.children_named(element):
                        self.bundle_subject(rule, e.resource, child, local, line)

    def bundle_subject(self, rule: FileRule, res: Node, child: Node, scope: ResolutionScope, line: int) -> None:
        ref = child.child("reference")
        text = ref.value if ref is not None else None
        if not text:
            reason = "has no literal reference to a Patient"
        else:
            target = scope.resolve(text)
            if target is None:
                reason = f"refers to '{text}', which is not an entry of this Bundle"
            elif target.resource_type != "Patient":
                reason = f"refers to a {target.resource_type}, not to a Patient"
            else:
                return
        self.found(rule.id, "export.subject-missing", child, line, element=f"{res.resource_type}.{child.name}",
                   reason=reason)

    def unresolved(self, node: Node, text: str, line: int, scope: str) -> None:
        for rule, allowed in self.c.ref_rules:
            if not any(p.search(text) for p in allowed):
                self.found(rule.id, "export.reference-unresolved", node, line, reference=text, scope=scope)

    # -- the cross-file index ------------------------------------------------------------------------------
    def ids(self, root: Node, rt: str, line: int) -> None:
        if not self.c.needs_ids:
            return
        node = root.child("id")
        if node is not None and node.value:
            self.out.index.ids.append((f"{rt}/{node.value}", self.line_of(root, line)))
            return
        for rule in self.c.unique_rules:
            self.found(rule.id, "export.id-missing", root, line, type=rt)

    def export_references(self, root: Node, line: int) -> None:
        if not self.c.ref_rules:
            return
        contained: ResolutionScope | None = None
        for node in iter_references(root):
            text = node.value or ""
            if text.startswith("#"):
                contained = contained or ResolutionScope.for_resource(root, None)
                if text != "#" and contained.resolve(text) is None:
                    self.unresolved(node, text, line, "to a contained resource")
                continue
            if all(any(p.search(text) for p in allowed) for _, allowed in self.c.ref_rules):
                continue  # every rule lets it point outside: nothing to index
            target = target_key(text)
            if target is None:  # an absolute URL or a URN cannot name a resource of the export
                self.unresolved(node, text, line, "to a resource of the export")
            else:
                self.out.index.refs.append((target, text, self.line_of(node, line), node.location, "", True))

    def export_subjects(self, root: Node, line: int) -> None:
        done: set[str] = set()
        for rule, elements in self.c.subject_rules:
            for element in elements:
                for child in root.children_named(element):
                    ref = child.child("reference")
                    text = ref.value if ref is not None else None
                    target = target_key(text) if text else None
                    if target is not None and target.startswith("Patient/"):
                        if element not in done and ref is not None:
                            self.out.index.refs.append((target, text or "", self.line_of(ref, line), ref.location,
                                                        element, False))
                        continue
                    reason = (f"refers to '{text}', not to a Patient in the export" if text
                              else "has no literal reference to a Patient")
                    self.found(rule.id, "export.subject-missing", child, line,
                               element=f"{root.resource_type}.{element}", reason=reason)
                done.add(element)

    def identifiers(self, res: Node, line: int, full_url: str | None) -> None:
        for number, rule, ip in self.c.ident_rules:
            if res.resource_type != ip.resource_type:
                continue
            started = perf_counter()
            owner = _owner(res, full_url, self.display, line)
            for ident in res.children_named("identifier"):
                system, value = ident.child("system"), ident.child("value")
                if system is not None and system.value == ip.system and value is not None and value.value:
                    self.out.index.idents.append((number, value.value, owner, self.line_of(ident, line),
                                                  ident.location))
            self.spent(rule.id, started)


def _validate(validator: Validator, root: Node, rt: str, reader_issues: Sequence[Issue], entries: Sequence[_Entry],
              profiles: dict[str, str]) -> list[Issue]:
    """Reader issues, then the resource against base, claimed and rule profiles; Bundle entries of a
    type the rule names are validated against its profile too (duplicates of the Bundle's own
    findings dropped)."""
    issues = list(reader_issues)
    issues.extend(validator.validate(root, [profiles[rt]] if rt in profiles else []))
    seen = set(issues)
    for e in entries:
        url = profiles.get(e.resource.resource_type or "")
        if url is None:
            continue
        for issue in validator.validate(e.resource, [url]):
            if issue not in seen:
                seen.add(issue)
                issues.append(issue)
    issues.sort(key=lambda i: i.sort_key)
    return issues


def _entries(bundle: Node) -> list[_Entry]:
    found = []
    for entry in bundle.children_named("entry"):
        resource = entry.child("resource")
        if resource is not None and resource.resource_type:
            full_url = entry.child("fullUrl")
            found.append(_Entry(full_url.value if full_url is not None else None, resource))
    return found


def _owner(res: Node, full_url: str | None, display: str, line: int) -> str:
    """Who holds an identifier: `Type/id`, else the entry's fullUrl, else where it is."""
    node = res.child("id")
    if node is not None and node.value:
        return f"{res.resource_type}/{node.value}"
    if full_url:
        return full_url
    return f"{display}:{line} {res.location}"


def _show(result: list[Any]) -> str:
    if not result:
        return "nothing (empty)"
    shown = [repr(item.value) if isinstance(item, Node) and item.value is not None
             else (item.name if isinstance(item, Node) else repr(item)) for item in result[:5]]
    return "[" + ", ".join(shown) + (", ..." if len(result) > 5 else "") + "]"
