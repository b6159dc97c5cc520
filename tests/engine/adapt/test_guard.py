"""The adaptation guard: its rule, its held-out patches, and the pipeline writing the pretrained output (and
saying so) when the adapted net is worse."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.adapt.guard import SPECTRAL_TOLERANCE, GuardVerdict, guard, judge
from engine.backbones.base import Backbone
from engine.methods.deep_weights import ShippedWeights
from engine.pipeline import run
from engine.raster.align import align
from engine.raster.inputs import open_raster
from engine.request import PansharpenRequest
from engine.training.raster_patches import held_out_patches, raster_patches
from tests.conftest import pair_paths

BEFORE = {"D_rho": 0.25, "R_Q2n": 0.99, "RR_Q2n": 0.86}


@pytest.mark.parametrize("after, kept", [
    ({"D_rho": 0.12, "R_Q2n": 0.985, "RR_Q2n": 0.92}, True),  # sharper, spectra within tolerance, RR better
    ({"D_rho": 0.12, "R_Q2n": 0.99 - SPECTRAL_TOLERANCE - 0.001, "RR_Q2n": 0.92}, False),  # spectra lost
    ({"D_rho": 0.30, "R_Q2n": 0.995, "RR_Q2n": 0.92}, False),  # blurrier
    ({"D_rho": 0.12, "R_Q2n": 0.99, "RR_Q2n": 0.85}, False),  # less accurate where a reference exists
    (dict(BEFORE), False),  # nothing gained
])
def test_rule(after: dict, kept: bool) -> None:
    assert judge(BEFORE, after) is kept


def test_rule_with_one_check_only() -> None:
    assert judge({"RR_Q2n": 0.8}, {"RR_Q2n": 0.81})
    assert not judge({"D_rho": 0.2, "R_Q2n": 0.9}, {"D_rho": 0.21, "R_Q2n": 0.95})


def _pair():  # type: ignore[no-untyped-def]
    pan, ms = pair_paths("quickbird")
    return align(open_raster(pan, "PAN"), open_raster(ms, "MS"))


def test_held_out_patches_avoid_the_trained_ones() -> None:
    pair = _pair()
    rng = np.random.default_rng(0)
    trained = raster_patches(pair, 64, 16, 0.25, 8, "diverse", 2047.0, "bicubic", torch.device("cpu"), rng)
    held = held_out_patches(pair, trained.origins, 4, 64, 16, 2047.0, "bicubic", torch.device("cpu"), rng)
    assert held is not None and len(held.origins) == 4
    assert not set(held.origins) & set(trained.origins)
    assert held_out_patches(pair, [(y, x) for y in range(0, 256, 64) for x in range(0, 256, 64)], 4, 64, 16,
                            2047.0, "bicubic", torch.device("cpu"), rng) is None


def test_a_harmful_adaptation_is_not_kept() -> None:
    """A 'tailored' net that scales its output is worse on every check: the verdict rejects it."""
    pair = _pair()
    rng = np.random.default_rng(0)
    patches = raster_patches(pair, 64, 16, 0.25, 4, "random", 2047.0, "bicubic", torch.device("cpu"), rng)
    start = ShippedWeights("fusionnet").trainable(4, torch.device("cpu"))

    class Damaged(Backbone):
        receptive_field, feature_channels = start.receptive_field, start.feature_channels

        def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
            return start.features(lms, pan)

        def mapper(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
            return 0.7 * start.mapper(feats, lms) + 0.3 * lms.mean(dim=1, keepdim=True)

    verdict = guard(start, Damaged(4), 4, 4, (0.34, 0.32, 0.30, 0.22), 0.15, "bicubic", patches, None)
    assert isinstance(verdict, GuardVerdict) and not verdict.kept
    assert set(verdict.before) == {"D_rho", "R_Q2n"} and verdict.patches == 4


def test_pipeline_writes_the_pretrained_output_when_the_guard_rejects(tmp_path, monkeypatch) -> None:
    import engine.adapt.method as method_module

    monkeypatch.setattr(method_module, "guard", lambda *a, **k: GuardVerdict(
        False, {"D_rho": 0.2, "R_Q2n": 0.99}, {"D_rho": 0.3, "R_Q2n": 0.99}, 4))
    pan, ms = pair_paths("quickbird")
    plain = run(PansharpenRequest(pan, ms, str(tmp_path / "p.tif"), method="fusionnet", device="cpu"))
    tailor = str(tmp_path / "t.safetensors")
    adapted = run(PansharpenRequest(pan, ms, str(tmp_path / "a.tif"), method="fusionnet", device="cpu",
                                    adapt="tailor", adapt_options={"steps": "3", "save_tailor": tailor}))
    a, b = (gdal.Open(r.output).ReadAsArray().astype(np.int64) for r in (plain, adapted))
    assert np.abs(a - b).max() <= 1  # the pretrained net (float rounding at most one count)
    assert adapted.guard["kept"] is False
    assert any(n.startswith("Feature Tailor not kept, the pretrained output is written")
               for n in adapted.notes)
    assert any("tailor file was not saved" in n for n in adapted.notes) and not os.path.exists(tailor)


def test_guard_off_and_on_are_recorded(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    on = run(PansharpenRequest(pan, ms, str(tmp_path / "on.tif"), method="fusionnet", device="cpu",
                               adapt="tailor", adapt_options={"steps": "3"}))
    off = run(PansharpenRequest(pan, ms, str(tmp_path / "off.tif"), method="fusionnet", device="cpu",
                                adapt="tailor", adapt_options={"steps": "3", "guard": "off"}))
    assert set(on.guard) == {"kept", "patches", "before", "after"}
    assert set(on.guard["before"]) == {"D_rho", "R_Q2n", "RR_Q2n"}
    assert off.guard == {} and "adapt_guard" not in off.stage_seconds
