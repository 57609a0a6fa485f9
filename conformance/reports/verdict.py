"""The one-line verdict every human-facing format shows, computed once so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from conformance.reports.acceptance import acceptance_of, baseline_of
from conformance.results import Outcome, RequirementStatus, RunResult, TestResult

LABELS = {0: "PASS", 1: "FAIL", 2: "NOT CERTIFIABLE"}


@dataclass(frozen=True, slots=True)
class Verdict:
    exit_code: int
    label: str  # PASS | FAIL | NOT CERTIFIABLE
    reason: str
    incomplete: bool

    @property
    def headline(self) -> str:
        return self.label + (" (INCOMPLETE)" if self.incomplete else "")


def verdict(result: RunResult, *, require_all: bool = False) -> Verdict:
    code = result.exit_code(require_all=require_all)
    return Verdict(code, LABELS[code], _reason(result, code, require_all), result.incomplete)


def _reason(result: RunResult, code: int, require_all: bool) -> str:
    statuses = [r for r in result.requirements if acceptance_of(r) is None]
    baseline = baseline_of(result)
    accepted = sum(1 for r in result.requirements if acceptance_of(r) is not None)
    note = f"; {accepted} failing requirement(s) accepted by the baseline" if accepted else ""
    if code == 2:
        if any(r.status is RequirementStatus.ERROR for r in statuses) or any(
                g.outcome is Outcome.ERROR for g in result.groups):
            return "a test could not run, so the verdict is not complete"
        return "a requirement was not tested (--require-all)"
    if code == 1:
        failed = [r.requirement.id for r in statuses if r.status is RequirementStatus.FAILED]
        if failed:
            return "mandatory requirement(s) failed: " + ", ".join(failed) + note
        if baseline is not None and baseline.expired:
            return "baseline entries expired: " + ", ".join(f"#{e.entry} ({e.expires})" for e in baseline.expired)
        return "a conformance failure"
    if result.incomplete:
        return "every mandatory requirement that ran passed, but the run was interrupted" + note
    return "every mandatory requirement tested passed" + note


def test_reason(test: TestResult) -> str:
    """Why a test did not pass, in one line: its message, else its first failing check."""
    if test.message:
        return test.message
    failing = [f for f in test.findings if f.outcome is Outcome.FAIL]
    first = next((f for f in failing if f.severity == "error"), failing[0] if failing else None)
    if first is not None:
        return f"{first.check}: {first.message}" if first.message else first.check
    return test.outcome.value
