"""Which slice an item of a sliced element belongs to.

Discriminators (FHIR R4 profiling.html#discriminator) are evaluated natively for the paths
profiles use — `$this`, dotted element names, `extension('url')`, `ofType(T)`, `resolve()` — and
compared with what the slice's definition says at the same path: a fixed/pattern value or a
required binding (`value`, `pattern`), its types (`type`), its profiles (`profile`), its
cardinality (`exists`). When a discriminator cannot be evaluated, the caller falls back to full
validation of the item against each slice, so an unusual profile is never silently mis-sliced.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.fhir.tree import Node
from conformance.validation.plan import ChildIndex, Discriminator, ElementRule
from conformance.validation.values import equals_fixed, matches_pattern

FUNCTION_STEP = re.compile(r"^(extension|ofType|resolve)\((?:'([^']*)'|\"([^\"]*)\"|([A-Za-z]*))\)$")


class Unusable(Exception):
    """A discriminator that cannot be evaluated natively (the message says why)."""


def split_path(path: str) -> list[str]:
    """Split a discriminator path on dots outside quotes and parentheses."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(path):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "." and depth == 0:
            parts.append(path[start:i])
            start = i + 1
    parts.append(path[start:])
    return [p for p in parts if p and p != "$this"]


@dataclass(slots=True)
class SliceContext:
    """What slice matching needs from the validator, without depending on it."""

    resolve_reference: Callable[[Node], Node | None]
    plan_root: Callable[[str], ChildIndex | None]  # profile/type URL or name → its compiled root
    in_value_set: Callable[[str, Node, str], bool | None]  # (vs url, node, type code) → member? None = unknown
    conforms: Callable[[Node, str, str], bool]  # (node, type code, profile url) → valid against it?
    type_of_profile: Callable[[str], str | None]  # profile url → the type it constrains
    profile_root: Callable[[str], ElementRule | None] = lambda url: None  # profile url → its root element's rule


def _type_of(node: Node) -> str | None:
    """The FHIR type a choice-named node carries in its name (valueQuantity → Quantity)."""
    if node.resource_type is not None:
        return node.resource_type
    name = node.name
    for i in range(1, len(name)):
        if name[i].isupper():
            return name[i:]
    return None


def _uncapitalised(type_name: str) -> str:
    return type_name[:1].lower() + type_name[1:]


def values_at(item: Node, segments: list[str], ctx: SliceContext) -> list[Node]:
    nodes = [item]
    for seg in segments:
        m = FUNCTION_STEP.match(seg)
        out: list[Node] = []
        if m is None:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", seg):
                raise Unusable(f"unsupported path step '{seg}'")
            for n in nodes:
                for c in n.children:
                    if c.name == seg or (c.name.startswith(seg) and len(c.name) > len(seg) and c.name[len(seg)].isupper()):
                        out.append(c)
        elif m.group(1) == "extension":
            url = m.group(2) or m.group(3) or ""
            for n in nodes:
                for c in n.children:
                    if c.name == "extension":
                        u = c.child("url")
                        if u is not None and u.value == url:
                            out.append(c)
        elif m.group(1) == "ofType":
            wanted = m.group(4) or m.group(2) or m.group(3) or ""
            out = [n for n in nodes if _type_of(n) == wanted]
        else:  # resolve()
            for n in nodes:
                target = ctx.resolve_reference(n)
                if target is not None:
                    out.append(target)
        nodes = out
    return nodes


def rule_at(slice_rule: ElementRule, segments: list[str], ctx: SliceContext) -> tuple[ElementRule | None, str | None]:
    """The slice's definition at a discriminator path: (rule, type code restriction).

    `resolve()` continues in the definition of the reference's target profile (its first one that
    is loaded), so `resolve().code` reaches the code a lipid-result slice fixes.
    """
    rule: ElementRule | None = slice_rule
    index: ChildIndex | None = None  # set after resolve(): the target resource's root
    parent: ElementRule | None = None  # the rule whose children `index` holds
    type_restriction: str | None = None
    for position, seg in enumerate(segments):
        m = FUNCTION_STEP.match(seg)
        if m is not None and m.group(1) == "ofType":
            type_restriction = m.group(4) or m.group(2) or m.group(3)
            continue
        if m is not None and m.group(1) == "resolve":
            if rule is None:
                return None, None
            index = next((r for r in (ctx.plan_root(p) for p in rule.target_profiles) if r is not None), None)
            if index is None:
                raise Unusable("the slice's reference names no target profile that is loaded")
            rule = None
            continue
        if index is None:
            if rule is None:
                return None, None
            parent = rule
            index = _children_of(rule, ctx)
        if m is not None and m.group(1) == "extension":
            url = m.group(2) or m.group(3) or ""
            ext = index.rule_named("extension") if index else None
            found = None
            for s in (ext.slices if ext else ()):
                if url in s.type_profiles.get("Extension", ()):
                    found = s
            rule = found
            if rule is None:
                raise Unusable(f"no slice for extension('{url}') in the slice definition")
        else:
            rule = index.rule_named(seg) if index is not None else None
            if parent is not None and parent.children is not None and (rule is None or not _constrains_value(rule)):
                # the slice's own children say nothing here: its type profile (say a backbone element of another
                # profile, R4's elementdefinition-profile-element) may
                found = _profile_child(parent, seg, ctx)
                rule = found if found is not None else rule
            if rule is not None and rule.slices and position < len(segments) - 1:
                # the path goes on through a sliced element (`code.coding.code` where coding is sliced): what the
                # slice fixes further on is in a slice every instance must have, so the item holds its value
                required = [r for r in rule.slices if r.min > 0]
                if required:
                    rule = required[0]
        index = None
        parent = None
    return rule, type_restriction


