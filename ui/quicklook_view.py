"""The quicklook picture in the dock's quality panel: the PNG scaled to the panel's width; click: full size.

The PNG is rendered by the engine on the worker thread (engine/evaluation/quicklook.py); only its path
crosses to the
main thread, where this label loads it.
"""
from __future__ import annotations

from typing import Any

from qgis.PyQt.QtCore import Qt, QUrl
from qgis.PyQt.QtGui import QDesktopServices, QPixmap
from qgis.PyQt.QtWidgets import QLabel, QSizePolicy

TOOLTIP = ("Quicklook of the window with the most PAN detail, at 1:1: upsampled MS | mtf_glp_hpm (classical "
           "reference) | the result, one stretch for all, and the PAN's detail map.\nClick to open it full "
           "size: {path}")


class QuicklookLabel(QLabel):
    """Hidden until set_image(path) loads a PNG; shows it scaled down to the label's width (never up)."""

    def __init__(self) -> None:
        super().__init__()
        self.path = ""
        self._original = QPixmap()
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # The label follows the panel's width instead of asking for the picture's (often > 1000 px).
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.hide()

    def set_image(self, path: str) -> bool:
        """Show the PNG at `path` ('' or an unreadable file: hide); True when a picture is shown."""
        self.path = path
        self._original = QPixmap(path) if path else QPixmap()
        if self._original.isNull():
            self.path = ""
            self.clear()
            self.setToolTip("")
            self.hide()
            return False
        self.setToolTip(TOOLTIP.format(path=path))
        self._rescale()
        self.show()
        return True

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._original.isNull():
            return
        width = max(1, min(self.width(), self._original.width()))
        scaled = self._original.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.setPixmap(scaled)
        self.setFixedHeight(scaled.height())

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if self.path and event.button() == Qt.MouseButton.LeftButton:
            self.open_full_size()
        super().mousePressEvent(event)

    def open_full_size(self) -> bool:
        """Open the PNG in the desktop's image viewer; False when there is none to open."""
        return bool(self.path) and QDesktopServices.openUrl(QUrl.fromLocalFile(self.path))
