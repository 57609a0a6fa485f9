"""Baselines: known failures accepted for a while, each with a justification and an expiry date.

A baseline is a YAML file (`--baseline FILE`; `--write-baseline FILE` starts one from a run):

    version: 1
    profile: personal-demographics           # optional; a baseline for another profile is refused
    accepted:
      - requirement: PDS-VER-001             # every failure of this requirement
        justification: ETags ship in release 4.2 (ticket PDS-123)
        expires: 2026-06-30                  # the last day it holds
      - code: binding.required               # findings with this issue code ...
        path: "exports/*.ndjson"             # ... in these files (optional)
        location: "Patient.gender"           # ... at this FHIRPath location (optional)
        test: "patients/*"                   # ... in these tests (optional)
        justification: legacy gender codes are mapped in the next export (CR 881)
        expires: 2026-03-31

An entry names a `requirement`, or a `code` and/or a `test`, optionally narrowed by `path` and
`location`. Patterns are globs where `*` matches any run of characters (`/`, `.` and `[` included)
and `?` one character; nothing else is special, so `Patient.identifier[0].value` means itself.

Applying a baseline never hides anything: a matched failure keeps its outcome and gains an
"accepted" flag that every report shows with the justification and expiry. A test is accepted
when every failing check that fails it is accepted; a requirement when a requirement entry names
it or every failing test that evidences it is accepted. So a new finding still fails the run, an
expired entry accepts nothing and fails the run (exit 1) until it is renewed or removed, and an
entry that matched nothing is reported as unused. Errors (a check that could not run) are never
accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import ConformanceError
from conformance.reports.atomic import write_atomic
from conformance.results import (
    Acceptance,
    BaselineEntryState,
    BaselineSummary,
    Finding,
    Findings,
    FindingStore,
    GroupResult,
    Outcome,
    RequirementStatus,
    RunResult,
    TestResult,
    acceptance_of,
)

PLACEHOLDER = "TODO"
DEFAULT_DAYS = 90
_TOP_KEYS = {"version", "profile", "accepted"}
_ENTRY_KEYS = {"requirement", "code", "test", "path", "location", "justification", "expires"}


ACCEPTABLE_STATUSES = frozenset({RequirementStatus.FAILED, RequirementStatus.WARNING})


class BaselineError(ConformanceError):
    """A baseline that cannot be used; the message says file:line, what is wrong and what to do."""


class _NoDatesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: `expires: 2027-13-45` stays a string, so a bad date is a located
    BaselineError rather than a crash inside the YAML library."""


_NoDatesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def compile_glob(pattern: str) -> re.Pattern[str]:
    """`*` any characters, `?` one character, everything else literal; the whole string must match."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class Entry:
    index: int  # 1-based position in `accepted`
    line: int
    justification: str
    expires: date
    requirement: str | None = None
    code: str | None = None
    test: str | None = None
    path: str | None = None
    location: str | None = None

    @property
    def matched(self) -> str:
        """What the entry names, for people: `requirement X` or `code C in tests T at path P ...`."""
        if self.requirement:
            return f"requirement {self.requirement}"
        words = []
        for label, value in (("code", self.code), ("test", self.test), ("path", self.path),
                             ("location", self.location)):
            if value is not None:
                words.append(f"{label} {value}")
        return ", ".join(words)

    def acceptance(self) -> Acceptance:
        return Acceptance(self.index, self.justification, self.expires.isoformat(), self.matched, self.line)

    def expired_on(self, today: date) -> bool:
        return self.expires < today

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str]]:
        return {k: compile_glob(v) for k, v in (("test", self.test), ("path", self.path),
                                                 ("location", self.location)) if v is not None}

    def matches(self, finding: Finding, test: TestResult) -> bool:
        """A finding-level entry against one failing finding of `test`."""
        if self.requirement is not None:
            return False
        if self.code is not None and finding.code != self.code:
            return False
        values = {"test": test.id, "path": (finding.path or "").replace("\\", "/"), "location": finding.location or ""}
        return all(p.fullmatch(values[k]) is not None for k, p in self._patterns.items())


@dataclass(frozen=True)
class Baseline:
    file: str
    entries: tuple[Entry, ...]
    profile: str | None = None


def load_baseline(path: Path) -> Baseline:
    """Read and check a baseline file; BaselineError (one clear line) when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BaselineError(f"cannot read the baseline {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: the baseline is not UTF-8 text") from exc
    return parse_baseline(text, str(path))


