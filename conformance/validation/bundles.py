"""Bundle rules the R4 definitions state in prose rather than as invariants.

- `Bundle.entry.fullUrl`: "The fullUrl SHALL NOT disagree with the id in the resource - i.e. if the
  fullUrl is not a urn:uuid, the URL shall be version-independent URL consistent with the
  Resource.id." A RESTful fullUrl (`.../Type/id`) must therefore end with the entry's resource type
  and id, and a resource under such a fullUrl must have that id.
- `Bundle.link.relation`: the paging and identity links of http.html/search.html (`self`, `first`,
  `previous`/`prev`, `next`, `last`) each name one URL, so each appears at most once.
"""

from __future__ import annotations

import re

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_RESTFUL_TAIL = re.compile(r"(?:^|/)(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")
_SINGLE_LINKS = frozenset({"self", "first", "previous", "prev", "next", "last"})


_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")  # RFC 3986 scheme


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
