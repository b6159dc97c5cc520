"""The dock's quality panel: a compact table of the finished run's indices, with region and timings."""
from __future__ import annotations

from typing import TYPE_CHECKING, List, Optional, Tuple

from qgis.gui import QgsCollapsibleGroupBox
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .quality import direction, index_rows, timings_text
from .quicklook_view import QuicklookLabel

if TYPE_CHECKING:
    from ..engine import AssessmentReport

TITLE = "Quality of the result"
KIND_TITLES = {"full": "full resolution, no reference", "reference": "with a reference",
               "reduced": "reduced resolution"}


def _item(text: str, tooltip: str, align: int) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip)
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # read-only, not selectable
    return item


class IndicesView(QgsCollapsibleGroupBox):
    """Hidden until show_report(); one row per index: name, value, which direction is better; below, the
    quicklook picture of the run when there is one."""

    HEADERS = ("Index", "Value", "Better")

    def __init__(self) -> None:
        super().__init__(TITLE)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.picture = QuicklookLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.caption)
        layout.addWidget(self.picture)
        self.hide()

    def show_report(self, report: AssessmentReport, quicklook: str = "") -> None:
        """Fill the table from an engine report, show the quicklook PNG at `quicklook` (a path; '' for
        none) and show the panel."""
        rows = index_rows(report)
        self.table.setRowCount(len(rows))
        for i, row in enumerate(rows):
            tip = f"{row.title}; ideal {row.ideal}\n{row.settings}"
            self.table.setItem(i, 0, _item(row.name, tip, Qt.AlignmentFlag.AlignLeft))
            self.table.setItem(i, 1, _item(row.text, tip, Qt.AlignmentFlag.AlignRight))
            self.table.setItem(i, 2, _item(direction(row.better), tip, Qt.AlignmentFlag.AlignLeft))
        self.table.resizeRowsToContents()
        self._fit_height()
        self.setTitle(f"{TITLE} ({KIND_TITLES.get(report.kind, report.kind)})")
        caption = f"Assessed {report.region.describe()}; sensor {report.sensor}"
        if report.timings:
            caption += f"\nTimes: {timings_text(report)}"
        self.caption.setText(caption)
        self.picture.set_image(quicklook)
        self.show()

    def _fit_height(self) -> None:
        # Tall enough for every row without a scroll bar, no taller: the log below keeps the space.
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(i) for i in range(self.table.rowCount()))
        self.table.setFixedHeight(height)

    def clear(self) -> None:
        """Forget the shown indices and hide the panel (a new run starts)."""
        self.table.setRowCount(0)
        self.caption.clear()
        self.picture.set_image("")
        self.hide()

    def rows(self) -> List[Tuple[str, str, str]]:
        """(index, value text, direction) of every shown row."""
        return [(self._text(i, 0), self._text(i, 1), self._text(i, 2)) for i in range(self.table.rowCount())]

    def _text(self, row: int, column: int) -> str:
        item: Optional[QTableWidgetItem] = self.table.item(row, column)
        return item.text() if item is not None else ""
