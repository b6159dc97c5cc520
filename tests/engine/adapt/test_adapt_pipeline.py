"""--adapt through the block pipeline: none unchanged, tailor with 0 steps = none, validation, cancel."""
from __future__ import annotations

import os
from typing import Dict

import numpy as np
import pytest
from osgeo import gdal

from engine.errors import Cancelled, EngineError
from engine.pipeline import run
from engine.progress import CancelToken
from engine.request import PansharpenRequest, validate_request
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


def test_cancel_during_training_leaves_nothing_behind(tmp_path: str) -> None:
    pan, ms = pair_paths("quickbird")
    out = os.path.join(str(tmp_path), "cancelled.tif")
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if "train step 1/" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        run(PansharpenRequest(pan, ms, out, method="fusionnet", adapt="tailor", adapt_options=FAST),
            progress, token)
    assert os.listdir(str(tmp_path)) == []
