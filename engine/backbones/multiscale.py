"""MSDCNN: a multi-scale deep branch and a shallow branch (LAGConv lives in lagconv.py)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import Backbone, conv


class _MultiScale(nn.Module):
    """Parallel conv3 / conv5 / conv7 (ch/3 each), concatenated, ReLU, plus the skip (radius 3)."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.branches = nn.ModuleList([conv(ch, ch // 3, k) for k in (3, 5, 7)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + F.relu(torch.cat([b(x) for b in self.branches], 1))


class MSDCNN(Backbone):
    """Deep branch (conv7 60, multi-scale, conv3 30, multi-scale) and shallow branch (conv9 64, conv1 32).

    features = cat(deep 30 ch, shallow 32 ch); mapper = lms + conv5 over the 62 channels: one conv5 over
    the concatenation is exactly the paper's sum of a conv5 head on each branch. The paper's output is
    absolute (ReLU of the sum); we add lms instead, like PNN here, so the net trains in a CPU budget.
    """

    name, title = "msdcnn", "MSDCNN"
    receptive_field, feature_channels = 12, 62

    def __init__(self, bands: int) -> None:
        super().__init__(bands)
        self.deep = nn.Sequential(conv(bands + 1, 60, 7), nn.ReLU(), _MultiScale(60), conv(60, 30, 3),
                                  nn.ReLU(), _MultiScale(30))
        self.shallow = nn.Sequential(conv(bands + 1, 64, 9), nn.ReLU(), conv(64, 32, 1), nn.ReLU())
        self.head = conv(62, bands, 5)

    def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        x = torch.cat([lms, pan], 1)
        return torch.cat([self.deep(x), self.shallow(x)], 1)

    def mapper(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
        return lms + self.head(feats)
