"""SWIFT in the dock: the "SWIFT (adapt and apply)" adaptation choice and saved model files as the method."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import Qt

JOB_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def model_file(swift_crops, tmp_path_factory) -> str:
    """A small SWIFT model file (DiCNN, 2 steps) made by the engine on the first crop."""
    from pansharpen_adapt.engine.swift.request import SensorAdaptRequest
    from pansharpen_adapt.engine.swift.run import adapt_sensor

    out = str(tmp_path_factory.mktemp("swift_model") / "qb_dicnn.safetensors")
    options = {"patch": "32", "steps": "2", "batch": "4", "min_patches": "4", "max_patches": "6"}
    return adapt_sensor(SensorAdaptRequest((swift_crops[0],), "dicnn", out, device="cpu",
                                           options=options)).output


@pytest.fixture
def crop_layers(qgis_new_project, swift_crops) -> tuple:
    """The second crop as (PAN layer, MS layer) in a fresh project."""
    pan, ms = (QgsRasterLayer(p, os.path.basename(p), "gdal") for p in swift_crops[1])
    assert pan.isValid() and ms.isValid()
    QgsProject.instance().addMapLayers([pan, ms])
    return pan, ms


def _fill(dock, layers, output: str, method: str = "dicnn", adapt: str = "swift", steps: int = 2) -> None:
    form = dock.form
    form.pan.setLayer(layers[0])
    form.ms.setLayer(layers[1])
    if form.method.findData(method) < 0:
        form.add_model_file(method)
    form.method.setCurrentIndex(form.method.findData(method))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData(adapt))
    form.adapt.steps.setValue(steps)
    form.assess.setChecked(False)
    form.block_size.setValue(64)
    form.output.setFilePath(output)


def _run(qtbot, dock, on_progress=None) -> tuple:
    """Click Run and wait; on_progress(worker, fraction, message) runs on the worker thread (direct
    connection), so a cancel from it lands before the engine's next check. Returns (status, messages)."""
    seen: list = []
    with qtbot.waitSignal(dock.job_done, timeout=JOB_TIMEOUT_MS) as blocker:
        dock.run_button.click()
        worker = dock.worker
        assert worker is not None

        def record(fraction: float, message: str) -> None:
            seen.append(message)
            if on_progress is not None:
                on_progress(worker, fraction, message)

        worker.progressed.connect(record, Qt.DirectConnection)
    return blocker.args[0], seen


def test_swift_is_a_dock_choice_beside_the_engine_modes(plugin, crop_layers) -> None:
    from pansharpen_adapt.engine import is_model_path
    from pansharpen_adapt.engine.adapt.options import ADAPT_MODES
    from pansharpen_adapt.engine.evaluation.swift_runs import SWIFT_MODES
    from pansharpen_adapt.ui import choices
    from pansharpen_adapt.ui.dock_form import request_from_form

    assert choices.ADAPT_MODES == ADAPT_MODES and choices.SWIFT not in ADAPT_MODES
    assert choices.DOCK_ADAPT_MODES == ADAPT_MODES + (choices.SWIFT,) and choices.SWIFT in SWIFT_MODES
    for name in ("m.safetensors", "/a/B.SafeTensors ", "fusionnet", "m.safetensors.json", ""):
        assert choices.is_model_file(name) == is_model_path(name)
    form = plugin.dock.form
    assert [form.adapt.mode.itemData(i) for i in range(form.adapt.mode.count())] == list(
        choices.DOCK_ADAPT_MODES)
    form.method.setCurrentIndex(form.method.findData("fusionnet"))
    form.adapt.mode.setCurrentIndex(form.adapt.mode.findData("swift"))
    form.adapt.steps.setValue(3)
    assert form.adapt.values() == ("none", {})  # never reaches PansharpenRequest.adapt
    assert request_from_form(form).adapt == "none"
    assert form.adapt.swift_options() == {"seed": "0", "steps": "3"}
    form.method.setCurrentIndex(form.method.findData("gsa"))
    assert form.adapt.swift_options() is None
    from pansharpen_adapt.ui.places import models_dir, swift_model_path

    # The model file goes to the models folder (listed at every start), named after the output.
    assert swift_model_path("/d/out.tif") == os.path.join(models_dir(), "out_swift.safetensors")


def test_model_file_button_makes_a_saved_model_the_method(plugin, crop_layers, model_file, monkeypatch,
                                                        tmp_path) -> None:
    from pansharpen_adapt.engine.jobs import validate_request
    from pansharpen_adapt.ui import dock_form

    monkeypatch.setattr(dock_form.QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (model_file, dock_form.choices.MODEL_FILTER))
    form = plugin.dock.form
    form.model_button.click()
    assert form.method.currentData() == model_file and "qb_dicnn.safetensors" in form.method.currentText()
    assert form.adapt.mode.isEnabled()  # Feature Tailor (or SWIFT) on top of a model file
    _fill(plugin.dock, crop_layers, str(tmp_path / "x.tif"), method=model_file, adapt="tailor")
    request = validate_request(dock_form.request_from_form(form))
    assert (request.method, request.adapt) == (model_file, "tailor")
    form.save()
    again = dock_form.FusionForm()
    assert again.method.currentData() == model_file and again.model_files() == [model_file]


