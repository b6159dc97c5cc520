"""SWIFT from Processing: adapt_sensor writes a model file, MODEL_FILE of pansharpen runs it as the method."""
from __future__ import annotations

import json
import os
from dataclasses import fields

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

ADAPT_SENSOR = "pansharpen_adapt:adapt_sensor"
PANSHARPEN = "pansharpen_adapt:pansharpen"
#: cheap SWIFT settings for the suite: 32 px patches, 2 steps, a handful of patches
FAST = {"SWIFT_PATCH": 32, "SWIFT_STEPS": 2, "SWIFT_OPTIONS": "batch=4;min_patches=4;max_patches=6"}


class StageFeedback(QgsProcessingFeedback):
    """Records stage texts and info lines; cancels once a stage text contains cancel_on."""

    def __init__(self, cancel_on: str = "") -> None:
        super().__init__()
        self.cancel_on = cancel_on
        self.stages: list = []
        self.infos: list = []

    def setProgressText(self, text: str) -> None:  # noqa: N802 - QGIS API
        self.stages.append(text)
        if self.cancel_on and self.cancel_on in text:
            self.cancel()
        super().setProgressText(text)

    def pushInfo(self, info: str) -> None:  # noqa: N802 - QGIS API
        self.infos.append(info)
        super().pushInfo(info)


def test_adapt_sensor_is_registered_with_its_parameters(plugin) -> None:
    from pansharpen_adapt.engine.swift.options import SAMPLERS, SwiftOptions
    from pansharpen_adapt.ui import choices
    from pansharpen_adapt.ui.processing_swift import OPTION_PARAMS

    alg = QgsApplication.processingRegistry().algorithmById(ADAPT_SENSOR)
    assert alg is not None and "SWIFT" in alg.displayName() and "MODEL_FILE" in alg.shortHelpString()
    for name in ("PAN", "MS", "START_MODEL", "SENSOR", "DEVICE", "SWIFT_OPTIONS", "OUTPUT", *OPTION_PARAMS):
        assert alg.parameterDefinition(name) is not None, name
    assert alg.parameterDefinition("METHOD").options() == choices.deep_method_names()
    start = alg.parameterDefinition("START_MODEL")
    assert start.flags() & start.FlagOptional
    assert "safetensors" in alg.parameterDefinition("OUTPUT").fileFilter()
    assert {o.name() for o in alg.outputDefinitions()} >= {"OUTPUT", "SIDECAR", "SECONDS", "PATCHES",
                                                          "KEPT_FRACTION", "STEPS_RUN"}
    assert {key for key, _ in OPTION_PARAMS.values()} <= {f.name for f in fields(SwiftOptions)}
    assert choices.SWIFT_SAMPLERS == SAMPLERS
    d = SwiftOptions()
    assert (choices.SWIFT_STEPS, choices.SWIFT_LR, choices.SWIFT_TOP, choices.SWIFT_FRACTION,
            choices.SWIFT_PATCH) == (d.steps, d.lr, d.top, d.fraction, d.patch)
    pansharpen = QgsApplication.processingRegistry().algorithmById(PANSHARPEN)
    model_file = pansharpen.parameterDefinition("MODEL_FILE")
    assert model_file is not None and model_file.flags() & model_file.FlagOptional


def test_only_given_swift_options_are_passed_on(plugin, swift_crops, tmp_path) -> None:
    alg = QgsApplication.processingRegistry().algorithmById(ADAPT_SENSOR)
    context = QgsProcessingContext()
    out = str(tmp_path / "m.safetensors")
    params = {"PAN": [p for p, _ in swift_crops], "MS": [m for _, m in swift_crops], "METHOD": "dicnn",
              "OUTPUT": out, "SWIFT_TOP": 0.1, "SWIFT_SAMPLER": "fps", "SWIFT_STEPS": None, "SWIFT_LR": "",
              "SWIFT_OPTIONS": "batch=2; steps=9"}
    request = alg.build_request(params, context)
    assert request.pairs == tuple(swift_crops) and request.method == "dicnn" and request.output == out
    assert request.options == {"batch": "2", "steps": "9", "top": "0.1", "sampler": "fps"}
    assert (request.sensor, request.device) == ("auto", "auto")
    bare = alg.build_request({"PAN": [swift_crops[0][0]], "MS": [swift_crops[0][1]], "OUTPUT": out}, context)
    assert bare.options == {} and bare.method == "fusionnet"  # choices.DEFAULT_DEEP_METHOD


