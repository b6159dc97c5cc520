"""--adapt through the block pipeline: none unchanged, tailor with 0 steps = none, validation, cancel at every
stage, stage seconds."""
from __future__ import annotations

import os
from typing import Dict

import numpy as np
import pytest
from osgeo import gdal

from engine.errors import Cancelled, EngineError
from engine.jobs import validate_request
from engine.pipeline import run
from engine.progress import CancelToken
from engine.request import PansharpenRequest
from tests.conftest import pair_paths


def _run(tmp_path: str, name: str, **kw: object) -> np.ndarray:
    pan, ms = pair_paths("quickbird")
    out = os.path.join(str(tmp_path), f"{name}.tif")
    run(PansharpenRequest(pan, ms, out, method="fusionnet", block_size=128, **kw))  # type: ignore[arg-type]
    ds = gdal.Open(out)
    assert ds.GetMetadataItem("PANSHARPEN_ADAPT") == (kw.get("adapt") if kw.get("adapt") != "none" else None)
    return ds.ReadAsArray()


FAST: Dict[str, object] = {"steps": "3", "max_patches": "2", "patch": "64"}


def test_none_is_the_default_and_tailor_with_zero_steps_equals_none(tmp_path: str) -> None:
    default = _run(tmp_path, "default")
    assert np.array_equal(_run(tmp_path, "none", adapt="none"), default)
    zero = _run(tmp_path, "zero", adapt="tailor", adapt_options={**FAST, "steps": "0"})
    assert np.array_equal(zero, default)
    tailored = _run(tmp_path, "tailor", adapt="tailor", adapt_options=FAST)
    assert tailored.shape == default.shape and not np.array_equal(tailored, default)


def test_full_finetune_runs_through_the_pipeline(tmp_path: str) -> None:
    out = _run(tmp_path, "full", adapt="full", adapt_options={"steps": "2", "max_patches": "1", "lr": "1e-4"})
    assert out.shape == (4, 256, 256)


@pytest.mark.parametrize("adapt, options, match", [
    ("zero-shot", {}, "unknown adaptation"),
    ("tailor", {"stepz": "3"}, "unknown adapt option"),
    ("tailor", {"patch": "50"}, "multiple of 32"),
    ("tailor", {"fraction": "2"}, "fraction"),
    ("tailor", {"tailor": "huge"}, "tailor"),
    ("tailor", {"loss_weights": "1,2"}, "loss weights"),
])
def test_bad_adaptation_requests_fail_validation(tmp_path: str, adapt: str, options: dict,
                                                 match: str) -> None:
    pan, ms = pair_paths("quickbird")
    req = PansharpenRequest(pan, ms, os.path.join(str(tmp_path), "o.tif"), method="fusionnet", adapt=adapt,
                            adapt_options=options)
    with pytest.raises(EngineError, match=match):
        validate_request(req)


def test_adaptation_needs_a_deep_method(tmp_path: str) -> None:
    pan, ms = pair_paths("quickbird")
    req = PansharpenRequest(pan, ms, os.path.join(str(tmp_path), "o.tif"), method="gs", adapt="tailor")
    with pytest.raises(EngineError, match="deep backbone"):
        validate_request(req)


@pytest.mark.parametrize("adapt, stage", [
    ("tailor", "adapting: sample patches"),
    ("tailor", "adapting: cache"),
    ("tailor", "adapting: train step 1/"),
    ("full", "adapting: fine-tune step 1/"),
    ("tailor", "fusing: block 1/"),  # inference
    ("tailor", "fusing: last block"),  # after the last block is written, before the file is finished
])
def test_cancel_at_any_stage_leaves_nothing_behind(tmp_path: str, adapt: str, stage: str) -> None:
    pan, ms = pair_paths("quickbird")
    out = os.path.join(str(tmp_path), "cancelled.tif")
    options = dict(FAST, save_tailor=os.path.join(str(tmp_path), "t.safetensors")) if adapt == "tailor" \
        else dict(FAST)
    token, seen = CancelToken(), []

    def progress(fraction: float, message: str) -> None:
        hit = message.startswith(stage) or (stage == "fusing: last block" and message.startswith("fusing")
                                            and fraction >= 1.0)
        if hit and not token.cancelled:
            seen.append(message)
            token.cancel()

    with pytest.raises(Cancelled):
        run(PansharpenRequest(pan, ms, out, method="fusionnet", adapt=adapt, adapt_options=options,
                              block_size=128), progress, token)
    assert seen, f"no progress message starts with {stage!r}"
    assert os.listdir(str(tmp_path)) == []  # neither the raster, a partial file, nor the tailor file


def test_run_result_has_stage_and_adaptation_seconds(tmp_path: str) -> None:
    pan, ms = pair_paths("quickbird")
    result = run(PansharpenRequest(pan, ms, os.path.join(str(tmp_path), "t.tif"), method="fusionnet",
                                   adapt="tailor", adapt_options=FAST))
    stages = result.stage_seconds
    assert list(stages) == ["open", "statistics", "adapt_sample", "adapt_cache", "adapt_train", "adapt_guard",
                            "adapt_other", "fuse", "write"]
    assert all(v >= 0 for v in stages.values()) and stages["adapt_train"] > 0 and stages["fuse"] > 0
    assert result.adapt_seconds == pytest.approx(sum(v for k, v in stages.items() if k.startswith("adapt")))
    assert 0 < result.adapt_seconds < result.seconds and sum(stages.values()) <= result.seconds
    assert f"fusionnet + tailor (adaptation {result.adapt_seconds:.2f} s)" in result.summary()
    plain = run(PansharpenRequest(pan, ms, os.path.join(str(tmp_path), "p.tif"), method="fusionnet"))
    assert plain.adapt_seconds == 0 and list(plain.stage_seconds) == ["open", "statistics", "fuse", "write"]
    assert "adaptation" not in plain.summary()
