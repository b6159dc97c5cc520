"""Two runs' quicklooks side by side at 1:1, scrolled together, to look at detail where the methods differ.

The quicklooks of runs on the same inputs show the same window (the one with the most PAN detail), so
the panels line up: upsampled MS | mtf_glp_hpm | the run's result | the PAN's detail map.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import QDialog, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget


class CompareDialog(QDialog):
    """Non-modal window: one column per (title, PNG path), each picture unscaled in its own scroll area; the
    scroll bars move together, so both show the same part of the window."""

    def __init__(self, pictures: Sequence[Tuple[str, str]], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs at 1:1")
        self.areas: List[QScrollArea] = []
        self.pixmaps: List[QPixmap] = []
        row = QHBoxLayout(self)
        for title, path in pictures:
            row.addLayout(self._column(title, path), 1)
        for area in self.areas:
            for other in self.areas:
                if other is not area:
                    area.horizontalScrollBar().valueChanged.connect(other.horizontalScrollBar().setValue)
                    area.verticalScrollBar().valueChanged.connect(other.verticalScrollBar().setValue)
        widest = max((p.width() for p in self.pixmaps), default=400)
        tallest = max((p.height() for p in self.pixmaps), default=300)
        self.resize(min(1400, len(self.pixmaps) * widest + 60), min(900, tallest + 110))

    def _column(self, title: str, path: str) -> QVBoxLayout:
        pixmap = QPixmap(path)
        picture = QLabel()
        if pixmap.isNull():
            picture.setText(f"No quicklook: {path or 'the run was not assessed'}")
        else:
            picture.setPixmap(pixmap)  # 1:1, never scaled: the point is to see the pixels
        picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        area = QScrollArea()
        area.setWidget(picture)
        area.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        caption = QLabel(f"<b>{title}</b>")
        caption.setToolTip(path)
        column = QVBoxLayout()
        column.addWidget(caption)
        column.addWidget(area, 1)
        self.areas.append(area)
        self.pixmaps.append(pixmap)
        return column
