"""The dock runs jobs through its real QThread worker and adds the result on the main thread."""
from __future__ import annotations

import glob
import os

import pytest
from osgeo import gdal
from qgis.core import Qgis, QgsMultiBandColorRenderer, QgsProject, QgsRasterLayer

JOB_TIMEOUT_MS = 120_000


def _fill_form(dock, pan, ms, output: str, method: str = "mtf_glp_hpm", block_size: int = 1024) -> None:
    form = dock.form
    form.pan.setLayer(pan)
    form.ms.setLayer(ms)
    form.method.setCurrentIndex(form.method.findData(method))
    form.block_size.setValue(block_size)
    form.output.setFilePath(output)


def _run(qtbot, dock) -> str:
    with qtbot.waitSignal(dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        dock.run_button.click()
        assert not dock.run_button.isEnabled()  # disabled while the job runs
    return blocker.args[0]


def test_dock_guesses_pan_and_ms_layers(plugin, qb_layers) -> None:
    pan, ms = qb_layers
    plugin.dock.form.pan.setLayer(ms)
    plugin.dock.form.ms.setLayer(pan)
    plugin.dock.form.guess_layers()
    assert plugin.dock.form.pan.currentLayer() is pan
    assert plugin.dock.form.ms.currentLayer() is ms


def test_dock_run_adds_a_stretched_rgb_layer(plugin, qb_layers, qtbot, tmp_path) -> None:
    pan, ms = qb_layers
    out = str(tmp_path / "dock.tif")
    _fill_form(plugin.dock, pan, ms, out, method="gsa")
    assert _run(qtbot, plugin.dock) == "succeeded"
    assert plugin.dock.worker is None and plugin.dock.run_button.isEnabled()
    layer = plugin.dock.result_layer
    assert isinstance(layer, QgsRasterLayer) and QgsProject.instance().mapLayer(layer.id()) is layer
    assert layer.source() == out and layer.bandCount() == 4 and layer.width() == pan.width()
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    # QuickBird bands are blue, green, red, nir: red is band 3, blue band 1.
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)
    low, high = layer.dataProvider().cumulativeCut(3, 0.02, 0.98)
    enhancement = renderer.redContrastEnhancement()
    assert (enhancement.minimumValue(), enhancement.maximumValue()) == pytest.approx((low, high))
    log = plugin.dock.log_view.toPlainText()
    assert "device: cpu" in log and "method gsa" in log


def test_dock_empty_output_goes_to_the_output_folder(plugin, qb_layers, qtbot, private_home) -> None:
    """Nothing lost: a blank Output is a new file in ~/pansharpen_adapt (the project's folder once the project
    is saved) named after the method and the time, not a temporary file."""
    pan, ms = qb_layers
    _fill_form(plugin.dock, pan, ms, "")
    assert plugin.dock.form.output_folder() == os.path.join(private_home, "pansharpen_adapt")
    assert "pansharpen_adapt" in plugin.dock.form.output.lineEdit().placeholderText()
    assert _run(qtbot, plugin.dock) == "succeeded"
    path = plugin.dock.result_layer.source()
    assert os.path.dirname(path) == os.path.join(private_home, "pansharpen_adapt") and os.path.isfile(path)
    assert os.path.basename(path).startswith("mtf_glp_hpm_") and path.endswith(".tif")
    assert "temporary file" not in plugin.dock.log_view.toPlainText()


def test_dock_temporary_output_only_on_request(plugin, qb_layers, qtbot) -> None:
    from qgis.core import QgsProcessingUtils

    pan, ms = qb_layers
    _fill_form(plugin.dock, pan, ms, "")
    plugin.dock.form.temporary.setChecked(True)
    assert "temporary file" in plugin.dock.form.output.lineEdit().placeholderText()
    assert _run(qtbot, plugin.dock) == "succeeded"
    path = plugin.dock.result_layer.source()
    assert path.startswith(QgsProcessingUtils.tempFolder()) and os.path.isfile(path)
    assert "QGIS deletes it on exit" in plugin.dock.log_view.toPlainText()


