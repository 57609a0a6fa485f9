"""The layer contract of ARCHITECTURE.md, enforced: no module imports a layer above its own.

The contract is the table between the `layer-contract` markers in ARCHITECTURE.md; this test reads it from
there, so the document and the check cannot drift apart. Every import form counts: absolute, relative,
`from conformance import x`, and `importlib.import_module` / `__import__` with a literal (or `__name__`- /
`__package__`-based) name. Imports only under `if TYPE_CHECKING:` never run, so they do not count.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "conformance"
ROOT = "conformance"

# the foundation every layer may use: the user-error base class, the interruption handling, the version
FOUNDATION = {"errors", "interrupts", "__init__"}
UNRESTRICTED = {"cli", "__main__"}  # the CLI wires everything; nothing below may import it

_ROW = re.compile(r"^\|\s*`(?P<layer>\w+)`\s*\|(?P<allowed>[^|]*)\|\s*$")


def read_contract(text: str) -> dict[str, set[str]]:
    """The `layer -> layers it may import` table between the layer-contract markers of ARCHITECTURE.md."""
    start = text.index("<!-- layer-contract: start -->")
    end = text.index("<!-- layer-contract: end -->", start)
    table: dict[str, set[str]] = {}
    for line in text[start:end].splitlines():
        match = _ROW.match(line.strip())
        if match:
            table[match["layer"]] = set(re.findall(r"`(\w+)`", match["allowed"]))
    return table


CONTRACT = read_contract((REPO / "ARCHITECTURE.md").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the absolute dotted name imported (conformance.x.y)


def _module_name(path: Path, package_root: Path) -> tuple[str, bool]:
    """The dotted name of a source file, and whether it is a package's `__init__`."""
    rel = path.relative_to(package_root.parent).with_suffix("")
    parts = list(rel.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    return ".".join(parts), is_package


def _resolve_relative(name: str, level: int, module: str, is_package: bool) -> str | None:
    """`from ..x import y` in `module` → the absolute `conformance.x` (None if it climbs above the root)."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, name] if name else base)


def _literal_module(call: ast.Call, module: str, is_package: bool) -> str | None:
    """The module an `importlib.import_module(...)` / `__import__(...)` call loads, where it can be known."""
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if called not in ("import_module", "__import__") or not call.args:
        return None
    own_package = module if is_package else module.rpartition(".")[0]
    first = call.args[0]
    if isinstance(first, ast.JoinedStr) and first.values:
        head = first.values[0]
        # f"{__name__}.{x}" / f"{__package__}.{x}": a module below this one's own package, so the same layer
        if isinstance(head, ast.FormattedValue) and isinstance(head.value, ast.Name) and head.value.id in (
                "__name__", "__package__"):
            return own_package
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value.rstrip(".") or None
        return None
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    name = first.value
    if not name.startswith("."):
        return name
    anchor = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "package"),
                                                          None)
    if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
        base = anchor.value
    elif isinstance(anchor, ast.Name) and anchor.id in ("__name__", "__package__"):
        base = own_package
    else:
        return None
    stripped = name.lstrip(".")
    return _resolve_relative(stripped, len(name) - len(stripped), base, is_package=True)


def find_imports(source: str, module: str, is_package: bool = False) -> list[Import]:
    """Every runtime import of a `conformance` module in `source`, the module `module` (dotted name)."""
    tree = ast.parse(source)
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    found: list[Import] = []
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.extend(Import(node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (node.module or "") if node.level == 0 else _resolve_relative(
                node.module or "", node.level, module, is_package)
            if base is None:
                continue
            # `from conformance import reports` imports the module conformance.reports
            found.extend(Import(node.lineno, f"{base}.{a.name}") for a in node.names if a.name != "*")
            if any(a.name == "*" for a in node.names):
                found.append(Import(node.lineno, base))
        elif isinstance(node, ast.Call):
            loaded = _literal_module(node, module, is_package)
            if loaded:
                found.append(Import(node.lineno, loaded))
    return [i for i in found if i.module == ROOT or i.module.startswith(ROOT + ".")]


def _target_layer(imported: str) -> str:
    """The layer of an imported name: `conformance.<layer>...`; a name of conformance/__init__ is `__init__`."""
    parts = imported.split(".")
    if len(parts) < 2:
        return "__init__"
    head = parts[1]
    is_module = (PACKAGE / head).is_dir() or (PACKAGE / f"{head}.py").is_file()
    return head if is_module else "__init__"


def violations(source: str, module: str, is_package: bool = False,
               contract: dict[str, set[str]] | None = None) -> list[str]:
    """Imports in `source` that break the layer contract (an empty list when it keeps it)."""
    contract = CONTRACT if contract is None else contract
    parts = module.split(".")
    layer = parts[1] if len(parts) > 1 else "__init__"
    if layer in UNRESTRICTED:
        return []
    if layer not in contract and layer not in FOUNDATION:
        return [f"layer '{layer}' is not in ARCHITECTURE.md's layer contract; add it"]
    allowed = contract.get(layer, set())
    found = []
    for imp in find_imports(source, module, is_package):
        target = _target_layer(imp.module)
        if target == layer or target in FOUNDATION or target in allowed:
            continue
        found.append(f"line {imp.line}: imports {imp.module}: '{layer}' may not depend on '{target}'")
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(path: Path) -> None:
    module, is_package = _module_name(path, PACKAGE)
    assert violations(path.read_text(encoding="utf-8"), module, is_package) == []


def test_the_foundation_imports_no_layer() -> None:
    for name in ("errors", "interrupts", "__init__"):
        path = PACKAGE / f"{name}.py"
        module, is_package = _module_name(path, PACKAGE)
        assert [i.module for i in find_imports(path.read_text(encoding="utf-8"), module, is_package)] == []


def test_the_contract_names_every_layer_of_the_package() -> None:
    layers = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    layers |= {p.stem for p in PACKAGE.glob("*.py")}
    assert layers - UNRESTRICTED - FOUNDATION == set(CONTRACT)
    for layer, allowed in CONTRACT.items():
        assert allowed <= set(CONTRACT), f"{layer} names an unknown layer"


# --- the checker catches every import form (synthetic sources; the contract: files may not import reports) ---

UPWARD = [
    pytest.param("import conformance.reports.junit\n", id="import-dotted"),
    pytest.param("import conformance.reports.junit as j\n", id="import-as"),
    pytest.param("from conformance.reports import junit\n", id="from-absolute"),
    pytest.param("from conformance.reports.junit import write\n", id="from-absolute-deep"),
    pytest.param("from conformance import reports\n", id="from-root"),
    pytest.param("from conformance import issues, reports\n", id="from-root-two-names"),
    pytest.param("from ..reports import junit\n", id="relative"),
    pytest.param("from .. import reports\n", id="relative-root"),
    pytest.param("from ..reports.junit import write\n", id="relative-deep"),
    pytest.param("import importlib\nimportlib.import_module('conformance.reports.junit')\n", id="import_module"),
    pytest.param("from importlib import import_module\nimport_module('conformance.reports')\n",
                 id="import_module-bare"),
    pytest.param("import importlib\nimportlib.import_module('..reports', __package__)\n",
                 id="import_module-relative"),
    pytest.param("import importlib\nimportlib.import_module('.reports.junit', package='conformance')\n",
                 id="import_module-package"),
    pytest.param("__import__('conformance.reports')\n", id="dunder-import"),
    pytest.param("import importlib\nimportlib.import_module(f'conformance.reports.{name}')\n",
                 id="import_module-fstring"),
    pytest.param("def later():\n    from conformance.reports import junit\n", id="lazy-in-function"),
    pytest.param("import typing\nif not typing.TYPE_CHECKING or True:\n    pass\nimport conformance.reports\n",
                 id="after-type-checking-block"),
]


@pytest.mark.parametrize("source", UPWARD)
def test_every_upward_import_form_is_caught(source: str) -> None:
    found = violations(source, "conformance.files.example")
    assert len(found) == 1
    assert "'files' may not depend on 'reports'" in found[0]


@pytest.mark.parametrize("source", [
    "from . import sibling\n",
    "from .sibling import thing\n",
    "from ..validation import create_validator\n",
    "from conformance import __version__\n",
    "from conformance.errors import ConformanceError\n",
    "import conformance.files.walk\n",
    "import importlib\nimportlib.import_module(f'{__name__}.plugin')\n",
    "import importlib\nimportlib.import_module(name)\n",  # not knowable: nothing claimed
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from conformance.reports import junit\n",
    "import json\nfrom os import path\n",
])
def test_allowed_imports_pass(source: str) -> None:
    assert violations(source, "conformance.files.example") == []


def test_relative_imports_resolve_from_a_package_init() -> None:
    # in conformance/files/__init__.py, `.` is conformance.files itself and `..` is conformance
    assert [i.module for i in find_imports("from . import walk\n", "conformance.files", is_package=True)] == [
        "conformance.files.walk"]
    assert violations("from .. import reports\n", "conformance.files", is_package=True) != []
    assert violations("from .walk import walk_files\n", "conformance.files", is_package=True) == []


def test_nothing_imports_the_cli_in_any_form() -> None:
    for source in ("from conformance.cli import main\n", "from ..cli import main\n", "from .. import cli\n",
                   "import importlib\nimportlib.import_module('conformance.cli.run')\n"):
        assert violations(source, "conformance.reports.example") == [
            f"line {source.count(chr(10))}: imports {find_imports(source, 'conformance.reports.example')[0].module}:"
            " 'reports' may not depend on 'cli'"]


def test_an_unknown_layer_is_reported() -> None:
    assert violations("import json\n", "conformance.newlayer.x") == [
        "layer 'newlayer' is not in ARCHITECTURE.md's layer contract; add it"]


def test_the_contract_is_read_from_the_table() -> None:
    text = ("x\n<!-- layer-contract: start -->\n| layer | may import |\n|---|---|\n| `a` | |\n"
            "| `b` | `a` |\n| `c` | `a`, `b` |\n<!-- layer-contract: end -->\n| `d` | `a` |\n")
    assert read_contract(text) == {"a": set(), "b": {"a"}, "c": {"a", "b"}}
    assert violations("from conformance.files import walk\n", "conformance.issues.x",
                      contract={"issues": set()}) != []
