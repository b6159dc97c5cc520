"""processing.run('pansharpen_adapt:pansharpen', ...): parameters, progress, cancel, errors."""
from __future__ import annotations

import os

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsMultiBandColorRenderer,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
)

ALGORITHM = "pansharpen_adapt:pansharpen"


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps progress values; can cancel itself once progress passes a threshold."""

    def __init__(self, cancel_above: float = 101.0) -> None:
        super().__init__()
        self.cancel_above = cancel_above
        self.progress_values: list = []
        self.progressChanged.connect(self._on_progress)

    def _on_progress(self, value: float) -> None:
        self.progress_values.append(value)
        if value > self.cancel_above:
            self.cancel()


def _run(params: dict, feedback: QgsProcessingFeedback) -> dict:
    import processing

    return processing.run(ALGORITHM, params, feedback=feedback)


def test_algorithm_lists_engine_methods_and_sensors(plugin) -> None:
    from pansharpen_adapt.engine.methods.registry import list_methods
    from pansharpen_adapt.engine.physics.sensors import PRESETS
    from pansharpen_adapt.engine.request import DEFAULT_METHOD

    alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM)
    assert alg.displayName() == "Pansharpen & Adapt"
    assert alg.parameterDefinition("METHOD").options() == [m.name for m in list_methods()]
    assert alg.parameterDefinition("METHOD").defaultValue() == DEFAULT_METHOD
    assert alg.parameterDefinition("SENSOR").options() == ["auto"] + list(PRESETS)
    for name in ("PAN", "MS", "OUTPUT_DTYPE", "DEVICE", "BLOCK_SIZE", "OPTIONS", "OUTPUT"):
        assert alg.parameterDefinition(name) is not None


def test_processing_run_writes_the_fused_raster(plugin, data_paths, tmp_path) -> None:
    pan, ms = data_paths("landsat7")
    out = str(tmp_path / "alg.tif")
    feedback = RecordingFeedback()
    result = _run({"PAN": pan, "MS": ms, "METHOD": "brovey", "OUTPUT_DTYPE": "float32",
                   "BLOCK_SIZE": 64, "OPTIONS": "weights=0.2,0.2,0.2,0.2,0.1,0.1", "OUTPUT": out}, feedback)
    assert result["OUTPUT"] == out
    ds = gdal.Open(out)
    assert ds.RasterCount == 6 and ds.GetRasterBand(1).DataType == gdal.GDT_Float32
    assert ds.GetMetadataItem("PANSHARPEN_METHOD") == "brovey"
    assert feedback.progress_values[-1] == pytest.approx(100.0)
    assert np.all(np.diff(feedback.progress_values) >= 0)


def test_processing_cancel_before_start(plugin, data_paths, tmp_path) -> None:
    pan, ms = data_paths("quickbird")
    feedback = RecordingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="cancelled by the user; nothing was written"):
        _run({"PAN": pan, "MS": ms, "OUTPUT": str(tmp_path / "c.tif")}, feedback)
    assert os.listdir(tmp_path) == []


def test_processing_cancel_during_the_run(plugin, data_paths, tmp_path) -> None:
    pan, ms = data_paths("quickbird")
    feedback = RecordingFeedback(cancel_above=20.0)  # 16 blocks of 64 px: stops after a few
    with pytest.raises(QgsProcessingException, match="cancelled by the user; nothing was written"):
        _run({"PAN": pan, "MS": ms, "BLOCK_SIZE": 64, "OUTPUT": str(tmp_path / "c.tif")}, feedback)
    assert max(feedback.progress_values) < 100.0
    assert os.listdir(tmp_path) == []


def test_processing_engine_error_is_one_line(plugin, data_paths, tmp_path) -> None:
    pan, _ = data_paths("quickbird")
    feedback = RecordingFeedback()
    with pytest.raises(QgsProcessingException) as caught:
        _run({"PAN": pan, "MS": pan, "OUTPUT": str(tmp_path / "e.tif")}, feedback)
    assert str(caught.value) == "PAN and MS are the same file"


def test_processing_refuses_non_gdal_layers(plugin, data_paths, tmp_path) -> None:
    from pansharpen_adapt.engine.errors import EngineError
    from pansharpen_adapt.ui.layers import raster_path

    layer = QgsRasterLayer("url=https://example.invalid/wms&layers=x&format=image/png&crs=EPSG:4326",
                           "remote", "wms")
    with pytest.raises(EngineError, match="'wms' provider"):
        raster_path(layer, "PAN")


def test_loaded_output_gets_the_rgb_rendering(plugin, data_paths, tmp_path) -> None:
    import processing

    # QuickBird bands are blue, green, red, nir; QGIS on its own would show bands 1, 2, 3.
    pan, ms = data_paths("quickbird")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    out = str(tmp_path / "loaded.tif")
    processing.runAndLoadResults(ALGORITHM, {"PAN": pan, "MS": ms, "OUTPUT": out}, context=context)
    layers = [lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.source() == out]
    assert len(layers) == 1
    renderer = layers[0].renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)


def test_precision_is_an_advanced_parameter_that_reaches_the_request(plugin, data_paths, tmp_path) -> None:
    from pansharpen_adapt.engine.precision import PRECISIONS
    from qgis.core import QgsProcessingParameterDefinition

    alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM)
    param = alg.parameterDefinition("PRECISION")
    assert param.options() == list(PRECISIONS) and param.defaultValue() == "auto"
    assert param.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    pan, ms = data_paths("quickbird")
    for value in ("bf16", "fp32"):
        req = alg.build_request({"PAN": pan, "MS": ms, "PRECISION": value, "OUTPUT": str(tmp_path / "p.tif")},
                                QgsProcessingContext())
        assert req.precision == value
