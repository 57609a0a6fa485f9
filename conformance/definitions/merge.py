"""Applying one differential element to the element it constrains (ElementDefinition merge rules).

The rules follow the FHIR R4 profiling page and the HL7 reference generator (`ProfileUtilities.
updateFromDefinition`): a profile may narrow cardinality, types, bindings and values; documentation
replaces (or, starting with `...`, extends) the base's; constraints, aliases, codes, conditions and
mappings accumulate; inherited constraints keep (or are given) the `source` they came from.
Anything a profile may not do (widen a cardinality, loosen a required binding, allow a type the
base does not) is applied as written and described in the returned problems, so one bad element
never stops a load.

Nested values are never changed in place: the returned dict is new, and every list or dict that
differs is a new one; unchanged ones are shared with the inputs.
"""

from __future__ import annotations

from typing import Any

from conformance.definitions.xml_json import type_code

Element = dict[str, Any]

# replaced as a whole when the differential states them
_REPLACED = ("mustSupport", "maxLength", "isModifierReason", "orderMeaning")
# documentation: replaced, or extended when the differential's text starts with "..."
_TEXT = ("short", "definition", "comment", "requirements", "label")
# accumulated without duplicates
_LISTS = ("alias", "condition")
# choice-typed properties: one of each family at a time
_FAMILIES = ("fixed", "pattern", "minValue", "maxValue")
# never taken from a differential: set by the generator, or not a profile's to change
_IGNORED = frozenset({"id", "path", "sliceName", "base", "contentReference", "slicing", "defaultValue",
                      "meaningWhenMissing", "representation", "sliceIsConstraining", "isModifier",
                      "isSummary", "type", "binding", "constraint", "mapping", "example", "code",
                      "extension", "min", "max", "modifierExtension"})
_BINDABLE = frozenset({"Coding", "CodeableConcept", "Quantity", "uri", "string", "code", "canonical", "url"})
_STRENGTH_RANK = {"required": 0, "extensible": 1, "preferred": 2, "example": 3}
REFERENCE_TYPES = frozenset({"Reference", "canonical", "CodeableReference"})


def family_key(key: str) -> str | None:
    """`fixedUri` → `fixed`; None for keys outside the choice-typed families."""
    for family in _FAMILIES:
        if key.startswith(family) and len(key) > len(family) and key[len(family)].isupper():
            return family
    return None


def parse_max(value: Any) -> int | None:
    """`*` → None (unbounded), else the integer; malformed values count as unbounded."""
    if value is None or value == "*":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def merge_element(current: Element, diff: Element, *, inherited: Element, is_slice: bool, is_extension: bool,
                  profile_url: str, inherited_source: str) -> tuple[Element, list[str]]:
    """`current` constrained by `diff`; `inherited` is the element before this profile (for checks)."""
    out = dict(current)
    problems: list[str] = []
    diff = _well_formed(diff, problems)
    for key in _TEXT:
        if key in diff and isinstance(diff[key], str):
            text = diff[key]
            if text.startswith("...") and isinstance(out.get(key), str):
                out[key] = out[key] + "\r\n" + text[3:]
            else:
                out[key] = text
    for key in _LISTS:
        if isinstance(diff.get(key), list):
            out[key] = _union(out.get(key), diff[key])
    for key in _REPLACED:
        if key in diff:
            out[key] = diff[key]
    _cardinality(out, diff, inherited, is_slice, problems)
    for key, value in diff.items():
        family = family_key(key)
        if family is not None:
            for old in [k for k in out if family_key(k) == family]:
                del out[old]
            out[key] = value
    for key, value in diff.items():
        if key not in _IGNORED and key not in out and family_key(key) is None and key not in _TEXT:
            out[key] = value  # anything else the differential states (e.g. a new R5 property) is kept
    _modifier_and_summary(out, diff, is_extension, problems)
    if "type" in diff and isinstance(diff["type"], list):
        _types(out, diff["type"], inherited, problems)
    if isinstance(diff.get("binding"), dict):
        _binding(out, diff["binding"], problems)
    if isinstance(diff.get("constraint"), list):
        out["constraint"] = merge_constraints(out.get("constraint"), diff["constraint"], profile_url,
                                              inherited_source)
    elif isinstance(out.get("constraint"), list):
        out["constraint"] = with_sources(out["constraint"], inherited_source)
    if isinstance(diff.get("mapping"), list):
        out["mapping"] = _union(out.get("mapping"), diff["mapping"])
    if isinstance(diff.get("example"), list):
        out["example"] = _union(out.get("example"), diff["example"])
    if isinstance(diff.get("code"), list):
        out["code"] = _union(out.get("code"), diff["code"])
    if isinstance(diff.get("extension"), list):
        out["extension"] = _extensions(out.get("extension"), diff["extension"])
    if isinstance(diff.get("slicing"), dict):
        out["slicing"] = merge_slicing(out.get("slicing"), diff["slicing"])
    if "binding" in out and not _bindable(out):
        del out["binding"]  # a binding on an element that can no longer hold a code means nothing
    return out, problems


