"""QGIS 4 (Qt6) readiness of ui/ and plugin.py, checked on QGIS 3.22 (PyQt5).

The checklist is QGIS's own scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py: unscoped enums (PyQt6 only has
``Qt.AlignmentFlag.AlignLeft``, not ``Qt.AlignLeft``), ``exec_``, imports from PyQt5, ``QVariant`` types,
``qApp``, ``QRegExp``, ``QDesktopWidget``, ``activated[str]``, compiled resources, ``QFontMetrics.width`` and
the renamed ``Qt.MidButton`` / ``TextColorRole`` / ``BackgroundColorRole``. Enums that QGIS moved to ``Qgis``
after 3.22 and ``QAction`` (QtWidgets on Qt5, QtGui on Qt6) come through ui/compat.py only.
"""
from __future__ import annotations

import ast
import enum
import importlib
import os
import re
from typing import Dict, Iterator, List, Tuple

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPAT = os.path.join("ui", "compat.py")
QT_MODULES = ("qgis.core", "qgis.gui", "qgis.PyQt.QtCore", "qgis.PyQt.QtGui", "qgis.PyQt.QtWidgets")
#: enum classes QGIS moved to Qgis.* after 3.22 (gone from their classes on QGIS 4): only ui/compat.py
#: names them, preferring the new name and falling back to the 3.22 one
MOVED = {("QgsProcessingParameterNumber", "Type"), ("QgsProcessingParameterFile", "Behavior"),
         ("QgsProcessing", "SourceType"), ("QgsProcessingParameterDefinition", "Flag"),
         ("QgsMapLayerProxyModel", "Filter"), ("QgsTask", "Flag"), ("QgsProcessingAlgorithm", "Flag")}
PATTERNS = {
    r"\bexec_\(": "exec_() is exec() on Qt6",
    r"\bfrom PyQt5\b|\bimport PyQt5\b": "import Qt through qgis.PyQt",
    r"\bQVariant\.(Int|Double|String|Bool|List|Map|Invalid)\b": "QVariant types are QMetaType.Type on Qt6",
    r"\bqApp\b": "qApp is QApplication.instance() on Qt6",
    r"\bQRegExp\b": "QRegExp is removed in Qt6",
    r"\.desktop\(\)": "QDesktopWidget is removed in Qt6",
    r"activated\[str\]": "activated[str] is removed in Qt6",
    r"resources_rc": "compiled resources are removed in Qt6",
    r"\bfontMetrics\(\)\.width\(": "QFontMetrics.width() is removed in Qt6",
    r"\bQt\.(MidButton|TextColorRole|BackgroundColorRole)\b": "renamed in Qt6",
    r"\bQtWidgets import[^\n]*\bQAction\b|\bQtWidgets\.QAction\b": "QAction comes from ui/compat.py",
}


def _sources() -> Iterator[str]:
    yield "plugin.py"
    for name in sorted(os.listdir(os.path.join(REPO, "ui"))):
        if name.endswith(".py"):
            yield os.path.join("ui", name)


def _imported(tree: ast.Module) -> Dict[str, object]:
    """Names imported from the Qt / QGIS modules -> the objects (classes, mostly)."""
    names: Dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in QT_MODULES:
            module = importlib.import_module(node.module)
            for alias in node.names:
                if hasattr(module, alias.name):
                    names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def _is_enum_value(value: object) -> bool:
    # PyQt5 / sip enum values are instances of a class whose metaclass is sip.enumtype; PyQt6 ones are
    # enum.Enum members
    meta = type(type(value))
    return (meta.__module__, meta.__name__) == ("sip", "enumtype") or isinstance(value, enum.Enum)


def unscoped_enums(path: str) -> List[Tuple[int, str]]:
    """(line, 'Class.Value') of every enum value reached without its enum's name, e.g. Qt.AlignLeft."""
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    names = _imported(tree)
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in names):
            value = getattr(names[node.value.id], node.attr, None)
            if _is_enum_value(value):
                found.append((node.lineno, f"{node.value.id}.{node.attr}"))
    return found


def moved_enums(path: str) -> List[Tuple[int, str]]:
    """(line, 'Class.Enum') of enum classes that QGIS 4 only has under Qgis (ui/compat.py resolves them)."""
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    return [(n.lineno, f"{n.value.id}.{n.attr}") for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
            and (n.value.id, n.attr) in MOVED]


@pytest.mark.parametrize("path", list(_sources()))
def test_enums_are_scoped(path: str) -> None:
    assert unscoped_enums(path) == []


@pytest.mark.parametrize("path", [p for p in _sources() if p != COMPAT])
def test_moved_enums_come_from_compat(path: str) -> None:
    assert moved_enums(path) == []


@pytest.mark.parametrize("path", list(_sources()))
def test_no_pyqt5_only_idioms(path: str) -> None:
    with open(os.path.join(REPO, path), encoding="utf-8") as f:
        text = f.read()
    hits = [(text[:m.start()].count("\n") + 1, why) for pattern, why in PATTERNS.items()
            for m in re.finditer(pattern, text) if path != COMPAT or "QAction" not in pattern]
    assert hits == []


def test_the_checker_finds_what_it_should(tmp_path) -> None:
    """The checker itself: an unscoped enum, a moved enum and exec_ are reported, scoped forms are not."""
    sample = tmp_path / "sample.py"
    sample.write_text("from qgis.PyQt.QtCore import Qt\nfrom qgis.core import QgsProcessing\n"
                      "a = Qt.AlignLeft\nb = Qt.AlignmentFlag.AlignLeft\nc = QgsProcessing.SourceType\n"
                      "d.exec_()\n")
    rel = os.path.relpath(str(sample), REPO)
    assert unscoped_enums(rel) == [(3, "Qt.AlignLeft")]
    assert moved_enums(rel) == [(5, "QgsProcessing.SourceType")]


def test_qaction_compat_import_works_here() -> None:
    from pansharpen_adapt.ui.compat import QAction
    from qgis.PyQt.QtWidgets import QAction as Qt5Action  # noqa: TID251 - Qt5's home, checked here only

    assert QAction is Qt5Action


def test_metadata_declares_qgis_4() -> None:
    with open(os.path.join(REPO, "metadata.txt"), encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"^qgisMaximumVersion=4\.99$", text, re.M)
    assert re.search(r"^qgisMinimumVersion=3\.22$", text, re.M)
