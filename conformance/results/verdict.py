"""The verdict of a run — PASS, FAIL, INCOMPLETE or PARTIAL — decided here and nowhere else.

The rules (the README's "How the verdict is decided" and every report say the same):
1. An interrupted run (Ctrl-C, SIGTERM) is INCOMPLETE, exit 130 (SIGINT) or 143 (SIGTERM).
2. A run restricted with `--scenario`/`--requirement` is PARTIAL: "PARTIAL (n of m requirements
   tested) — not a conformance verdict"; exit 0 only when everything it tested passed, 1 when a
   MUST failed, 2 when something it tested has no verdict.
3. FAIL (exit 1) when a MUST requirement in scope failed and no baseline entry accepts it, or a
   baseline entry has expired (each expired entry is named with its line).
4. INCOMPLETE (exit 2) when the target could not be reached, or a MUST requirement in scope has no
   verdict (not tested, skipped, errored, or manual without an attestation) — each is listed with
   why. With `--require-all`, SHOULD and MAY requirements need a verdict too.
5. Otherwise PASS (exit 0): every MUST requirement in scope passed, or failed and was accepted.
Requirements out of scope in the selected environment are "not applicable" with the profile's
reason; they are listed and never counted either way. Skipped, errored or zero-input evidence
never counts as passing (see `requirements.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from conformance.results.requirements import RequirementResult, RequirementStatus

if TYPE_CHECKING:
    from conformance.results.run import RunResult

Label: TypeAlias = Literal["PASS", "FAIL", "INCOMPLETE", "PARTIAL"]
PASS: Label = "PASS"
FAIL: Label = "FAIL"
INCOMPLETE: Label = "INCOMPLETE"
PARTIAL: Label = "PARTIAL"
SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143}
RULES = (
    "PASS: every MUST requirement in scope has passing evidence (or an attestation, or an accepted failure).",
    "FAIL: a MUST requirement in scope failed (not accepted by a baseline), or a baseline entry expired.",
    "INCOMPLETE: a MUST requirement in scope has no verdict (not tested, skipped, errored, or manual without an "
    "attestation), the target could not be reached, or the run was interrupted.",
    "PARTIAL: the run was restricted (--scenario/--requirement); not a conformance verdict.",
    "Not applicable: out of scope in the selected environment, with the profile's reason; never counted.",
    "Skipped, errored or zero-input evidence never counts as passing.",
)


@dataclass(frozen=True, slots=True)
class Missing:
    """A requirement that needed a verdict and has none, and why."""

    id: str
    level: str
    status: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "level": self.level, "status": self.status, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Verdict:
    label: Label
    exit_code: int
    reason: str  # one line, for people
    failed: tuple[str, ...] = ()  # MUST requirements that failed (not accepted)
    missing: tuple[Missing, ...] = ()  # requirements that needed a verdict and have none
    expired: tuple[str, ...] = ()  # expired baseline entries, described with file:line
    tested: int = 0  # requirements with a verdict
    in_scope: int = 0  # requirements that apply (not "not applicable")

    @property
    def headline(self) -> str:
        """`PASS: reason (exit 0)` — what the console, Markdown and HTML put first."""
        return f"{self.label}: {self.reason} (exit {self.exit_code})"

    @property
    def passed(self) -> bool:
        return self.label == PASS

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "exitCode": self.exit_code, "reason": self.reason,
                                "tested": self.tested, "inScope": self.in_scope}
        if self.failed:
            data["failed"] = list(self.failed)
        if self.missing:
            data["withoutVerdict"] = [m.to_json() for m in self.missing]
        if self.expired:
            data["expiredBaselineEntries"] = list(self.expired)
        return data


def decide(result: RunResult) -> Verdict:
    """The verdict of `result` by the rules of the module docstring."""
    in_scope = [r for r in result.requirements if r.status is not RequirementStatus.NOT_APPLICABLE]
    tested = [r for r in in_scope if r.has_verdict]
    failed = tuple(r.requirement.id for r in in_scope
                   if r.status is RequirementStatus.FAILED and r.accepted is None)
    needs_verdict = [r for r in in_scope if r.requirement.mandatory or result.require_all]
    missing = tuple(Missing(r.requirement.id, r.requirement.level, r.status.value, r.message or r.status.value)
                    for r in needs_verdict if not r.has_verdict)
    expired = tuple(e.describe(result.baseline.file) for e in result.baseline.expired) if result.baseline else ()
    counts = {"tested": len(tested), "in_scope": len(in_scope)}
    if result.incomplete or result.interrupted:
        signal = result.interrupted or "SIGINT"
        reason = (f"the run was interrupted ({signal}) after {len(tested)} of {len(in_scope)} requirements "
                  "had a verdict; the report covers what ran")
        return Verdict(INCOMPLETE, SIGNAL_EXIT.get(signal, 130), reason, failed, missing, expired, **counts)
    if result.partial:
        return _partial(result, in_scope, tested, failed, missing, expired)
    if failed or expired:
        parts = []
        if failed:
            parts.append("MUST requirement(s) failed: " + ", ".join(failed))
        if expired:
            parts.append("baseline entries expired: " + "; ".join(expired))
        return Verdict(FAIL, 1, "; ".join(parts), failed, missing, expired, **counts)
    if result.unreachable:
        return Verdict(INCOMPLETE, 2, f"the target could not be reached: {result.unreachable}", failed, missing,
                       expired, **counts)
    if missing:
        what = "requirement(s) in scope" if result.require_all else "MUST requirement(s)"
        reason = f"{len(missing)} {what} without a verdict: " + ", ".join(m.id for m in missing)
        return Verdict(INCOMPLETE, 2, reason, failed, missing, expired, **counts)
    accepted = sum(1 for r in in_scope if r.accepted is not None)
    reason = f"every MUST requirement in scope passed ({len(tested)} of {len(in_scope)} requirements with a verdict"
    reason += f"; {accepted} accepted by the baseline" if accepted else ""
    out = len(result.requirements) - len(in_scope)
    reason += f"; {out} not applicable in {result.environment})" if out else ")"
    return Verdict(PASS, 0, reason, failed, missing, expired, **counts)


def _partial(result: RunResult, in_scope: list[RequirementResult], tested: list[RequirementResult],
             failed: tuple[str, ...], missing: tuple[Missing, ...], expired: tuple[str, ...]) -> Verdict:
    touched = [r for r in in_scope if r.evidence or r.attestation is not None]
    without = tuple(m for m in missing if any(r.requirement.id == m.id for r in touched))
    reason = f"({len(touched)} of {len(in_scope)} requirements tested, {result.partial}) — not a conformance verdict"
    code = 1 if failed or expired else 2 if without else 0
    return Verdict(PARTIAL, code, reason, failed, without, expired, len(tested), len(in_scope))
