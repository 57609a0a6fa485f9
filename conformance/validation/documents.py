"""The content rules of a document Bundle that no R4 invariant encodes.

R4 Composition (the resource's own definition): "a Composition alone does not constitute a document.
Rather, the Composition must be the first entry in a Bundle where Bundle.type=document, and any other
resources referenced from Composition must be included as subsequent entries in the Bundle (for example
Patient, Practitioner, Encounter, etc.)". R4 documents.html (Document Content) lists those references —
the subject, encounter, authors, attesters, custodian, and each section's author, focus and entries — and
says the document contains only the Composition, what it references directly or indirectly, and what
refers to those (a Provenance of the document).

- A listed reference of the Composition that resolves to no entry is `document.reference-not-included`
  (error), reported here instead of the warning `reference.unresolved` other Bundle references get.
- An entry that no chain of references (followed either way) links to the Composition is
  `document.entry-unlinked` (error): it is not part of the document.

The Composition is the first entry; when it is not, bdl-11 says so and these rules are not applied.
References to contained resources (`#id`) stay inside their resource and link nothing.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue
from conformance.validation.references import ResolutionScope, parse_reference

# the Composition elements whose references documents.html requires in the Bundle, by their parent's name
_REQUIRED = {"Composition": frozenset({"subject", "encounter", "author", "custodian"}),
             "attester": frozenset({"party"}),
             "section": frozenset({"author", "focus", "entry"})}


def composition_of(bundle: Node) -> Node | None:
    """The document's Composition: the first entry's resource, when the Bundle is a document and it is one."""
    type_node = bundle.child("type")
    if type_node is None or type_node.value != "document":
        return None
    entry = bundle.child("entry")
    resource = entry.child("resource") if entry is not None else None
    return resource if resource is not None and resource.resource_type == "Composition" else None


def required_in_document(reference: Node) -> bool:
    """Whether `reference` (a Reference's `reference` element) is one the document must include: under a
    listed element of the Composition that is the first entry of a document Bundle."""
    holder = reference.parent  # the Reference
    parent = holder.parent if holder is not None else None
    if holder is None or parent is None or holder.name not in _REQUIRED.get(
            "Composition" if parent.resource_type == "Composition" else parent.name, ()):
        return False
    composition: Node | None = parent
    while composition is not None and composition.resource_type is None:
        composition = composition.parent
    if composition is None or composition.resource_type != "Composition":
        return False
    entry = composition.parent
    bundle = entry.parent if entry is not None else None
    return bundle is not None and entry is not None and entry.name == "entry" and composition_of(bundle) is composition


def check_document(bundle: Node, issues: list[Issue]) -> None:
    composition = composition_of(bundle)
    if composition is None:
        return
    entries = bundle.children_named("entry")
    resources = [e.child("resource") for e in entries]
    place = {id(r): i for i, r in enumerate(resources) if r is not None}
    scope = ResolutionScope.for_bundle(bundle, None)
    linked: list[set[int]] = [set() for _ in entries]
    for i, (entry, resource) in enumerate(zip(entries, resources, strict=True)):
        if resource is None:
            continue
        full_url = entry.child("fullUrl")
        parsed_url = parse_reference(full_url.value) if full_url is not None and full_url.value else None
        scope.entry_base = parsed_url.base if parsed_url is not None and parsed_url.kind == "absolute" else None
        for node in resource.iter_tree():
            if node.name != "reference" or not isinstance(node.value, str) or node.value.startswith("#") or \
                    node.json_kind not in (None, "string"):  # a JSON number or boolean is json.wrong-type's
                continue
            target = scope.resolve(node.value)
            j = place.get(id(target)) if target is not None else None
            if j is not None:
                linked[i].add(j)
                linked[j].add(i)
            elif i == 0 and required_in_document(node):
                issues.append(make_issue("document.reference-not-included", node, reference=node.value))
    reached = {0}
    todo = [0]
    while todo:
        for j in linked[todo.pop()]:
            if j not in reached:
                reached.add(j)
                todo.append(j)
    for i, entry in enumerate(entries):
        if i not in reached and resources[i] is not None:
            full_url = entry.child("fullUrl")
            issues.append(make_issue("document.entry-unlinked", entry,
                                     entry=full_url.value if full_url is not None and full_url.value else f"#{i}"))