_SHAPES: dict[str, tuple[type, str]] = {
    "type": (list, "a list"), "binding": (dict, "an object"), "slicing": (dict, "an object"),
    "constraint": (list, "a list"), "alias": (list, "a list"), "condition": (list, "a list"),
    "mapping": (list, "a list"), "example": (list, "a list"), "code": (list, "a list"),
    "extension": (list, "a list"), "mustSupport": (bool, "true or false"), "isModifier": (bool, "true or false"),
    "isSummary": (bool, "true or false"), "maxLength": (int, "an integer"),
}


def _well_formed(diff: Element, problems: list[str]) -> Element:
    """The differential without properties of the wrong JSON shape (each one described in `problems`)."""
    bad = [key for key, (kind, _) in _SHAPES.items() if key in diff and not isinstance(diff[key], kind)]
    minimum = diff.get("min")
    if "min" in diff and (not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0):
        bad.append("min")
    maximum = diff.get("max")
    if "max" in diff and not (isinstance(maximum, str) and (maximum == "*" or maximum.isdigit())):
        bad.append("max")
    if not bad:
        return diff
    for key in bad:
        wanted = _SHAPES[key][1] if key in _SHAPES else ("an integer" if key == "min" else "a number or '*'")
        problems.append(f"{key} must be {wanted}, not {diff[key]!r}; it is ignored")
    return {k: v for k, v in diff.items() if k not in bad}


def _union(existing: Any, added: list[Any]) -> list[Any]:
    result = list(existing) if isinstance(existing, list) else []
    for item in added:
        if item not in result:
            result.append(item)
    return result


def _cardinality(out: Element, diff: Element, inherited: Element, is_slice: bool, problems: list[str]) -> None:
    if "min" in diff:
        base_min = inherited.get("min")
        if isinstance(diff["min"], int) and isinstance(base_min, int) and diff["min"] < base_min and not is_slice:
            problems.append(f"min {diff['min']} is less than the base's min {base_min}")
        out["min"] = diff["min"]
    if "max" in diff:
        base_max = inherited.get("max")
        if base_max is not None and base_max != "*":
            new = parse_max(diff["max"])
            if new is None or new > (parse_max(base_max) or 0):
                problems.append(f"max {diff['max']} is more than the base's max {base_max}")
        out["max"] = diff["max"]


def _modifier_and_summary(out: Element, diff: Element, is_extension: bool, problems: list[str]) -> None:
    if "isModifier" in diff and diff["isModifier"] != out.get("isModifier"):
        if is_extension or "isModifier" not in out:
            out["isModifier"] = diff["isModifier"]
        else:
            problems.append(f"isModifier cannot be changed by a profile (base: {out.get('isModifier')})")
    if "isSummary" in diff and diff["isSummary"] != out.get("isSummary"):
        if "isSummary" not in out:
            out["isSummary"] = diff["isSummary"]
        else:
            problems.append(f"isSummary cannot be changed by a profile (base: {out.get('isSummary')})")


# R4 primitive types that specialise another (datatypes.html): `id` for a `string` (R4's Resource.id is
# declared a System String, the specification says `id`), `url` for a `uri`, `positiveInt` for an `integer`
_PRIMITIVE_SUBTYPES: dict[str, tuple[str, ...]] = {
    "string": ("code", "id", "markdown"),
    "uri": ("url", "canonical", "oid", "uuid"),
    "integer": ("positiveInt", "unsignedInt"),
}


def _types(out: Element, types: list[Any], inherited: Element, problems: list[str]) -> None:
    allowed = [type_code(t) for t in inherited.get("type", ()) if isinstance(t, dict)]
    if allowed:
        for t in types:
            if not isinstance(t, dict):
                continue
            code = type_code(t)
            ok = any(code == a or a in ("Element", "BackboneElement", "*", "Extension")
                     or (a in ("Resource", "DomainResource") and code[:1].isupper())
                     or code in _PRIMITIVE_SUBTYPES.get(a, ()) for a in allowed)
            if not ok:
                problems.append(f"type {code} is not one of the base's types ({', '.join(allowed)})")
    out["type"] = [dict(t) for t in types if isinstance(t, dict)]


def _binding(out: Element, binding: Element, problems: list[str]) -> None:
    old = out.get("binding")
    if isinstance(old, dict):
        old_rank = _STRENGTH_RANK.get(str(old.get("strength")), 3)
        new_rank = _STRENGTH_RANK.get(str(binding.get("strength", old.get("strength"))), 3)
        if old.get("strength") == "required" and new_rank > old_rank:
            problems.append(f"the required binding cannot be loosened to {binding.get('strength')}")
    if isinstance(old, dict) and not ("strength" in binding and "valueSet" in binding):
        merged = dict(old)
        merged.update(binding)  # a differential that only changes part of the binding keeps the rest
        out["binding"] = merged
    else:
        out["binding"] = dict(binding)


