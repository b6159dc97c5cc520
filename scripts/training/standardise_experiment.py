"""Experiment: per-band standardised inputs, so a net's injection amount follows each image's band contrast.

    python scripts/training/standardise_experiment.py BACKBONE --out DIR [train_backbone.py options]

Trains and scores BACKBONE (4-band) like `scripts/train_backbone.py BACKBONE --bands 4` (same sampler,
schedule, seed and held-out scoring against MTF-GLP); the only change is the normalisation: each lms band and
the PAN are standardised by their own image-wide mean and standard deviation, and the output band k is
mapped back with band k's (out * sigma_k + mu_k). Detail drawn from the PAN then arrives scaled by
sigma_k / sigma_P of the image at hand, as MTF-GLP's regression gains do, instead of by amounts learned from
the training scenes (the model card's QuickBird diagnosis). Training patches are standardised with their
source image's statistics; scoring computes them on the whole held-out input. Writes DIR/<backbone>_4b
.safetensors (the inner net) and DIR/manifest.json; refuses to run without --out.
"""
from __future__ import annotations

import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import train_backbone  # noqa: E402

from engine.backbones import build_backbone  # noqa: E402
from training.variant import run_variant  # noqa: E402


def _moments(x: torch.Tensor) -> tuple:
    """Per-channel mean and std over (H, W) of a (B, C, H, W) tensor, shaped (B, C, 1, 1)."""
    return x.mean((2, 3), keepdim=True), x.std((2, 3), keepdim=True).clamp_min(1e-6)


class Standardised(torch.nn.Module):
    """Training mode: inputs arrive standardised (the sampler does it per source image). Eval mode:
    standardise lms and pan by their own image-wide moments, run the net, map back with lms's."""

    def __init__(self, net: torch.nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        if self.training:
            return self.net(lms, pan)
        (ml, sl), (mp, sp) = _moments(lms), _moments(pan)
        return self.net((lms - ml) / sl, (pan - mp) / sp) * sl + ml


def _sampler(base: type) -> type:
    class StandardisedSampler(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            items = []
            for lms, pan, ref, r in self.items:
                ml = lms.mean((1, 2), keepdims=True)
                sl = np.maximum(lms.std((1, 2), keepdims=True), 1e-6)
                mp, sp = pan.mean(), max(float(pan.std()), 1e-6)
                items.append((((lms - ml) / sl).astype(np.float32), ((pan - mp) / sp).astype(np.float32),
                              ((ref - ml) / sl).astype(np.float32), r))
            self.items = items

    return StandardisedSampler


def main() -> None:
    save = train_backbone.save_weights
    run_variant(sys.argv[1:], Sampler=_sampler(train_backbone.Sampler),
                build_backbone=lambda name, bands: Standardised(build_backbone(name, bands)),
                save_weights=lambda net, *a, **k: save(net.net, *a, **k))


if __name__ == "__main__":
    main()
