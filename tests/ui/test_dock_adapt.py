"""The dock's Adaptation picker: first-run defaults, deep methods only, a real tailor run, cancel."""
from __future__ import annotations

import os

from osgeo import gdal
from qgis.core import QgsProject, QgsRasterLayer

JOB_TIMEOUT_MS = 120_000


def _fill(dock, layers, output: str, method: str = "fusionnet", adapt: str = "tailor",
          steps: int = 2) -> None:
    form = dock.form
    form.pan.setLayer(layers[0])
    form.ms.setLayer(layers[1])
    form.method.setCurrentIndex(form.method.findData(method))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData(adapt))
    form.adapt.steps.setValue(steps)
    form.assess.setChecked(False)
    form.output.setFilePath(output)


def test_fresh_profile_defaults_to_mtf_glp_hpm_and_says_why(plugin) -> None:
    """The best method by the full-resolution protocol on unseen sensors is the first-run default; Feature
    Tailor is preset for when a deep method is picked."""
    form = plugin.dock.form
    assert form.method.currentData() == "mtf_glp_hpm"
    assert not form.adapt.mode.isEnabled()  # a classical method: no adaptation
    assert "mtf_glp_hpm" in form.method_hint.text() and "softer" in form.method_hint.text()
    form.method.setCurrentIndex(form.method.findData("fusionnet"))
    assert form.adapt.mode.currentData() == "tailor" and form.adapt.mode.isEnabled()
    assert form.adapt.steps.value() == form.adapt.steps.minimum()  # "Default": the engine's steps


def test_remembered_choices_win_over_the_first_run_default(plugin) -> None:
    from pansharpen_adapt.ui.dock_form import FusionForm

    form = plugin.dock.form
    form.method.setCurrentIndex(form.method.findData("pannet"))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData("full"))
    form.adapt.steps.setValue(7)
    form.adapt.lr.setText("3e-5")
    form.adapt.seed.setValue(4)
    form.save()
    again = FusionForm()
    assert again.method.currentData() == "pannet" and again.adapt.mode.currentData() == "full"
    assert again.adapt.values() == ("full", {"steps": "7", "lr": "3e-5", "seed": "4"})


def test_picker_is_disabled_for_classical_methods(plugin, qb_layers) -> None:
    from pansharpen_adapt.ui.dock_form import request_from_form

    form = plugin.dock.form
    _fill(plugin.dock, qb_layers, "", method="gsa", adapt="tailor")
    assert not form.adapt.mode.isEnabled() and not form.adapt.group.isEnabled()
    assert "deep backbone" in form.adapt.mode.toolTip() and "fusionnet" in form.adapt.mode.toolTip()
    request = request_from_form(form)
    assert (request.adapt, request.adapt_options) == ("none", {})
    form.method.setCurrentIndex(form.method.findData("dicnn"))
    assert form.adapt.mode.isEnabled()
    assert request_from_form(form).adapt == "tailor"


def test_dock_runs_fusionnet_with_tailor_and_adds_the_layer(plugin, qb_layers, qtbot, tmp_path) -> None:
    out = str(tmp_path / "tailored.tif")
    _fill(plugin.dock, qb_layers, out)
    with qtbot.waitSignal(plugin.dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        plugin.dock.run_button.click()
    assert blocker.args == ["succeeded"]
    layer = plugin.dock.result_layer
    assert isinstance(layer, QgsRasterLayer) and QgsProject.instance().mapLayer(layer.id()) is layer
    assert layer.source() == out
    assert gdal.Open(out).GetMetadataItem("PANSHARPEN_ADAPT") == "tailor"
    log = plugin.dock.log_view.toPlainText()
    assert "fusionnet + tailor adaptation" in log
    assert "adapting: train step" in log and "fusing: block" in log and "adaptation took " in log
    assert "train " in log.split("adaptation took ", 1)[1].splitlines()[0]  # with the seconds per stage
    assert "fusionnet + tailor (adaptation " in log  # the summary line


def test_dock_cancel_during_adaptation_leaves_no_file(plugin, qb_layers, qtbot, tmp_path) -> None:
    out = str(tmp_path / "cancelled.tif")
    _fill(plugin.dock, qb_layers, out, steps=500)
    layers_before = len(QgsProject.instance().mapLayers())
    seen: list = []

    def cancel_in_training(fraction: float, message: str) -> None:
        seen.append(message)
        if "train step" in message:
            plugin.dock.cancel()

    with qtbot.waitSignal(plugin.dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        plugin.dock.run_button.click()
        plugin.dock.worker.progressed.connect(cancel_in_training)
    assert blocker.args == ["cancelled"]
    assert any("train step" in m for m in seen) and not any(m.startswith("fusing") for m in seen)
    assert os.listdir(tmp_path) == []
    assert len(QgsProject.instance().mapLayers()) == layers_before
    assert "nothing was written" in plugin.dock.log_view.toPlainText()
