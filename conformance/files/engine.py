"""`conformance check`: a profile's file checks over an export, as a RunResult every report renders.

The run in four steps:
1. the inputs are collected (`sources`) and cut into partitions (`partitions`);
2. an executor runs the per-resource checks on every partition (`rules`, via `worker`), each
   worker compiling the plan once;
3. the results are merged **in partition order**: findings appended, lines shifted for slices of
   a file, counts added, the compact index appended to the on-disk `ExportIndex`;
4. the cross-file rules query the index (`crossfile`), and every rule becomes a TestResult.

The result is one GroupResult (kind `file-check`) with the implicit `export-files` test first
(the export's files could be read and hold the types they may: its findings are reading problems,
refused archives and misplaced types; it evidences the requirements of the `validate` rules, and
is `error` — exit 2 — when an input could not be read at all), then one test per rule in profile
order. Nothing in it depends on timing or scheduling except `started`, `finished` and each test's
`duration_ms`: the time spent on its rule, summed over the partitions (over the workers too, so it can exceed
the run's own time), and for `export-files` the time spent reading and on everything that is no rule's.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from time import perf_counter
from typing import cast

from conformance import __version__
from conformance.errors import ConformanceError
from conformance.fhir.read import DEFAULT_MAX_BYTES
from conformance.fhirpath import FhirPathSyntaxError
from conformance.fhirpath import compile as compile_fhirpath
from conformance.files.archives import ArchiveLimits
from conformance.files.bounded import DEFAULT_MAX_REPEATS, FoldMark, RepeatLimit
from conformance.files.crossfile import CROSS_FILE_TYPES, MergedExport, cross_file_findings
from conformance.files.executors import Executor
from conformance.files.globs import glob_match
from conformance.files.index import ExportIndex
from conformance.files.partials import EXPORT_FILES, OnceEntry, PartitionResult
from conformance.files.partitions import DEFAULT_PARTITION_BYTES, Partition, plan_partitions
from conformance.files.progress import CheckProgress, NoProgress
from conformance.files.rules import CheckPlan
from conformance.files.sources import ExportInputs
from conformance.files.validators import CheckPackages, how_to_get, missing_profiles
from conformance.files.worker import Job, run_job
from conformance.issues import Severity, make_issue
from conformance.profiles.filerules.base import typed
from conformance.profiles.filerules.validate import Params as ValidateParams
from conformance.profiles.model import FileRule, Profile
from conformance.results import (
    Finding,
    Findings,
    FindingStore,
    GroupResult,
    Outcome,
    RunResult,
    TestResult,
    has_error,
    requirement_results,
)
from conformance.results.outcomes import FindingSeverity
from conformance.results.store import disk_budget

GROUP_ID = "file-checks"
# a file-level finding with one of these codes means an input was not checked at all: the run is an error
UNREADABLE_CODES = frozenset({"file.unreadable", "file.too-large", "export.archive-refused", "internal.error"})
EXPORT_FILES_TITLE = "The export's files can be read and hold the resource types allowed for them"


class CheckSetupError(ConformanceError):
    """The profile's checks cannot run as written (a FHIRPath expression that does not parse): exit 2."""


@dataclass(frozen=True, slots=True)
class CheckSettings:
    limits: ArchiveLimits = ArchiveLimits()
    partition_bytes: int = DEFAULT_PARTITION_BYTES
    max_bytes: int = DEFAULT_MAX_BYTES  # one JSON/XML document, or one NDJSON line
    max_repeats: int = DEFAULT_MAX_REPEATS  # findings kept per rule, file and code; the rest folded into one


