"""FHIR XML → its exact FHIR JSON form, driven by the core StructureDefinitions.

UK Core and other national profiles are kept by their authors as XML; everything above the
packages layer works on JSON dicts. The XML alone cannot say which elements repeat (JSON arrays)
or which primitives are booleans or numbers, so the conversion walks the positioned tree built by
`conformance.fhir.xml_reader.read_xml` together with the core definitions of each type:

- an element whose base definition has max > 1 is a JSON array, even with one occurrence;
- `boolean` values become `true`/`false`, `integer`/`positiveInt`/`unsignedInt` become ints,
  `decimal`s become numbers (see `decimal_value` for how precision is kept); all else is a string;
- the `id` and extensions of a primitive go to `_name` (arrays aligned with `null`s when it repeats);
- choice elements keep their typed names (`valueQuantity`), nested resources (`contained`,
  `Bundle.entry.resource`) get their own `resourceType`, and the XHTML narrative stays a string.

Types are looked up through a callable (`resolve_core_sd("Patient")`), so the converter works
from a loaded package set as well as from a plain dict of definitions.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.fhir.tree import Node
from conformance.issues import Issue, Severity, make_issue
from conformance.packages.errors import PackageError

CoreResolver = Callable[[str], "dict[str, Any] | None"]

FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
SYSTEM_PREFIX = "http://hl7.org/fhirpath/System."
_SYSTEM_TO_FHIR = {"String": "string", "Boolean": "boolean", "Integer": "integer", "Decimal": "decimal",
                   "Date": "date", "DateTime": "dateTime", "Time": "time"}
_INTEGER_TYPES = frozenset({"integer", "positiveInt", "unsignedInt", "integer64"})
_INLINE_TYPES = frozenset({"BackboneElement", "Element"})


class XmlConversionError(PackageError):
    """An XML resource that cannot become JSON (not well-formed, not FHIR, unknown resource type)."""


@dataclass(frozen=True, slots=True)
class _Prop:
    """One element a parent may hold: what its JSON name(s) are and what type each value has."""

    name: str  # without `[x]`
    path: str
    types: tuple[str, ...]
    repeats: bool
    choice: bool
    content_reference: str | None


def type_code(type_ref: dict[str, Any]) -> str:
    """The FHIR type of a type reference; FHIRPath system types map through the fhir-type extension."""
    code = str(type_ref.get("code", ""))
    if code.startswith(SYSTEM_PREFIX):
        for ext in type_ref.get("extension", ()):
            if isinstance(ext, dict) and ext.get("url") == FHIR_TYPE_EXT:
                return str(ext.get("valueUrl") or ext.get("valueUri") or "string")
        return _SYSTEM_TO_FHIR.get(code[len(SYSTEM_PREFIX):], "string")
    return code


class _TypeInfo:
    """One type's snapshot, indexed by parent path → JSON property name → element."""

    def __init__(self, sd: dict[str, Any]) -> None:
        snapshot = sd.get("snapshot")
        listed = snapshot.get("element") if isinstance(snapshot, dict) else None
        elements = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        self.root = str(elements[0].get("path", sd.get("type", ""))) if elements else str(sd.get("type", ""))
        self.kind = str(sd.get("kind", ""))
        self.children: dict[str, dict[str, _Prop]] = {}
        self.choices: dict[str, list[_Prop]] = {}
        for element in elements[1:]:
            if ":" in str(element.get("id", "")) or element.get("sliceName"):
                continue  # slices never change the JSON shape
            path = str(element.get("path", ""))
            parent, _, name = path.rpartition(".")
            choice = name.endswith("[x]")
            if choice:
                name = name[:-3]
            types = tuple(type_code(t) for t in element.get("type", ()) if isinstance(t, dict))
            prop = _Prop(name, path, types, element.get("max", "1") not in ("0", "1"), choice,
                         element.get("contentReference"))
            self.children.setdefault(parent, {})[name] = prop
            if choice:
                self.choices.setdefault(parent, []).append(prop)

    def lookup(self, parent: str, json_name: str) -> tuple[_Prop, str] | None:
        """The element and concrete type behind a JSON/XML property name under `parent`."""
        prop = self.children.get(parent, {}).get(json_name)
        if prop is not None and not prop.choice:
            return prop, (prop.types[0] if prop.types else "")
        for choice in self.choices.get(parent, ()):
            suffix = json_name[len(choice.name):]
            if json_name.startswith(choice.name) and suffix[:1].isupper():
                for t in choice.types:
                    if t[:1].upper() + t[1:] == suffix:
                        return choice, t
        return None


