"""The engine's import graph: no circle, and no import that runs back up a layer (every import made
anywhere in a module counts, inside functions too; only `if TYPE_CHECKING:` blocks are left out)."""
from __future__ import annotations

import ast
import os
from typing import Dict, List, Set

import pytest

ENGINE = os.path.join(os.path.dirname(__file__), "..", "..", "engine")

#: the layers, lowest first: a module may import its own layer and the layers below, never one above.
#: engine/__init__.py (lazy re-exports) and __main__.py sit on top of everything.
LAYERS = [
    {"errors", "atomic", "progress", "options", "version"},
    {"paths", "devices", "precision", "physics", "raster"},
    {"request", "backbones", "metrics", "weights"},
    {"methods", "training", "generative"},
    {"adapt", "swift", "fusion", "moments"},
    {"jobs", "pipeline", "uncertainty"},
    {"evaluation"},
    {"api"},
    {"cli"},
]


def _modules() -> Dict[str, str]:
    """Dotted module name (engine.x.y) -> file path, for every .py file in engine/."""
    out = {}
    for folder, _, files in os.walk(ENGINE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                dotted = "engine." + os.path.relpath(path, ENGINE)[:-3].replace(os.sep, ".")
                out[dotted[:-len(".__init__")] if dotted.endswith(".__init__") else dotted] = path
    return out


def _type_checking_nodes(tree: ast.AST) -> Set[int]:
    skip: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def _targets(module: str, is_package: bool, node: ast.AST, modules: Dict[str, str]) -> List[str]:
    """The engine modules an import statement loads (a from-import of a submodule names the submodule)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "engine"]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        parts = (module if is_package else module.rsplit(".", 1)[0]).split(".")
        base = ".".join(parts[:len(parts) - node.level + 1])
        target = f"{base}.{node.module}" if node.module else base
    elif (node.module or "").split(".")[0] == "engine":
        target = str(node.module)
    else:
        return []
    return [f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names]


def import_graph() -> Dict[str, Set[str]]:
    """engine module -> the engine modules it imports (engine/__init__.py's lazy exports excluded)."""
    modules = _modules()
    graph: Dict[str, Set[str]] = {}
    for module, path in modules.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        skip = _type_checking_nodes(tree)
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skip:
                edges.update(t for t in _targets(module, path.endswith("__init__.py"), node, modules)
                             if t in modules and t != module)
        graph[module] = edges
    return graph


def _cycle(graph: Dict[str, Set[str]]) -> List[str]:
    """One import circle as [a, b, ..., a], or [] when there is none (depth-first search)."""
    state: Dict[str, int] = {}
    stack: List[str] = []

    def visit(node: str) -> List[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []
    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def _layer(module: str) -> int:
    unit = module.split(".")[1] if module.count(".") else ""
    for i, layer in enumerate(LAYERS):
        if unit in layer:
            return i
    return len(LAYERS)  # engine/__init__.py, __main__.py


def test_every_engine_unit_has_a_layer() -> None:
    units = {m.split(".")[1] for m in _modules() if m.count(".")} - {"__main__"}
    assert units <= set().union(*LAYERS), sorted(units - set().union(*LAYERS))


def test_there_is_no_import_circle() -> None:
    assert _cycle(import_graph()) == []


def test_no_import_runs_back_up_a_layer() -> None:
    upward = sorted(f"{a} -> {b}" for a, targets in import_graph().items() for b in targets
                    if a not in ("engine", "engine.__main__") and _layer(b) > _layer(a))
    assert upward == []


@pytest.mark.parametrize("graph, circle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
])
def test_the_circle_finder_finds_circles(graph: Dict[str, Set[str]], circle: bool) -> None:
    assert bool(_cycle(graph)) == circle
