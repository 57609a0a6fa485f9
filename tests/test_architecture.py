"""The layer contract of ARCHITECTURE.md, enforced: no module imports a layer above its own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "conformance"

# a layer may import itself and the layers listed for it
ALLOWED: dict[str, set[str]] = {
    "issues": set(),
    "results": {"issues"},  # plus the FOUNDATION below, as every layer
    "fhir": {"issues"},
    "packages": {"issues", "fhir"},
    "definitions": {"issues", "fhir", "packages"},
    "fhirpath": {"issues", "fhir", "definitions"},
    "terminology": {"issues", "fhir", "packages", "definitions"},
    "validation": {"issues", "fhir", "packages", "definitions", "fhirpath", "terminology"},
    "profiles": {"issues", "fhir", "packages", "definitions", "results"},
    "files": {"issues", "fhir", "packages", "definitions", "fhirpath", "terminology", "validation", "results",
              "profiles"},
    "scenarios": {"issues", "fhir", "packages", "definitions", "fhirpath", "terminology", "validation", "files",
                  "results", "profiles"},
    "reference": {"issues", "fhir", "packages", "definitions", "fhirpath", "terminology", "validation", "results"},
    "reports": {"issues", "fhir", "packages", "definitions", "terminology", "validation", "files", "results",
                "profiles", "scenarios"},
}
TOP_LEVEL_SHARED = {"__init__"}  # conformance/__init__.py holds only the version
# the foundation every layer may use: the user-error base class and the interruption handling
FOUNDATION = {"errors", "interrupts"}
ALLOWED.update({name: set() for name in FOUNDATION})


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> list[str]:
    """Runtime imports of `conformance` modules (imports only for type checking do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: list[str] = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("conformance"):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("conformance"))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    layer = rel.parts[0].removesuffix(".py")
    if layer in ("cli", "__main__") or layer in TOP_LEVEL_SHARED:
        return
    allowed = ALLOWED.get(layer)
    assert allowed is not None, f"{rel}: layer '{layer}' is not in ARCHITECTURE.md's table; add it"
    for module in _imports(path):
        target = _layer(module)
        if target in (layer, "conformance", "__init__") or target in FOUNDATION:
            continue
        assert target in allowed, f"{rel} imports {module}: '{layer}' may not depend on '{target}'"


def test_nothing_imports_the_cli() -> None:
    for path in MODULES:
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("cli", "__main__.py"):
            continue
        assert not any(m.startswith("conformance.cli") for m in _imports(path)), f"{rel} imports the CLI"