class JsonModel:
    """The core types the converter needs, compiled once per type and cached."""

    def __init__(self, resolve_core_sd: CoreResolver) -> None:
        self._resolve = resolve_core_sd
        self._types: dict[str, _TypeInfo | None] = {}

    def type_info(self, type_name: str) -> _TypeInfo | None:
        if type_name not in self._types:
            sd = self._resolve(type_name) if type_name else None
            info = _TypeInfo(sd) if isinstance(sd, dict) else None
            self._types[type_name] = info if info is not None and info.kind else None
        return self._types[type_name]

    def is_primitive(self, type_name: str) -> bool:
        info = self.type_info(type_name)
        if info is not None:
            return info.kind == "primitive-type"
        return type_name[:1].islower()


def decimal_value(lexical: str) -> int | float | decimal.Decimal:
    """A FHIR decimal as a JSON number without losing what was written.

    `12` → int 12; `1.5` → float 1.5 (its `str` gives back `1.5`); anything a float would
    change (`1.50`, `0.1000`, `1e2`, 20 significant digits) → `decimal.Decimal`, which keeps the
    value and its precision (`str` gives back the text, with exponents written as `1E+2`). `json.dumps` cannot write a Decimal; use `simplejson` or convert with
    `str` when serialising. Raises ValueError for text that is not a number.
    """
    text = lexical.strip()
    if text.lstrip("+-").isdigit():
        return int(text)
    try:
        as_float = float(text)
    except ValueError:
        raise ValueError(lexical) from None
    if repr(as_float) == text:
        return as_float
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise ValueError(lexical) from None


class _Converter:
    """Walks one parsed XML tree with the model, collecting representation issues."""

    def __init__(self, model: JsonModel) -> None:
        self.model = model
        self.issues: list[Issue] = []

    def resource(self, node: Node, omit: frozenset[str] = frozenset()) -> dict[str, Any] | None:
        rtype = node.resource_type or node.name
        info = self.model.type_info(rtype)
        if info is None or info.kind != "resource":
            self.issues.append(make_issue("structure.unknown-resource-type", node, name=rtype))
            return None
        out: dict[str, Any] = {"resourceType": rtype}
        self._fill(out, node, info, info.root, omit)
        return out

    def _fill(self, out: dict[str, Any], node: Node, info: _TypeInfo, path: str,
              omit: frozenset[str] = frozenset()) -> None:
        """The children of a complex node (or a resource) into `out`, grouped by name in document order
        (those named in `omit` left out)."""
        if node.value is not None:
            self.issues.append(make_issue("structure.complex-expected", node, name=node.name, type=path))
        groups: dict[str, list[Node]] = {}
        for child in node.children:
            if child.name not in omit:
                groups.setdefault(child.name, []).append(child)
        for name, nodes in groups.items():
            found = info.lookup(path, name)
            if found is None:
                self.issues.append(make_issue("structure.unknown-element", nodes[0], name=name))
                out[name] = [self._lenient(n) for n in nodes] if len(nodes) > 1 else self._lenient(nodes[0])
                continue
            prop, tcode = found
            if self.model.is_primitive(tcode) or tcode == "xhtml":
                self._primitives(out, name, nodes, tcode, prop.repeats)
                continue
            values = [self._complex(n, prop, tcode, info) for n in nodes]
            # a repeated non-repeating element keeps every occurrence; the validator reports it
            out[name] = values if prop.repeats or len(values) > 1 else values[0]

    def _complex(self, node: Node, prop: _Prop, tcode: str, info: _TypeInfo) -> Any:
        if tcode in ("Resource", "DomainResource") or node.resource_type is not None:
            if node.resource_type is None:
                self.issues.append(make_issue("structure.resource-expected", node, name=node.name))
                return self._lenient(node)
            return self.resource(node) or self._lenient(node)
        if prop.content_reference:
            target = prop.content_reference.partition("#")[2]
            out: dict[str, Any] = {}
            self._fill(out, node, info, target)
            return out
        if tcode in _INLINE_TYPES and prop.path in info.children:
            out = {}
            self._fill(out, node, info, prop.path)
            return out
        type_info = self.model.type_info(tcode)
        if type_info is None:
            return self._lenient(node)
        out = {}
        self._fill(out, node, type_info, type_info.root)
        return out

    def _primitives(self, out: dict[str, Any], name: str, nodes: list[Node], tcode: str, repeats: bool) -> None:
        values = [self._primitive_value(n, tcode) for n in nodes]
        extras = [self._primitive_extras(n) for n in nodes]
        many = repeats or len(nodes) > 1
        if any(v is not None for v in values):
            out[name] = values if many else values[0]
        if any(e is not None for e in extras):
            out["_" + name] = extras if many else extras[0]

    def _primitive_value(self, node: Node, tcode: str) -> Any:
        text = node.value
        if text is None:
            return None
        try:
            if tcode == "boolean":
                if text not in ("true", "false"):
                    raise ValueError(text)
                return text == "true"
            if tcode in _INTEGER_TYPES:
                return int(text)
            if tcode == "decimal":
                return decimal_value(text)
        except ValueError:
            self.issues.append(make_issue("value.format", node, value=text, type=tcode))
        return text

    def _primitive_extras(self, node: Node) -> dict[str, Any] | None:
        """`{"id": ..., "extension": [...]}` of a primitive, or None when it has neither."""
        extras: dict[str, Any] = {}
        extension_info = self.model.type_info("Extension")
        for child in node.children:
            if child.name == "id" and child.value is not None and not child.children:
                extras["id"] = child.value
            elif child.name == "extension" and extension_info is not None:
                ext: dict[str, Any] = {}
                self._fill(ext, child, extension_info, extension_info.root)
                extras.setdefault("extension", []).append(ext)
            else:
                self.issues.append(make_issue("structure.primitive-expected", child, name=node.name,
                                              type="primitive"))
        return extras or None

    def _lenient(self, node: Node) -> Any:
        """Something the definitions do not describe, kept as written (strings, objects, arrays)."""
        if not node.children:
            return node.value
        out: dict[str, Any] = {"resourceType": node.resource_type} if node.resource_type else {}
        groups: dict[str, list[Node]] = {}
        for child in node.children:
            groups.setdefault(child.name, []).append(child)
        for name, nodes in groups.items():
            out[name] = [self._lenient(n) for n in nodes] if len(nodes) > 1 else self._lenient(nodes[0])
        return out