def parse_baseline(text: str, file: str) -> Baseline:
    try:
        root = yaml.compose(text, Loader=_NoDatesLoader)
        data = yaml.load(text, Loader=_NoDatesLoader)  # noqa: S506 - a SafeLoader without timestamps
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file}:{mark.line + 1}" if mark is not None else file
        raise BaselineError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BaselineError(f"{file}: a baseline is a mapping with `version: 1` and `accepted:` (a list of entries)")
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise BaselineError(f"{file}: unknown key(s) {', '.join(unknown)}; a baseline has version, profile, accepted")
    if data.get("version", 1) != 1:
        raise BaselineError(f"{file}: baseline version {data.get('version')!r} is not supported (this tool reads 1)")
    items = data.get("accepted") or []
    if not isinstance(items, list):
        raise BaselineError(f"{file}: `accepted` must be a list of entries")
    lines = _entry_lines(root, len(items))
    entries = tuple(_entry(item, i + 1, lines[i], file) for i, item in enumerate(items))
    profile = data.get("profile")
    return Baseline(file, entries, str(profile) if profile is not None else None)


def _entry_lines(root: yaml.Node | None, count: int) -> list[int]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if getattr(key, "value", None) == "accepted" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return [0] * count


def _entry(item: Any, index: int, line: int, file: str) -> Entry:
    where = f"{file}:{line}: entry {index}" if line else f"{file}: entry {index}"
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: an entry is a mapping (requirement or code/test, justification, expires)")
    unknown = sorted(set(map(str, item)) - _ENTRY_KEYS)
    if unknown:
        raise BaselineError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_ENTRY_KEYS))}")
    values = {k: item.get(k) for k in ("requirement", "code", "test", "path", "location")}
    for key, value in values.items():
        if value is not None and (not isinstance(value, str | int) or not str(value).strip()):
            raise BaselineError(f"{where}: `{key}` must be a non-empty string")
    strings = {k: (str(v) if v is not None else None) for k, v in values.items()}
    if strings["requirement"] is not None and any(strings[k] is not None for k in ("code", "test", "path", "location")):
        raise BaselineError(f"{where}: an entry names either a requirement or findings (code, test, path, "
                            "location), not both; split it in two")
    if strings["requirement"] is None and strings["code"] is None and strings["test"] is None:
        raise BaselineError(f"{where}: say what is accepted: `requirement: ID`, or `code:` and/or `test:`")
    justification = item.get("justification")
    if not isinstance(justification, str) or not justification.strip():
        raise BaselineError(f"{where}: `justification` is required: say why this failure is accepted")
    if justification.strip().upper().startswith(PLACEHOLDER):
        raise BaselineError(f"{where}: the justification is still the placeholder written by --write-baseline; "
                            "replace it with the reason (a ticket, a dated decision)")
    if item.get("expires") in (None, ""):
        raise BaselineError(f"{where}: `expires` is required, as a date YYYY-MM-DD (the last day the entry holds)")
    expires = _date(item.get("expires"))
    if expires is None:
        raise BaselineError(f"{where}: `expires: {item.get('expires')}` is not a date; write YYYY-MM-DD "
                            "(the last day the entry holds)")
    return Entry(index, line, justification.strip(), expires, **strings)


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


# -- applying ----------------------------------------------------------------------------------------


def check_profile(baseline: Baseline, profile_ids: set[str]) -> None:
    """BaselineError when the baseline names a profile that is not this one (its id or an alias)."""
    if baseline.profile is not None and profile_ids and baseline.profile not in profile_ids:
        raise BaselineError(f"{baseline.file}: this baseline is for profile {baseline.profile}, "
                            f"not {' / '.join(sorted(profile_ids))}")


def apply_baseline(result: RunResult, baseline: Baseline, *, today: date | None = None) -> RunResult:
    """The run with accepted failures flagged (a new result; `result` is not changed).

    Raises BaselineError when the baseline names another profile.
    """
    check_profile(baseline, {result.profile_id})
    today = today or date.today()
    active = [e for e in baseline.entries if not e.expired_on(today)]
    used: set[int] = set()
    failing_reqs = {r.requirement.id for r in result.requirements if r.status in ACCEPTABLE_STATUSES}
    by_requirement: dict[str, Entry] = {}
    for e in active:
        if e.requirement is not None and e.requirement in failing_reqs and e.requirement not in by_requirement:
            by_requirement[e.requirement] = e
            used.add(e.index)
    finding_entries = [e for e in active if e.requirement is None]
    groups = [_group(g, finding_entries, by_requirement, used) for g in result.groups]
    tests = {t.id: t for g in groups for t in g.tests}
    requirements = []
    for r in result.requirements:
        acceptance = None
        if r.status in ACCEPTABLE_STATUSES:
            entry = by_requirement.get(r.requirement.id)
            if entry is not None:
                acceptance = entry.acceptance()
            else:
                failing = [tests[i] for i in r.evidence if i in tests and tests[i].outcome is Outcome.FAIL]
                if failing and all(acceptance_of(t) is not None for t in failing):
                    acceptance = acceptance_of(failing[0])
        requirements.append(replace(r, accepted=acceptance) if acceptance is not None else r)
    states = tuple(BaselineEntryState(e.index, e.matched, e.justification, e.expires.isoformat(),
                                      "expired" if e.expired_on(today) else "applied" if e.index in used else "unused",
                                      e.line)
                   for e in baseline.entries)
    return replace(result, groups=groups, requirements=requirements,
                   baseline=BaselineSummary(baseline.file, today.isoformat(), states))


