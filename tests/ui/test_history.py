"""The dock's run history (issue 19 item 3): the table, one quicklook, two side by side at 1:1, zoom on
double-click, and the history saved with the project (quicklooks next to the outputs)."""
from __future__ import annotations

import os

import pytest
from qgis.core import QgsProject, QgsRectangle

JOB_TIMEOUT_MS = 120_000


def _run(qtbot, dock, layers, output: str, method: str, adapt: str = "tailor", assess: bool = True) -> None:
    form = dock.form
    form.pan.setLayer(layers[0])
    form.ms.setLayer(layers[1])
    form.method.setCurrentIndex(form.method.findData(method))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData(adapt))
    form.adapt.steps.setValue(2)
    form.output.setFilePath(output)
    form.assess.setChecked(assess)
    with qtbot.waitSignal(dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        dock.run_button.click()
    assert blocker.args == ["succeeded"]


@pytest.fixture
def two_runs(plugin, qb_layers, qtbot, tmp_path):
    """mtf_glp_hpm, then fusionnet + Feature Tailor (2 steps), both assessed; returns the dock."""
    dock = plugin.dock
    _run(qtbot, dock, qb_layers, str(tmp_path / "a.tif"), "mtf_glp_hpm")
    _run(qtbot, dock, qb_layers, str(tmp_path / "b.tif"), "fusionnet")
    return dock


def test_history_lists_the_runs_with_their_indices_and_guard(two_runs, tmp_path) -> None:
    history = two_runs.history
    table = history.table
    assert table.rowCount() == 2 and two_runs.tabs.tabText(1) == "History (2)"
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Time", "Method", "Adaptation", "Sensor", "D_rho", "R-Q2n", "HQNR", "Guard", "Seconds",
                       "Output"]
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(2)]
    assert rows[0][1:4] == ["mtf_glp_hpm", "-", "quickbird"] and rows[0][7] == "-"
    assert rows[1][1:4] == ["fusionnet", "tailor", "quickbird"] and rows[1][7] in ("kept", "not kept")
    assert "held-out D_rho" in table.item(1, 7).toolTip()
    for r, record in enumerate(history.records):
        assert rows[r][4] and float(rows[r][4]) == pytest.approx(record.indices["D_rho"], abs=1e-4)
        assert set(record.indices) == {"D_rho", "R_Q2n", "HQNR"}
        assert record.seconds > 0 and float(rows[r][8]) == pytest.approx(record.seconds, abs=0.01)
        assert record.quicklook == str(tmp_path / ("ab"[r] + "_quicklook.png"))
    assert [row[9] for row in rows] == ["a.tif", "b.tif"]
    assert history.records[1].layer == two_runs.result_layer.name()


def test_selecting_one_shows_its_quicklook_two_compare_side_by_side(two_runs, qtbot) -> None:
    from qgis.PyQt.QtGui import QImage

    history = two_runs.history
    history.table.clearSelection()
    history.table.selectRow(0)
    assert history.picture.path == history.records[0].quicklook and not history.picture.isHidden()
    assert not history.compare_button.isEnabled()
    history.table.selectAll()
    assert history.picture.isHidden() and history.compare_button.isEnabled()
    history.compare_button.click()
    dialog = history.compare_dialog
    try:
        assert dialog is not None and dialog.isVisible() and len(dialog.areas) == 2
        for pixmap, record in zip(dialog.pixmaps, history.records):
            image = QImage(record.quicklook)
            assert (pixmap.width(), pixmap.height()) == (image.width(), image.height())  # 1:1
        bars = [area.horizontalScrollBar() for area in dialog.areas]
        qtbot.waitUntil(lambda: all(b.value() == b.maximum() for b in bars))  # opens on the results
        bars[0].setValue(bars[0].maximum() - 40)  # linked by the distance from the right end, where the
        assert [b.maximum() - b.value() for b in bars] == [40, 40]  # result panels line up
    finally:
        dialog.close()


def test_double_click_zooms_the_map_to_the_run(two_runs, spy_iface) -> None:
    canvas = spy_iface.mapCanvas()
    canvas.setExtent(QgsRectangle(0, 0, 1, 1))
    record = two_runs.history.records[0]
    two_runs.history.table.cellDoubleClicked.emit(0, 0)
    layer = next(lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.source() == record.output)
    extent = canvas.mapSettings().layerExtentToOutputExtent(layer, layer.extent())
    assert canvas.extent().intersects(extent) and canvas.extent().width() < 10 * extent.width()
    assert "zoomed to" in two_runs.log_view.toPlainText()


def test_history_is_saved_with_the_project(two_runs, tmp_path) -> None:
    records = list(two_runs.history.records)
    project = QgsProject.instance()
    path = str(tmp_path / "session.qgz")
    assert project.write(path)
    project.clear()
    assert two_runs.history.records == [] and two_runs.tabs.tabText(1) == "History"
    assert project.read(path)
    again = two_runs.history.records
    assert [(r.method, r.adapt, r.output, r.quicklook, r.indices) for r in again] == [
        (r.method, r.adapt, r.output, r.quicklook, r.indices) for r in records]
    assert all(os.path.isfile(r.quicklook) for r in again)  # the pictures survive with the outputs
    two_runs.history.table.selectRow(1)
    assert two_runs.history.picture.path == records[1].quicklook


def test_records_survive_bad_entries() -> None:
    from pansharpen_adapt.ui.history import RunRecord, dumps, loads

    record = RunRecord(when=0.0, method="gsa", adapt="none", sensor="quickbird", seconds=1.5, output="/o.tif",
                       indices={"D_rho": 0.1})
    assert loads(dumps([record])) == [record]
    assert loads("") == [] and loads("{broken") == [] and loads('[{"method": "x"}, 3]') == []