def _constrains_value(rule: ElementRule) -> bool:
    return _constrains_by_value(rule) or rule.min > 0 or rule.max == 0


def _profile_child(rule: ElementRule, name: str, ctx: SliceContext) -> ElementRule | None:
    """The child `name` as the first of the rule's type profiles that constrains it defines it."""
    for type_code in rule.types:
        for profile in rule.type_profiles.get(type_code, ()):
            root = ctx.plan_root(profile)
            found = root.rule_named(name) if root is not None else None
            if found is not None and _constrains_value(found):
                return found
    return None


def _children_of(rule: ElementRule, ctx: SliceContext) -> ChildIndex | None:
    if rule.children is not None:
        return rule.children
    for type_code in rule.types:
        for profile in rule.type_profiles.get(type_code, ()):
            root = ctx.plan_root(profile)
            if root is not None:
                return root
        root = ctx.plan_root(type_code)
        if root is not None:
            return root
    return None


def matches(item: Node, type_code: str, slice_rule: ElementRule, discriminators: tuple[Discriminator, ...],
            ctx: SliceContext) -> bool:
    """Does the item belong to the slice? Raises `Unusable` when this cannot be decided natively."""
    for d in discriminators:
        segments = split_path(d.path)
        if d.type == "profile":
            profiles = _profiles_at(slice_rule, segments, ctx)
            nodes = values_at(item, segments, ctx)
            if not profiles:
                raise Unusable("the slice names no profile at the discriminator path")
            if not any(ctx.conforms(n, _type_of(n) or type_code, p) for n in nodes for p in profiles):
                return False
            continue
        nodes = values_at(item, segments, ctx)
        rule, restriction = rule_at(slice_rule, segments, ctx)
        if d.type == "exists":
            if rule is None:
                raise Unusable("the slice does not constrain the discriminator path")
            must_exist = rule.min > 0
            must_not = rule.max == 0
            if (must_exist and not nodes) or (must_not and nodes):
                return False
            if not must_exist and not must_not:
                raise Unusable("the slice neither requires nor forbids the discriminator path")
            continue
        if d.type == "type" and segments and segments[-1] == "resolve()":
            ref_rule, _ = rule_at(slice_rule, segments[:-1], ctx)
            targets = ref_rule.target_profiles if ref_rule is not None else ()
            allowed = {t for t in (ctx.type_of_profile(p) for p in targets) if t}
            if not allowed:
                raise Unusable("the slice's reference names no target profile")
            if not any(n.resource_type in allowed for n in nodes):
                return False
            continue
        if d.type == "type":
            allowed = {restriction} if restriction else set(rule.types if rule is not None else ())
            if not allowed:
                raise Unusable("the slice gives no type at the discriminator path")
            actual = {(_type_of(n) if not segments else _type_of(n)) or type_code for n in nodes} if segments \
                else {type_code}
            if not nodes and segments:
                return False
            # a choice's name carries its type capitalised (contentString → String for `string`): no two
            # FHIR types differ only in the case of their first letter, so compare without it
            if not {_uncapitalised(t) for t in actual} & {_uncapitalised(t) for t in allowed}:
                return False
            continue
        # value / pattern
        if rule is None and segments == ["url"] and "Extension" in slice_rule.type_profiles:
            urls = slice_rule.type_profiles["Extension"]
            if not any(n.value in urls for n in nodes):
                return False
            continue
        if rule is None or (rule.fixed is None and rule.pattern is None):
            inherited = value_from_ancestor(slice_rule, segments, ctx)
            if inherited is not None:
                kind, expected = inherited
                check = equals_fixed if kind == "fixed" else matches_pattern
                if not all(any(check(n, e) for n in nodes) for e in expected):
                    return False
                continue
        if rule is None:
            raise Unusable("the slice does not constrain the discriminator path")
        if rule.fixed is not None:
            if not any(equals_fixed(n, rule.fixed[1]) for n in nodes):
                return False
        elif rule.pattern is not None:
            if not any(matches_pattern(n, rule.pattern[1]) for n in nodes):
                return False
        elif rule.binding is not None and rule.binding[0] == "required":
            verdicts = [ctx.in_value_set(rule.binding[1], n, rule.types[0] if rule.types else "") for n in nodes]
            if any(v is None for v in verdicts):
                raise Unusable(f"the value set {rule.binding[1]} cannot be expanded offline")
            if not any(verdicts):
                return False
        elif segments == ["url"] and "Extension" in slice_rule.type_profiles:
            urls = slice_rule.type_profiles["Extension"]
            if not any(n.value in urls for n in nodes):
                return False
        else:
            raise Unusable("the slice gives no fixed value, pattern or required binding at the discriminator path")
    return True


