"""Requirement source links: where in the published specification a requirement comes from.

The convention for a link into the profile's OpenAPI document is
`<repository>/blob/<commit>/<openapi path>#<JSON pointer>`, e.g.
`https://github.com/NHSDigital/summary-care-record-api/blob/91bdd28.../specification/summary-care-record.yaml#/paths/~1Bundle/get/responses/200`.
The pointer (RFC 6901: `~0` is `~`, `~1` is `/`; a URI fragment, so it may be percent-encoded)
must name an element of the *local* copy of that document (`specification.local` under an
nhs-specs folder; the resolved copy, where external `$ref`s are inlined).

Other links are checked for form only: a link to another file of the same repository must name
the specification's commit (and, when that file is in the local folder and the link has a pointer,
the pointer must resolve in it); any other link (a FHIR profile, a page of the NHS developer site)
must be an absolute https URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.profiles.model import Specification
from conformance.profiles.openapi import OpenApiError, load_openapi, read_yaml, resolve_pointer


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A link parsed against the profile's specification."""

    url: str
    in_openapi: bool  # it points into the specification's OpenAPI document
    repository_path: str = ""  # the file's path inside the repository, for links into the repository
    pointer: str | None = None  # the JSON pointer (decoded fragment), when there is one

    @property
    def in_repository(self) -> bool:
        return bool(self.repository_path)


def parse_source_link(url: str, spec: Specification | None) -> SourceLink:
    """Split a link into repository file and JSON pointer when it points into the specification's repository."""
    base, _, fragment = url.partition("#")
    pointer = unquote(fragment) if fragment.startswith("/") else None  # else an HTML anchor, or nothing
    if spec is not None:
        prefix = f"{spec.repository.rstrip('/')}/blob/"
        if base.startswith(prefix):
            commit, _, path = base[len(prefix):].partition("/")
            if commit and path:
                return SourceLink(url, path == spec.openapi and commit == spec.commit, path, pointer)
    return SourceLink(url, False, "", pointer)


def check_source_link(url: str, spec: Specification | None, specs_dir: Path | None) -> str | None:
    """Why the link does not hold (None when it does). Without `specs_dir` pointers are not resolved."""
    if not url:
        return "no source link"
    link = parse_source_link(url, spec)
    if not link.in_repository:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.netloc:
            return f"'{url}' is not an absolute https URL"
        return None
    assert spec is not None  # a repository link needs the specification
    commit = url[len(spec.repository.rstrip("/")) + len("/blob/"):].split("/", 1)[0]
    if commit != spec.commit:
        return f"the link names commit {commit}, but the specification is read at {spec.commit}"
    if link.pointer is None:
        return "a link into the OpenAPI document needs a #/JSON/pointer" if link.in_openapi else None
    if specs_dir is None:
        return None
    if link.in_openapi:
        if not spec.local:
            return "the specification names no `local` copy to resolve the pointer in"
        try:
            data: Any = load_openapi(specs_dir / spec.local).data
        except OpenApiError as exc:
            return str(exc)
    else:
        local = specs_dir / Path(spec.local).parent / link.repository_path
        if not local.is_file():
            return None  # not copied locally: checked for form only
        try:
            data = read_yaml(local)  # JSON is YAML
        except OpenApiError as exc:
            return str(exc)
    found, why = resolve_pointer(data, link.pointer)
    return None if found else f"the pointer {link.pointer} does not resolve: {why}"
