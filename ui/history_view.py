"""The dock's 'History' tab: a table of the runs (saved with the project), the selected run's quicklook, two
selected runs side by side at 1:1, and double-click to zoom the map to a run's output."""
from __future__ import annotations

import os
from typing import List, Optional

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .compare_view import CompareDialog
from .history import INDICES, RunRecord
from .places import method_label
from .quality import format_value
from .quicklook_view import QuicklookLabel

HEADERS = ("Time", "Method", "Adaptation", "Sensor", "D_rho", "R-Q2n", "HQNR", "Guard", "Seconds", "Output")
TIPS = {"D_rho": "sharpness against the PAN, lower is better", "R_Q2n": "consistency with the MS, higher is "
        "better", "HQNR": "kept for comparison: rewards smooth results, not the judge"}
HINT = ("Select a run to see its quicklook, two runs to compare them side by side at 1:1; double-click a run "
        "to zoom the map to it.")


def seconds_text(seconds: float) -> str:
    """'0.04' for quick runs, '95' for long ones: enough digits to compare runs."""
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.0f}"


def _item(text: str, tooltip: str = "", numeric: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tooltip or text)
    align = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


class HistoryView(QWidget):
    """zoom_requested(record) on double-click; changed() when records were added or cleared."""

    zoom_requested = pyqtSignal(object)
    changed = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.records: List[RunRecord] = []
        self.compare_dialog: Optional[CompareDialog] = None
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: gray;")
        self.picture = QuicklookLabel()
        self.compare_button = QPushButton("Compare side by side (1:1)")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self.compare)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.zoom_requested.emit(self.records[row]))
        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self.picture)

    def set_records(self, records: List[RunRecord]) -> None:
        """Show these records (a project was opened or cleared)."""
        self.records = []
        self.table.setRowCount(0)
        for record in records:
            self._append(record)
        self.picture.set_image("")
        self.changed.emit()

    def add(self, record: RunRecord) -> None:
        """Add a finished run at the bottom and select it (its quicklook shows)."""
        self._append(record)
        self.table.clearSelection()
        self.table.selectRow(len(self.records) - 1)
        self.changed.emit()

    def _append(self, record: RunRecord) -> None:
        row = len(self.records)
        self.records.append(record)
        self.table.insertRow(row)
        values = [_item(record.time_text(), record.layer), _item(method_label(record.method), record.method),
                  _item(record.adapt if record.adapt != "none" else "-", record.model), _item(record.sensor)]
        values += [_item(format_value(record.indices[k]), TIPS[k], True) if k in record.indices
                   else _item("", "not assessed") for k in INDICES]
        values += [_item(record.guard or "-", record.guard_detail or "no adaptation guard"),
                   _item(seconds_text(record.seconds), numeric=True),
                   _item(os.path.basename(record.output), record.output)]
        for column, item in enumerate(values):
            self.table.setItem(row, column, item)

    def selected(self) -> List[RunRecord]:
        """The selected records, in table order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.records[r] for r in rows]

    def _selection_changed(self) -> None:
        chosen = self.selected()
        self.compare_button.setEnabled(len(chosen) == 2)
        self.picture.set_image(chosen[0].quicklook if len(chosen) == 1 and
                               os.path.isfile(chosen[0].quicklook) else "")

    def compare(self) -> Optional[CompareDialog]:
        """Open the two selected runs' quicklooks side by side (None unless exactly two are selected)."""
        chosen = self.selected()
        if len(chosen) != 2:
            return None
        titles = [r.layer or f"{method_label(r.method)} {r.time_text()}" for r in chosen]
        self.compare_dialog = CompareDialog(list(zip(titles, [r.quicklook for r in chosen])), self)
        self.compare_dialog.show()
        return self.compare_dialog
