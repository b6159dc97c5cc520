"""Adaptation of MS band counts other than 4 and 8 (engine/adapt/groups.py): 6-band Landsat-7, 7-band
Landsat-8 and a 3-band subset, trained through 4-band groups and inferred per group as DeepMethod does."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.adapt.groups import finetune_full_groups, split_groups, train_tailor_groups
from engine.adapt.train import TrainSettings, finetune_full, train_tailor
from engine.backbones import build_backbone
from engine.physics.sensors import get_preset
from engine.pipeline import run
from engine.progress import CancelToken, no_progress
from engine.request import PansharpenRequest
from engine.training.losses import weights_for
from engine.training.patches import image_patches
from tests.conftest import pair_paths

FAST = {"steps": "3", "max_patches": "2", "guard": "off"}  # these tests are about the mechanics


def _tensors(name: str) -> tuple:
    pan_path, ms_path = pair_paths(name)
    pan = gdal.Open(pan_path).ReadAsArray().astype(np.float32)
    ms = gdal.Open(ms_path).ReadAsArray().astype(np.float32)
    scale = float(max(pan.max(), ms.max()))
    return torch.from_numpy(pan / scale)[None, None], torch.from_numpy(ms / scale)[None]


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_backbone("fusionnet", 4).eval()


def _subset(tmp_path: str, bands: list) -> tuple:
    """The QuickBird crop with only `bands` (1-based) of its MS, as a new pair in tmp_path."""
    pan, ms = pair_paths("quickbird")
    sub = os.path.join(str(tmp_path), "subset_ms.tif")
    gdal.Translate(sub, ms, bandList=bands)
    return pan, sub


def _fuse(pan: str, ms: str, out: str, **kw: object) -> np.ndarray:
    run(PansharpenRequest(pan, ms, out, method="fusionnet", block_size=128, **kw))  # type: ignore[arg-type]
    return gdal.Open(out).ReadAsArray()


def test_groups_cover_every_band_once_with_weights_summing_to_one() -> None:
    pan, ms = _tensors("landsat7")
    patches = image_patches(pan, ms, 2, 64, 16, 1.0, 2, "random", np.random.default_rng(0))
    gains = tuple(0.3 + 0.01 * b for b in range(6))
    groups = split_groups(patches, 4, gains)
    assert [g.patches.ms.shape[1] for g in groups] == [4, 4]
    assert [g.kept for g in groups] == [[0, 1, 2, 3], [2, 3]]  # second group: bands 2..5, keeps 4 and 5
    assert [g.gains for g in groups] == [gains[:4], gains[4:]]
    assert sum(g.weight for g in groups) == pytest.approx(1.0)
    assert torch.equal(groups[1].patches.ms, patches.ms[:, 2:6])
    short = split_groups(image_patches(*_tensors("quickbird"), 4, 64, 16, 1.0, 1, "random",
                                       np.random.default_rng(0)), 4, (0.3,) * 4)
    assert len(short) == 1 and short[0].kept == [0, 1, 2, 3] and short[0].weight == 1.0


@pytest.mark.parametrize("mode", ["tailor", "full"])
def test_one_group_trains_exactly_as_the_single_group_loop(mode: str) -> None:
    pan, ms = _tensors("quickbird")
    patches = image_patches(pan, ms, 4, 64, 16, 0.25, 5, "diverse", np.random.default_rng(0))
    preset = get_preset("quickbird")
    gains, weights, settings = preset.gains_for(4), weights_for("quickbird"), TrainSettings(steps=3)
    groups, cancel = split_groups(patches, 4, gains), CancelToken()
    if mode == "tailor":
        single = train_tailor(_net(), patches, 4, gains, preset.pan_gain, weights, settings)
        grouped = train_tailor_groups(_net(), groups, 4, preset.pan_gain, weights, settings, no_progress,
                                      cancel)
    else:  # 5 patches: two gradient-accumulation chunks
        single = finetune_full(_net(), patches, 4, gains, preset.pan_gain, weights, 3, 1e-4)
        grouped = finetune_full_groups(_net(), groups, 4, preset.pan_gain, weights, 3, 1e-4, no_progress,
                                       cancel)
    assert len(grouped.history) == len(single.history) == 3
    for a, b in zip(single.history, grouped.history):
        assert a == pytest.approx(b, rel=1e-5)


def test_shared_tailor_lowers_the_summed_loss_on_landsat7() -> None:
    pan, ms = _tensors("landsat7")
    patches = image_patches(pan, ms, 2, 64, 16, 0.5, 4, "diverse", np.random.default_rng(0))
    preset = get_preset("landsat7")
    groups = split_groups(patches, 4, preset.gains_for(6))
    result = train_tailor_groups(_net(), groups, 2, preset.pan_gain, weights_for("landsat7"),
                                 TrainSettings(steps=8, lr=2e-3), no_progress, CancelToken())
    totals = [h["total"] for h in result.history]
    assert totals[-1] < totals[0]


@pytest.mark.parametrize("name", ["landsat7", "landsat8"])
def test_zero_steps_equal_direct_transfer_and_training_changes_the_output(tmp_path, name: str) -> None:
    pan, ms = pair_paths(name)
    plain = _fuse(pan, ms, str(tmp_path / "none.tif"))
    zero = _fuse(pan, ms, str(tmp_path / "zero.tif"), adapt="tailor", adapt_options={**FAST, "steps": "0"})
    assert np.array_equal(zero, plain)  # zero-initialised tailor + per-group inference = DeepMethod.fuse
    tailored = _fuse(pan, ms, str(tmp_path / "tailor.tif"), adapt="tailor", adapt_options=FAST)
    assert tailored.shape == plain.shape and not np.array_equal(tailored, plain)


def test_three_band_subset_is_adapted(tmp_path) -> None:
    pan, ms = _subset(str(tmp_path), [1, 2, 3])
    plain = _fuse(pan, ms, str(tmp_path / "none.tif"))
    zero = _fuse(pan, ms, str(tmp_path / "zero.tif"), adapt="tailor", adapt_options={**FAST, "steps": "0"})
    tailored = _fuse(pan, ms, str(tmp_path / "tailor.tif"), adapt="tailor", adapt_options=FAST)
    assert plain.shape == (3, 256, 256) and np.array_equal(zero, plain)
    assert not np.array_equal(tailored, plain)


def test_full_finetune_of_a_seven_band_ms(tmp_path) -> None:
    pan, ms = pair_paths("landsat8")
    out = _fuse(pan, ms, str(tmp_path / "full.tif"), adapt="full",
                adapt_options={"steps": "2", "max_patches": "1", "lr": "1e-4", "guard": "off"})
    plain = _fuse(pan, ms, str(tmp_path / "none.tif"))
    assert out.shape == plain.shape and out.shape[0] == 7 and not np.array_equal(out, plain)


def test_saved_six_band_tailor_reapplies_exactly(tmp_path) -> None:
    pan, ms = pair_paths("landsat7")
    path = str(tmp_path / "l7.safetensors")
    trained = _fuse(pan, ms, str(tmp_path / "trained.tif"), adapt="tailor",
                    adapt_options={**FAST, "save_tailor": path})
    loaded = _fuse(pan, ms, str(tmp_path / "loaded.tif"), adapt="tailor", adapt_options={"load_tailor": path})
    assert np.array_equal(loaded, trained)