def with_sources(constraints: list[Any], source: str) -> list[Any]:
    """Inherited constraints, each naming the definition it came from (`source`)."""
    if not source or all(not isinstance(c, dict) or "source" in c for c in constraints):
        return constraints
    return [dict(c, source=source) if isinstance(c, dict) and "source" not in c else c for c in constraints]


def merge_constraints(existing: Any, added: list[Any], profile_url: str, inherited_source: str) -> list[Any]:
    """Inherited constraints kept (with their source), the profile's appended; a repeated key replaces."""
    result = with_sources(list(existing) if isinstance(existing, list) else [], inherited_source)
    for c in added:
        if not isinstance(c, dict):
            continue
        made = c if "source" in c or not profile_url else dict(c, source=profile_url)
        key = c.get("key")
        same = next((i for i, old in enumerate(result) if isinstance(old, dict) and key and old.get("key") == key),
                    None)
        if same is None:
            result.append(made)
        else:
            result[same] = made
    return result


def merge_slicing(existing: Any, added: Element) -> Element:
    """Slicing refined by a profile: discriminators accumulate; ordered, rules and description replace."""
    if not isinstance(existing, dict):
        return dict(added)
    merged = dict(existing)
    for key in ("ordered", "rules", "description"):
        if key in added:
            merged[key] = added[key]
    if isinstance(added.get("discriminator"), list):
        merged["discriminator"] = _union(existing.get("discriminator"), added["discriminator"])
    return merged


def _extensions(existing: Any, added: list[Any]) -> list[Any]:
    """Extensions on the definition: one with the same url as an inherited one replaces it."""
    urls = {e.get("url") for e in added if isinstance(e, dict)}
    kept = [e for e in existing if not (isinstance(e, dict) and e.get("url") in urls)] \
        if isinstance(existing, list) else []
    return kept + [e for e in added if isinstance(e, dict)]


def _bindable(elem: Element) -> bool:
    types = elem.get("type")
    if not types:
        return True  # a root or a content reference: nothing says the binding is wrong
    return any(isinstance(t, dict) and type_code(t) in _BINDABLE for t in types)


def _as_int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def apply_profile_root(current: Element, profile_root: Element, inherited_source: str) -> Element:
    """An element typed with a profile takes what that profile's root says about it.

    Extension slices read as their extension definition describes them (short, definition,
    comment, requirements, aliases, mappings, as the 2019 reference generator copied them); the
    root's constraints and conditions apply; a modifier extension stays a modifier
    (`isModifier`, `isModifierReason`); and the root's cardinality narrows the element's (the
    higher min, the lower max, as HL7's current generator merges a type profile's root), so an
    extension defined as 0..1 is 0..1 wherever it is used unless the differential says otherwise.
    """
    out = dict(current)
    for key in ("short", "definition", "comment", "requirements"):
        if key in profile_root:
            out[key] = profile_root[key]
    for key in ("alias", "mapping"):
        if key in profile_root:
            out[key] = profile_root[key]
        else:
            out.pop(key, None)
    for key in ("isModifier", "isModifierReason"):
        if key in profile_root:
            out[key] = profile_root[key]
    # the definition's root cardinality applies where the element is used: the higher min, the lower max
    root_min, root_max = profile_root.get("min"), profile_root.get("max")
    if isinstance(root_min, int) and not isinstance(root_min, bool) and root_min > _as_int(out.get("min"), 0):
        out["min"] = root_min
    narrower = parse_max(root_max) if isinstance(root_max, str) else None
    if narrower is not None:
        current_max = parse_max(out.get("max"))
        if current_max is None or narrower < current_max:
            out["max"] = root_max
    if isinstance(profile_root.get("condition"), list):
        out["condition"] = _union(out.get("condition"), profile_root["condition"])
    if isinstance(profile_root.get("constraint"), list):
        mine = with_sources(list(out.get("constraint") or []), inherited_source)
        keys = {c.get("key") for c in mine if isinstance(c, dict)}
        extra = [c for c in profile_root["constraint"] if isinstance(c, dict) and c.get("key") not in keys]
        out["constraint"] = mine + extra
    return out


def extension_documentation(current: Element) -> Element:
    """An extension element a profile slices or constrains reads as a plain "Extension".

    The base's text describes extensibility in general; the reference generator replaces it with
    a neutral one (and drops the base's comment, requirements, aliases and mappings), leaving the
    extension definition or the differential to say what this one is.
    """
    if current.get("short") == "Extension" and current.get("definition") == "An Extension" \
            and not any(k in current for k in ("comment", "requirements", "alias", "mapping")):
        return current
    out = {k: v for k, v in current.items() if k not in ("comment", "requirements", "alias", "mapping")}
    out["short"] = "Extension"
    out["definition"] = "An Extension"
    return out