@dataclass(slots=True)
class _Merge:
    """The merged state of the per-partition pass; each rule's findings in a `FindingStore` (on disk when many)."""

    order: Callable[[Finding], tuple[int, int, int]]
    findings: dict[str, FindingStore] = field(default_factory=dict)
    once: set[OnceEntry] = field(default_factory=set)
    offsets: dict[int, int] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)
    bundles: int = 0
    resources: int = 0
    limit: RepeatLimit = field(default_factory=RepeatLimit)
    seconds: dict[str, float] = field(default_factory=dict)  # rule id -> time spent on it, summed over partitions

    def add(self, part: Partition, result: PartitionResult, index: ExportIndex) -> None:
        offset = self.offsets.get(part.file, 0)
        self.offsets[part.file] = offset + result.lines
        for rule_id, found in result.findings.items():
            if offset:
                for f in found:
                    if isinstance(f, FoldMark):
                        f.shift(offset)
                    elif f.line:
                        f.line += offset
            self.keep(rule_id, found)
        index.add(part.file, offset, result.index)
        self.once |= result.once
        self.counts.update(result.counts)
        self.bundles += result.bundles
        self.resources += result.resources
        for rule_id, seconds in result.seconds.items():
            self.spent(rule_id, seconds)

    def spent(self, rule_id: str, seconds: float) -> None:
        self.seconds[rule_id] = self.seconds.get(rule_id, 0.0) + seconds

    def store(self, rule_id: str) -> FindingStore:
        held = self.findings.get(rule_id)
        if held is None:
            held = self.findings[rule_id] = FindingStore(key=self.order)
        return held

    def keep(self, rule_id: str, found: Iterable[Finding | FoldMark]) -> None:
        """Findings past the limit for their rule, file and code are counted, not kept (see `bounded`); a
        worker's `FoldMark` is counted as the findings it stands for."""
        limit = self.limit
        admit = limit.admit

        def kept() -> Iterator[Finding]:
            for f in found:
                if isinstance(f, FoldMark):
                    limit.absorb((rule_id, f.path, f.code), f)
                elif admit((rule_id, f.path, f.code), f.code or "", f.severity, f.line, f.location):
                    yield f

        self.store(rule_id).extend(kept())

    def fold(self) -> None:
        """One finding per overflowing rule, file and code: how many more, and where; and a note per
        rule whose findings outgrew the store's disk budget (how many were not kept)."""
        for key, fold in self.limit.folds():
            rule_id, path = key[0], key[1]  # type: ignore[index]
            self.store(rule_id).append(Finding(path or "", Outcome.FAIL, fold.message,
                                               cast(FindingSeverity, fold.severity),  # fed Finding severities
                                               fold.code,
                                               fold.location, path, fold.first_line or None,
                                               1 if fold.first_line else None))
        for store in self.findings.values():
            if store.dropped:
                by = store.dropped_by_severity
                issue = make_issue("export.findings-not-kept", count=f"{store.dropped:,}",
                                   severities=", ".join(f"{n:,} {s}" for s, n in sorted(by.items())),
                                   limit=disk_budget().limit >> 20)
                store.insert_front([Finding.from_issue(issue, "findings store")])


def check_export(profile: Profile, inputs: ExportInputs, executor: Executor, *,
                 packages: CheckPackages | None = None, progress: CheckProgress | None = None,
                 settings: CheckSettings | None = None, target: str = "", command: Sequence[str] = ()) -> RunResult:
    """Run the profile's file checks over the export (see the module docstring)."""
    settings = settings or CheckSettings()
    progress = progress or NoProgress()
    started = _now()
    skipped, untested = _skipped_rules(profile, packages)
    runnable = tuple(_runnable(r, untested) for r in profile.file_checks if r.id not in skipped)
    _check_expressions(runnable)
    plan = CheckPlan(uuid.uuid4().hex, runnable, profile.file_specs, packages.factory if packages else None,
                     settings.limits, settings.max_bytes)
    files = inputs.resource_files
    partitions = plan_partitions(files, settings.partition_bytes, executor.workers)
    merge = _Merge(_export_order([f.display for f in inputs.files]), limit=RepeatLimit(settings.max_repeats))
    for shown, issue in inputs.findings:
        merge.store(EXPORT_FILES).append(Finding.from_issue(issue, shown, path=shown))
    for f in files:
        if profile.file_specs and not any(glob_match(s.match, f.inner) for s in profile.file_specs):
            merge.store(EXPORT_FILES).append(_unmatched(f.display))
    incomplete = False
    with ExportIndex() as index:
        progress.start(len(files), sum(p.size for p in partitions))
        left = Counter(p.file for p in partitions)
        try:
            jobs = [Job(plan, p, files[p.file], settings.max_repeats) for p in partitions]
            # strict: the map is run to its end, so a pool shuts down normally (an abandoned map stops
            # its pool as if interrupted: terminating workers and the forkserver cost 0.6 s of wall time)
            for part, result in zip(partitions, executor.map(run_job, jobs), strict=True):
                merge.add(part, result, index)
                left[part.file] -= 1
                progress.advance(files=int(left[part.file] == 0), resources=result.resources, size=part.size)
        except KeyboardInterrupt:
            incomplete = True
        finally:
            progress.finish()
        if not incomplete:
            index.finish()
            export = MergedExport(files, [f.inner for f in inputs.files], index, dict(merge.counts), merge.bundles)
            for number, rule in enumerate(runnable):
                if rule.type in CROSS_FILE_TYPES:
                    since = perf_counter()
                    merge.keep(rule.id, cross_file_findings(rule, number, export))
                    merge.spent(rule.id, perf_counter() - since)
        merge.fold()
    group = _group(profile, merge, skipped, untested, incomplete, len(files), packages)
    for test in group.tests:  # export order (file, line, column); stable, so ties keep merge order
        test.findings.sort(key=merge.order)
    return RunResult(
        profile_id=profile.id, profile_version=profile.version, profile_title=profile.title, target=target,
        started=started, finished=_now(), groups=[group], requirements=requirement_results(profile.requirements, [group]),
        packages=packages.ids if packages else [], tool_version=__version__, incomplete=incomplete,
        command=list(command))


