"""The unsupervised loss SWIFT scores and fine-tunes with, over index batches of the chosen patches.

"full" (default): Feature Tailor's full-resolution losses (engine/training/losses.py): spectral (Wald
degradation of the output against the MS), spatial (lambda-PNN's thresholded local correlation with the PAN
by default) and consistency (L1 to the pretrained net's output; weight 0 by default), on each patch's inner
part; the whole net runs on the patch with its context margin, because any layer may be trainable.
"wald": reduced-resolution supervision: PAN and MS are degraded by the ratio with the sensor's MTF, the net
fuses the degraded pair and its output is compared (L1) with the original MS, plus the same consistency
term against the pretrained output on the degraded pair. Needs the margin to be a multiple of ratio^2.
"""
from __future__ import annotations

from typing import Dict, Sequence

import torch

from ..backbones.base import Backbone
from ..physics.resample import upsample
from ..physics.wald import degrade_ms, degrade_pan
from ..training.losses import LossWeights, spatial_targets, total_loss
from ..training.patches import Patches
from .scenes import UPSAMPLER

FROZEN_BATCH = 16


class Objective:
    """loss(net, idx) -> {'total', ...} scalars on the patches `idx` (a LongTensor of patch indices)."""

    def __init__(self, net: Backbone, patches: Patches, ratio: int, gains: Sequence[float], pan_gain: float,
                 weights: LossWeights, kind: str = "full") -> None:
        self.patches, self.ratio, self.gains = patches, ratio, tuple(gains)
        self.weights, self.kind = weights, kind
        p = patches
        if kind == "wald":
            self.pan_in = degrade_pan(p.pan, ratio, pan_gain)
            self.lms_in = upsample(degrade_ms(p.ms, ratio, gains), ratio, UPSAMPLER)
        else:
            self.pan_in, self.lms_in = p.pan, p.lms
            self.pan, self.ms = p.inner(p.pan), p.inner(p.ms, ratio)
            self.targets = spatial_targets(p.lms, p.pan, ratio, pan_gain, p.margin)
        self.frozen = self._frozen(net)

    @property
    def count(self) -> int:
        """Number of patches."""
        return int(self.patches.pan.shape[0])

    def _crop(self, x: torch.Tensor) -> torch.Tensor:
        """The inner part of a net output: PAN grid ('full') or the MS grid of the degraded pair ('wald')."""
        return self.patches.inner(x, self.ratio if self.kind == "wald" else 1)

    def _frozen(self, net: Backbone) -> torch.Tensor:
        """The starting net's output on every patch (inner part, detached)."""
        outs = []
        with torch.no_grad():
            for s in range(0, self.count, FROZEN_BATCH):
                outs.append(self._crop(net(self.lms_in[s:s + FROZEN_BATCH], self.pan_in[s:s + FROZEN_BATCH])))
        return torch.cat(outs)

    def loss(self, net: Backbone, idx: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Loss terms on the patches idx; 'total' is differentiable with respect to net's parameters."""
        fused = self._crop(net(self.lms_in[idx], self.pan_in[idx]))
        frozen = self.frozen[idx]
        if self.kind == "wald":
            ref = self.patches.inner(self.patches.ms[idx], self.ratio)
            terms = {"spectral": (fused - ref).abs().mean(), "consistency": (fused - frozen).abs().mean()}
            terms["total"] = (self.weights.spectral * terms["spectral"]
                              + self.weights.consistency * terms["consistency"])
            return terms
        return total_loss(fused, frozen, self.pan[idx], self.ms[idx], self.targets.patches(idx), self.ratio,
                          self.gains, self.weights)
