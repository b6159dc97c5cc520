"""The training sampler's band-group share (scripts/train_backbone.py), on small synthetic pairs."""
from __future__ import annotations

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from train_backbone import Sampler  # noqa: E402
from training.data import Pair  # noqa: E402


def _pair(name: str, level: float, side: int = 64) -> Pair:
    """A 4-band ratio-2 pair whose every value is `level`, so a patch says where it was drawn from."""
    ms = np.full((4, side // 2, side // 2), level, np.float32)
    return Pair(name, np.full((1, side, side), level, np.float32), ms, np.full((4, side, side), level,
                np.float32), 2, 1.0, (0.3,) * 4, 0.15)


def _sources(sampler: Sampler, n: int) -> np.ndarray:
    lms, pan, ref = sampler.batch(n)
    return pan[:, 0, 0, 0].numpy()


def test_group_share_draws_that_share_of_patches_from_band_groups() -> None:
    pairs = [_pair("pleiades_otb", 1.0), _pair("landsat8", 2.0), _pair("landsat7 scene 01", 3.0)]
    groups = [_pair("landsat7 scene 01 bands [0, 1, 2, 3]", 4.0),
              _pair("landsat8 bands [3, 4, 5, 6]", 5.0, side=128)]
    drawn = _sources(Sampler(pairs, 0, groups, 0.25), 4000)
    share = np.isin(drawn, (4.0, 5.0)).mean()
    assert 0.22 < share < 0.28
    # each sensor among the groups gets half of the group share, whatever its area
    assert abs((drawn == 4.0).mean() - (drawn == 5.0).mean()) < 0.03
    assert abs((drawn == 1.0).mean() - 0.25) < 0.03


def test_zero_group_share_keeps_the_sampling_of_the_shipped_files() -> None:
    pairs = [_pair("pleiades_otb", 1.0), _pair("landsat8", 2.0)]
    groups = [_pair("landsat8 bands [0, 1, 2, 3]", 5.0)]
    plain, with_groups = Sampler(pairs, 3), Sampler(pairs, 3, groups, 0.0)
    for _ in range(5):
        a, b = plain.batch(16), with_groups.batch(16)
        assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b))


def test_sensor_weight_scales_that_sensors_share_in_native_and_group_patches() -> None:
    pairs = [_pair("pleiades_otb", 1.0), _pair("landsat8", 2.0), _pair("landsat7 scene 01", 3.0)]
    groups = [_pair("landsat7 scene 01 bands [0, 1, 2, 3]", 4.0), _pair("landsat8 bands [3, 4, 5, 6]", 5.0)]
    drawn = _sources(Sampler(pairs, 0, groups, 0.2, {"landsat8": 2.0}), 6000)
    # native 0.8 split 1:2:1, groups 0.2 split 1:2
    for level, want in ((1.0, 0.2), (2.0, 0.4), (3.0, 0.2), (4.0, 0.2 / 3), (5.0, 0.4 / 3)):
        assert abs((drawn == level).mean() - want) < 0.025, level


def test_patch_size_sets_the_side_of_every_drawn_patch_on_the_ratio_grid() -> None:
    pairs = [_pair("pleiades_otb", 1.0, side=96)]
    lms, pan, ref = Sampler(pairs, 0, patch=48).batch(3)
    assert lms.shape == (3, 4, 48, 48) and pan.shape == (3, 1, 48, 48) and ref.shape == (3, 4, 48, 48)


def test_sensor_weight_for_a_sensor_not_in_training_is_refused_in_one_line() -> None:
    pairs = [_pair("pleiades_otb", 1.0), _pair("landsat8", 2.0)]
    with pytest.raises(ValueError) as e:
        Sampler(pairs, 0, weight={"landsat_8": 2.0})
    message = str(e.value)
    assert "landsat_8" in message and "landsat8, pleiades_otb" in message and "\n" not in message