def test_different_layer_counts_are_one_line(plugin, swift_crops, tmp_path) -> None:
    import processing

    params = {"PAN": [p for p, _ in swift_crops], "MS": [swift_crops[0][1]],
              "OUTPUT": str(tmp_path / "m.safetensors")}
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(ADAPT_SENSOR, params, feedback=StageFeedback())
    message = str(caught.value)
    assert "2 PAN layer(s) but 1 MS layer(s)" in message and "\n" not in message
    assert os.listdir(tmp_path) == []


def test_adapt_sensor_writes_a_model_that_model_file_runs(plugin, swift_crops, data_paths, tmp_path) -> None:
    import processing
    from pansharpen_adapt.engine.pipeline import run
    from pansharpen_adapt.engine.request import PansharpenRequest

    model = str(tmp_path / "qb_dicnn.safetensors")
    feedback = StageFeedback()
    params = {"PAN": [p for p, _ in swift_crops], "MS": [m for _, m in swift_crops], "METHOD": "dicnn",
              "DEVICE": "cpu", "OUTPUT": model, **FAST}
    result = processing.run(ADAPT_SENSOR, params, feedback=feedback)
    sidecar = str(tmp_path / "qb_dicnn.json")
    assert result["OUTPUT"] == model and result["SIDECAR"] == sidecar
    assert os.path.isfile(model) and os.path.isfile(sidecar)
    meta = json.load(open(sidecar, encoding="utf-8"))
    assert meta["kind"] == "swift" and meta["backbone"] == "dicnn" and len(meta["scenes"]) == 2
    assert meta["settings"]["steps"] == 2 and meta["settings"]["patch"] == 32
    assert result["PATCHES"] == meta["patches"] and result["STEPS_RUN"] == meta["steps_run"] == 2
    assert 0 < result["KEPT_FRACTION"] < 1 and result["SECONDS"] > 0
    assert {"sample: opening scene", "score batch", "train step", "save"} <= set(feedback.stages)
    assert any(line.startswith("SWIFT took ") and "train " in line for line in feedback.infos)

    pan, ms = data_paths("quickbird")
    outs = {k: str(tmp_path / f"{k}.tif") for k in ("model", "engine", "plain")}
    processing.run(PANSHARPEN, {"PAN": pan, "MS": ms, "METHOD": "gsa", "MODEL_FILE": model,
                                "OUTPUT": outs["model"]}, feedback=StageFeedback())
    run(PansharpenRequest(pan, ms, outs["engine"], method=model))
    run(PansharpenRequest(pan, ms, outs["plain"], method="dicnn"))
    fused, engine, plain = (gdal.Open(outs[k]).ReadAsArray() for k in ("model", "engine", "plain"))
    assert gdal.Open(outs["model"]).GetMetadataItem("PANSHARPEN_METHOD") == model
    assert np.array_equal(fused, engine) and not np.array_equal(fused, plain)


def test_adapt_sensor_cancel_leaves_no_model_file(plugin, swift_crops, tmp_path) -> None:
    import processing

    feedback = StageFeedback(cancel_on="train step")
    params = {"PAN": [swift_crops[0][0]], "MS": [swift_crops[0][1]], "METHOD": "dicnn", "DEVICE": "cpu",
              "OUTPUT": str(tmp_path / "c.safetensors"), **FAST, "SWIFT_STEPS": 500}
    with pytest.raises(QgsProcessingException, match="no model file was written"):
        processing.run(ADAPT_SENSOR, params, feedback=feedback)
    assert "train step" in feedback.stages and "save" not in feedback.stages
    assert os.listdir(tmp_path) == []