def test_a_vanished_model_file_leaves_the_picker(plugin, model_file, tmp_path) -> None:
    import shutil

    from pansharpen_adapt.ui.dock_form import FusionForm

    moved = str(tmp_path / "moved.safetensors")
    shutil.copy(model_file, moved)
    form = plugin.dock.form
    form.add_model_file(moved)
    form.save()
    os.remove(moved)
    again = FusionForm()
    from pansharpen_adapt.ui.choices import DOCK_DEFAULT_METHOD

    assert again.model_files() == [] and again.method.currentData() == DOCK_DEFAULT_METHOD


def test_dock_runs_a_model_file_with_feature_tailor(plugin, crop_layers, model_file, qtbot, tmp_path) -> None:
    out = str(tmp_path / "tailored.tif")
    _fill(plugin.dock, crop_layers, out, method=model_file, adapt="tailor", steps=1)
    status, seen = _run(qtbot, plugin.dock)
    assert status == "succeeded" and any("train step" in m for m in seen)
    assert gdal.Open(out).GetMetadataItem("PANSHARPEN_ADAPT") == "tailor"
    assert f"running {model_file} + tailor adaptation" in plugin.dock.log_view.toPlainText()
    # The tailor trained on the model file's weights: the engine, given the same request, writes the same.
    from pansharpen_adapt.engine.pipeline import run
    from pansharpen_adapt.engine.request import PansharpenRequest

    engine = str(tmp_path / "engine.tif")
    run(PansharpenRequest(crop_layers[0].source(), crop_layers[1].source(), engine, method=model_file,
                          block_size=64, adapt="tailor", adapt_options={"steps": "1", "seed": "0"}))
    assert np.array_equal(gdal.Open(out).ReadAsArray(), gdal.Open(engine).ReadAsArray())


def test_dock_swift_adapts_then_applies_the_model_file(plugin, crop_layers, swift_crops, qtbot,
                                                      tmp_path) -> None:
    from pansharpen_adapt.ui.dock_form import FusionForm
    from pansharpen_adapt.ui.places import models_dir

    out = str(tmp_path / "fused.tif")
    model = os.path.join(models_dir(), "fused_swift.safetensors")
    _fill(plugin.dock, crop_layers, out)
    status, seen = _run(qtbot, plugin.dock)
    assert status == "succeeded"
    assert sorted(os.listdir(tmp_path)) == ["fused.tif"]
    assert sorted(os.listdir(models_dir())) == ["fused_swift.json", "fused_swift.safetensors"]
    meta = json.load(open(os.path.join(models_dir(), "fused_swift.json"), encoding="utf-8"))
    assert meta["backbone"] == "dicnn" and [s["pan"] for s in meta["scenes"]] == [swift_crops[1][0]]
    assert meta["steps_run"] == 2
    assert gdal.Open(out).GetMetadataItem("PANSHARPEN_METHOD") == model
    assert plugin.dock.result_layer.source() == out
    first_fusion = next(i for i, m in enumerate(seen) if not m.startswith("SWIFT: "))
    assert any(m.startswith("SWIFT: train step") for m in seen[:first_fusion])
    assert any(m.startswith("fusing") for m in seen[first_fusion:])
    log = plugin.dock.log_view.toPlainText()
    assert "SWIFT (adapt and apply" in log and "SWIFT: train step" in log and "fusing: block" in log
    took = log.split("SWIFT took ", 1)[1].splitlines()[0]
    assert "train " in took and "2 steps" in took
    assert f"SWIFT model file: {model}" in log and "listed in the method picker at every start" in log
    assert plugin.dock.form.model_files() == [model]  # offered for reuse
    record = plugin.dock.history.records[-1]
    assert (record.method, record.adapt, record.model) == ("dicnn", "swift", model)
    assert plugin.dock.result_layer.name().startswith("dicnn+swift ")
    # Nothing lost: a new session (settings forgotten) lists the model from the models folder.
    from qgis.core import QgsSettings

    QgsSettings().remove("pansharpen_adapt")
    assert model in FusionForm().model_files()


@pytest.mark.parametrize("stage", ["swift", "fusion"])
def test_dock_swift_cancel_leaves_nothing(plugin, crop_layers, qtbot, tmp_path, stage: str) -> None:
    out = str(tmp_path / "cancelled.tif")
    _fill(plugin.dock, crop_layers, out, steps=500 if stage == "swift" else 2)
    layers_before = len(QgsProject.instance().mapLayers())

    def cancel(worker, fraction: float, message: str) -> None:
        in_swift = message.startswith("SWIFT: ")
        if (stage == "swift" and "train step" in message) or (stage == "fusion" and not in_swift):
            worker.cancel()

    status, seen = _run(qtbot, plugin.dock, cancel)
    assert status == "cancelled"
    assert any("train step" in m for m in seen)
    assert any(not m.startswith("SWIFT: ") for m in seen) == (stage == "fusion")
    from pansharpen_adapt.ui.places import models_dir

    assert os.listdir(tmp_path) == []  # no output, no partial file
    assert not os.path.isdir(models_dir()) or os.listdir(models_dir()) == []  # no model file or sidecar
    assert len(QgsProject.instance().mapLayers()) == layers_before
    assert "nothing was written" in plugin.dock.log_view.toPlainText()
