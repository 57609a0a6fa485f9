"""A Markdown summary: for `$GITHUB_STEP_SUMMARY`, merge-request notes and chat.

Short on purpose: the verdict, the counts, then only what needs attention (failed, errored,
warning and accepted requirements, expired baseline entries), each with its failing evidence;
the full requirement list is folded away in a `<details>` block. Cell text is escaped so a
message cannot break the table or inject HTML.
"""

from __future__ import annotations

from conformance.results import (
    RULES,
    Outcome,
    RequirementResult,
    RequirementStatus,
    RunResult,
    TestResult,
    acceptance_of,
    test_reason,
)

FILE_NAME = "summary.md"
_ICON = {"PASS": "✅", "FAIL": "❌", "INCOMPLETE": "⚠️", "PARTIAL": "🔶"}
_STATUS_ICON = {
    RequirementStatus.PASSED: "✅", RequirementStatus.FAILED: "❌", RequirementStatus.WARNING: "⚠️",
    RequirementStatus.ERROR: "💥", RequirementStatus.SKIPPED: "⏭️", RequirementStatus.NOT_TESTED: "➖",
    RequirementStatus.NOT_APPLICABLE: "🚫",
}
_MAX_CELL = 300


def render(result: RunResult, unverified: str | None = None) -> str:
    """The summary; `unverified` (why evidence re-rendered from a pack is not verified) becomes a warning on top."""
    v = result.verdict()
    s = result.summary()
    lines = [f"> ⚠️ **Unverified evidence:** {_text(unverified)}", ""] if unverified else []
    lines += [f"## {_ICON[v.label]} {v.label}: {_text(result.profile_title)} "
             f"(`{result.profile_id}` {_text(result.profile_version)})", "",
             f"{_text(v.reason)} (exit {v.exit_code})."]
    if result.incomplete:
        lines += ["", "> **Incomplete:** the run was interrupted; this summary covers what ran."]
    if result.hint:
        lines += ["", f"> **Hint:** {_text(result.hint)}"]
    if v.missing:
        lines += ["", "### Without a verdict", ""]
        lines += [f"- `{_cell(m.id)}` ({m.level}, {m.status}): {_text(m.reason)}" for m in v.missing]
    if result.environment:
        lines += ["", f"Environment: `{_text(result.environment)}`."]
    accepted = s.accepted
    lines += ["", "| Requirements | Passed | Failed | Warnings | Errors | Skipped | Not tested |"
              + (" Accepted |" if accepted else "") + " Coverage |",
              "|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if accepted else "") + "---:|",
              f"| {s.requirements} | {s.passed} | {s.failed} | {s.warnings} | {s.errors} | {s.skipped} | "
              f"{s.not_tested} |" + (f" {accepted} |" if accepted else "") + f" {s.coverage:.1%} |"]
    tests = {t.id: t for g in result.groups for t in g.tests}
    attention = [r for r in result.requirements
                 if r.status in (RequirementStatus.FAILED, RequirementStatus.ERROR, RequirementStatus.WARNING)]
    if attention:
        lines += ["", "### Needs attention", "", "| | Requirement | Level | Status | Evidence |", "|---|---|---|---|---|"]
        for r in attention:
            lines.append(_attention_row(r, tests))
    baseline = result.baseline
    if baseline is not None and baseline.expired:
        lines += ["", "### Expired baseline entries", ""]
        lines += [f"- {_text(e.describe(baseline.file))}: {_text(e.justification)}" for e in baseline.expired]
    lines += ["", f"<details><summary>All requirements ({len(result.requirements)})</summary>", "",
              "| | Requirement | Level | Status | Description |", "|---|---|---|---|---|"]
    for r in result.requirements:
        status = r.status.value + (" (accepted)" if acceptance_of(r) else "")
        lines.append(f"| {_STATUS_ICON[r.status]} | `{_cell(r.requirement.id)}` | {_cell(r.requirement.level)} | "
                     f"{status} | {_cell(r.requirement.description)} |")
    lines += ["", "</details>", "", "<details><summary>How the verdict is decided</summary>", ""]
    lines += [f"- {_text(rule)}" for rule in RULES]
    lines += ["", "</details>", ""]
    lines.append(f"Target: {_text(result.target)} · packages: {_text(', '.join(result.packages) or 'none')} · "
                 f"conformance {_text(result.tool_version)} · {_text(result.started)}")
    return "\n".join(lines) + "\n"


def _attention_row(r: RequirementResult, tests: dict[str, TestResult]) -> str:
    accepted = acceptance_of(r)
    status = r.status.value
    if accepted is not None:
        status += f" — accepted until {accepted.expires}: {accepted.justification}"
    evidence = []
    for test_id in r.evidence:
        test = tests.get(test_id)
        if test is None or test.outcome not in (Outcome.FAIL, Outcome.ERROR):
            continue
        evidence.append(f"`{_cell(test.id)}`: {_cell(test_reason(test))}")
    icon = "☑️" if accepted is not None else _STATUS_ICON[r.status]
    return (f"| {icon} | `{_cell(r.requirement.id)}` | {_cell(r.requirement.level)} | {_cell(status)} | "
            f"{'; '.join(evidence) or _cell(r.message)} |")


def _text(value: str) -> str:
    """Plain text that GitHub's Markdown will not read as HTML."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(value: str) -> str:
    value = " ".join(value.split())
    if len(value) > _MAX_CELL:
        value = value[: _MAX_CELL - 1] + "…"
    return _text(value).replace("|", "\\|").replace("`", "'")