def _skipped_rules(profile: Profile, packages: CheckPackages | None) -> tuple[dict[str, str],
                                                                             dict[str, tuple[str, ...]]]:
    """Rules that cannot run at all (no packages), and validate rules that run without some profiles.

    A missing optional package never drops a rule: base R4, the national rules and every profile
    that is loaded still run; only the profiles it would provide are "not tested", with the
    command that gets them (issue: an export with an invalid gender must fail without UK Core).
    """
    skipped: dict[str, str] = {}
    untested: dict[str, tuple[str, ...]] = {}
    for rule in profile.file_checks:
        if rule.type != "validate":
            continue
        if packages is None:
            skipped[rule.id] = "not tested: no FHIR packages were loaded for validation"
            continue
        missing = missing_profiles(rule, packages.validator)
        if missing:
            untested[rule.id] = tuple(missing)
    return skipped, untested


def _runnable(rule: FileRule, untested: dict[str, tuple[str, ...]]) -> FileRule:
    """The rule as it can run here: a validate rule without the profiles no loaded package defines."""
    missing = untested.get(rule.id)
    if not missing:
        return rule
    params = typed(rule.params, ValidateParams)
    return replace(rule, params=replace(params, profiles=tuple((rt, url) for rt, url in params.profiles
                                                               if url not in missing)))


def _check_expressions(rules: Sequence[FileRule]) -> None:
    for rule in rules:
        expression = getattr(rule.params, "expression", None)  # fhirpath, consistent-values, check-character
        if expression:
            try:
                compile_fhirpath(expression)
            except FhirPathSyntaxError as exc:
                raise CheckSetupError(f"{rule.declared_in}: rule {rule.id}: the FHIRPath expression does not "
                                      f"parse: {exc}") from None


def _group(profile: Profile, merge: _Merge, skipped: dict[str, str], untested: dict[str, tuple[str, ...]],
           incomplete: bool, n_files: int, packages: CheckPackages | None) -> GroupResult:
    validate_requirements = sorted({r for rule in profile.file_checks if rule.type == "validate"
                                    for r in rule.requirements})
    reading = merge.store(EXPORT_FILES)
    outcome = Outcome.ERROR if any(f.code in UNREADABLE_CODES for f in reading) else _verdict(reading)
    tests = [TestResult(EXPORT_FILES, EXPORT_FILES_TITLE, outcome, tuple(validate_requirements), reading,
                        "an input could not be read; the export was not checked in full" if outcome is Outcome.ERROR
                        else "")]
    nothing_read = merge.resources == 0
    for rule in profile.file_checks:
        if rule.id in skipped:
            tests.append(TestResult(rule.id, rule.title, Outcome.SKIP, rule.requirements, message=skipped[rule.id]))
        elif incomplete and rule.type in CROSS_FILE_TYPES:
            tests.append(TestResult(rule.id, rule.title, Outcome.SKIP, rule.requirements,
                                    message="not run: the check was interrupted before the whole export was read"))
        else:
            found = merge.store(rule.id)
            found.insert_front(_once_findings(rule, merge.once))
            verdict = _verdict(found)
            if verdict is Outcome.PASS and nothing_read:  # zero resources checked never passes a file rule
                tests.append(TestResult(rule.id, rule.title, Outcome.SKIP, rule.requirements, found,
                                        "not tested: no resource of the export could be read"))
            else:
                tests.append(TestResult(rule.id, rule.title, verdict, rule.requirements, found))
        if rule.id in untested:
            missing = untested[rule.id]
            tests.append(TestResult(f"{rule.id}.unloaded-profiles", f"{rule.title}: profiles not loaded", Outcome.SKIP,
                                    rule.requirements, message=f"not tested against {', '.join(missing)}: not in the "
                                    f"loaded packages; {how_to_get(profile, missing)}"))
    for test in tests:  # the time spent on each rule (and on reading, for export-files); 0 for one not run
        test.duration_ms = merge.seconds.get(test.id, 0.0) * 1000
    notes = "; ".join(packages.notes) if packages and packages.notes else ""
    message = f"{n_files} file(s), {merge.resources} resource(s)" + (f"; {notes}" if notes else "")
    return GroupResult(GROUP_ID, f"Exported-file checks of {profile.id}", "file-check", tests, message=message)


def _once_findings(rule: FileRule, once: set[OnceEntry]) -> list[Finding]:
    """Definition problems, reported once for the run (and not with whichever resource met them first)."""
    threshold = Severity(rule.params.severity if isinstance(rule.params, ValidateParams) else "error").rank
    found = []
    for rule_id, code, severity, message in sorted(once):
        level = Severity(severity)
        if rule_id != rule.id or (level.rank > threshold and level is not Severity.WARNING):
            continue
        found.append(Finding("definitions", Outcome.FAIL, message, "error" if level.rank <= threshold else "warning",
                             code))
    return found


def _verdict(findings: Findings) -> Outcome:
    return Outcome.FAIL if has_error(findings) else Outcome.PASS


def _export_order(order: Sequence[str]) -> Callable[[Finding], tuple[int, int, int]]:
    """The sort key of findings in export order: file (as listed), line, column."""
    rank = {shown: i for i, shown in enumerate(order)}

    def key(f: Finding) -> tuple[int, int, int]:
        return (rank.get(f.path, -1) if f.path else -1, f.line or 0, f.column or 0)

    return key


def _unmatched(shown: str) -> Finding:
    return Finding.from_issue(make_issue("export.file-unmatched"), shown, path=shown)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
