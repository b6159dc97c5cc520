"""The dock assesses the finished run on its real QThread worker and shows the indices."""
from __future__ import annotations

import os

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import Qt

JOB_TIMEOUT_MS = 120_000


def _run(qtbot, dock, pan, ms, output: str, assess: bool) -> str:
    form = dock.form
    form.pan.setLayer(pan)
    form.ms.setLayer(ms)
    form.method.setCurrentIndex(form.method.findData("mtf_glp_hpm"))
    form.output.setFilePath(output)
    form.assess.setChecked(assess)
    with qtbot.waitSignal(dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        dock.run_button.click()
    return blocker.args[0]


def test_dock_shows_the_indices_of_the_run(plugin, qb_layers, qtbot, tmp_path) -> None:
    from pansharpen_adapt.engine.evaluation.assess import assess_files
    from pansharpen_adapt.engine.metrics import INDEX_INFO
    from pansharpen_adapt.ui.quality import format_value

    dock = plugin.dock
    assert dock.form.assess.isChecked()  # on by default
    progress_messages = []
    dock.progress.valueChanged.connect(lambda _: progress_messages.append(dock.progress.format()))
    out = str(tmp_path / "assessed.tif")
    assert _run(qtbot, dock, *qb_layers, out, assess=True) == "succeeded"

    expected = assess_files(qb_layers[0].source(), qb_layers[1].source(), out)
    assert dock.report is not None and dock.report.indices == expected.indices
    assert dock.indices.isVisibleTo(dock) and not dock.indices.isHidden()
    rows = dock.indices.rows()
    assert [r[0] for r in rows] == list(expected.indices)
    units = {k: f" {INDEX_INFO[k].unit}" if INDEX_INFO[k].unit else "" for k in expected.indices}
    assert [r[1] for r in rows] == [format_value(v) + units[k] for k, v in expected.indices.items()]
    assert dict((r[0], r[2]) for r in rows)["HQNR"] == "higher is better"
    assert dict((r[0], r[2]) for r in rows)["D_s"] == "lower is better"
    better = dict((r[0], r[2]) for r in rows)  # the modern full-resolution protocol is in the table too
    assert better["D_rho"] == better["R_SAM"] == better["D_s_R"] == "lower is better"
    assert better["R_Q2n"] == better["RQNR"] == "higher is better"
    log = dock.log_view.toPlainText()
    assert f"HQNR {format_value(expected.indices['HQNR'])} (higher is better)" in log
    assert "assessed 256x256 px, whole image" in log
    assert set(dock.report.timings) == {"run", "assess"}
    assert f"run {dock.report.timings['run']:.2f} s, assessment" in log
    assert any("assessing" in m for m in progress_messages)
    assert dock.indices.caption.text().startswith("Assessed 256x256 px")


def test_unticked_checkbox_skips_the_assessment_and_is_remembered(plugin, qb_layers, qtbot, tmp_path) -> None:
    dock = plugin.dock
    assert _run(qtbot, dock, *qb_layers, str(tmp_path / "a.tif"), assess=True) == "succeeded"
    assert not dock.indices.isHidden()
    assert _run(qtbot, dock, *qb_layers, str(tmp_path / "b.tif"), assess=False) == "succeeded"
    assert dock.report is None and dock.indices.isHidden() and dock.indices.rows() == []
    last_run = dock.log_view.toPlainText().split("running mtf_glp_hpm")[-1]
    assert "HQNR" not in last_run and "is better" not in last_run
    assert QgsSettings().value("pansharpen_adapt/dock/assess", True, type=bool) is False
    from pansharpen_adapt.ui.dock_form import FusionForm

    assert not FusionForm().assess.isChecked()


def test_cancel_during_the_assessment_keeps_the_fused_raster(qgis_new_project, qtbot, data_paths,
                                                            tmp_path) -> None:
    from pansharpen_adapt.engine.request import PansharpenRequest
    from pansharpen_adapt.ui.worker import FusionWorker

    pan, ms = data_paths("quickbird")
    out = str(tmp_path / "kept.tif")
    worker = FusionWorker(PansharpenRequest(pan=pan, ms=ms, output=out), assess=True)

    def cancel_when_assessing(fraction: float, message: str) -> None:
        if message.startswith("assessing"):  # runs on the worker thread (direct connection)
            worker.cancel()

    worker.progressed.connect(cancel_when_assessing, Qt.DirectConnection)
    with qtbot.waitSignal(worker.succeeded, timeout=JOB_TIMEOUT_MS) as blocker:
        worker.start()
    worker.wait()
    outcome = blocker.args[0]
    assert outcome.report is None and "cancelled" in outcome.assessment_problem
    assert outcome.result.output == out and os.path.isfile(out)


def test_failed_assessment_keeps_the_run(plugin, pair_layers, qtbot, tmp_path, monkeypatch) -> None:
    from pansharpen_adapt.engine import assess
    from pansharpen_adapt.engine.errors import EngineError

    def refuse(*args, **kwargs):
        raise EngineError("fused raster is too small to assess: 16 px, need at least 32")

    monkeypatch.setattr(assess, "assess_files", refuse)
    out = str(tmp_path / "small.tif")
    assert _run(qtbot, plugin.dock, *pair_layers("quickbird"), out, assess=True) == "succeeded"
    assert plugin.dock.result_layer is not None and plugin.dock.indices.isHidden()
    assert "quality assessment failed: fused raster is too small" in plugin.dock.log_view.toPlainText()


def test_dock_shows_the_quicklook_of_the_assessed_run(plugin, qb_layers, qtbot, tmp_path) -> None:
    from qgis.PyQt.QtGui import QImage

    dock = plugin.dock
    assert _run(qtbot, dock, *qb_layers, str(tmp_path / "pictured.tif"), assess=True) == "succeeded"
    picture = dock.indices.picture
    assert dock.quicklook and os.path.isfile(dock.quicklook) and picture.path == dock.quicklook
    assert not picture.isHidden() and picture.pixmap() is not None and not picture.pixmap().isNull()
    assert picture.pixmap().width() <= QImage(dock.quicklook).width()  # scaled to fit, never up
    assert dock.quicklook in picture.toolTip() and "open it full size" in picture.toolTip()
    assert f"quicklook: {dock.quicklook}" in dock.log_view.toPlainText()
    # The picture lives next to the output, so the run history of a reopened project still shows it.
    assert sorted(os.listdir(tmp_path)) == ["pictured.tif", "pictured_quicklook.png"]
    assert dock.quicklook == str(tmp_path / "pictured_quicklook.png")
    assert _run(qtbot, dock, *qb_layers, str(tmp_path / "plain.tif"), assess=False) == "succeeded"
    assert dock.quicklook == "" and picture.isHidden()
    assert sorted(os.listdir(tmp_path)) == ["pictured.tif", "pictured_quicklook.png", "plain.tif"]
    dock.shutdown()
    assert os.path.isfile(str(tmp_path / "pictured_quicklook.png"))  # kept: the history refers to it
