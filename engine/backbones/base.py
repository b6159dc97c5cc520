"""The two-stage backbone interface and the layers the backbones share.

Every backbone maps lms (B, C, H, W), the MS upsampled to the PAN grid, and pan (B, 1, H, W), both
normalised (see engine/backbones/normalise.py), to fused bands (B, C, H, W) in the same normalised units:

    fused = mapper(features(lms, pan), lms)

`features` ends where the high-dimensional fused features begin to be mapped to the output bands, so a later
module (e.g. a feature tailor F' = F + T(F)) can be inserted between the two stages without touching the net.
All convolutions keep the size ('same' zero padding); tiled inference is exact because each tile is read
with a halo of at least `receptive_field` PAN pixels, which the pipeline crops away.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv(cin: int, cout: int, k: int) -> nn.Conv2d:
    """k x k convolution with bias and 'same' zero padding (k odd)."""
    return nn.Conv2d(cin, cout, k, padding=k // 2)


class ResBlock(nn.Module):
    """conv3, ReLU, conv3, plus the skip (receptive field 2 px)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.c1, self.c2 = conv(ch, ch, 3), conv(ch, ch, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.c2(F.relu(self.c1(x)))


def high_pass(x: torch.Tensor, k: int = 5) -> torch.Tensor:
    """x minus its k x k box mean (replicate border); receptive field k // 2 px."""
    p = k // 2
    return x - F.avg_pool2d(F.pad(x, (p, p, p, p), mode="replicate"), k, stride=1)


class Backbone(nn.Module):
    """Base class: features(lms, pan) -> F (B, feature_channels, H, W); mapper(F, lms) -> (B, C, H, W).

    receptive_field: radius in PAN pixels of the input window each output pixel depends on (checked by a
    gradient test). residual: the output is lms + a learned correction.
    """

    name: str = ""
    title: str = ""
    receptive_field: int = 0
    feature_channels: int = 0
    residual: bool = True

    def __init__(self, bands: int) -> None:
        super().__init__()
        self.bands = bands

    def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def mapper(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        """Fused (B, C, H, W), normalised units: exactly mapper(features(lms, pan), lms)."""
        return self.mapper(self.features(lms, pan), lms)