def _constrains_by_value(rule: ElementRule) -> bool:
    return rule.fixed is not None or rule.pattern is not None \
        or (rule.binding is not None and rule.binding[0] == "required")


def value_from_ancestor(slice_rule: ElementRule, segments: list[str],
                        ctx: SliceContext) -> tuple[str, list[Any]] | None:
    """What a fixed[x]/pattern[x] on the slice element, or on an element between it and the discriminator
    path, says at that path: ("fixed" | "pattern", the values there), or None when none says anything.

    R4 profiling.html#discriminator: for `value` and `pattern` "the slices have different values in the
    nominated element", as "determined by the fixed[x] or pattern[x] values" — and a profile usually gives
    them as one pattern on the slice (`identifier:nhsNumber` with `patternIdentifier.system`) rather than on
    the nominated element itself (`identifier:nhsNumber.system` with `fixedUri`). Within a fixed value every
    nested element is fixed too (ElementDefinition.fixed[x]: "all the values in the fixed type, including
    nested elements, must be exactly the same"); within a pattern, every value it has must be present.
    Only plain element names are followed into the value (not `extension('url')`, `ofType()`, `resolve()`).
    The slice's type profile counts as the slice: its root element's fixed/pattern applies too.
    Such a value comes before a required binding of the nominated element: that binding is usually the base
    type's own (ContactPoint.system, Identifier.use), which every slice shares and so tells none apart.
    """
    for depth in range(len(segments) - 1, -1, -1):
        rest = segments[depth:]
        if any(not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", seg) for seg in rest):
            return None
        try:
            rule = slice_rule if depth == 0 else rule_at(slice_rule, segments[:depth], ctx)[0]
        except Unusable:
            continue
        if rule is None:
            continue
        for source in (rule, *_type_profile_roots(rule, ctx)):
            for kind, given in (("fixed", source.fixed), ("pattern", source.pattern)):
                if given is not None:
                    found = _descend(given[1], rest)
                    if found:
                        return kind, found
    return None


def _type_profile_roots(rule: ElementRule, ctx: SliceContext) -> list[ElementRule]:
    """The root elements of the rule's type profiles (an `identifier:nhsNumber` typed with an Identifier
    profile whose root element has the patternIdentifier)."""
    roots = (ctx.profile_root(p) for ps in rule.type_profiles.values() for p in ps)
    return [r for r in roots if r is not None]


def _descend(value: Any, segments: list[str]) -> list[Any]:
    """The values at a path of element names inside a definition's fixed/pattern value (JSON form); a
    name matches a choice element's typed name (`value` finds `valueQuantity`)."""
    current = [value]
    for seg in segments:
        out: list[Any] = []
        for v in current:
            if not isinstance(v, dict):
                continue
            for key, item in v.items():
                if key == seg or (key.startswith(seg) and len(key) > len(seg) and key[len(seg)].isupper()):
                    out.extend(item if isinstance(item, list) else [item])
        current = out
    return current


def _profiles_at(slice_rule: ElementRule, segments: list[str], ctx: SliceContext) -> tuple[str, ...]:
    if not segments:
        return tuple(p for ps in slice_rule.type_profiles.values() for p in ps) or slice_rule.target_profiles
    if segments[-1] == "resolve()":
        ref_rule, _ = rule_at(slice_rule, segments[:-1], ctx) if segments[:-1] else (slice_rule, None)
        return ref_rule.target_profiles if ref_rule is not None else ()
    rule, _ = rule_at(slice_rule, segments, ctx)
    if rule is None:
        return ()
    return tuple(p for ps in rule.type_profiles.values() for p in ps)


def signature(slice_rule: ElementRule, discriminators: tuple[Discriminator, ...], ctx: SliceContext) -> tuple | None:
    """What a slice's definition expects at its discriminators; two slices with the same
    signature cannot be told apart by any instance (a defect of the profile, not the instance).
    None when it cannot be computed."""
    parts: list[object] = []
    try:
        for d in discriminators:
            segments = split_path(d.path)
            if d.type == "profile":
                parts.append(("profile", _profiles_at(slice_rule, segments, ctx)))
                continue
            rule, restriction = rule_at(slice_rule, segments, ctx)
            if d.type in ("value", "pattern") and (rule is None or (rule.fixed is None and rule.pattern is None)):
                inherited = value_from_ancestor(slice_rule, segments, ctx)
                if inherited is not None:
                    parts.append((d.type, repr(inherited)))
                    continue
            if rule is None:
                return None
            if d.type == "type":
                parts.append((d.type, restriction, rule.types, tuple(sorted(rule.type_profiles.items()))))
            elif d.type == "exists":
                parts.append((d.type, rule.min > 0, rule.max == 0))
            else:
                parts.append((d.type, repr(rule.fixed), repr(rule.pattern), rule.binding))
    except Unusable:
        return None
    return tuple(parts)
