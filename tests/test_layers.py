"""The tree tells the truth about the layers: imports go one way, and `__all__` lists exactly
the public names (as httpx's tests/test_exported_members.py does).

    model:  mapper.model, errors, regions, filters, results, memory
    core:   mapper.stores, mapper.analysis, mapper.settings
    edges:  ingest, visualize
    service: mapper.service, mapper.workers
    top:    api, mapper.cli

A module may import its own layer and the layers below it, never one above. The API and the
CLI reach the core and the edges only through the service (and the model layer's
declarations). No two modules import each other, directly or through others.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("mapper", "ingest", "api", "visualize")

LAYERS = {
    "model": ("mapper", "mapper.model", "mapper.errors", "mapper.regions", "mapper.filters",
              "mapper.results", "mapper.memory"),
    "core": ("mapper.stores", "mapper.analysis", "mapper.settings"),
    "edges": ("ingest", "visualize"),
    "service": ("mapper.service", "mapper.workers"),
    "top": ("api", "mapper.cli"),
}
ORDER = list(LAYERS)
# The top reaches the layers between it and the model only through the service.
SKIPS_ALLOWED = {"top": {"model", "service", "top"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(path): path
    for package in PACKAGES
    for path in sorted((ROOT / package).rglob("*.py"))
}


def layer_of(module: str) -> str:
    """The layer of the longest prefix that names one."""
    best = max(
        (prefix for names in LAYERS.values() for prefix in names
         if module == prefix or module.startswith(prefix + ".")),
        key=len,
    )
    return next(layer for layer, names in LAYERS.items() if best in names)


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports anywhere in its code (function-level too)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and name not in module.split(".")[:1]:
                found.add(name)
    return found


def test_every_module_has_a_layer():
    assert {module: layer_of(module) for module in MODULES}


def test_no_module_imports_a_layer_above_it():
    wrong = []
    for module in MODULES:
        mine = ORDER.index(layer_of(module))
        allowed = SKIPS_ALLOWED.get(layer_of(module))
        for imported in imports_of(module):
            theirs = layer_of(imported)
            if ORDER.index(theirs) > mine or (allowed is not None and theirs not in allowed):
                wrong.append(f"{module} ({layer_of(module)}) imports {imported} ({theirs})")
    assert wrong == []


def test_no_import_cycles():
    G = nx.DiGraph((module, imported) for module in MODULES for imported in imports_of(module))
    cycles = [cycle for cycle in nx.simple_cycles(G) if len(cycle) > 1]
    assert cycles == []


def test_the_walker_sees_imports():
    """The checks above can fail: the walker finds the service's imports of each layer below."""
    assert {"ingest", "mapper.filters", "mapper.analysis.gaps", "visualize.gap_map"} <= (
        imports_of("mapper.service")
    )
    assert layer_of("mapper.analysis.gaps") == "core" and layer_of("mapper") == "model"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_all_lists_exactly_the_public_names(name):
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    defined = {n for n in defined_names(name) if not n.startswith("_")}
    if MODULES[name].name == "__init__.py" and exported is None:
        assert defined <= {"__version__"}  # a package without an API of its own
        return
    assert exported is not None, f"{name} has no __all__"
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == [], f"{name}.__all__ names what it does not have"
    assert defined - set(exported) == set(), f"{name} defines public names not in __all__"


def defined_names(module: str) -> set[str]:
    """The functions, classes and constants written at the top of `module` itself."""
    names = set()
    for node in ast.parse(MODULES[module].read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _registered(node):
            continue  # a route or a command: reached through its router or group
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _registered(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a decorator registers the function on a router or a click group."""
    for decorator in function.decorator_list:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (
            isinstance(call, ast.Attribute)
            and isinstance(call.value, ast.Name)
            and call.value.id in {"router", "cli", "app"}
        ):
            return True
    return False
