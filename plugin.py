"""The QGIS plugin object: wires the toolbar action, the dock and the Processing provider.

QGIS desktop calls initGui()/unload(); qgis_process calls initProcessing() only, with iface None.
"""
from __future__ import annotations

import os
from typing import Any, Optional

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

TITLE = "Pansharpen & Adapt"
ICON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources", "icon.svg")


class PansharpenAdaptPlugin:
    """Adds one toolbar/menu action that shows the dock, and the 'pansharpen_adapt' provider."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Optional[Any] = None
        self.action: Optional[QAction] = None
        self.dock: Optional[Any] = None

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        """Register the Processing provider (also used by qgis_process, without a GUI)."""
        from .ui.processing_provider import PansharpenProvider

        if self.provider is None:
            self.provider = PansharpenProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        """Provider, toolbar and Raster-menu action, and the (hidden) dock it toggles."""
        from .ui.dock import PansharpenDock
        from .ui.runtime import torch_problem

        self.initProcessing()
        main_window = self.iface.mainWindow()
        self.action = QAction(QIcon(ICON), TITLE, main_window)
        self.action.setObjectName("PansharpenAdaptAction")
        self.action.setToolTip("Pansharpen & Adapt: fuse a PAN and an MS raster")
        self.dock = PansharpenDock(self.iface, main_window)
        self.dock.setToggleVisibilityAction(self.action)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.iface.addToolBarIcon(self.action)
        self.iface.addPluginToRasterMenu(TITLE, self.action)
        problem = torch_problem()
        if problem:
            self.iface.messageBar().pushMessage(TITLE, problem, Qgis.Warning, 15)

    def unload(self) -> None:
        """Remove everything initGui/initProcessing added; a running dock job is cancelled first."""
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.action is not None:
            self.iface.removeToolBarIcon(self.action)
            self.iface.removePluginRasterMenu(TITLE, self.action)
            self.action.deleteLater()
            self.action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
