"""The HTML report for assessors: one self-contained file that opens offline and prints to PDF.

Everything is inline (CSS, a small script for the requirement filters); a Content-Security-Policy
forbids every fetch, and the only script allowed is ours, by hash, so nothing in a recorded
response can run or call out. Text is escaped by jinja2's autoescape. The page holds the
verdict, the facts an assessor needs to reproduce the run (profile, target, packages, tool,
command, times, baseline), the requirement matrix with status/level filters, and every failing
or errored test with its findings and its exchanges (request and response, already redacted) or
its file location. Passing tests are listed with their exchanges folded away.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import shlex
from datetime import datetime
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from conformance.results import (
    RULES,
    Acceptance,
    Finding,
    GroupResult,
    Outcome,
    RequirementStatus,
    RunResult,
    TestResult,
    acceptance_of,
    test_reason,
)
from conformance.results.store import failing as failing_of
from conformance.results.store import failing_count

FILE_NAME = "report.html"
TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_BODY_CHARS = 20_000
MAX_FINDINGS = 200  # per test; a file check can have thousands, all of them in results.json
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_STATUS_ORDER = ["failed", "error", "warning", "accepted", "not-tested", "skipped", "passed"]

SCRIPT = """
(function () {
  var table = document.getElementById('matrix');
  if (!table) { return; }
  document.body.classList.add('js');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input[name=status]'));
  var level = document.getElementById('filter-level');
  var text = document.getElementById('filter-text');
  var shown = document.getElementById('filter-count');
  function apply() {
    var statuses = {};
    boxes.forEach(function (b) { statuses[b.value] = b.checked; });
    var wanted = level.value, needle = text.value.trim().toLowerCase(), count = 0;
    rows.forEach(function (row) {
      var ok = statuses[row.getAttribute('data-status')] &&
               (!wanted || row.getAttribute('data-level') === wanted) &&
               (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + ' of ' + rows.length;
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  level.addEventListener('change', apply);
  text.addEventListener('input', apply);
  document.getElementById('filter-problems').addEventListener('click', function () {
    boxes.forEach(function (b) { b.checked = ['passed', 'skipped'].indexOf(b.value) < 0; });
    apply();
  });
  document.getElementById('filter-all').addEventListener('click', function () {
    boxes.forEach(function (b) { b.checked = true; });
    level.value = ''; text.value = ''; apply();
  });
  apply();
})();
""".strip()


def render(result: RunResult, unverified: str | None = None) -> str:
    """The page; `unverified` (why evidence re-rendered from a pack is not verified) becomes a banner above all."""
    template = _environment().get_template("report.html.j2")
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return template.render(r=view(result), script=SCRIPT, script_hash=script_hash, unverified=unverified)


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env


def view(result: RunResult) -> dict[str, Any]:
    """What the template shows, already worked out (the template only lays it out)."""
    v = result.verdict()
    summary = result.summary()
    tests = {t.id: t for g in result.groups for t in g.tests}
    groups = {g.id: g for g in result.groups}
    requirements = [_requirement(r, tests, groups) for r in result.requirements]
    counts: dict[str, int] = {}
    for row in requirements:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    levels = sorted({row["level"] for row in requirements})
    problems = [_test(t, g, open_=True) for g in result.groups for t in g.tests
                if t.outcome in (Outcome.FAIL, Outcome.ERROR)]
    baseline = result.baseline
    return {
        "title": f"{result.profile_title or result.profile_id} — conformance report",
        "profile": {"id": result.profile_id, "version": result.profile_version, "title": result.profile_title},
        "target": result.target,
        "started": when(result.started),
        "finished": when(result.finished),
        "duration": _duration(result.started, result.finished),
        "tool_version": result.tool_version,
        "packages": result.packages,
        "command": shlex.join(result.command) if result.command else "",
        "inputs": sorted(result.inputs.items()),
        "incomplete": result.incomplete,
        "hint": result.hint,
        "verdict": {"label": v.label, "headline": v.label, "reason": v.reason, "code": v.exit_code,
                    "css": {"PASS": "pass", "FAIL": "fail", "INCOMPLETE": "error", "PARTIAL": "partial"}[v.label], "missing": v.missing},
        "rules": RULES,
        "environment": result.environment,
        "summary": summary,
        "accepted_count": summary.accepted,
        "coverage_pct": round(summary.coverage * 100, 1),
        "requirements": requirements,
        "status_filters": [(s, counts.get(s, 0)) for s in _STATUS_ORDER if counts.get(s, 0) or s in
                           ("failed", "passed")],
        "levels": levels,
        "problems": problems,
        "groups": [_group(g) for g in result.groups],
        "baseline": baseline,
    }


def _requirement(r: Any, tests: dict[str, TestResult], groups: dict[str, GroupResult]) -> dict[str, Any]:
    accepted = acceptance_of(r)
    status = "accepted" if accepted is not None else r.status.value
    evidence = []
    for test_id in r.evidence:
        test = tests.get(test_id)
        if test is not None:
            evidence.append({"id": test_id, "anchor": anchor("test", test_id), "outcome": test.outcome.value,
                             "accepted": acceptance_of(test) is not None})
        else:  # a whole group that never ran its tests is its own evidence
            group = groups.get(test_id)
            outcome = group.outcome.value if group is not None else "skip"
            evidence.append({"id": test_id, "anchor": anchor("group", test_id), "outcome": outcome, "accepted": False})
    source = r.requirement.source
    return {
        "id": r.requirement.id,
        "anchor": anchor("req", r.requirement.id),
        "level": r.requirement.level,
        "status": status,
        "status_label": _status_label(r.status, accepted),
        "description": r.requirement.description,
        "use_case": r.requirement.use_case,
        "source": source if source.startswith(("https://", "http://")) else "",
        "message": _why(r, tests),
        "evidence": evidence,
        "accepted": _acceptance(accepted),
    }


def _why(r: Any, tests: dict[str, TestResult]) -> list[str]:
    """Why a requirement did not pass: each failing or errored test's reason, else the roll-up's message."""
    if r.status is RequirementStatus.PASSED:
        return []
    reasons = [f"{t.id}: {test_reason(t)}" for t in (tests.get(i) for i in r.evidence)
               if t is not None and t.outcome in (Outcome.FAIL, Outcome.ERROR)]
    return reasons or ([r.message] if r.message else [])


def _status_label(status: RequirementStatus, accepted: Acceptance | None) -> str:
    if accepted is not None:
        return f"{status.value}, accepted"
    return status.value


def _group(group: GroupResult) -> dict[str, Any]:
    return {"id": group.id, "title": group.title, "kind": group.kind, "outcome": group.outcome.value,
            "message": group.message, "anchor": anchor("group", group.id),
            "tests": [_test(t, group, open_=False) for t in group.tests]}


def _test(test: TestResult, group: GroupResult, *, open_: bool) -> dict[str, Any]:
    accepted = acceptance_of(test)
    return {
        "id": test.id,
        "anchor": anchor("test", test.id) if not open_ else anchor("problem", test.id),
        "detail_anchor": anchor("test", test.id),
        "problem_anchor": anchor("problem", test.id),
        "group": group.title or group.id,
        "title": test.title,
        "outcome": test.outcome.value,
        "requirements": [{"id": rid, "anchor": anchor("req", rid)} for rid in test.requirements],
        "message": test.message,
        "reason": test_reason(test) if test.outcome is not Outcome.PASS else "",
        "duration": _milliseconds(test.duration_ms),
        **_findings(test),
        "exchanges": [_exchange(e) for e in test.exchanges],
        "reproduce": test.reproduce,
        "accepted": _acceptance(accepted),
        "open": open_,
    }


def _findings(test: TestResult) -> dict[str, Any]:
    """The findings to show: all of them up to MAX_FINDINGS, then the failing ones first; the rest counted."""
    total = len(test.findings)
    if total <= MAX_FINDINGS:
        shown = list(test.findings)
    else:  # read twice rather than held: a file check's findings can be millions (on disk)
        shown = list(islice(failing_of(test.findings), MAX_FINDINGS))
        if len(shown) < MAX_FINDINGS:
            shown += islice((f for f in test.findings if f.outcome is not Outcome.FAIL), MAX_FINDINGS - len(shown))
    return {"findings": [_finding(f) for f in shown], "failing": failing_count(test.findings),
            "hidden": total - len(shown)}


def _finding(f: Finding) -> dict[str, Any]:
    # file checks name the file as the check; the file is already in "where"
    return {"check": "" if f.path and f.check == f.path else f.check, "outcome": f.outcome.value, "severity": f.severity, "code": f.code or "",
            "message": f.message, "where": where(f), "expression": f.location if not f.path and not f.line else "",
            "accepted": _acceptance(acceptance_of(f))}


def where(f: Finding) -> str:
    """The file position (path:line:column) or the place in a response body, for people."""
    if f.path:
        spot = f.path + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "")
        return spot + (f" · {f.location}" if f.location else "")
    if f.line:  # a position in a response body, counted in the body as received (the page shows it indented)
        spot = f"line {f.line}, column {f.column} of the body as received"
        return f"{f.location} ({spot})" if f.location else spot
    return ""


def _exchange(exchange: dict[str, Any]) -> dict[str, Any]:
    request = exchange.get("request", {})
    response = exchange.get("response")
    data: dict[str, Any] = {
        "role": exchange.get("role", "request"),
        "started": exchange.get("started", ""),
        "method": request.get("method", ""),
        "url": request.get("url", ""),
        "request_headers": _headers(request.get("headers", {})),
        "request_body": _body(request),
        "error": exchange.get("error", ""),
        "attempts": exchange.get("attempts", 1),
    }
    if response is not None:
        data.update({"status": response.get("status"), "response_headers": _headers(response.get("headers", {})),
                     "response_body": _body(response), "elapsed": response.get("elapsedMs")})
    return data


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def _body(part: dict[str, Any]) -> dict[str, Any] | None:
    text = part.get("body")
    if text is None:
        return None
    with contextlib.suppress(ValueError, RecursionError):  # not JSON (or too deep): shown as recorded
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    note = ""
    if part.get("bodyTruncated"):
        note = f"recorded the first 64 KiB of {part.get('bodyBytes', '?')} bytes"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS]
        note = (note + "; " if note else "") + f"shown up to {MAX_BODY_CHARS:,} characters (the whole body is in results.json)"
    return {"text": text, "note": note}


def _acceptance(accepted: Acceptance | None) -> dict[str, Any] | None:
    if accepted is None:
        return None
    return {"entry": accepted.entry, "justification": accepted.justification, "expires": accepted.expires,
            "matched": accepted.matched}


def anchor(kind: str, value: str) -> str:
    """A fragment id for a test or requirement; unique even when two ids differ only in unsafe characters."""
    safe = _ANCHOR_UNSAFE.sub("_", value)
    if safe != value:
        safe += "-" + hashlib.sha1(value.encode("utf-8")).hexdigest()[:6]
    return f"{kind}-{safe}"


def _milliseconds(ms: float) -> str:
    if not ms:
        return ""
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def when(stamp: str) -> str:
    """An ISO 8601 time as people read it: `2026-01-15 10:00:00 UTC` (unchanged when not ISO)."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + " UTC"
    return text + " " + moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]


def _duration(started: str, finished: str) -> str:
    try:
        seconds = (datetime.fromisoformat(finished) - datetime.fromisoformat(started)).total_seconds()
    except (TypeError, ValueError):
        return ""
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 1 else "under 1 s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s"
