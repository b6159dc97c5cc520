"""Experiment: random per-band gains on the MS during training, towards cross-sensor (QuickBird) transfer.

    python scripts/training/band_gain_experiment.py BACKBONE --out DIR [--gain G] [train_backbone.py options]

Trains and scores BACKBONE (4-band) exactly like `scripts/train_backbone.py BACKBONE --bands 4` (same
sampler, schedule, seed and held-out scoring, printed next to MTF-GLP); the only change: each patch's MS bands
(lms input and reference alike) are multiplied by gains drawn log-uniformly from [1/G, G] (default 2), band
by band, while the PAN stays as it is. The nets then cannot learn a fixed injection amount per band from the
training sensors' band/PAN ratios (the model card's QuickBird diagnosis: too little detail in green and red)
and must read it from the image. Writes DIR/<backbone>_4b.safetensors and DIR/manifest.json; refuses to run
without --out so the shipped weights are never touched.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import train_backbone  # noqa: E402

from training.variant import run_variant  # noqa: E402

GAIN_SEED = 12345  # gains have their own stream, so the patch positions equal the plain run's


def _with_gains(sampler_cls: type, gain: float) -> type:
    """A Sampler whose batches carry per-patch, per-band MS gains in [1/gain, gain] (log-uniform)."""

    class GainSampler(sampler_cls):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.gain_rng = np.random.default_rng(GAIN_SEED)

        def batch(self, n: int) -> tuple:
            lms, pan, ref = super().batch(n)
            g = np.exp(self.gain_rng.uniform(-np.log(gain), np.log(gain), (n, lms.shape[1], 1, 1)))
            g = torch.from_numpy(g.astype(np.float32))
            return lms * g, pan, ref * g

    return GainSampler


def main() -> None:
    args = sys.argv[1:]
    gain = 2.0
    if "--gain" in args:
        i = args.index("--gain")
        gain = float(args[i + 1])
        del args[i:i + 2]
    if gain < 1:
        raise SystemExit(f"--gain must be at least 1, got {gain}")
    run_variant(args, Sampler=_with_gains(train_backbone.Sampler, gain))


if __name__ == "__main__":
    main()
