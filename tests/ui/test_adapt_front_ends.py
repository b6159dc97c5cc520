"""Per-image adaptation from the front ends: Processing ADAPT parameters, the dock's picker and log."""
from __future__ import annotations

import os
from dataclasses import fields

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback

ALGORITHM = "pansharpen_adapt:pansharpen"
STEPS = "2"  # enough to change the net, cheap enough for the suite


class LogFeedback(QgsProcessingFeedback):
    """Records info lines, stage texts and progress; cancels once a stage text contains cancel_on."""

    def __init__(self, cancel_on: str = "") -> None:
        super().__init__()
        self.cancel_on = cancel_on
        self.infos: list = []
        self.stages: list = []
        self.progress_values: list = []
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info: str) -> None:  # noqa: N802 - QGIS API
        self.infos.append(info)
        super().pushInfo(info)

    def setProgressText(self, text: str) -> None:  # noqa: N802 - QGIS API
        self.stages.append(text)
        if self.cancel_on and self.cancel_on in text:
            self.cancel()
        super().setProgressText(text)


def _read(path: str) -> np.ndarray:
    return gdal.Open(path).ReadAsArray()


def test_adapt_constants_mirror_the_engine() -> None:
    from pansharpen_adapt.engine.adapt import options
    from pansharpen_adapt.engine.backbones import tailor
    from pansharpen_adapt.engine.methods.registry import list_methods
    from pansharpen_adapt.engine.request import DEFAULT_METHOD
    from pansharpen_adapt.engine.training import patches
    from pansharpen_adapt.ui import choices
    from pansharpen_adapt.ui.processing_adapt import OPTION_PARAMS

    assert choices.ADAPT_MODES == options.ADAPT_MODES
    assert choices.ADAPT_SAMPLERS == patches.SAMPLERS and choices.ADAPT_TAILORS == tailor.TAILORS
    for mode in ("tailor", "full"):
        parsed = options.parse_adapt_options(mode, {})
        assert (parsed.steps, parsed.lr) == (choices.ADAPT_STEPS[mode], choices.ADAPT_LR[mode])
        assert (parsed.patch, parsed.fraction, parsed.max_patches, parsed.seed) == (
            choices.ADAPT_PATCH, choices.ADAPT_FRACTION[mode], choices.ADAPT_MAX_PATCHES[mode],
            choices.ADAPT_SEED)
        assert (parsed.sampler, parsed.tailor) == (choices.ADAPT_SAMPLERS[0], choices.ADAPT_TAILORS[0])
    deep = choices.deep_method_names()
    assert deep == [m.name for m in list_methods() if m.family == choices.DEEP_FAMILY]
    assert {"pnn", "pannet", "dicnn", "msdcnn", "fusionnet", "lagconv"} <= set(deep)
    assert choices.DOCK_DEFAULT_METHOD == DEFAULT_METHOD and choices.DOCK_DEFAULT_ADAPT in choices.ADAPT_MODES
    processing_keys = {key for key, _ in OPTION_PARAMS.values()}
    assert processing_keys <= set(options.KEYS)
    assert processing_keys <= {f.name for f in fields(options.AdaptOptions)}


def test_stage_log_lines() -> None:
    from pansharpen_adapt.ui.stages import StageLog, stage_of

    assert stage_of("fusing: block 3/16") == "fusing: block"
    assert stage_of("adapting: train step 2/50") == "adapting: train step"
    log = StageLog()
    seen = [log.new_stage(m) for m in ("statistics: 1/2", "statistics: 2/2", "adapting: sample patches",
                                       "adapting: train step 1/2", "adapting: train step 2/2",
                                       "fusing: block 1/4")]
    assert seen == ["statistics", None, "adapting: sample patches", "adapting: train step", None,
                    "fusing: block"]


def test_processing_adapt_parameters_map_to_adapt_options(plugin) -> None:
    from pansharpen_adapt.ui.processing_adapt import adapt_from_parameters

    alg = QgsApplication.processingRegistry().algorithmById(ALGORITHM)
    adapt = alg.parameterDefinition("ADAPT")
    assert adapt.options() == ["none", "tailor", "full"] and adapt.defaultValue() == "none"
    context = QgsProcessingContext()
    params = {"ADAPT": "full", "ADAPT_STEPS": 3, "ADAPT_LR": 1e-4, "ADAPT_PATCH": 32,
              "ADAPT_SAMPLER": "random", "ADAPT_TAILOR": "conditional", "ADAPT_SEED": 7,
              "ADAPT_LOSS_WEIGHTS": " 1,2,0 ", "ADAPT_MAX_PATCHES": None, "ADAPT_FRACTION": ""}
    mode, options = adapt_from_parameters(alg, params, context)
    assert mode == "full"
    assert options == {"steps": "3", "lr": "0.0001", "patch": "32", "sampler": "random",
                       "tailor": "conditional", "seed": "7", "loss_weights": "1,2,0"}
    assert adapt_from_parameters(alg, {}, context) == ("none", {})


def test_processing_tailor_changes_the_output_as_the_engine_does(plugin, data_paths, tmp_path) -> None:
    import processing
    from pansharpen_adapt.engine.pipeline import run
    from pansharpen_adapt.engine.request import PansharpenRequest

    pan, ms = data_paths("quickbird")
    outs = {k: str(tmp_path / f"{k}.tif") for k in ("none", "tailor", "engine")}
    base = {"PAN": pan, "MS": ms, "METHOD": "fusionnet"}
    processing.run(ALGORITHM, {**base, "ADAPT": "none", "OUTPUT": outs["none"]})
    feedback = LogFeedback()
    params = {**base, "ADAPT": "tailor", "ADAPT_STEPS": int(STEPS), "OUTPUT": outs["tailor"]}
    processing.run(ALGORITHM, params, feedback=feedback)
    run(PansharpenRequest(pan, ms, outs["engine"], method="fusionnet", adapt="tailor",
                          adapt_options={"steps": STEPS}))
    none, tailored, engine = (_read(outs[k]) for k in ("none", "tailor", "engine"))
    assert not np.array_equal(tailored, none)
    assert np.array_equal(tailored, engine)
    assert gdal.Open(outs["tailor"]).GetMetadataItem("PANSHARPEN_ADAPT") == "tailor"
    assert "adapting: train step" in feedback.stages and "fusing: block" in feedback.stages
    assert any(line.startswith("adaptation took ") and "train " in line for line in feedback.infos)


def test_processing_refuses_adaptation_of_a_classical_method(plugin, data_paths, tmp_path) -> None:
    import processing

    pan, ms = data_paths("quickbird")
    with pytest.raises(QgsProcessingException, match="needs a deep backbone"):
        processing.run(ALGORITHM, {"PAN": pan, "MS": ms, "METHOD": "gsa", "ADAPT": "tailor",
                                   "OUTPUT": str(tmp_path / "x.tif")}, feedback=LogFeedback())
    assert os.listdir(tmp_path) == []


def test_processing_cancel_during_adaptation_leaves_no_file(plugin, data_paths, tmp_path) -> None:
    import processing

    pan, ms = data_paths("quickbird")
    feedback = LogFeedback(cancel_on="train step")
    with pytest.raises(QgsProcessingException, match="nothing was written"):
        processing.run(ALGORITHM, {"PAN": pan, "MS": ms, "METHOD": "fusionnet", "ADAPT": "tailor",
                                   "ADAPT_STEPS": 500, "OUTPUT": str(tmp_path / "c.tif")}, feedback=feedback)
    assert "adapting: train step" in feedback.stages and "fusing: block" not in feedback.stages
    assert os.listdir(tmp_path) == []
