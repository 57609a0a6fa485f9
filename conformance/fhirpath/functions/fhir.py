"""The FHIR additions to FHIRPath: extension, hasValue, getValue, resolve, memberOf,
conformsTo and htmlChecks."""

from __future__ import annotations

from typing import Any

from conformance.fhir.tree import Node
from conformance.fhirpath.context import Env
from conformance.fhirpath.errors import FhirPathError
from conformance.fhirpath.functions.registry import function
from conformance.fhirpath.logic import EMPTY, FALSE, TRUE
from conformance.fhirpath.narrative import html_checks
from conformance.fhirpath.values import NO_VALUE, singleton_value, system_value


@function("extension", 1)
def extension(items: list[Any], env: Env, url: list[Any]) -> list[Any]:
    u = singleton_value(url, env, "extension()")
    if u is None:
        return EMPTY
    out: list[Any] = []
    for item in items:
        if type(item) is not Node:
            continue
        for c in item.children:
            if c.name == "extension":
                cu = c.child("url")
                if cu is not None and cu.value == u:
                    out.append(c)
    return out


@function("hasValue")
def has_value(items: list[Any], env: Env) -> list[Any]:
    if len(items) != 1:
        return FALSE
    item = items[0]
    if type(item) is Node:
        return TRUE if item.value is not None else FALSE
    return TRUE


@function("getValue")
def get_value(items: list[Any], env: Env) -> list[Any]:
    if len(items) != 1:
        return EMPTY
    item = items[0]
    if type(item) is Node:
        if item.value is None:
            return EMPTY
        v = system_value(item, env)
        return EMPTY if v is NO_VALUE or type(v) is Node else [v]
    return [item]


@function("htmlChecks")
def html_checks_(items: list[Any], env: Env) -> list[Any]:
    v = singleton_value(items, env, "htmlChecks()")
    if v is None:
        return EMPTY
    if type(v) is not str:
        raise FhirPathError("htmlChecks() applies to the narrative div")
    return TRUE if html_checks(v) else FALSE


@function("memberOf", 1)
def member_of(items: list[Any], env: Env, valueset: list[Any]) -> list[Any]:
    if not items:
        return EMPTY
    if len(items) > 1:
        raise FhirPathError(f"memberOf() expects a single item, got {len(items)}")
    vs = singleton_value(valueset, env, "memberOf()")
    hook = env.ctx.terminology
    if vs is None or hook is None:
        return EMPTY
    answer = hook.member_of(items[0], str(vs))
    return EMPTY if answer is None else TRUE if answer else FALSE


@function("conformsTo", 1)
def conforms_to(items: list[Any], env: Env, profile: list[Any]) -> list[Any]:
    if not items:
        return EMPTY
    if len(items) > 1:
        raise FhirPathError(f"conformsTo() expects a single item, got {len(items)}")
    url = singleton_value(profile, env, "conformsTo()")
    hook = env.ctx.conformance
    item = items[0]
    if url is None or hook is None or type(item) is not Node:
        return EMPTY
    answer = hook.conforms_to(item, str(url))
    return EMPTY if answer is None else TRUE if answer else FALSE


# -- resolve() -------------------------------------------------------------------------------------

def _reference_text(item: Any, env: Env) -> str | None:
    if type(item) is str:
        return item
    if type(item) is Node:
        if item.value is not None:
            return item.value
        ref = item.child("reference")
        if ref is not None and ref.value:
            return ref.value
    return None


def _container(node: Node) -> Node:
    """The resource whose `contained` list a local reference (#id) points into."""
    resource = node.enclosing_resource()
    if resource.name == "contained" and resource.parent is not None:
        return resource.parent.enclosing_resource()
    return resource


def _resource_id(resource: Node) -> str | None:
    rid = resource.child("id")
    return rid.value if rid is not None else None


def _find_in_bundle(node: Node, ref: str) -> Node | None:
    n: Node | None = node
    ref = ref.split("/_history/", 1)[0]
    while n is not None:
        if n.resource_type == "Bundle":
            found = _search_bundle(n, ref)
            if found is not None:
                return found
        n = n.parent
    return None


def _search_bundle(bundle: Node, ref: str) -> Node | None:
    parts = ref.rsplit("/", 2)
    rel = "/".join(parts[-2:]) if len(parts) >= 2 else None
    by_type: Node | None = None
    for entry in bundle.children:
        if entry.name != "entry":
            continue
        resource = entry.child("resource")
        full = entry.child("fullUrl")
        full_url = full.value if full is not None else None
        matched = full_url is not None and (full_url == ref or (rel and "://" not in ref and full_url.endswith("/" + ref)))
        if matched and resource is not None:
            return resource
        if resource is not None and rel is not None and by_type is None:
            rtype, _, rid = rel.partition("/")
            if resource.resource_type == rtype and _resource_id(resource) == rid:
                by_type = resource
    return by_type


@function("resolve")
def resolve(items: list[Any], env: Env) -> list[Any]:
    out: list[Any] = []
    for item in items:
        ref = _reference_text(item, env)
        if not ref:
            continue
        source = item if type(item) is Node else None
        if source is None:
            focus = env.focus[0] if env.focus else None
            source = focus if type(focus) is Node else None
        if source is None:
            continue
        target: Node | None = None
        if ref.startswith("#"):
            container = _container(source)
            if ref == "#":
                target = container
            else:
                for c in container.children:
                    if c.name == "contained" and _resource_id(c) == ref[1:]:
                        target = c
                        break
        else:
            target = _find_in_bundle(source, ref)
            if target is None and env.ctx.resolver is not None:
                target = env.ctx.resolver.resolve(ref, source)
        if target is not None:
            out.append(target)
    return out
