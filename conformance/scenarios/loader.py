"""Load a profile's scenario files into a checked `Suite`, reporting every problem at once.

Beyond the JSON Schema: step and scenario ids are unique, requirement ids exist in the profile's
catalogue, `requires_package` names a declared package, FHIRPath expressions parse, body files
exist, and every `${name}` is known where it is used (an input, a built-in, or a capture of an
earlier step — a step's own captures only in its `expect`). All before any request is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.fhirpath import FhirPathError, compile
from conformance.profiles import InputDecl, LocatedError, Profile, ProfileError
from conformance.profiles.loader import input_decl
from conformance.profiles.located import LocatedDocument, PathItem, load_yaml
from conformance.profiles.paths import display_path
from conformance.profiles.schema import check
from conformance.scenarios import expectations, templates
from conformance.scenarios.model import (
    Body,
    Capture,
    Condition,
    Expectations,
    RequestSpec,
    Scenario,
    Step,
    Suite,
)

FHIR_JSON = "application/fhir+json"


@dataclass(frozen=True, slots=True)
class _TemplateUse:
    where: tuple[PathItem, ...]
    text: str
    step: int
    in_expect: bool
    note: str = ""


@dataclass(slots=True)
class _Loaded:
    scenario: Scenario
    document: LocatedDocument
    uses: list[_TemplateUse]


def load_suite(profile: Profile) -> Suite:
    """The profile's scenarios, checked together; ProfileError lists every problem with file and line."""
    errors: list[LocatedError] = []
    loaded: list[_Loaded] = []
    for path in profile.scenario_files:
        try:
            item = _load(path, errors)
        except ProfileError as exc:
            errors.extend(exc.errors)
            continue
        if item is not None:
            loaded.append(item)
    inputs = _merge_inputs(profile.inputs, loaded, errors)
    known_inputs = {d.name for d in inputs}
    seen: dict[str, str] = {}
    for item in loaded:
        s, doc = item.scenario, item.document
        if s.id in seen:
            errors.append(doc.error(f"scenario id '{s.id}' is already used in {seen[s.id]}", ["id"]))
        seen.setdefault(s.id, s.display)
        _cross_check(profile, item, known_inputs, errors)
    if errors:
        raise ProfileError(errors, f"profile {profile.id}: the scenarios have {len(errors)} problem(s)")
    return Suite(profile, tuple(i.scenario for i in loaded), inputs)


def load_scenario_file(path: Path) -> Scenario:
    """One scenario file on its own (schema, ids, FHIRPath, body files); ProfileError when broken."""
    errors: list[LocatedError] = []
    item = _load(path, errors)
    if errors or item is None:
        raise ProfileError(errors, f"{display_path(path)} is not a valid scenario")
    return item.scenario


# -- one file --------------------------------------------------------------------------------------
def _load(path: Path, errors: list[LocatedError]) -> _Loaded | None:
    shown = display_path(path.resolve()) if path.exists() else str(path)
    document = load_yaml(path, shown)
    problems = check(document, "scenario")
    errors.extend(problems)
    if len(problems) > len(document.problems):  # schema errors: the data cannot be read further
        return None
    data: dict[str, Any] = document.data
    uses: list[_TemplateUse] = []
    steps: list[Step] = []
    step_ids: set[str] = set()
    for i, raw in enumerate(data["steps"]):
        where: tuple[PathItem, ...] = ("steps", i)
        if raw["id"] in step_ids:
            errors.append(document.error(f"step id '{raw['id']}' is used twice in this scenario", [*where, "id"]))
        step_ids.add(raw["id"])
        steps.append(_step(document, path, where, i, raw, uses, errors))
    inputs = tuple(input_decl(document, "inputs", i, d) for i, d in enumerate(data.get("inputs", [])))
    scenario = Scenario(
        id=data["id"], title=data["title"], steps=tuple(steps), file=path.resolve(), display=shown,
        description=data.get("description", ""), requirements=tuple(data.get("requirements", ())),
        skip_unless=_conditions(data.get("skip_unless")), requires_package=data.get("requires_package"),
        inputs=inputs,
    )
    return _Loaded(scenario, document, uses)


def _step(document: LocatedDocument, path: Path, where: tuple[PathItem, ...], index: int, raw: dict[str, Any],
          uses: list[_TemplateUse], errors: list[LocatedError]) -> Step:
    def use(text: str, *at: PathItem, in_expect: bool = False, note: str = "") -> str:
        uses.append(_TemplateUse((*where, *at), text, index, in_expect, note))
        return text

    req = raw["request"]
    query: list[tuple[str, str]] = []
    for name, value in req.get("query", {}).items():
        for j, item in enumerate(value if isinstance(value, list) else [value]):
            at = ("request", "query", name, j) if isinstance(value, list) else ("request", "query", name)
            query.append((name, use(_scalar(item), *at)))
    headers = tuple((k, use(_scalar(v), "request", "headers", k)) for k, v in req.get("headers", {}).items())
    body = _body(document, path, where, req.get("body"), use, errors)
    request = RequestSpec(req["method"], use(req["path"], "request", "path"), tuple(query), headers, body)

    captures = []
    for j, c in enumerate(raw.get("capture", [])):
        if c.get("fhirpath"):
            _check_fhirpath(document, c["fhirpath"], [*where, "capture", j, "fhirpath"], errors)
        captures.append(Capture(c["name"], c.get("fhirpath"), c.get("header")))
    expect = _expectations(document, where, raw.get("expect", {}), use, errors)
    node = document.node_at(list(where))
    return Step(
        id=raw["id"], title=raw["title"], request=request, expect=expect, captures=tuple(captures),
        requirements=tuple(raw.get("requirements", ())), skip_unless=_conditions(raw.get("skip_unless")),
        requires_package=raw.get("requires_package"), auth=raw.get("auth", "default"),
        line=node.start_mark.line + 1 if node is not None else 0,
    )


