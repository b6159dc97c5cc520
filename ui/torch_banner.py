"""The dock's strip shown while PyTorch is missing: one line saying nothing can run, the set-up button and
the help link (the README section 'Installing PyTorch', shown in a window)."""
from __future__ import annotations

from typing import Optional

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import help as plugin_help

TEXT = "PyTorch is not set up: no method can run yet (the engine computes with it)."
STYLE = "QFrame#PansharpenTorchBanner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 3px; }"


class TorchBanner(QFrame):
    """setup_requested when the button is pressed; the help link opens the README section in a window."""

    setup_requested = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("PansharpenTorchBanner")
        self.setStyleSheet(STYLE)
        self.label = QLabel(TEXT)
        self.label.setWordWrap(True)
        self.setup_button = QPushButton("Set up PyTorch...")
        self.setup_button.clicked.connect(self.setup_requested.emit)
        self.help_button = QPushButton("Help")
        self.help_button.setToolTip(f"README: '{plugin_help.INSTALLING_PYTORCH}'")
        self.help_button.clicked.connect(self.show_help)
        self.help_window: Optional[QWidget] = None
        buttons = QHBoxLayout()
        buttons.addWidget(self.setup_button)
        buttons.addWidget(self.help_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addLayout(buttons)

    def show_help(self) -> None:
        """The README section 'Installing PyTorch' in a window (kept so it is not collected)."""
        self.help_window = plugin_help.show_section(plugin_help.INSTALLING_PYTORCH, self)
