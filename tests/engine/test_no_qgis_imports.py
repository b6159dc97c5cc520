"""engine/ must stay free of QGIS and Qt: it runs as `python -m engine` and in worker threads."""
import ast
import os

ENGINE = os.path.join(os.path.dirname(__file__), "..", "..", "engine")
FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PySide2", "PySide6", "sip")


def _imports(path: str) -> list:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_engine_never_imports_qgis_or_qt() -> None:
    offenders = []
    files = 0
    for root, _, names in os.walk(ENGINE):
        for name in names:
            if name.endswith(".py"):
                files += 1
                path = os.path.join(root, name)
                offenders += [f"{path}: {m}" for m in _imports(path) if m.split(".")[0] in FORBIDDEN]
    assert files > 10
    assert offenders == []
