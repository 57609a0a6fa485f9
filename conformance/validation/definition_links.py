"""Names a StructureDefinition's elements give to other parts of definitions: content references and
an extension definition's fixed urls.

- `ElementDefinition.contentReference` "Identifies an element defined elsewhere in the definition whose
  content rules should be applied to the current element" (R4 writes it `#` + the element's id, e.g.
  `#Questionnaire.item`): the element named must exist, in this definition or, for a constraint, in
  the base it constrains (`structuredefinition.content-reference`, an error). A reference into another
  definition (`url#id`) is judged only when that definition is loaded.
- `Extension.url`: "The definition SHALL be a URI for the Structure Definition defining the extension"
  (R4 extensibility): in an extension definition, a fixed `Extension.url` is the definition's own `url`;
  in a complex extension the nested extension's url is its name, and definitions name the slice after it,
  so a relative fixed url of `extension:NAME.url` other than NAME is `structuredefinition.nested-extension-url`:
  a warning, because R4 states no rule tying the slice name to the url (instances carry the url, which
  is what a `value:url` discriminator matches), and HL7's own extensions pack breaks it twice
  (capabilitystatement-search-parameter-use, questionnaire-optionRestriction). An absolute url on a nested slice refers to an
  extension defined elsewhere and is not judged; so is a profile of another extension (based on it rather than
  on Extension), which keeps that extension's url.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

Resolve = Callable[[str], "dict[str, Any] | None"]

_EXTENSION = "http://hl7.org/fhir/StructureDefinition/Extension"
_SUB_EXTENSION_URL = re.compile(r"\.extension:([^.]+)\.url$")


def _elements(sd: Node) -> Iterator[Node]:
    for view in ("differential", "snapshot"):
        holder = sd.child(view)
        if holder is not None:
            yield from holder.children_named("element")


def _names(elements: Any) -> set[str]:
    """The ids and paths of plain JSON element definitions."""
    found: set[str] = set()
    for element in elements or ():
        if isinstance(element, dict):
            found.update(v for k in ("id", "path") if isinstance(v := element.get(k), str))
    return found


def check_content_references(sd: Node, structure: Resolve, issues: list[Issue]) -> None:
    """`structure` gives a definition (by url) with its snapshot."""
    own: set[str] | None = None
    base: set[str] | None = None
    own_and_base: set[str] | None = None  # built once: a set union per element made large definitions quadratic
    for element in _elements(sd):
        reference = element.child("contentReference")
        value = reference.value if reference is not None else None
        if reference is None or not value or "#" not in value:
            continue
        where, _, target = value.partition("#")
        if where:
            other = structure(where)
            if not isinstance(other, dict):
                continue
            known = _names((other.get("snapshot") or {}).get("element"))
        else:
            if own is None:
                own = {v for e in _elements(sd) for k in ("id", "path") if (v := e.child_value(k))}
            known = own
            if target not in known and sd.child_value("derivation") == "constraint":
                if base is None:
                    base_url = sd.child_value("baseDefinition")
                    found = structure(base_url) if base_url else None
                    base = _names((found.get("snapshot") or {}).get("element")) if isinstance(found, dict) else set()
                    if not base:
                        continue  # the base is not loaded: not judged
                if own_and_base is None:
                    own_and_base = own | base
                known = own_and_base
        if target not in known:
            issues.append(make_issue("structuredefinition.content-reference", reference, reference=value))


def check_extension_urls(sd: Node, issues: list[Issue]) -> None:
    own_url = sd.child_value("url")
    if sd.child_value("baseDefinition") != _EXTENSION or sd.child_value("derivation") != "constraint" or not own_url:
        return  # a profile of another extension keeps that extension's url
    for element in _elements(sd):
        fixed = element.child("fixedUri")
        element_id = element.child_value("id") or ""
        if fixed is None or not fixed.value:
            continue
        if element_id == "Extension.url":
            expected = own_url.partition("|")[0]
            if fixed.value != expected:
                issues.append(make_issue("structuredefinition.extension-url", fixed, value=fixed.value,
                                         expected=expected))
            continue
        match = _SUB_EXTENSION_URL.search(element_id)
        if match is not None and ":" not in fixed.value and fixed.value != match.group(1):
            issues.append(make_issue("structuredefinition.nested-extension-url", fixed, value=fixed.value,
                                     expected=match.group(1)))