def node_to_json(root: Node, model: JsonModel, omit: frozenset[str] = frozenset()) -> tuple[dict[str, Any] | None, list[Issue]]:
    """A resource tree (from any reader) as its FHIR JSON dict, with the issues met on the way; top-level
    elements named in `omit` are left out (a StructureDefinition's snapshot, when only its differential
    is wanted)."""
    converter = _Converter(model)
    return converter.resource(root, omit), converter.issues


def convert_xml(data: bytes, model: JsonModel) -> tuple[dict[str, Any] | None, list[Issue]]:
    """Parse and convert one XML resource. Never raises for bad input: problems become issues."""
    from conformance.fhir.xml_reader import read_xml  # here: lxml (7 ms) only for a package that holds XML

    parsed = read_xml(data)
    if parsed.root is None:
        return None, list(parsed.issues)
    resource, issues = node_to_json(parsed.root, model)
    return resource, list(parsed.issues) + issues


def xml_to_json(data: bytes, model: JsonModel) -> dict[str, Any]:
    """The JSON dict of one XML resource; `XmlConversionError` (one clear line) when there is none.

    Non-fatal problems (an unknown element, a malformed boolean) do not stop the conversion:
    the content is kept as written and the validator reports it when the resource is validated.
    """
    resource, issues = convert_xml(data, model)
    if resource is None:
        worst = next((i for i in issues if i.severity in (Severity.FATAL, Severity.ERROR)), None)
        where = f"line {worst.line}, column {worst.column}: " if worst is not None and worst.line else ""
        reason = worst.message if worst is not None else "no resource found"
        raise XmlConversionError(f"cannot convert XML to JSON: {where}{reason}")
    return resource


def make_xml_to_json(resolve_core_sd: CoreResolver) -> Callable[[bytes], dict[str, Any]]:
    """The converter the packages layer takes (`load_packages(..., xml_to_json=...)`).

    `resolve_core_sd(type_name)` returns the core StructureDefinition (with snapshot) of a type,
    e.g. `lambda name: package_set.resolve(CORE_SD_PREFIX + name)`. Types are compiled once.
    """
    model = JsonModel(resolve_core_sd)

    def convert(data: bytes) -> dict[str, Any]:
        return xml_to_json(data, model)

    return convert