def _body(document: LocatedDocument, path: Path, where: tuple[PathItem, ...], raw: dict[str, Any] | None,
          use: Any, errors: list[LocatedError]) -> Body | None:
    if raw is None:
        return None
    if "json" in raw:
        _walk_json(raw["json"], ("request", "body", "json"), use)
        return Body("json", raw["json"], raw.get("content_type", FHIR_JSON))
    if "text" in raw:
        return Body("text", use(raw["text"], "request", "body", "text"), raw.get("content_type", "text/plain"))
    file = path.parent / raw["file"]
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        errors.append(document.error(f"body file {raw['file']}: {reason} (paths are relative to the scenario file)",
                                     [*where, "request", "body", "file"]))
        text = ""
    default_type = FHIR_JSON if file.suffix.lower() == ".json" else "text/plain"
    text = use(text, "request", "body", "file", note=f" in body file {raw['file']}")
    return Body("file", text, raw.get("content_type", default_type))


def _walk_json(value: Any, at: tuple[PathItem, ...], use: Any) -> None:
    if isinstance(value, str):
        use(value, *at)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk_json(v, (*at, k), use)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk_json(v, (*at, i), use)


def _expectations(document: LocatedDocument, where: tuple[PathItem, ...], raw: dict[str, Any], use: Any,
                  errors: list[LocatedError]) -> Expectations:
    def context(name: str) -> _ExpectContext:
        return _ExpectContext(document, (*where, "expect", name), use, errors)

    return expectations.parse_all(raw, context)


@dataclass(frozen=True, slots=True)
class _ExpectContext:
    """The ParseContext an expectation type reads its YAML with: templates and FHIRPath, located."""

    document: LocatedDocument
    at: tuple[PathItem, ...]  # the step's `expect.<type>`
    use_: Any
    errors: list[LocatedError]

    def use(self, text: str, *at: PathItem) -> str:
        return str(self.use_(text, *self.at[-2:], *at, in_expect=True))

    def fhirpath(self, expression: str, *at: PathItem) -> None:
        _check_fhirpath(self.document, expression, [*self.at, *at], self.errors)


def _conditions(raw: Any) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    found = []
    for item in items:
        if "input" in item:
            found.append(Condition(input=item["input"]))
        else:
            c = item["capability"]
            found.append(Condition(c["resource"], c.get("interaction"), c.get("search_param")))
    return tuple(found)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_fhirpath(document: LocatedDocument, expression: str, where: list[PathItem],
                    errors: list[LocatedError]) -> None:
    try:
        compile(templates.placeholder(expression))
    except FhirPathError as exc:
        errors.append(document.error(f"FHIRPath does not parse: {exc}", where))


# -- across files --------------------------------------------------------------------------------
def _merge_inputs(declared: tuple[InputDecl, ...], loaded: list[_Loaded], errors: list[LocatedError]) -> tuple[InputDecl, ...]:
    merged: dict[str, InputDecl] = {d.name: d for d in declared}
    for item in loaded:
        for i, d in enumerate(item.scenario.inputs):
            held = merged.get(d.name)
            if held is None:
                merged[d.name] = d
            elif (held.default, held.secret) != (d.default, d.secret):
                errors.append(item.document.error(
                    f"input '{d.name}' is also declared at {held.declared_in} with another default or secrecy",
                    ["inputs", i, "name"]))
    return tuple(merged.values())


def _cross_check(profile: Profile, item: _Loaded, known_inputs: set[str], errors: list[LocatedError]) -> None:
    s, doc = item.scenario, item.document
    requirement_ids = {r.id for r in profile.requirements}
    package_names = {p.name for p in profile.packages}

    def check_common(where: list[PathItem], requirements: tuple[str, ...], conditions: tuple[Condition, ...],
                     package: str | None) -> None:
        for j, rid in enumerate(requirements):
            if rid not in requirement_ids:
                errors.append(doc.error(f"requirement {rid} is not in {display_path(profile.requirements_file)}",
                                        [*where, "requirements", j]))
        if package is not None and package not in package_names:
            errors.append(doc.error(f"requires_package '{package}' is not one of the profile's packages ("
                                    + (", ".join(sorted(package_names)) or "none") + ")", [*where, "requires_package"]))
        for c in conditions:
            if c.input is not None and c.input not in known_inputs:
                errors.append(doc.error(f"skip_unless names input '{c.input}', which is not declared",
                                        [*where, "skip_unless"]))

    check_common([], s.requirements, s.skip_unless, s.requires_package)
    for i, step in enumerate(s.steps):
        check_common(["steps", i], step.requirements, step.skip_unless, step.requires_package)
    _check_templates(item, known_inputs | set(templates.BUILTINS), errors)


def _check_templates(item: _Loaded, base: set[str], errors: list[LocatedError]) -> None:
    steps = item.scenario.steps
    captured_before: list[set[str]] = []
    running: set[str] = set()
    for step in steps:
        captured_before.append(set(running))
        running |= {c.name for c in step.captures}
    for use in item.uses:
        step = steps[use.step]
        known = base | captured_before[use.step]
        if use.in_expect:
            known |= {c.name for c in step.captures}
        try:
            names = templates.names_in(use.text)
        except templates.TemplateSyntaxError as exc:
            errors.append(item.document.error(f"step {step.id}: {exc}", list(use.where)))
            continue
        for name in names:
            if name not in known:
                hint = "; it is captured only by a later step" if name in running else ""
                errors.append(item.document.error(
                    f"step {step.id}: unknown variable ${{{name}}}{use.note}{hint}; known here: " + ", ".join(sorted(known)),
                    list(use.where)))

