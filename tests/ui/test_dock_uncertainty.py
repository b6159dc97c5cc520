"""A generative method in the dock: the uncertainty checkbox follows the method, and a run with it adds the
samples' spread as a second layer with a colour ramp and a legend."""
from __future__ import annotations

import os

from qgis.core import QgsProject, QgsSingleBandPseudoColorRenderer

JOB_TIMEOUT_MS = 180_000


def test_the_checkbox_is_only_enabled_for_generative_methods(plugin) -> None:
    form = plugin.dock.form
    form.method.setCurrentIndex(form.method.findData("fusionnet"))
    assert not form.uncertainty.isEnabled()
    form.method.setCurrentIndex(form.method.findData("sb"))
    assert form.uncertainty.isEnabled()
    form.uncertainty.setChecked(True)
    assert form.wants_uncertainty()
    form.method.setCurrentIndex(form.method.findData("mtf_glp_hpm"))
    assert not form.wants_uncertainty()  # ticked but not for this method


def test_a_run_with_uncertainty_adds_a_ramped_layer(plugin, qb_layers, qtbot, tmp_path) -> None:
    dock, form = plugin.dock, plugin.dock.form
    form.pan.setLayer(qb_layers[0])
    form.ms.setLayer(qb_layers[1])
    form.method.setCurrentIndex(form.method.findData("sb"))
    form.options.setText("steps=2;samples=2")
    form.uncertainty.setChecked(True)
    form.assess.setChecked(False)
    out = str(tmp_path / "sb.tif")
    form.output.setFilePath(out)
    with qtbot.waitSignal(dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        dock.run_button.click()
    assert blocker.args[0] == "succeeded", dock.log_view.toPlainText()
    spread = str(tmp_path / "sb_uncertainty.tif")
    assert os.path.isfile(out) and os.path.isfile(spread)
    layers = [lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.source() == spread]
    assert len(layers) == 1 and layers[0].name().endswith("uncertainty")
    renderer = layers[0].renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert renderer.classificationMax() > renderer.classificationMin() >= 0
    assert len(renderer.legendSymbologyItems()) >= 2  # the legend says what the colours mean
    assert "standard deviation of the samples" in dock.log_view.toPlainText()


def test_processing_writes_and_loads_the_uncertainty_with_its_ramp(plugin, data_paths, tmp_path) -> None:
    import processing
    from qgis.core import QgsProcessingContext

    pan, ms = data_paths("quickbird")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    out, spread = str(tmp_path / "sb.tif"), str(tmp_path / "spread.tif")
    result = processing.runAndLoadResults("pansharpen_adapt:pansharpen", {
        "PAN": pan, "MS": ms, "METHOD": "sb", "OPTIONS": "steps=2;samples=2", "OUTPUT": out,
        "OUTPUT_UNCERTAINTY": spread}, context=context)
    assert result["OUTPUT_UNCERTAINTY"] == spread and os.path.isfile(spread) and os.path.isfile(out)
    layers = [lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.source() == spread]
    assert len(layers) == 1 and isinstance(layers[0].renderer(), QgsSingleBandPseudoColorRenderer)


def test_processing_without_the_uncertainty_writes_none(plugin, data_paths, tmp_path) -> None:
    import processing

    pan, ms = data_paths("quickbird")
    result = processing.run("pansharpen_adapt:pansharpen", {"PAN": pan, "MS": ms, "METHOD": "brovey",
                                                            "OUTPUT": str(tmp_path / "b.tif")})
    assert not result.get("OUTPUT_UNCERTAINTY") and os.listdir(tmp_path) == ["b.tif"]
