"""What FHIRPath needs to know about FHIR types, read lazily from StructureDefinitions.

FHIRPath over FHIR is typed: `birthDate` compares as a Date because Patient.birthDate is a
`date`, `Observation.value` reaches `valueQuantity` because value[x] is a choice, and
`is(Quantity)` holds for an Age because Age derives from Quantity. `ModelInfo` is the small
protocol the engine asks; `StructureDefinitionModel` answers from StructureDefinition
snapshots obtained through an injectable resolver (the package layer's, or the core package
folder for tests and the CLI), reading each definition only when first needed.

Types are addressed by *keys*: a type name (`HumanName`) or, for elements defined inline
(BackboneElement/Element children), the element path (`Patient.contact`); `contentReference`
elements reuse the referenced path (`Questionnaire.item.item` → `Questionnaire.item`).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

CORE_PACKAGE = "hl7.fhir.r4.core#4.0.1"
SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
_SYSTEM_TO_FHIR = {
    "String": "string", "Boolean": "boolean", "Integer": "integer", "Decimal": "decimal",
    "Date": "date", "DateTime": "dateTime", "Time": "time",
}
_FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"


@dataclass(frozen=True, slots=True)
class ChildInfo:
    """One child element of a type, as FHIRPath sees it.

    For a choice element (`value[x]`) the entry under `value` lists the concrete names
    (`valueQuantity`, ...); each concrete name has its own entry with `concrete_of` set.
    """

    name: str
    types: tuple[str, ...]
    type_key: str | None  # key for navigating below this child (None for a choice base)
    choice: bool = False
    concrete: frozenset[str] = frozenset()
    many: bool = False
    concrete_of: str | None = None


class ModelInfo(Protocol):
    """The questions the engine asks about FHIR types."""

    @property
    def resource_types(self) -> frozenset[str]: ...

    def element_type(self, parent_type: str, name: str) -> tuple[list[str], bool] | None:
        """(type names, is_choice) of element `name` of `parent_type`, or None if unknown."""

    def child(self, parent_key: str, name: str) -> ChildInfo | None:
        """The child `name` (a FHIRPath name or a concrete choice name) of a type key."""

    def knows(self, key: str) -> bool:
        """Whether the children of this type key are known."""

    def type_name(self, key: str) -> str:
        """The FHIR type name of a key (`Patient.contact` → `BackboneElement`)."""

    def is_subtype(self, type_name: str, of_type: str) -> bool: ...

    def is_primitive(self, type_name: str) -> bool: ...

    def is_abstract(self, type_name: str) -> bool:
        """Abstract types (Resource, DomainResource) stand for any of their subtypes."""

    def has_type(self, type_name: str) -> bool: ...


def _cap(code: str) -> str:
    return code[:1].upper() + code[1:]


def _type_code(t: dict[str, Any], base_path: str) -> str:
    code = str(t.get("code", ""))
    if code.startswith("http://hl7.org/fhirpath/System."):
        if base_path == "Resource.id":  # the R4 definitions say 'string', the specification says 'id'
            return "id"
        for ext in t.get("extension", ()):
            if ext.get("url") == _FHIR_TYPE_EXT:
                return str(ext.get("valueUrl") or ext.get("valueUri") or "string")
        return _SYSTEM_TO_FHIR.get(code.rsplit(".", 1)[1], "string")
    return code


class StructureDefinitionModel:
    """ModelInfo built lazily from StructureDefinition snapshots.

    `resolve_type(type_name)` returns the StructureDefinition (a JSON dict) that defines a
    type, or None; the lead's package layer passes `PackageSet.resolve(SD_PREFIX + name)`.
    """

    def __init__(self, resolve_type: Callable[[str], dict[str, Any] | None],
                 resource_types: frozenset[str] | None = None) -> None:
        self._resolve = resolve_type
        self._resource_types = resource_types
        self._sds: dict[str, dict[str, Any] | None] = {}
        self._children: dict[str, dict[str, ChildInfo]] = {}
        self._key_names: dict[str, str] = {}
        self._loaded_roots: set[str] = set()
        self._lock = threading.RLock()

    # -- definitions --------------------------------------------------------------------------
    def definition(self, type_name: str) -> dict[str, Any] | None:
        try:
            return self._sds[type_name]
        except KeyError:
            pass
        with self._lock:
            try:
                sd = self._resolve(type_name)
            except Exception:  # a broken resolver must not break evaluation
                sd = None
            if sd is not None and sd.get("resourceType") != "StructureDefinition":
                sd = None
            self._sds[type_name] = sd
            return sd

    @property
    def resource_types(self) -> frozenset[str]:
        if self._resource_types is not None:
            return self._resource_types
        return frozenset(n for n, sd in self._sds.items() if sd is not None and sd.get("kind") == "resource")

    def has_type(self, type_name: str) -> bool:
        return self.definition(type_name) is not None

    def is_primitive(self, type_name: str) -> bool:
        sd = self.definition(type_name)
        return sd is not None and sd.get("kind") == "primitive-type"

    def is_abstract(self, type_name: str) -> bool:
        sd = self.definition(type_name)
        return sd is not None and bool(sd.get("abstract"))

    def is_resource(self, type_name: str) -> bool:
        sd = self.definition(type_name)
        return sd is not None and sd.get("kind") == "resource"

    def base_type(self, type_name: str) -> str | None:
        sd = self.definition(type_name)
        if sd is None:
            return None
        base = sd.get("baseDefinition")
        return base.rsplit("/", 1)[-1] if isinstance(base, str) else None

    def is_subtype(self, type_name: str, of_type: str) -> bool:
        seen = 0
        t: str | None = type_name
        while t is not None and seen < 32:
            if t == of_type:
                return True
            t = self.base_type(t)
            seen += 1
        return False

    # -- children -----------------------------------------------------------------------------
    def _load(self, root: str) -> None:
        with self._lock:
            if root in self._loaded_roots:
                return
            self._loaded_roots.add(root)
            sd = self.definition(root)
            if sd is None:
                return
            elements = (sd.get("snapshot") or {}).get("element") or []
            type_root = str(sd.get("type") or root)
            primitive = sd.get("kind") == "primitive-type"
            for e in elements:
                self._add_element(root, type_root, e, primitive)
            self._children.setdefault(root, {})

    def _add_element(self, root: str, type_root: str, e: dict[str, Any], primitive: bool) -> None:
        path = str(e.get("path", ""))
        if "." not in path or e.get("sliceName"):
            return
        parent_path, name = path.rsplit(".", 1)
        if primitive and name == "value" and "." not in parent_path:
            return
        # keys are rooted at the type's own name (Age.value, not Quantity.value)
        parent_key = root + parent_path[len(type_root):] if parent_path.startswith(type_root) else parent_path
        key = parent_key + "." + name
        siblings = self._children.setdefault(parent_key, {})
        base_path = str((e.get("base") or {}).get("path", path))
        many = str(e.get("max", "1")) not in ("0", "1")
        ref = e.get("contentReference")
        if ref:
            target = str(ref).split("#", 1)[-1]
            target_key = root + target[len(type_root):] if target.startswith(type_root) else target
            self._key_names.setdefault(target_key, "BackboneElement")
            if name not in siblings:
                siblings[name] = ChildInfo(name, (self._key_names.get(target_key, "BackboneElement"),),
                                           target_key, many=many)
            return
        codes = tuple(_type_code(t, base_path) for t in e.get("type") or ())
        if name.endswith("[x]"):
            base = name[:-3]
            concrete = {base + _cap(c): c for c in codes}
            if base not in siblings:
                siblings[base] = ChildInfo(base, codes, None, choice=True, concrete=frozenset(concrete), many=many)
                for cname, code in concrete.items():
                    siblings[cname] = ChildInfo(base, (code,), code, many=many, concrete_of=base)
            return
        if name in siblings:
            return
        if len(codes) == 1 and codes[0] in ("BackboneElement", "Element") and parent_key:
            self._key_names[key] = codes[0]
            siblings[name] = ChildInfo(name, codes, key, many=many)
        else:
            siblings[name] = ChildInfo(name, codes, codes[0] if codes else None, many=many)

    def _siblings(self, key: str) -> dict[str, ChildInfo] | None:
        found = self._children.get(key)
        if found is None:
            root = key.split(".", 1)[0]
            if root not in self._loaded_roots:
                self._load(root)
                found = self._children.get(key)
        return found

    def child(self, parent_key: str, name: str) -> ChildInfo | None:
        siblings = self._siblings(parent_key)
        return None if siblings is None else siblings.get(name)

    def knows(self, key: str) -> bool:
        return self._siblings(key) is not None

    def children(self, key: str) -> dict[str, ChildInfo]:
        return dict(self._siblings(key) or {})

    def type_name(self, key: str) -> str:
        if "." in key:
            if key not in self._key_names:
                self._siblings(key)
            return self._key_names.get(key, "BackboneElement")
        return key

    def element_type(self, parent_type: str, name: str) -> tuple[list[str], bool] | None:
        info = self.child(parent_type, name)
        if info is None or info.concrete_of is not None:
            return None
        types = [self.type_name(info.type_key) if info.type_key else t for t in info.types]
        return types, info.choice


# -- the core package, straight from its folder -------------------------------------------------

def package_cache_root() -> Path:
    return Path(os.environ.get("FHIR_PACKAGE_CACHE") or "~/.fhir/packages").expanduser()


def core_package_folder() -> Path | None:
    folder = package_cache_root() / CORE_PACKAGE / "package"
    return folder if folder.is_dir() else None


def folder_resolver(folder: Path) -> tuple[Callable[[str], dict[str, Any] | None], frozenset[str]]:
    """A resolver over an unpacked package folder (by `.index.json`, else by file name)."""
    files: dict[str, str] = {}
    resources: set[str] = set()
    index = folder / ".index.json"
    if index.is_file():
        try:
            for entry in json.loads(index.read_text(encoding="utf-8")).get("files", []):
                if entry.get("resourceType") != "StructureDefinition":
                    continue
                url = str(entry.get("url", ""))
                if url.startswith(SD_PREFIX):
                    files[url[len(SD_PREFIX):]] = str(entry["filename"])
                if entry.get("kind") == "resource" and entry.get("type"):
                    resources.add(str(entry["type"]))
        except (OSError, ValueError, KeyError):
            files.clear()

    def resolve(type_name: str) -> dict[str, Any] | None:
        name = files.get(type_name, f"StructureDefinition-{type_name}.json")
        path = folder / name
        if "/" in type_name or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    return resolve, frozenset(resources)


def folder_model(folder: Path) -> StructureDefinitionModel:
    resolve, resources = folder_resolver(folder)
    return StructureDefinitionModel(resolve, resources or None)


@lru_cache(maxsize=1)
def default_model() -> StructureDefinitionModel:
    """The R4 core model from the package cache, or an empty model when it is not installed."""
    folder = core_package_folder()
    if folder is None:
        return StructureDefinitionModel(lambda _name: None, frozenset())
    return folder_model(folder)
