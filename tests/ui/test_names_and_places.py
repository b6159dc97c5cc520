"""Names and places (issue 19 items 4 and 5): layer names that tell runs apart, true colour for unnamed
Landsat bands (the result and, on request, the MS), output names, the models folder."""
from __future__ import annotations

import os
import re
import time

from osgeo import gdal
from qgis.core import QgsMultiBandColorRenderer, QgsProject, QgsRasterLayer

JOB_TIMEOUT_MS = 120_000


def test_layer_and_output_names() -> None:
    from pansharpen_adapt.ui import places

    when = time.mktime((2024, 5, 6, 14, 3, 12, 0, 0, -1))
    name = places.layer_name
    assert name("fusionnet", "tailor", "quickbird", when) == "fusionnet+tailor quickbird 14:03:12"
    assert name("mtf_glp_hpm", "none", "landsat8", when) == "mtf_glp_hpm landsat8 14:03:12"
    assert name("/m/qb_dicnn.safetensors", "swift", "generic", when).startswith("qb_dicnn+swift ")
    assert os.path.basename(places.auto_output("/f", "gsa", "none", when)) == "gsa_20240506-140312.tif"
    assert os.path.basename(places.auto_output("/f", "pnn", "full", when)) == "pnn_full_20240506-140312.tif"
    assert places.quicklook_path("/f/x.tif") == "/f/x_quicklook.png"
    assert places.default_output_folder("/proj") == "/proj/pansharpen_adapt"
    assert places.default_output_folder("") == os.path.join(os.path.expanduser("~"), "pansharpen_adapt")


def test_paths_never_overwrite_and_models_are_listed(tmp_path) -> None:
    from pansharpen_adapt.ui import places

    (tmp_path / "a.tif").write_text("")
    assert places.unique_path(str(tmp_path), "a", ".tif") == str(tmp_path / "a-2.tif")
    models = tmp_path / "models"
    assert places.model_files_in(str(models)) == []
    models.mkdir()
    for name in ("one.safetensors", "one.json", "lonely.safetensors"):
        (models / name).write_text("x")
    assert places.model_files_in(str(models)) == [str(models / "one.safetensors")]  # sidecar required
    assert places.swift_model_path("/out/one.tif", str(models)) == str(models / "one_swift.safetensors")
    assert places.is_inside(str(models / "x"), str(tmp_path)) and not places.is_inside("/x", "")


def test_the_models_folder_lists_at_every_start(plugin, private_home) -> None:
    from pansharpen_adapt.ui.dock_form import FusionForm
    from pansharpen_adapt.ui.places import models_dir

    assert models_dir().startswith(private_home)
    os.makedirs(models_dir())
    for name in ("qb_fusionnet_swift.safetensors", "qb_fusionnet_swift.json"):
        with open(os.path.join(models_dir(), name), "w") as f:
            f.write("x")
    form = FusionForm()
    assert form.model_files() == [os.path.join(models_dir(), "qb_fusionnet_swift.safetensors")]
    assert "qb_fusionnet_swift.safetensors (model file)" in [form.method.itemText(i)
                                                             for i in range(form.method.count())]


def _unnamed_copy(path: str, out: str) -> str:
    gdal.Translate(out, path)
    ds = gdal.Open(out, gdal.GA_Update)
    for b in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(b).SetDescription("")
    ds = None
    return out


def test_unnamed_landsat8_shows_true_colour_and_the_ms_alike(plugin, data_paths, qtbot, tmp_path) -> None:
    """A Landsat-8 MS without band names: the result's bands carry the preset's names, so red/green/blue are
    bands 4/3/2 (not 3/2/1, which would be green/blue/coastal); on request the MS gets the same."""
    pan_path, ms_path = data_paths("landsat8")
    ms_path = _unnamed_copy(ms_path, str(tmp_path / "l8_ms.tif"))
    pan, ms = QgsRasterLayer(pan_path, "pan", "gdal"), QgsRasterLayer(ms_path, "ms", "gdal")
    QgsProject.instance().addMapLayers([pan, ms])
    form = plugin.dock.form
    form.pan.setLayer(pan)
    form.ms.setLayer(ms)
    form.method.setCurrentIndex(form.method.findData("mtf_glp_hpm"))
    form.output.setFilePath(str(tmp_path / "l8.tif"))
    form.assess.setChecked(False)
    form.style_ms.setChecked(True)
    with qtbot.waitSignal(plugin.dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        plugin.dock.run_button.click()
    assert blocker.args == ["succeeded"]
    layer = plugin.dock.result_layer
    assert re.fullmatch(r"mtf_glp_hpm landsat8 \d\d:\d\d:\d\d", layer.name())
    for lyr in (layer, ms):
        renderer = lyr.renderer()
        assert isinstance(renderer, QgsMultiBandColorRenderer), lyr.name()
        assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (4, 3, 2), lyr.name()
        low, high = lyr.dataProvider().cumulativeCut(4, 0.02, 0.98)
        red = renderer.redContrastEnhancement()
        assert red.maximumValue() > red.minimumValue() and low <= red.maximumValue() <= high + 1
    assert gdal.Open(layer.source()).GetRasterBand(4).GetDescription() == "red"
