"""Rules R4 states alike for every canonical (definitional) resource: its `url` is an absolute URI.

R4 defines `url` on each of its canonical resources (CodeSystem, ValueSet, StructureDefinition, Questionnaire,
... the set the HL7 extensions pack calls CanonicalResource) as "An absolute URI that is used to identify this
<resource> when it is referenced in a specification, model, design or an instance; also called its canonical
identifier". The `uri` type alone admits a relative reference (`CodeSystem/x`), so a relative `url` is
`canonical.url-not-absolute` (an error; the HL7 validator reports it too, contained resources included). An
absolute URI starts with a scheme (RFC 3986 §3: `scheme ":"`), as `urn:uuid:...` and `http://...` do.
"""

from __future__ import annotations

import re

from conformance.fhir.tree import Node
from conformance.issues import Issue, make_issue

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def check_canonical_url(resource: Node, issues: list[Issue]) -> None:
    """A canonical resource's own `url`, when it has one, is absolute."""
    url = resource.child("url")
    if url is not None and url.value and _SCHEME.match(url.value) is None:
        issues.append(make_issue("canonical.url-not-absolute", url, url=url.value, type=resource.resource_type))
