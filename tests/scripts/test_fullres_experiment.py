"""scripts/training/fullres_experiment.py: full-resolution windows carry their own coarse MS, and the
experiment never writes to the shipped weights folder."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from train_backbone import Sampler  # noqa: E402
from training.fullres_experiment import MARGIN, _undegraded  # noqa: E402

SCRIPT = os.path.join(ROOT, "scripts", "training", "fullres_experiment.py")


@pytest.mark.parametrize("ratio", [2, 4])
def test_a_window_of_a_full_resolution_pair_holds_its_coarse_ms_on_every_rth_pixel(ratio: int) -> None:
    rng = np.random.default_rng(0)
    ms = rng.random((4, 24, 20)).astype(np.float32)
    pan = rng.random((1, 24 * ratio + 3, 20 * ratio + 1)).astype(np.float32)  # a PAN a little too large
    pair = _undegraded("landsat8", pan * 10, ms * 10, ratio, 10.0, (0.3,) * 4, 0.15)
    assert pair.pan.shape == (1, 24 * ratio, 20 * ratio) and np.allclose(pair.ms, ms)
    side = 8 * ratio
    sampler = Sampler([pair], 1, patch=side)
    coarse = {pair.ms[:, y:y + 8, x:x + 8].tobytes() for y in range(17) for x in range(13)}
    for _ in range(10):  # random positions, rotations and flips
        _, _, ref = sampler.batch(4)
        for window in ref.numpy():
            cells = window.reshape(4, 8, ratio, 8, ratio)
            assert np.all(cells == cells[:, :, :1, :, :1]), "each coarse cell is whole in the window"
            low = window[:, ::ratio, ::ratio]
            seen = {np.ascontiguousarray(np.rot90(low, k, axes=(1, 2))[:, :, ::f]).tobytes()
                    for k in range(4) for f in (1, -1)}
            assert seen & coarse, "the window's every r-th pixel is an (augmented) window of the MS"


def test_margin_covers_the_receptive_field_and_both_ratios() -> None:
    from engine.backbones import build_backbone

    assert MARGIN > build_backbone("fusionnet", 4).receptive_field and MARGIN % 4 == 0


def test_the_experiment_refuses_to_run_without_out_or_into_the_shipped_folder() -> None:
    run = [sys.executable, SCRIPT, "--data", "/nonexistent"]
    out = subprocess.run(run, capture_output=True, text=True)
    assert out.returncode != 0 and "--out" in out.stderr
    shipped = os.path.join(ROOT, "resources", "weights")
    out = subprocess.run(run + ["--out", shipped], capture_output=True, text=True)
    assert out.returncode != 0 and "shipped" in out.stderr
    out = subprocess.run([sys.executable, SCRIPT, "with-weights", shipped, "report"], capture_output=True,
                         text=True)
    assert out.returncode != 0 and "shipped" in out.stderr
