"""ui/ uses only the engine's public API: every import of the engine is `from ..engine import NAME` with
NAME in engine.__all__, never a module below it (orchestration lives in engine/api.py)."""
from __future__ import annotations

import ast
import glob
import os

UI = os.path.join(os.path.dirname(__file__), "..", "..", "ui")


def _engine_imports():  # type: ignore[no-untyped-def]
    for path in sorted(glob.glob(os.path.join(UI, "*.py"))):
        tree = ast.parse(open(path, encoding="utf-8").read(), path)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "engine":
                yield os.path.basename(path), node
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if "engine" in alias.name.split("."):
                        yield os.path.basename(path), node


def test_ui_imports_only_public_engine_names() -> None:
    from pansharpen_adapt import engine

    public = set(engine.__all__)
    bad = []
    count = 0
    for name, node in _engine_imports():
        count += 1
        if not isinstance(node, ast.ImportFrom) or node.level != 2 or node.module != "engine":
            bad.append(f"{name}:{node.lineno} imports below the engine's API")
        else:
            bad += [f"{name}:{node.lineno} {a.name} is not public" for a in node.names
                    if a.name not in public]
    assert count > 10 and bad == []
