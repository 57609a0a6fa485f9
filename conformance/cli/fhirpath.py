"""`conformance fhirpath EXPRESSION PATH`: evaluate FHIRPath on a resource file, show each result.

For people writing profiles and scenarios: every result is printed with its type and, when it
is an element of the file, its location and line/column, so an expression can be checked
against real data before it goes into an invariant or an assertion.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from conformance.cli.errors import EXIT_OK, EXIT_UNABLE, fail, stderr
from conformance.fhir.tree import Node
from conformance.reports.terminal import plain_console


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def fhirpath(
    expression: str = typer.Argument(..., help="The FHIRPath expression, e.g. \"name.where(use = 'official').given\"."),
    path: Path = typer.Argument(..., help="A FHIR resource file (JSON or XML)."),
    output: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
    package_cache: Path | None = typer.Option(None, "--package-cache",
                                              help="FHIR package cache (default: $FHIR_PACKAGE_CACHE or ~/.fhir/packages)."),
) -> None:
    """Evaluate a FHIRPath expression against a resource and print each result with its location."""
    from conformance.fhirpath import EvaluationContext, FhirPathError, FhirPathSyntaxError, compile
    from conformance.fhirpath.hooks import CoreProfileConformance

    try:
        compiled = compile(expression)
    except FhirPathSyntaxError as exc:
        _syntax_error(expression, exc.message, exc.column)
    root = _read(path)
    model = _model(package_cache)
    _mark_repeating(root, model)
    traces: list[str] = []
    ctx = EvaluationContext(model=model, conformance=CoreProfileConformance(model),
                            trace=lambda name, items: traces.append(f"trace {name}: {len(items)} item(s)"))
    try:
        results = compiled.evaluate(root, context=ctx)
    except FhirPathError as exc:
        fail(f"{path}: the expression cannot be evaluated: {exc}")
    from conformance.fhirpath.context import Env

    env = Env(ctx, [root])
    rows = [_describe(item, env) for item in results]
    out = plain_console()
    for line in traces:
        stderr.print(escape(line))
    if output is OutputFormat.json:
        out.out(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        out.out("{ }  (the empty collection)")
    else:
        for i, row in enumerate(rows):
            value = row["value"] if isinstance(row["value"], str) else json.dumps(row["value"], ensure_ascii=False)
            where = f"  at {row['location']} (line {row['line']}, column {row['column']})" if row["location"] else ""
            out.out(f"[{i}] {row['type']}: {value}{where}")
    raise typer.Exit(EXIT_OK)


def _syntax_error(expression: str, message: str, column: int) -> None:
    """Print the error and the expression line with a caret under the column; exit 2."""
    offset = max(column - 1, 0)
    start = expression.rfind("\n", 0, offset) + 1
    end = expression.find("\n", offset)
    line = expression[start:end if end != -1 else len(expression)]
    line_no = expression.count("\n", 0, offset) + 1
    where = f"column {column}" if "\n" not in expression else f"line {line_no}, column {offset - start + 1}"
    stderr.print(f"[bold red]conformance: error:[/] FHIRPath syntax error at {where}: {escape(message)}", markup=True)
    stderr.print(f"  {escape(line)}", markup=True)
    stderr.print("  " + " " * (offset - start) + "^", markup=False)
    raise typer.Exit(EXIT_UNABLE)


def _read(path: Path) -> Node:
    try:
        data = path.read_bytes()
    except OSError as exc:
        fail(f"{path}: cannot read the file: {exc.strerror or exc}", "check the path")
    if path.suffix.lower() == ".xml" or data.lstrip()[:1] == b"<":
        from conformance.fhir.xml_reader import read_xml

        result = read_xml(data)
    else:
        from conformance.fhir.json_reader import read_json

        result = read_json(data)
    if result.root is None:
        first = result.issues[0] if result.issues else None
        where = f":{first.line}:{first.column}" if first and first.line else ""
        fail(f"{path}{where}: {first.message if first else 'not a FHIR resource'}",
             "run `conformance validate` on the file for every problem")
    return result.root


def _model(package_cache: Path | None) -> Any:
    from conformance.fhirpath import StructureDefinitionModel
    from conformance.fhirpath.model import SD_PREFIX
    from conformance.packages import PackageCache, PackageError, load_packages

    try:
        packages = load_packages([], PackageCache.default(package_cache))
    except PackageError as exc:
        fail(str(exc), "install the base package: conformance packages install 'hl7.fhir.r4.core#4.0.1'")
    return StructureDefinitionModel(lambda name: packages.resolve(SD_PREFIX + name))


def _mark_repeating(root: Node, model: Any) -> None:
    """Locations show [index] for repeating elements, whichever format the file was written in."""
    from conformance.fhirpath.context import Env, EvaluationContext

    env = Env(EvaluationContext(model=model), [root])
    for node in root.iter_tree():
        parent = node.parent
        if parent is None:
            continue
        key = env.type_key(parent)
        info = model.child(key, node.name) if key else None
        if info is not None:
            node.repeating = info.many


def _describe(item: Any, env: Any) -> dict[str, Any]:
    from conformance.fhirpath.values import fhir_output_type

    type_name = fhir_output_type(item, env)
    if isinstance(item, Node):
        line, column = item.position
        value: Any = item.value if item.value is not None else _element_json(item)
        return {"type": type_name, "value": value, "location": item.location, "line": line, "column": column}
    value = item if isinstance(item, bool | int) else str(item)
    return {"type": type_name, "value": value, "location": "", "line": 0, "column": 0}


def _element_json(node: Node) -> Any:
    """A complex element as a JSON-like value (for display only)."""
    if node.value is not None and not node.children:
        return node.value
    out: dict[str, Any] = {}
    if node.resource_type:
        out["resourceType"] = node.resource_type
    if node.value is not None:
        out["value"] = node.value
    for child in node.children:
        rendered = _element_json(child)
        if child.name in out:
            existing = out[child.name]
            out[child.name] = (existing if isinstance(existing, list) else [existing]) + [rendered]
        else:
            out[child.name] = [rendered] if child.repeating else rendered
    return out


def register(app: typer.Typer) -> None:
    app.command("fhirpath")(fhirpath)