def _group(group: GroupResult, entries: list[Entry], by_requirement: dict[str, Entry], used: set[int]) -> GroupResult:
    tests = [_test(t, group, entries, by_requirement, used) for t in group.tests]
    return GroupResult(group.id, group.title, group.kind, tests, group.requirements, group.message,
                       group.outcome_override)


def _test(test: TestResult, group: GroupResult, entries: list[Entry], by_requirement: dict[str, Entry],
          used: set[int]) -> TestResult:
    if test.outcome is not Outcome.FAIL:
        return test
    requirements = set(test.requirements) | set(group.requirements)
    whole = by_requirement.get(sorted(requirements)[0]) if requirements and requirements <= by_requirement.keys() else None
    findings: Findings = FindingStore() if isinstance(test.findings, FindingStore) else []
    for f in test.findings:
        acceptance = None
        if f.outcome is Outcome.FAIL:
            entry = next((e for e in entries if e.matches(f, test)), None)
            if entry is not None:
                used.add(entry.index)
                acceptance = entry.acceptance()
            elif whole is not None:
                acceptance = whole.acceptance()
        findings.append(replace(f, accepted=acceptance) if acceptance is not None else f)
    deciding = (f for f in findings if f.outcome is Outcome.FAIL and f.severity == "error")
    first = next(deciding, None)
    if first is not None:
        accepted = acceptance_of(first) if acceptance_of(first) is not None and \
            all(acceptance_of(f) is not None for f in deciding) else None
    else:  # failed without a failing check (its message says why): only a test entry or its requirement accepts it
        entry = next((e for e in entries if e.code is None and e.test is not None and e.path is None
                      and e.location is None and compile_glob(e.test).fullmatch(test.id)), None)
        if entry is not None:
            used.add(entry.index)
        accepted = entry.acceptance() if entry is not None else whole.acceptance() if whole is not None else None
    return replace(test, findings=findings, accepted=accepted)


# -- starting one ---------------------------------------------------------------------------------------


def baseline_entries(result: RunResult) -> list[dict[str, Any]]:
    """One entry per distinct failing finding (code, and file/location or test), else per failing test."""
    entries: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...]] = set()

    def add(entry: dict[str, Any]) -> None:
        key = tuple(sorted(entry.items()))
        if key not in seen:
            seen.add(key)
            entries.append(entry)

    for group in result.groups:
        for test in group.tests:
            if test.outcome is not Outcome.FAIL:
                continue
            failing = uncoded = 0  # counted, not held: a file check's findings can be millions
            for f in test.findings:
                if f.outcome is not Outcome.FAIL:
                    continue
                failing += 1
                if not f.code:
                    uncoded += 1
                    continue
                entry: dict[str, Any] = {"code": f.code}
                if f.path:
                    entry["path"] = f.path.replace("\\", "/")
                else:
                    entry["test"] = test.id
                if f.location:
                    entry["location"] = f.location
                add(entry)
            if uncoded or not failing:
                add({"test": test.id})
    return entries


def baseline_yaml(result: RunResult, *, today: date | None = None, days: int = DEFAULT_DAYS) -> str:
    today = today or date.today()
    expires = today + timedelta(days=days)
    entries = [{**e, "justification": f"{PLACEHOLDER}: why is this accepted?", "expires": expires}
               for e in baseline_entries(result)]
    header = [
        f"# Baseline of accepted findings for {result.profile_id} {result.profile_version}, started from the run of",
        f"# {result.started} by --write-baseline. Use it with --baseline FILE.",
        "# Replace every TODO justification with the reason (a ticket, a dated decision): the tool refuses",
        "# placeholders. Each entry holds until its `expires` date (inclusive); after that it fails the run",
        "# until it is renewed or removed. Entries name a `requirement`, or a `code` and/or a `test`,",
        "# narrowed by `path` (the file) and `location` (FHIRPath); in patterns `*` matches any characters",
        "# and `?` one character, nothing else is special.",
    ]
    body = yaml.dump({"version": 1, "profile": result.profile_id, "accepted": entries}, Dumper=_PlainDumper,
                     sort_keys=False, allow_unicode=True, width=110)
    return "\n".join(header) + "\n" + body


class _PlainDumper(yaml.SafeDumper):
    """No `&id001` anchors: every entry spells out its own expiry date."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_baseline(result: RunResult, path: Path, *, today: date | None = None, days: int = DEFAULT_DAYS) -> int:
    """Write a starting baseline for `result`'s failures (atomically); returns how many entries it has.

    OSError when the file cannot be written."""
    write_atomic(path, baseline_yaml(result, today=today, days=days))
    return len(baseline_entries(result))
