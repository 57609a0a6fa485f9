"""Bundle rules the R4 definitions state in prose rather than as invariants.

- `Bundle.entry.fullUrl`: "The fullUrl SHALL NOT disagree with the id in the resource - i.e. if the
  fullUrl is not a urn:uuid, the URL shall be version-independent URL consistent with the
  Resource.id." A RESTful fullUrl (`.../Type/id`) must therefore end with the entry's resource type
  and id, and a resource under such a fullUrl must have that id.
- `Bundle.link.relation`: the paging and identity links of http.html/search.html (`self`, `first`,
  `previous`/`prev`, `next`, `last`) each name one URL, so each appears at most once.
- `Bundle.entry.fullUrl`: "The fullUrl element SHALL have a value except that: fullUrl can be empty on a
  POST [...]; Results from operations might involve resources that are not identified." An entry with a
  resource and no fullUrl is `bundle.fullurl-missing` (error) except in transaction and batch Bundles and
  their responses, on a POST, and for an OperationOutcome (the outcome of an operation, such as a search's
  `outcome` entry: a result "not identified", as in R4's own example Bundle/bundle-search-warning, and as in
  this tool's own collection of OperationOutcomes, `validate --format outcome`). The HL7 validator requires it
  in the same Bundle types but does not exempt OperationOutcomes (beyond R4). A Bundle carried in a CDS Hooks
  body (draftOrders: orders not yet stored) is exempt, as the HL7 validator's verdicts on its CDS Hooks test
  cases show (draftOrders entries without a fullUrl, valid).
- bdl-11/bdl-12 evaluate to empty (so pass) on a document or message Bundle with no entries, or whose first
  entry has no resource; R4's Composition ("the Composition must be the first entry in a Bundle where
  Bundle.type=document") and messaging (the MessageHeader is the first resource) make those
  `bundle.first-entry-missing` (error, as in the HL7 validator).
- searchset (R4 search.html, Bundle.entry.search.mode): when entries carry a search mode, a `match` or
  `include` needs a resource id (R4 Resource.id: "The only time that a resource does not have an id is when
  it is being submitted to the server using a create operation"), a `match` must be of the type the search
  (its self link: `[base]/Type?...`, or `_type=`) asked for, and an `outcome` must be an OperationOutcome
  (search-entry-mode: "An OperationOutcome that provides additional information about the processing of a
  search"). All errors, as in the HL7 validator; its warnings for entries without a mode are not repeated.

A reference inside a Bundle that is neither absolute, nor `Type/id[/_history/version]`, nor (in a transaction
or batch) a conditional `Type?parameters` is `reference.bad-format` (error; `not_a_literal_reference`); a
conditional one whose query is not `name=value` pairs is `reference.conditional-query` (`bad_conditional_query`).

`entry_base` gives the [root] of an entry's RESTful fullUrl, against which R4 bundle.html resolves the
relative references of the entry's resource (references.py).
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_RESTFUL_TAIL = re.compile(r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_SINGLE_LINKS = frozenset({"self", "first", "previous", "prev", "next", "last"})


_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")  # RFC 3986 scheme
# R4 references.html#regex: a RESTful URL, http(s) base then Type/id[/_history/version]
_RESTFUL = re.compile(r"^(?P<base>https?://(?:[A-Za-z0-9\-\\.:%$]*/)+?)?(?P<type>[A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}"
                      r"(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_FULL_URL_OPTIONAL = frozenset({"transaction", "transaction-response", "batch", "batch-response"})
_FIRST = {"document": "Composition", "message": "MessageHeader"}


def entry_base(resource: Node) -> str | None:
    """The [root] of the RESTful fullUrl of the entry whose resource is `resource` (no trailing slash), or None
    when its fullUrl is absent, a URN or not RESTful."""
    entry = resource.parent
    full_url = entry.child("fullUrl") if entry is not None else None
    if full_url is None or not isinstance(full_url.value, str):
        return None
    m = _RESTFUL.match(full_url.value)
    if m is None or not m.group("base"):
        return None
    return m.group("base")[:-1]


_SEARCH_URL = re.compile(r"^[A-Z][A-Za-z]+\?[^?#\s]+$")  # a conditional reference: Type?parameters


# R4 search.html: a search's parameters are `name=value` pairs joined by `&` (the value may be empty)
_SEARCH_PARAMETER = re.compile(r"^[^=&]+=[^&]*$")


def bad_conditional_query(text: str, bundle_type: str | None) -> bool:
    """Whether `text` is a conditional reference `Type?query` in a transaction or batch whose query is not search
    parameters (`Patient?identifier` has no `=`). R4 http.html#trules: the server resolves a conditional reference
    by "performing a search" with it, and a search's parameters are `name=value` (search.html); a query that is
    not one has no search to perform. The HL7 validator refuses it too."""
    if bundle_type not in ("transaction", "batch") or not _SEARCH_URL.match(text):
        return False
    return not all(_SEARCH_PARAMETER.match(part) for part in text.partition("?")[2].split("&"))


def not_a_literal_reference(text: str, bundle_type: str | None) -> bool:
    """Whether `text`, a reference inside a Bundle that names no entry, is neither an absolute URL nor a
    relative `Type/id[/_history/version]` (R4 references.html, literal references: "a relative URL, relative to
    the service base URL", which the RESTful API shapes `[type]/[id]`) nor, in a transaction or batch, a
    conditional reference `Type?parameters` (R4 http.html#trules: conditional references are resolved by
    the server processing a transaction). As in the HL7 validator, which checks the shape inside Bundles only:
    a path of two or four segments passes (`Type/id`, `Type/id/_history/version` shapes); a conditional
    reference outside a transaction or batch is refused whatever its slashes (the HL7 validator counts
    them only)."""
    if _ABSOLUTE.match(text) or text.startswith("#"):
        return False
    if _SEARCH_URL.match(text):
        return bundle_type not in ("transaction", "batch")
    return text.count("/") not in (1, 3)


def check_entries(bundle: Node, resource_types: frozenset[str], issues: list[Issue]) -> None:
    """fullUrl present, the first entry of a document or message, and searchset modes (module docstring)."""
    type_node = bundle.child("type")
    bundle_type = type_node.value if type_node is not None else None
    entries = bundle.children_named("entry")
    expected = _FIRST.get(bundle_type or "")
    if expected is not None:
        first = entries[0] if entries else None
        if first is None or first.child("resource") is None:
            issues.append(make_issue("bundle.first-entry-missing", first if first is not None else bundle,
                                     type=bundle_type, expected=expected))
    if bundle_type not in _FULL_URL_OPTIONAL and not _outside_fhir(bundle):
        for entry in entries:
            full_url = entry.child("fullUrl")
            resource = entry.child("resource")
            if resource is None or resource.resource_type == "OperationOutcome" or \
                    (full_url is not None and full_url.value):
                continue
            request = entry.child("request")
            method = request.child("method") if request is not None else None
            if method is None or method.value != "POST":
                issues.append(make_issue("bundle.fullurl-missing", entry))
    if bundle_type == "searchset":
        _check_search_modes(bundle, entries, resource_types, issues)


def _outside_fhir(bundle: Node) -> bool:
    """Whether the Bundle is carried by a document that is not a FHIR resource (a CDS Hooks body's
    draftOrders): its orders are drafts, not yet stored or identified, and the HL7 validator does not ask
    their entries for a fullUrl either."""
    node = bundle.parent
    if node is None:
        return False
    while node is not None:
        if node.resource_type is not None:
            return False
        node = node.parent
    return True


def _check_search_modes(bundle: Node, entries: list[Node], resource_types: frozenset[str],
                        issues: list[Issue]) -> None:
    modes: list[str | None] = []
    for entry in entries:
        search = entry.child("search")
        mode_node = search.child("mode") if search is not None else None
        modes.append(mode_node.value if mode_node is not None and isinstance(mode_node.value, str) else None)
    if not any(modes):
        return
    types = _searched_types(bundle, resource_types)
    for entry, mode in zip(entries, modes, strict=True):
        resource = entry.child("resource")
        if mode is None or resource is None or resource.resource_type is None:
            continue
        actual = resource.resource_type
        if mode in ("match", "include"):
            id_node = resource.child("id")
            if id_node is None or not id_node.value:
                issues.append(make_issue("bundle.search-entry-no-id", resource, mode=mode))
            if mode == "match" and types and actual not in types:
                issues.append(make_issue("bundle.search-match-type", resource, actual=actual,
                                         types=", ".join(types)))
        elif mode == "outcome" and actual != "OperationOutcome":
            issues.append(make_issue("bundle.search-outcome-type", resource, actual=actual))


def _searched_types(bundle: Node, resource_types: frozenset[str]) -> list[str]:
    """The resource types the search asked for, from the self link: `[base]/Type?...`, else `_type=`."""
    for link in bundle.children_named("link"):
        relation = link.child("relation")
        url = link.child("url")
        if relation is None or relation.value != "self" or url is None or not isinstance(url.value, str):
            continue
        path, _, query = url.value.partition("?")
        last = path.rstrip("/").rpartition("/")[2]
        if last in resource_types:
            return [last]
        for parameter in query.split("&"):
            name, _, value = parameter.partition("=")
            value = unquote_plus(value)  # a URL's query is percent-encoded (RFC 3986): `_type=Patient%2CObservation`
            if unquote_plus(name) == "_type" and value:
                return [t.strip() for t in value.split(",") if t.strip()]
        return []
    return []


def check_full_urls(bundle: Node, resource_types: frozenset[str], issues: list[Issue]) -> None:
    for entry in bundle.children_named("entry"):
        full_url = entry.child("fullUrl")
        resource = entry.child("resource")
        if full_url is None or not full_url.value or resource is None or resource.resource_type is None:
            continue
        url = full_url.value
        if not _ABSOLUTE.match(url):
            # R4 Bundle.entry.fullUrl: "The Absolute URL for the resource" (a URL with a scheme, or a urn:)
            issues.append(make_issue("bundle.fullurl-not-absolute", full_url, url=url))
            continue
        if url.startswith(("urn:", "#")):
            continue
        tail = _RESTFUL_TAIL.search(url)
        if tail is None or tail.group("type") not in resource_types:
            continue  # not a RESTful URL: nothing to agree with
        id_node = resource.child("id")
        own_id = id_node.value if id_node is not None else None
        if own_id is None:
            issues.append(make_issue("bundle.fullurl-without-id", entry, url=url))
        elif (tail.group("type"), tail.group("id")) != (resource.resource_type, own_id):
            issues.append(make_issue("bundle.fullurl-mismatch", entry, url=url,
                                     expected=f"{resource.resource_type}/{own_id}"))


def check_links(bundle: Node, issues: list[Issue]) -> None:
    seen: set[str] = set()
    for link in bundle.children_named("link"):
        relation = link.child("relation")
        if relation is None or relation.value not in _SINGLE_LINKS:
            continue
        if relation.value in seen:
            issues.append(make_issue("bundle.link-repeated", link, relation=relation.value))
        seen.add(relation.value)
