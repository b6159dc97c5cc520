"""The QGIS plugin object: the toolbar action, the dock, 'Set up PyTorch...' and the Processing provider.

QGIS desktop calls initGui()/unload(); qgis_process calls initProcessing() only, with iface None.
"""
from __future__ import annotations

import os
from typing import Any, List, Optional

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QPushButton

from .ui.compat import QAction

TITLE = "Pansharpen & Adapt"
ICON = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources", "icon.svg")
#: short enough to fit the message bar beside its button when the dock takes half the window
SETUP_TEXT = "PyTorch is not set up."


class PansharpenAdaptPlugin:
    """Adds the toolbar/menu action that shows the dock, 'Set up PyTorch...' in the plugin's menu, and the
    'pansharpen_adapt' Processing provider."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Optional[Any] = None
        self.action: Optional[QAction] = None
        self.setup_action: Optional[QAction] = None
        self.dock: Optional[Any] = None
        self.setup_dialog: Optional[Any] = None  # kept while open: it holds the running install task
        self.setup_message: Optional[Any] = None  # the message bar item with the set-up button

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        """Register the Processing provider (also used by qgis_process, without a GUI)."""
        from .ui.processing_provider import PansharpenProvider

        if self.provider is None:
            self.provider = PansharpenProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        """Provider, toolbar and Raster-menu actions, the (hidden) dock, and the set-up offer when PyTorch
        is missing."""
        from .ui.dock import PansharpenDock

        self.initProcessing()
        main_window = self.iface.mainWindow()
        self.action = QAction(QIcon(ICON), TITLE, main_window)
        self.action.setObjectName("PansharpenAdaptAction")
        self.action.setToolTip("Pansharpen & Adapt: fuse a PAN and an MS raster")
        self.setup_action = QAction("Set up PyTorch...", main_window)
        self.setup_action.setObjectName("PansharpenAdaptSetupTorch")
        self.setup_action.triggered.connect(self.show_setup)
        self.dock = PansharpenDock(self.iface, main_window)
        self.dock.setToggleVisibilityAction(self.action)
        self.dock.setup_requested.connect(self.show_setup)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()
        self.iface.addToolBarIcon(self.action)
        for action in self._menu_actions():
            self.iface.addPluginToRasterMenu(TITLE, action)
        self._offer_setup()

    def _menu_actions(self) -> List[QAction]:
        return [a for a in (self.action, self.setup_action) if a is not None]

    def _offer_setup(self) -> None:
        """While PyTorch is missing: a warning in the message bar with the set-up button (short, so it is
        not cut off; the dock's log has the whole reason)."""
        from .ui.runtime import torch_problem

        if torch_problem() is None:
            return
        bar = self.iface.messageBar()
        item = bar.createMessage(TITLE, SETUP_TEXT)
        button = QPushButton("Set up PyTorch...")
        button.clicked.connect(self.show_setup)
        item.layout().addWidget(button)
        self.setup_message = bar.pushWidget(item, Qgis.MessageLevel.Warning, 0)

    def show_setup(self) -> Any:
        """Open (or raise) the 'Set up PyTorch' window; returns it."""
        from .ui.torch_setup_dialog import TorchSetupDialog

        if self.setup_dialog is None:
            self.setup_dialog = TorchSetupDialog(self.iface.mainWindow())
            self.setup_dialog.finished_setup.connect(self._setup_finished)
        self.setup_dialog.show()
        self.setup_dialog.raise_()
        return self.setup_dialog

    def _setup_finished(self, problem: str) -> None:
        """PyTorch was installed: use it now (dock, Processing), or say that QGIS must be restarted."""
        bar = self.iface.messageBar()
        if self.setup_message is not None:
            bar.popWidget(self.setup_message)
            self.setup_message = None
        if problem:
            bar.pushMessage(TITLE, f"PyTorch is installed; restart QGIS to use it ({problem})",
                            Qgis.MessageLevel.Warning, 0)
            return
        if self.dock is not None:
            self.dock.refresh_torch()  # logs what torch sees (CPU / GPU)
        if self.provider is not None:
            self.provider.refreshAlgorithms()
        bar.pushMessage(TITLE, "PyTorch is ready: every method can run now", Qgis.MessageLevel.Success, 10)

    def unload(self) -> None:
        """Remove everything initGui/initProcessing added; a running dock job is cancelled first."""
        if self.setup_dialog is not None:
            self.setup_dialog.close()  # cancels a running install
            self.setup_dialog.deleteLater()
            self.setup_dialog = None
        if self.setup_message is not None:
            self.iface.messageBar().popWidget(self.setup_message)
            self.setup_message = None
        if self.dock is not None:
            self.dock.shutdown()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        for action in self._menu_actions():
            self.iface.removePluginRasterMenu(TITLE, action)
        if self.action is not None:
            self.iface.removeToolBarIcon(self.action)
        for action in self._menu_actions():
            action.deleteLater()
        self.action = self.setup_action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