def test_dock_output_folder_is_a_setting(plugin, qb_layers, qtbot, tmp_path) -> None:
    from pansharpen_adapt.ui.dock_form import FusionForm

    pan, ms = qb_layers
    _fill_form(plugin.dock, pan, ms, "")
    plugin.dock.form.results_folder.setFilePath(str(tmp_path / "results"))
    assert _run(qtbot, plugin.dock) == "succeeded"
    assert os.path.dirname(plugin.dock.result_layer.source()) == str(tmp_path / "results")
    assert FusionForm().output_folder() == str(tmp_path / "results")  # remembered for the next session


def test_dock_cancel_leaves_nothing_behind(plugin, qb_layers, qtbot, tmp_path) -> None:
    pan, ms = qb_layers
    out = str(tmp_path / "cancelled.tif")
    _fill_form(plugin.dock, pan, ms, out, block_size=64)
    layers_before = len(QgsProject.instance().mapLayers())
    with qtbot.waitSignal(plugin.dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        plugin.dock.run_button.click()
        plugin.dock.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert not os.path.exists(out)
    assert os.listdir(tmp_path) == []  # no partial file either
    assert len(QgsProject.instance().mapLayers()) == layers_before
    assert "nothing was written" in plugin.dock.log_view.toPlainText()


def test_dock_errors_go_to_the_message_bar(plugin, qb_layers, spy_iface) -> None:
    pan, _ = qb_layers
    bar = spy_iface.messageBar()
    bar.clear_messages()
    _fill_form(plugin.dock, pan, pan, "")
    plugin.dock.run_button.click()
    assert plugin.dock.worker is None
    assert any("same file" in m for m in bar.get_messages(Qgis.Critical))


def test_dock_engine_failure_in_worker_goes_to_the_message_bar(plugin, qb_layers, qtbot, spy_iface,
                                                               tmp_path) -> None:
    pan, ms = qb_layers
    bar = spy_iface.messageBar()
    bar.clear_messages()
    _fill_form(plugin.dock, pan, ms, str(tmp_path / "bad.tif"))
    plugin.dock.form.sensor.setCurrentIndex(plugin.dock.form.sensor.findData("landsat8"))  # 7 bands
    assert _run(qtbot, plugin.dock) == "failed"
    assert any("landsat8" in m for m in bar.get_messages(Qgis.Critical))
    assert glob.glob(str(tmp_path / "*")) == []


def test_dock_remembers_choices(plugin, qb_layers, qtbot, tmp_path, spy_iface) -> None:
    pan, ms = qb_layers
    _fill_form(plugin.dock, pan, ms, str(tmp_path / "a.tif"), method="hpf", block_size=512)
    assert _run(qtbot, plugin.dock) == "succeeded"
    from pansharpen_adapt.ui.dock_form import FusionForm

    form = FusionForm()
    assert form.method.currentData() == "hpf" and form.block_size.value() == 512
    assert form.output.filePath() == ""  # the output file itself is not reused


def test_dock_output_matches_the_input_grid(plugin, qb_layers, qtbot, tmp_path) -> None:
    pan, ms = qb_layers
    out = str(tmp_path / "grid.tif")
    _fill_form(plugin.dock, pan, ms, out)
    assert _run(qtbot, plugin.dock) == "succeeded"
    src, dst = gdal.Open(pan.source()), gdal.Open(out)
    assert dst.GetGeoTransform() == pytest.approx(src.GetGeoTransform())
    assert (dst.RasterXSize, dst.RasterYSize) == (src.RasterXSize, src.RasterYSize)


def test_saving_the_project_moves_the_default_output_folder(plugin, qb_layers, tmp_path) -> None:
    """A saved project: a blank Output goes to pansharpen_adapt/ in its folder, as the field says."""
    assert QgsProject.instance().write(str(tmp_path / "p.qgz"))
    expected = str(tmp_path / "pansharpen_adapt")
    assert plugin.dock.form.output_folder() == expected
    assert expected in plugin.dock.form.output.lineEdit().placeholderText()


def test_dock_precision_reaches_the_request(plugin, qb_layers, tmp_path) -> None:
    from pansharpen_adapt.ui.dock_form import request_from_form

    form = plugin.dock.form
    _fill_form(plugin.dock, *qb_layers, str(tmp_path / "p.tif"), method="fusionnet")
    assert form.precision.currentData() == "auto"
    form.precision.setCurrentIndex(form.precision.findData("fp32"))
    assert request_from_form(form).precision == "fp32"
    form.precision.setCurrentIndex(form.precision.findData("auto"))
