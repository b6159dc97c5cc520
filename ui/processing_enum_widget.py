"""Readable labels for the plugin's enum parameters in the Processing dialogs, values still the ids.

An enum parameter with static strings stores its option strings, so the ids ('mtf_glp_hpm') stay what
qgis_process, processing.run and saved models take, and QGIS's own dialog widget would show them raw. The
parameters' 'widget_wrapper' metadata names LabelledEnum, which processing.gui.wrappers calls as
``LabelledEnum(param, dialog, row, col, labels=...)``: it returns QGIS's own enum widget wrapper (so values,
defaults and validation stay QGIS's), with its combo box made up front and its items relabelled
'MTF-GLP-HPM (mtf_glp_hpm)'. QGIS keeps a wrapper's widget once made (createWrappedWidget returns it again),
so the dialog shows the relabelled one. The Model Designer gets QGIS's widget as it is (ids), and anything
unexpected falls back to it too.

Why not a Python widget wrapper: a QComboBox created in a Python override of createWidget ends up with two
Python wrappers (QGIS returns the widget as a new object), and deleting either crashes QGIS 3.22.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from qgis.core import QgsProcessingContext
from qgis.gui import QgsGui, QgsProcessingGui
from qgis.PyQt import sip
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QComboBox

#: processing.gui.wrappers's dialog class names -> widget types (it keys them by class name too)
DIALOG_TYPES = {"AlgorithmDialog": QgsProcessingGui.WidgetType.Standard,
                "BatchAlgorithmDialog": QgsProcessingGui.WidgetType.Batch,
                "ModelerParametersDialog": QgsProcessingGui.WidgetType.Modeler}


def relabel(combo: QComboBox, labels: Mapping[str, str]) -> None:
    """Show each item whose value is an id in `labels` by its label (the id stays the item's value)."""
    for i in range(combo.count()):
        value = combo.itemData(i)
        if isinstance(value, str) and value in labels:
            combo.setItemText(i, labels[value])
            combo.setItemData(i, value, Qt.ItemDataRole.ToolTipRole)


class LabelledEnum:
    """The class named in the metadata: LabelledEnum(param, dialog, row, col, labels=...) returns QGIS's
    widget wrapper for that dialog, relabelled where it is a combo box (see the module docstring)."""

    def __new__(cls, param: Any, dialog: Any, row: int = 0, col: int = 0,  # type: ignore[misc]
                labels: Optional[Mapping[str, str]] = None, **kwargs: Any) -> Any:
        registry = QgsGui.processingGuiRegistry()
        widget_type = DIALOG_TYPES.get(type(dialog).__name__, QgsProcessingGui.WidgetType.Standard)
        if widget_type == QgsProcessingGui.WidgetType.Modeler:
            return registry.createModelerParameterWidget(dialog.model, dialog.childId, param, dialog.context)
        wrapper = registry.createParameterWidgetWrapper(param, widget_type)
        wrapper.setDialog(dialog)
        widget = wrapper.createWrappedWidget(QgsProcessingContext())
        # QGIS owns the widget from here (its dialog's layout parents it); without this Python would delete
        # it when `widget` goes, and the dialog would get a fresh, unlabelled one.
        sip.transferto(widget, None)
        if isinstance(widget, QComboBox):
            relabel(widget, labels or {})
        return wrapper
