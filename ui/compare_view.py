"""Two runs' quicklooks side by side at 1:1, scrolled together, to look at detail where the methods differ.

The quicklooks of runs on the same inputs show the same window (the one with the most PAN detail) in panels
of one size: upsampled MS | mtf_glp_hpm | the run's result | the PAN's detail map, where mtf_glp_hpm's own
quicklook has no reference panel. Counted from the right the panels line up (result, then detail map), so
the scroll bars are linked by their distance from the right end and start there: the results side by side.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

from qgis.PyQt.QtCore import Qt, QTimer
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
            area.horizontalScrollBar().valueChanged.connect(lambda _value, a=area: self._follow(a))
            for other in self.areas:
                if other is not area:
                    area.verticalScrollBar().valueChanged.connect(other.verticalScrollBar().setValue)
        widest = max((p.width() for p in self.pixmaps), default=400)
        tallest = max((p.height() for p in self.pixmaps), default=300)
        self.resize(min(1400, len(self.pixmaps) * widest + 60), min(900, tallest + 110))

    def _follow(self, leader: QScrollArea) -> None:
        """Scroll the others to the same distance from their right ends as `leader`."""
        bar = leader.horizontalScrollBar()
        from_right = bar.maximum() - bar.value()
        for area in self.areas:
            other = area.horizontalScrollBar()
            if area is not leader and other.maximum() - other.value() != from_right:
                other.setValue(other.maximum() - from_right)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        QTimer.singleShot(0, self.scroll_to_results)  # once laid out: the scroll ranges are known then

    def scroll_to_results(self) -> None:
        """Show the right ends: the results and the detail maps, aligned."""
        for area in self.areas:
            area.horizontalScrollBar().setValue(area.horizontalScrollBar().maximum())

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
