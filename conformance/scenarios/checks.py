"""Expectations on one response, each a small function returning its findings (pass and fail).

A check never raises for anything the server sent: a body that is not JSON, a FHIRPath that
cannot be evaluated on it, a header that is missing — each is a failing `Finding` that says what
was expected and what came back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from conformance.fhir.document import ParseResult
from conformance.fhir.json_reader import read_json
from conformance.fhir.tree import Node
from conformance.fhirpath import FhirPathError, evaluate
from conformance.issues import Issue
from conformance.results import Finding, Outcome
from conformance.scenarios import templates
from conformance.scenarios.http import Response
from conformance.scenarios.model import Assertion, BundleExpectation, Count, Expectations, HeaderExpectation
from conformance.validation import Validator

MAX_VALIDATION_FINDINGS = 20
PASS, FAIL = Outcome.PASS, Outcome.FAIL


class ResponseView:
    """A response with its body read as FHIR JSON on first need (whatever the Content-Type says)."""

    def __init__(self, response: Response) -> None:
        self.response = response

    @cached_property
    def parsed(self) -> ParseResult | None:
        if not self.response.body.strip():
            return None
        return read_json(self.response.body)

    @property
    def resource(self) -> Node | None:
        parsed = self.parsed
        return parsed.root if parsed is not None else None

    def why_no_resource(self) -> str:
        if self.parsed is None:
            return "the response has no body"
        problems = [i for i in self.parsed.issues if i.severity.is_error]
        if problems:
            first = problems[0]
            return f"the body is not FHIR JSON: {first.message} (line {first.line}, column {first.column})"
        return "the body is not a FHIR resource"


def ok(check: str, message: str = "") -> Finding:
    return Finding(check, PASS, message)


def bad(check: str, message: str, **where: Any) -> Finding:
    return Finding(check, FAIL, message, **where)


def check_response(expect: Expectations, view: ResponseView, values: Mapping[str, str],
                   validator: Validator) -> list[Finding]:
    """Every expectation of a step against its response, in the order they are written."""
    found: list[Finding] = []
    r = view.response
    if expect.status:
        wanted = " or ".join(str(s) for s in expect.status)
        found.append(ok(f"status is {wanted}") if r.status in expect.status
                     else bad(f"status is {wanted}", f"status was {r.status}"))
    for h in expect.headers:
        found.append(check_header(h, r, values))
    if expect.content_type:
        found.append(check_content_type(expect.content_type, r))
    if expect.resource_type:
        found.append(check_resource_type(expect.resource_type, view))
    for url in expect.conforms_to:
        found.extend(check_conforms(url, view, validator))
    for assertion in expect.fhirpath:
        found.append(check_fhirpath(assertion, view, values))
    if expect.bundle is not None:
        found.extend(check_bundle(expect.bundle, view))
    if expect.outcome_codes:
        found.append(check_outcome(expect.outcome_codes, view))
    if expect.max_time_ms is not None:
        check = f"responds within {expect.max_time_ms:g} ms"
        found.append(ok(check, f"{r.elapsed_ms:.0f} ms") if r.elapsed_ms <= expect.max_time_ms
                     else Finding(check, FAIL, f"took {r.elapsed_ms:.0f} ms", severity="warning"))
    return found


def check_header(h: HeaderExpectation, r: Response, values: Mapping[str, str]) -> Finding:
    actual = r.header(h.name)
    if h.present is not None and h.equals is None and h.matches is None:
        check = f"header {h.name} is {'present' if h.present else 'absent'}"
        if (actual is not None) == h.present:
            return ok(check, actual or "")
        return bad(check, f"{h.name} is absent" if h.present else f"{h.name} is present: {actual!r}")
    if h.equals is not None:
        expected = templates.render(h.equals, values)
        check = f"header {h.name} is {expected!r}"
        if actual == expected:
            return ok(check)
        return bad(check, f"{h.name} is absent" if actual is None else f"{h.name} is {actual!r}")
    pattern = templates.render(h.matches or "", values, escape=re.escape)
    check = f"header {h.name} matches {pattern!r}"
    if actual is None:
        return bad(check, f"{h.name} is absent")
    try:
        matched = re.search(pattern, actual) is not None
    except re.error as exc:
        return bad(check, f"the pattern is not a valid regular expression: {exc}")
    return ok(check, actual) if matched else bad(check, f"{h.name} is {actual!r}")


def check_content_type(expected: str, r: Response) -> Finding:
    check = f"Content-Type is {expected}"
    want = expected.split(";")[0].strip().lower()
    if r.media_type == want:
        return ok(check)
    got = r.header("Content-Type")
    return bad(check, "no Content-Type header" if got is None else f"Content-Type was {got!r}")


def check_resource_type(expected: str, view: ResponseView) -> Finding:
    check = f"body is a {expected}"
    root = view.resource
    if root is None:
        return bad(check, view.why_no_resource())
    if root.resource_type == expected:
        return ok(check)
    return bad(check, f"body is a {root.resource_type or 'JSON value without resourceType'}")


def check_conforms(url: str, view: ResponseView, validator: Validator) -> list[Finding]:
    """Validate the body (or, for a Bundle and a non-Bundle profile, each entry of the profile's type)."""
    check = f"conforms to {url}"
    root = view.resource
    if root is None:
        return [bad(check, view.why_no_resource())]
    sd = validator.definitions.structure_definition(url)
    if sd is None:
        return [bad(check, f"the profile {url} is not in the loaded packages ({', '.join(validator.definitions.packages.ids())})")]
    profile_type = sd.get("type")
    targets = [root]
    if root.resource_type == "Bundle" and profile_type != "Bundle":
        targets = [r for r in _entry_resources(root) if r.resource_type == profile_type]
        if not targets:
            return [ok(check, f"the Bundle has no {profile_type} entries to check")]
    issues: list[Issue] = []
    for target in targets:
        issues.extend(i for i in validator.validate(target, [url]) if i.severity.is_error)
    if not issues:
        return [ok(check, f"{len(targets)} resource(s) checked")]
    shown = [bad(check, i.message, code=i.code, location=i.location, line=i.line or None, column=i.column or None)
             for i in issues[:MAX_VALIDATION_FINDINGS]]
    if len(issues) > MAX_VALIDATION_FINDINGS:
        shown.append(bad(check, f"and {len(issues) - MAX_VALIDATION_FINDINGS} more error(s)"))
    return shown


def check_fhirpath(assertion: Assertion, view: ResponseView, values: Mapping[str, str]) -> Finding:
    expression = templates.render(assertion.expression, values)
    message = templates.render(assertion.message, values)
    root = view.resource
    if root is None:
        return bad(message, view.why_no_resource(), location=expression)
    try:
        result = evaluate(expression, root)
    except FhirPathError as exc:
        return bad(message, f"{expression} could not be evaluated: {exc}", location=expression)
    if result == [True]:
        return ok(message)
    return bad(message, f"{expression} gave {_show(result)}", location=expression)


def check_bundle(expect: BundleExpectation, view: ResponseView) -> list[Finding]:
    root = view.resource
    if root is None or root.resource_type != "Bundle":
        why = view.why_no_resource() if root is None else f"body is a {root.resource_type}"
        return [bad("body is a Bundle", why)]
    found = []
    if expect.type is not None:
        actual = _value(root, "type")
        check = f"Bundle type is {expect.type}"
        found.append(ok(check) if actual == expect.type else bad(check, f"Bundle type is {actual!r}"))
    if expect.total is not None:
        found.append(_count_finding("Bundle total", expect.total, _value(root, "total")))
    entries = _entry_resources(root)
    if expect.entries is not None:
        found.append(_count_finding("Bundle entries", expect.entries, str(len(root.children_named("entry")))))
    if expect.entry_types:
        allowed = set(expect.entry_types)
        check = "every entry is a " + " or ".join(expect.entry_types)
        other = sorted({r.resource_type or "?" for r in entries} - allowed)
        found.append(ok(check) if not other else bad(check, "entries include " + ", ".join(other)))
    return found


def check_outcome(codes: tuple[str, ...], view: ResponseView) -> Finding:
    wanted = " or ".join(codes)
    check = f"OperationOutcome with issue code {wanted}"
    root = view.resource
    if root is None:
        return bad(check, view.why_no_resource())
    if root.resource_type != "OperationOutcome":
        return bad(check, f"body is a {root.resource_type}")
    seen: list[str] = []
    for issue in root.children_named("issue"):
        seen.extend(c for c in [_value(issue, "code")] if c)
        details = issue.child("details")
        if details is not None:
            seen.extend(v for c in details.children_named("coding") if (v := _value(c, "code")))
    if any(code in seen for code in codes):
        return ok(check)
    return bad(check, "issue codes: " + (", ".join(seen) if seen else "none"))


def _count_finding(what: str, expected: Count, actual: str | None) -> Finding:
    check = f"{what} is {expected.describe()}"
    if actual is None:
        return bad(check, f"{what} is absent")
    try:
        n = int(actual)
    except ValueError:
        return bad(check, f"{what} is {actual!r}")
    return ok(check) if expected.holds(n) else bad(check, f"{what} is {n}")


def _entry_resources(bundle: Node) -> list[Node]:
    found = []
    for entry in bundle.children_named("entry"):
        resource = entry.child("resource")
        if resource is not None:
            found.append(resource)
    return found


def _value(node: Node, name: str) -> str | None:
    child = node.child(name)
    return child.value if child is not None else None


def _show(result: list[Any]) -> str:
    if not result:
        return "nothing (empty)"
    shown = [repr(item.value) if isinstance(item, Node) and item.value is not None
             else (item.name if isinstance(item, Node) else repr(item)) for item in result[:5]]
    return "[" + ", ".join(shown) + (", ..." if len(result) > 5 else "") + "]"


def capture_value(expression: str, view: ResponseView) -> tuple[str | None, str]:
    """The first item an expression gives over the body, as text; (None, why) when it gives nothing."""
    root = view.resource
    if root is None:
        return None, view.why_no_resource()
    try:
        result = evaluate(expression, root)
    except FhirPathError as exc:
        return None, f"{expression} could not be evaluated: {exc}"
    if not result:
        return None, f"{expression} gave nothing"
    first = result[0]
    if isinstance(first, Node):
        return (first.value, "") if first.value is not None else (None, f"{expression} gave an element without a value")
    if isinstance(first, bool):
        return ("true" if first else "false"), ""
    return str(first), ""


