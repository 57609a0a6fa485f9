"""What `conformance profiles list | show | coverage | requirements` print, in each of their `--format`s.

The data each subcommand reports (a listing of profile folders, a profile's description, its coverage of the
API specification, its requirement catalogue) is built here once and rendered as text for people or as JSON
(CSV for the catalogue, the assurance sheet's columns) for programs; `outputs.py` registers the renderers so
the CLI looks its `--format` up instead of choosing with its own if/elif chain.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from conformance.packages import PackageCache
from conformance.packages.manifest import split_spec
from conformance.profiles import Profile, ProfileError, list_profiles, load_profile, to_csv
from conformance.profiles.coverage import Coverage
from conformance.reports.outputs import console_for
from conformance.reports.terminal import plain_console
from conformance.scenarios import Suite


@dataclass(frozen=True, slots=True)
class Listing:
    """`profiles list`: the folders searched and one row per profile found (an invalid one with its problem count)."""

    roots: Sequence[Path]
    rows: Sequence[dict[str, Any]]


def listing(roots: Sequence[Path]) -> Listing:
    rows: list[dict[str, Any]] = []
    for folder in list_profiles(list(roots)):
        try:
            p = load_profile(folder)
        except ProfileError as exc:
            rows.append({"id": folder.name, "path": str(folder), "valid": False, "problems": len(exc.errors)})
            continue
        rows.append({"id": p.id, "version": p.version, "status": p.status, "title": p.title, "path": str(folder),
                     "valid": True, "requirements": len(p.requirements), "scenarios": len(p.scenario_files)})
    return Listing(roots, rows)


def listing_json(subject: Listing, stream: TextIO) -> None:
    stream.write(json.dumps({"roots": [str(r) for r in subject.roots], "profiles": list(subject.rows)}, indent=2) + "\n")


def listing_text(subject: Listing, stream: TextIO) -> None:
    """A table of the profiles; nothing on stdout and a note on stderr when there are none (a script sees empty)."""
    if not subject.rows:
        where = ", ".join(str(r) for r in subject.roots) or "any folder"
        plain_console(stderr=True).print(f"no profiles found in {where}", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("id", "version", "status", "title"):
        table.add_column(column, overflow="fold")
    for row in subject.rows:
        if row["valid"]:
            table.add_row(escape(row["id"]), escape(row["version"]), row["status"], escape(row["title"]))
        else:
            table.add_row(escape(row["id"]), "", "[red]invalid[/]",
                          f"{row['problems']} problem(s): conformance profiles show {escape(row['path'])}")
    console_for(stream).print(table)


def description_json(subject: dict[str, Any], stream: TextIO) -> None:
    stream.write(json.dumps(subject, indent=2, ensure_ascii=False) + "\n")


def description_text(subject: dict[str, Any], stream: TextIO) -> None:
    _print_description(subject, console_for(stream))


def coverage_json(subject: Coverage, stream: TextIO) -> None:
    stream.write(json.dumps(coverage_data(subject), indent=2, ensure_ascii=False) + "\n")


def coverage_text(subject: Coverage, stream: TextIO) -> None:
    _print_coverage(subject, console_for(stream))


def catalogue_csv(subject: Profile, stream: TextIO) -> None:
    stream.write(to_csv(subject.requirements))


def catalogue_json(subject: Profile, stream: TextIO) -> None:
    rows = [{"id": r.id, "level": r.level, "useCase": r.use_case, "description": r.description,
             "testCases": r.test_cases, "evidence": r.evidence, "source": r.source} for r in subject.requirements]
    stream.write(json.dumps({"profile": subject.id, "version": subject.version, "requirements": rows},
                            indent=2, ensure_ascii=False) + "\n")


def catalogue_text(subject: Profile, stream: TextIO) -> None:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("id", "level", "use case", "description"):
        table.add_column(column, overflow="fold")
    for r in subject.requirements:
        table.add_row(escape(r.id), r.level, escape(r.use_case), escape(r.description))
    console_for(stream).print(table)


def describe(suite: Suite, cache: PackageCache) -> dict[str, Any]:
    p: Profile = suite.profile
    covered = {rid for s in suite.scenarios for rid in (*s.requirements, *(r for st in s.steps for r in st.requirements))}
    by_files: dict[str, list[str]] = {}  # requirement -> the file-check rules that evidence it (`conformance check`)
    for rule in p.file_checks:
        for rid in rule.requirements:
            by_files.setdefault(rid, []).append(rule.id)
    levels: dict[str, int] = {}
    for r in p.requirements:
        levels[r.level] = levels.get(r.level, 0) + 1
    return {
        "id": p.id, "title": p.title, "version": p.version, "publisher": p.publisher, "status": p.status,
        "fhirVersion": p.fhir_version, "description": p.description, "path": str(p.folder),
        "packages": [{"name": pk.name, "package": pk.spec, "path": str(pk.path) if pk.path else None,
                      "optional": pk.optional, "installed": _installed(pk.spec, pk.path, cache),
                      "install": pk.how_to_get(), "description": pk.description} for pk in p.packages],
        "inputs": [{"name": d.name, "description": d.description, "default": None if d.secret else d.default,
                    "secret": d.secret} for d in suite.inputs],
        "scenarios": [{"id": s.id, "title": s.title, "file": s.display, "steps": len(s.steps),
                       "requirements": sorted({*s.requirements, *(r for st in s.steps for r in st.requirements)})}
                      for s in suite.scenarios],
        "requirements": {"total": len(p.requirements), "byLevel": levels,
                         "byFileChecks": {r.id: by_files[r.id] for r in p.requirements if r.id in by_files},
                         "notCovered": [r.id for r in p.requirements if r.id not in covered and r.id not in by_files]},
        "fileChecks": len(p.file_checks),
        "reference": {"auth": p.reference.auth, "seed": str(p.reference.seed) if p.reference.seed else None,
                      "api": p.reference.api},
        "specification": _specification(p),
        "environments": [{"id": e.id, "title": e.title, "url": e.url,
                          "notApplicable": sorted({rid for g in e.not_applicable for rid in g.requirements})}
                         for e in p.environments],
        "defaultEnvironment": (env.id if (env := p.environment(None)) else None),
    }


def _specification(p: Profile) -> dict[str, Any] | None:
    spec = p.specification
    if spec is None:
        return None
    return {"title": spec.title, "version": spec.version, "repository": spec.repository, "commit": spec.commit,
            "openapi": spec.openapi, "local": spec.local, "ukCore": spec.uk_core}


def coverage_data(c: Coverage) -> dict[str, Any]:
    return {
        "profile": c.profile, "specification": str(c.document), "title": c.title, "version": c.version,
        "operations": [{"method": o.operation.method, "path": o.operation.path, "operationId": o.operation.operation_id,
                        "pointer": o.operation.pointer, "requirements": list(o.requirements),
                        "responses": [{"status": r.status, "pointer": r.pointer, "requirements": list(r.requirements)}
                                      for r in o.responses]} for o in c.operations],
        "figures": {"responses": {"covered": c.responses_covered, "total": c.responses_total,
                                  "percent": round(c.percent, 1)},
                    "operations": {"covered": c.operations_covered, "total": len(c.operations)}},
        "elsewhere": list(c.elsewhere),
        "brokenLinks": [{"requirement": rid, "problem": why} for rid, why in c.broken],
    }


def _print_coverage(c: Coverage, out: Console) -> None:
    out.print(f"[bold]{escape(c.profile)}[/] against {escape(c.title)} {escape(c.version)} ({escape(str(c.document))})")
    for o in c.operations:
        op = o.operation
        named = f" ({escape(op.operation_id)})" if op.operation_id else ""
        out.print(f"\n[bold]{op.method} {escape(op.path)}[/]{named}: {_covering(o.requirements)}")
        for r in o.responses:
            out.print(f"  {escape(r.status):<8} {_covering(r.requirements)}")
    out.print(f"\nresponses covered: {c.responses_covered}/{c.responses_total} ({c.percent:.1f}%); "
              f"operations covered: {c.operations_covered}/{len(c.operations)}")
    if c.elsewhere:
        out.print(f"requirements linked elsewhere (FHIR profiles, pages, other parts of the document): {len(c.elsewhere)}")
    for rid, why in c.broken:
        out.print(f"[red]source link of {escape(rid)} does not hold:[/] {escape(why)}")


def _covering(requirements: tuple[str, ...]) -> str:
    return escape(", ".join(requirements)) if requirements else "[yellow]not covered[/]"


def _installed(spec: str | None, path: Path | None, cache: PackageCache) -> bool:
    if path is not None:
        return path.exists()
    package_id, version = split_spec(spec or "")
    return cache.select(package_id, version) is not None


def _print_description(d: dict[str, Any], out: Console) -> None:
    out.print(f"[bold]{escape(d['id'])}[/] {escape(d['version'])} ({d['status']}) — {escape(d['title'])}")
    out.print(f"publisher: {escape(d['publisher'])}; FHIR {d['fhirVersion']}; folder: {escape(d['path'])}")
    if d["description"]:
        out.print(escape(d["description"].strip()))
    spec = d["specification"]
    if spec:
        version = f" {spec['version']}" if spec["version"] else ""
        out.print(f"specification: {escape(spec['title'])}{escape(version)} — {escape(spec['repository'])} at "
                  f"{escape(spec['commit'][:12])}" + (f", {escape(spec['openapi'])}" if spec["openapi"] else ""))
        if spec["ukCore"]:
            out.print(f"  UK Core: {escape(spec['ukCore'])}")
        if spec["local"]:
            out.print(f"  coverage: conformance profiles coverage {escape(d['id'])} (reads {escape(spec['local'])} "
                      "in the nhs-specs folder)")
    for env in d["environments"]:
        default = " (default)" if env["id"] == d["defaultEnvironment"] else ""
        na = f"; not applicable: {escape(', '.join(env['notApplicable']))}" if env["notApplicable"] else ""
        out.print(f"environment {escape(env['id'])}{default}: {escape(env['title'] or env['url'])}{na}")
    out.print("\n[bold]Packages[/]")
    for pk in d["packages"]:
        state = "[green]available[/]" if pk["installed"] else f"[yellow]not installed[/] — {escape(pk['install'])}"
        what = pk["package"] or pk["path"]
        out.print(f"  {escape(pk['name'])}: {escape(what)}{' (optional)' if pk['optional'] else ''} — {state}")
    out.print("\n[bold]Inputs[/]")
    for i in d["inputs"]:
        default = " (secret)" if i["secret"] else (f" = {escape(repr(i['default']))}" if i["default"] is not None else " (required)")
        out.print(f"  {escape(i['name'])}{default}: {escape(i['description'])}")
    out.print("\n[bold]Scenarios[/]")
    for s in d["scenarios"]:
        out.print(f"  {escape(s['id'])} — {escape(s['title'])} ({s['steps']} step(s); {escape(', '.join(s['requirements']))})")
    reqs = d["requirements"]
    by_level = ", ".join(f"{n} {level}" for level, n in reqs["byLevel"].items())
    out.print(f"\n[bold]Requirements[/]: {reqs['total']} ({by_level})")
    scenarios = {rid for s in d["scenarios"] for rid in s["requirements"]}
    files_only = {rid: rules for rid, rules in reqs["byFileChecks"].items() if rid not in scenarios}
    if files_only:
        out.print("  evidenced by file checks (conformance check), not by a scenario:")
        for rid, rules in files_only.items():
            out.print(f"    {escape(rid)}: {escape(', '.join(rules))}")
    if reqs["notCovered"]:
        out.print("  covered by no scenario and no file check: " + escape(", ".join(reqs["notCovered"])))
    out.print(f"file checks: {d['fileChecks']}; built-in target: auth {d['reference']['auth']}")
