"""A Measure's CQL criteria against the definitions of the library they name (R4 measure.html, library.html).

R4 Measure.library is "a reference to a Library resource containing the formal logic used by the
measure", and each criterion (`group.population.criteria`, `group.stratifier.criteria` and its
components', `supplementalData.criteria`) is an Expression in that logic. In CQL (the language R4 names
`text/cql`) an expression of the form `Library.Name` is a library-qualified identifier: it refers to the
definition `Name` (an expression or a function) of the library called `Library`. So when a Measure's
library is at hand and the criterion names it, a definition the library does not hold makes the
criterion refer to nothing: `measure.criteria-not-in-library` (error). The HL7 validator reports the same.

What is judged, and why no more:
- Only a criterion that is a qualified identifier (`Lib.Name` or `Lib."Some Name"`), in `text/cql` or
  `text/cql-identifier`. An unqualified criterion may be a whole CQL expression (R4's own examples write
  `Initial Population` as text/cql), which needs a CQL translator to resolve; it is left alone.
- Only a library among `Measure.library` that resolves (contained, loaded packages, `--ig` files) and
  whose `name` is the qualifier. A qualifier that names none of them is not judged (it may be an
  included library we do not have).
- The library's definitions come from its content: the compiled ELM (`application/elm+xml` or
  `application/elm+json`, `library/statements/def/@name`) when present, else the CQL text (`define
  ["public"|"private"] ["fluent"] ["function"] Name`). A library with neither inline is not judged.
- Each attachment is decoded up to `MAX_LOGIC_BYTES`; larger content is not judged (hostile files).

A qualified criterion that is not judged (its library is not at hand, or holds no readable inline logic) is
said so once per library name, as `measure.criteria-not-checked` (information): the verdict does not claim
what was never checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.questionnaire import as_json, canonical_target

Resolve = Callable[[str], "dict[str, Any] | None"]

MAX_LOGIC_BYTES = 8 * 1024 * 1024
CQL_LANGUAGES = frozenset({"text/cql", "text/cql-identifier", "text/cql.identifier"})
ELM_NS = "urn:hl7-org:elm:r1"

_NAME = r'(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)+"|`(?:[^`\\]|\\.)+`)'
_QUALIFIED = re.compile(rf"\s*({_NAME})\.({_NAME})\s*")
_CQL_DEFINE = re.compile(
    rf"^[ \t]*define\s+(?:(?:public|private)\s+)?(?:fluent\s+)?(?:function\s+)?({_NAME})", re.MULTILINE)


def check_measure_criteria(measure: Node, resolve: Resolve, issues: list[Issue]) -> None:
    """Every qualified CQL criterion of `measure` names a definition of the library it names."""
    libraries: dict[str, set[str] | None] = {}
    seen: set[str] = set()
    contained: dict[str, Node] | None = None  # contained Libraries by id, indexed once (not scanned per reference)
    for reference in measure.children_named("library"):
        if not reference.value or reference.value in seen:
            continue  # each library once: a Measure naming one library thousands of times must not parse it each time
        seen.add(reference.value)
        if reference.value.startswith("#"):
            if contained is None:
                contained = {c.child_value("id") or "": c for c in measure.children_named("contained")
                             if c.resource_type == "Library"}
            node = contained.get(reference.value[1:])
            library = as_json(node) if node is not None else None
        else:
            library = canonical_target(measure, reference.value, "Library", resolve)
        if library is not None and isinstance(library.get("name"), str) and library["name"] not in libraries:
            libraries[library["name"]] = library_definitions(library)
    unchecked: set[str] = set()  # library names already said to be unchecked (once each, not per criterion)
    for criteria in _criteria(measure):
        language, expression = criteria.child("language"), criteria.child("expression")
        if language is None or language.value not in CQL_LANGUAGES or expression is None or not expression.value:
            continue
        match = _QUALIFIED.fullmatch(expression.value)
        if match is None:
            continue
        library_name, name = _unquote(match.group(1)), _unquote(match.group(2))
        defined = libraries.get(library_name)
        if defined is None:
            if library_name not in unchecked:
                unchecked.add(library_name)
                reason = ("holds no inline ELM or CQL to read" if library_name in libraries
                          else "is not among the Measure's libraries that could be found")
                issues.append(make_issue("measure.criteria-not-checked", expression, library=library_name,
                                         reason=reason))
            continue
        if name not in defined:
            issues.append(make_issue("measure.criteria-not-in-library", expression, name=name, library=library_name))


def library_definitions(library: dict[str, Any]) -> set[str] | None:
    """The names a Library's logic defines, from its inline ELM (preferred) or CQL; None when unknown."""
    cql: set[str] | None = None
    for content in library.get("content") or []:
        if not isinstance(content, dict):
            continue
        content_type = str(content.get("contentType") or "").split(";")[0].strip()
        data = _decoded(content.get("data"))
        if data is None:
            continue
        if content_type == "application/elm+xml":
            names = _elm_xml_names(data)
        elif content_type == "application/elm+json":
            names = _elm_json_names(data)
        else:
            if content_type == "text/cql" and cql is None:
                cql = {_unquote(m) for m in _CQL_DEFINE.findall(data.decode("utf-8", "replace"))}
            continue
        if names is not None:
            return names
    return cql


def _criteria(measure: Node) -> list[Node]:
    found = [s.child("criteria") for s in measure.children_named("supplementalData")]
    for group in measure.children_named("group"):
        found += [p.child("criteria") for p in group.children_named("population")]
        for stratifier in group.children_named("stratifier"):
            found.append(stratifier.child("criteria"))
            found += [c.child("criteria") for c in stratifier.children_named("component")]
    return [c for c in found if c is not None]


def _decoded(data: Any) -> bytes | None:
    if not isinstance(data, str) or len(data) > MAX_LOGIC_BYTES * 4 // 3 + 4:
        return None
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None


def _elm_xml_names(data: bytes) -> set[str] | None:
    from lxml import etree  # imported here: few runs meet ELM

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{{{ELM_NS}}}library":
        return None
    defs = root.iterfind(f"{{{ELM_NS}}}statements/{{{ELM_NS}}}def")
    return {str(name) for name in (d.get("name") for d in defs) if name}


def _elm_json_names(data: bytes) -> set[str] | None:
    try:
        elm = json.loads(data)
    except (ValueError, RecursionError):
        return None
    library = elm.get("library") if isinstance(elm, dict) else None
    statements = library.get("statements") if isinstance(library, dict) else None
    defs = statements.get("def") if isinstance(statements, dict) else None
    if not isinstance(defs, list):
        return None
    return {d["name"] for d in defs if isinstance(d, dict) and isinstance(d.get("name"), str)}


def _unquote(name: str) -> str:
    """A CQL identifier's name: quoted (`"..."`) and delimited (`` `...` ``) identifiers lose their quotes."""
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"`":
        return re.sub(r"\\(.)", r"\1", name[1:-1])
    return name
