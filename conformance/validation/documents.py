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
  `event.detail` is listed too: the Composition's definition makes "any other resources referenced from
  Composition" subsequent entries (the HL7 validator checks the same list).
- An entry that no chain of references (followed either way) links to the Composition is
  `document.entry-unlinked` (error): it is not part of the document. Besides References, a `uri`/`url`
  value that names an entry by R4's resolution rules links to it (a DocumentReference's
  `attachment.url` naming a Binary entry), as in the HL7 validator.

References resolve by R4 bundle.html's rules only (`ResolutionScope(strict=True)`): a relative `Type/id`
against the RESTful fullUrl of the entry that holds it, never by type and id alone from an entry whose
fullUrl is a URN or has another base ("no resolution is possible"), so such an entry is not linked.

A narrativeLink extension (R4: "a url that is a reference to a portion of the narrative of a resource") whose
url is `[entry fullUrl]#[fragment]` must name exactly one element of that entry: none is
`document.narrative-link-unresolved`, several `document.narrative-link-ambiguous` (both errors, as in the
HL7 validator; the HL7 validator also checks them in messages).

Messages (R4 MessageHeader.focus: "The transaction data is always included in the bundle that is the full
message"): a focus of the MessageHeader that is the first entry of a message Bundle and resolves to no
entry is `message.focus-not-included` (error, as in the HL7 validator).

An entry a `stylesheet` link of the Bundle names (by fullUrl or `Type/id`) is part of the document too.

The Composition is the first entry; when it is not, bdl-11 says so and these rules are not applied.
References to contained resources (`#id`) stay inside their resource and link nothing.
"""

from __future__ import annotations

from conformance.fhir.tree import Node
from conformance.fhirpath.narrative import element_ids
from conformance.issues import Issue, make_issue
from conformance.validation.bundles import entry_base
from conformance.validation.references import ResolutionScope

# the Composition elements whose references documents.html requires in the Bundle, by their parent's name
_REQUIRED = {"Composition": frozenset({"subject", "encounter", "author", "custodian"}),
             "attester": frozenset({"party"}),
             "event": frozenset({"detail"}),
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


def required_in_message(reference: Node) -> bool:
    """Whether `reference` is a `focus` of the MessageHeader that is the first entry of a message Bundle."""
    holder = reference.parent
    header = holder.parent if holder is not None else None
    if holder is None or header is None or holder.name != "focus" or header.resource_type != "MessageHeader":
        return False
    entry = header.parent
    bundle = entry.parent if entry is not None else None
    if entry is None or bundle is None or entry.name != "entry" or bundle.resource_type != "Bundle":
        return False
    type_node = bundle.child("type")
    return type_node is not None and type_node.value == "message" and bundle.child("entry") is entry


NARRATIVE_LINK = "http://hl7.org/fhir/StructureDefinition/narrativeLink"


def _is_narrative_link(value: Node) -> bool:
    extension = value.parent
    url = extension.child("url") if extension is not None and extension.name == "extension" else None
    return value.name.startswith("value") and url is not None and url.value == NARRATIVE_LINK


def _check_narrative_link(value: Node, target: Node, fragment: str, issues: list[Issue]) -> None:
    """R4 extension narrativeLink: "a url that is a reference to a portion of the narrative of a resource";
    its fragment must name exactly one element of the target (an element id, or an id in its narrative)."""
    found = 0
    for node in target.iter_tree():
        if node.name == "id" and node.value == fragment:
            found += 1
        elif node.name == "div" and isinstance(node.value, str):
            found += element_ids(node.value).count(fragment)
    if found != 1:
        issues.append(make_issue("document.narrative-link-unresolved" if found == 0 else
                                 "document.narrative-link-ambiguous", value, url=value.value, count=found))


# uri/url elements that name a code system, profile or endpoint, never an entry
_NOT_LINKS = frozenset({"system", "profile", "fullUrl", "endpoint", "address"})


def _stylesheets(bundle: Node, entries: list[Node], resources: list[Node | None]) -> list[int]:
    """The entries a `stylesheet` link of the Bundle names (R4 documents.html, presentation: a document's
    stylesheet is linked from Bundle.link and may be carried in the Bundle as a Binary), by fullUrl or by
    `Type/id` as the HL7 validator matches them: part of the document, though no reference links them."""
    found: list[int] = []
    for link in bundle.children_named("link"):
        relation = link.child("relation")
        url = link.child("url")
        if relation is None or relation.value != "stylesheet" or url is None or not isinstance(url.value, str):
            continue
        for i, (entry, resource) in enumerate(zip(entries, resources, strict=True)):
            full_url = entry.child("fullUrl")
            own_id = resource.child("id") if resource is not None else None
            if (full_url is not None and full_url.value == url.value) or (
                    resource is not None and own_id is not None and url.value == f"{resource.resource_type}/{own_id.value}"):
                found.append(i)
    return found


def check_document(bundle: Node, issues: list[Issue]) -> None:
    composition = composition_of(bundle)
    if composition is None:
        return
    entries = bundle.children_named("entry")
    resources = [e.child("resource") for e in entries]
    place = {id(r): i for i, r in enumerate(resources) if r is not None}
    scope = ResolutionScope.for_bundle(bundle, None, strict=True)
    linked: list[set[int]] = [set() for _ in entries]
    for i, resource in enumerate(resources):
        if resource is None:
            continue
        scope.entry_base = entry_base(resource)  # None for a URN: relative references then resolve to nothing
        for node in resource.iter_tree():
            value = node.value
            if not isinstance(value, str) or value.startswith("#") or \
                    node.json_kind not in (None, "string"):  # a JSON number or boolean is json.wrong-type's
                continue
            is_reference = node.name == "reference"
            if not is_reference and (node.name in _NOT_LINKS or len(value) > 256 or " " in value or (
                    node.name == "url" and node.parent is not None and node.parent.name in
                    ("extension", "modifierExtension"))):
                continue
            # a Reference, or a uri/url naming an entry (linked, never reported), perhaps with a fragment
            url, _, fragment = value.partition("#") if not is_reference else (value, "", "")
            target = scope.resolve(url)
            j = place.get(id(target)) if target is not None else None
            if target is not None and j is not None:
                linked[i].add(j)
                linked[j].add(i)
                if fragment and _is_narrative_link(node):
                    _check_narrative_link(node, target, fragment, issues)
            elif is_reference and i == 0 and required_in_document(node):
                issues.append(make_issue("document.reference-not-included", node, reference=value))
    reached = {0, *_stylesheets(bundle, entries, resources)}
    todo = list(reached)
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
