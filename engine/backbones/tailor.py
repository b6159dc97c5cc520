"""Feature tailors: small residual modules F' = F + T(F) between a frozen backbone's two stages.

Every backbone here exposes features(lms, pan) -> F (B, K, H, W) and mapper(F, lms) -> fused; K is
`feature_channels` (MSDCNN's 62 = its deep 30 + shallow 32 heads concatenated, so one tailor over the
concatenation sees and corrects both heads and the mapper's single conv5 stays exact). All backbones use
'same' padding (PNN included, see engine/backbones/classic.py), so the tailor only has to keep the size.

The last layer of every tailor is zero-initialised: T(F) = 0 at step 0, so a tailored backbone reproduces
the pretrained output exactly before training.

Variants:
- light: 1x1 (K -> hidden) -> ReLU -> 3x3 (hidden -> K); receptive field 1 px.
- conditional (in the spirit of CAT): the light body, its hidden activations modulated channel-wise by
  (1 + gamma, beta) computed from image-level feature statistics (per-channel mean and std of F). The
  condition is computed from the training patches and then frozen with the tailor, so inference on tiles
  uses one per-image modulation and tiled output equals whole-image output.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import EngineError
from .base import Backbone

TAILORS = ("light", "conditional")


class LightTailor(nn.Module):
    """T(F) = conv3(ReLU(conv1(F))), last conv zero-initialised; (B, K, H, W) -> (B, K, H, W)."""

    receptive_field = 1

    def __init__(self, channels: int, hidden: int = 16) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(channels, hidden, 1)
        self.expand = nn.Conv2d(hidden, channels, 3, padding=1)
        nn.init.zeros_(self.expand.weight)
        nn.init.zeros_(self.expand.bias)  # type: ignore[arg-type]

    def hidden(self, feats: torch.Tensor) -> torch.Tensor:
        return F.relu(self.squeeze(feats))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.expand(self.hidden(feats))


class ConditionalTailor(LightTailor):
    """Light tailor whose hidden activations are modulated by (1 + gamma, beta) = MLP(mean, std of F).

    `condition(feats)` fixes the per-image statistics (call it on the training features); until then the
    statistics of the input itself are used.
    """

    stats: torch.Tensor
    conditioned: torch.Tensor

    def __init__(self, channels: int, hidden: int = 16) -> None:
        super().__init__(channels, hidden)
        self.film = nn.Sequential(nn.Linear(2 * channels, hidden), nn.ReLU(), nn.Linear(hidden, 2 * hidden))
        self.register_buffer("stats", torch.zeros(2 * channels))
        self.register_buffer("conditioned", torch.zeros((), dtype=torch.bool))

    @staticmethod
    def feature_stats(feats: torch.Tensor) -> torch.Tensor:
        """(2K,) per-channel mean and std over batch and pixels."""
        flat = feats.detach().float().transpose(0, 1).reshape(feats.shape[1], -1)
        return torch.cat([flat.mean(1), flat.std(1)])

    def condition(self, feats: torch.Tensor) -> None:
        """Freeze the image-level statistics used by the modulation (from (B, K, H, W) features)."""
        self.stats.copy_(self.feature_stats(feats))
        self.conditioned.fill_(True)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        stats = self.stats if bool(self.conditioned) else self.feature_stats(feats)
        gamma, beta = self.film(stats.to(feats.dtype)).chunk(2)
        h = self.hidden(feats) * (1 + gamma.view(1, -1, 1, 1)) + beta.view(1, -1, 1, 1)
        return self.expand(h)


def build_tailor(kind: str, channels: int, hidden: int = 16) -> LightTailor:
    """A zero-initialised tailor of `kind` ('light' or 'conditional') for `channels` feature channels."""
    if kind == "light":
        return LightTailor(channels, hidden)
    if kind == "conditional":
        return ConditionalTailor(channels, hidden)
    raise EngineError(f"unknown tailor '{kind}'; choose one of: {', '.join(TAILORS)}")


class TailoredBackbone(Backbone):
    """A backbone with a tailor at its interface: mapper(F + T(F), lms), F = features(lms, pan).

    The wrapped net is shared, not copied; freeze() stops its gradients (the pretrained net stays as is).
    receptive_field grows by the tailor's, so the block pipeline's halo stays exact.
    """

    def __init__(self, net: Backbone, tailor: Optional[LightTailor] = None, kind: str = "light") -> None:
        super().__init__(net.bands)
        self.net = net
        self.tailor = tailor if tailor is not None else build_tailor(kind, net.feature_channels)
        self.name, self.title = net.name, f"{net.title} + tailor"
        self.feature_channels, self.residual = net.feature_channels, net.residual
        self.receptive_field = net.receptive_field + self.tailor.receptive_field

    def freeze_backbone(self) -> TailoredBackbone:
        """Make the wrapped backbone's parameters non-trainable (only the tailor trains)."""
        for p in self.net.parameters():
            p.requires_grad_(False)
        return self

    def features(self, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
        feats = self.net.features(lms, pan)
        return feats + self.tailor(feats)

    def mapper(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
        return self.net.mapper(feats, lms)

    def tailored(self, feats: torch.Tensor, lms: torch.Tensor) -> torch.Tensor:
        """Fused output from cached frozen features F (B, K, H, W): mapper(F + T(F), lms)."""
        return self.net.mapper(feats + self.tailor(feats), lms)
