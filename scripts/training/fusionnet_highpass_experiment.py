"""Experiment: FusionNet fed the high-pass of (PAN - lms) instead of (PAN - lms) itself.

    python scripts/training/fusionnet_highpass_experiment.py --out DIR [any train_backbone.py option]

Trains and scores the variant exactly like `scripts/train_backbone.py fusionnet --bands 4` (same sampler,
schedule, seed and held-out scoring, printed next to MTF-GLP); the only change is the input, high_pass(x) =
x - box5(x) as in PanNet, which removes the scene's low-frequency PAN/band differences that FusionNet
otherwise has to learn to ignore (receptive field 10 -> 12). Writes DIR/fusionnet_4b.safetensors and
DIR/manifest.json for inspection; the engine cannot load the variant and the shipped weights are untouched.
"""
from __future__ import annotations

import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import train_backbone  # noqa: E402

from engine.backbones import build_backbone  # noqa: E402
from engine.backbones.base import high_pass  # noqa: E402
from engine.backbones.classic import FusionNet  # noqa: E402


class HighPassFusionNet(FusionNet):
    """FusionNet on high_pass(pan repeated C times - lms); mapper unchanged (lms + output)."""

    receptive_field = 12

    def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        return self.trunk(high_pass(pan.expand_as(lms) - lms))


def _build(name: str, bands: int) -> torch.nn.Module:
    return HighPassFusionNet(bands) if name == "fusionnet" else build_backbone(name, bands)


if __name__ == "__main__":
    if "--out" not in sys.argv:
        raise SystemExit("give --out DIR: the variant must not replace the shipped fusionnet_4b")
    train_backbone.build_backbone = _build
    sys.argv = [sys.argv[0], "fusionnet", "--bands", "4", *sys.argv[1:]]
    train_backbone.main()
