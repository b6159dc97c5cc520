"""Time embedding and the small conditional UNet family of the generative methods.

The net sees the state x_t (B, C, H, W), the time t (B,) in [0, 1], the PAN (B, 1, H, W) and the upsampled
MS lms (B, C, H, W), all in normalised units (engine/backbones/normalise.py: divided by the image's scale
s, about [0, 1]); it predicts the end point x_1 (the high-resolution MS) as lms + residual, (B, C, H, W).

Shape: a UNet whose levels are *dilations* instead of resolutions (encoder dilations 1, 2, 4, decoder 2, 1
with skip connections from the encoder). Without striding or pooling the net is exactly
translation-equivariant, so a tile computed with a halo of `receptive_radius` pixels equals the same pixels
of the whole image, whatever the tile's offset (a strided UNet is only exact for tiles aligned to its total
stride). Every residual block is modulated by the time embedding (FiLM: scale and shift per channel).
"""
from __future__ import annotations

import math
from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

#: (encoder, decoder) dilations of the residual blocks
ENCODER_DILATIONS: Tuple[int, ...] = (1, 2, 4)
DECODER_DILATIONS: Tuple[int, ...] = (2, 1)
#: pixels of context on each side of one output pixel: head and tail 3x3 convs, two convs per block
RECEPTIVE_RADIUS = 1 + sum(2 * d for d in (*ENCODER_DILATIONS, *DECODER_DILATIONS)) + 1


def time_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding (B, dim) of times t (B,) in [0, 1] (frequencies 1 to 1000, as for 1000 steps)."""
    half = dim // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = 1000.0 * t.float().view(-1, 1) * freqs.view(1, -1)
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class TimeMLP(nn.Module):
    """t (B,) -> (B, out) through the sinusoidal embedding and a two-layer MLP (SiLU)."""

    def __init__(self, dim: int, out: int) -> None:
        super().__init__()
        self.dim = dim
        self.net = nn.Sequential(nn.Linear(dim, 2 * dim), nn.SiLU(), nn.Linear(2 * dim, out))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.net(time_embedding(t, self.dim))


class FiLMBlock(nn.Module):
    """x + conv(act(FiLM_t(conv(x)))): two 3x3 convs of dilation d, the first modulated by (scale, shift)."""

    def __init__(self, ch: int, dilation: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=dilation, dilation=dilation)
        self.dilation = dilation

    def forward(self, x: torch.Tensor, film: torch.Tensor) -> torch.Tensor:
        scale, shift = film.chunk(2, dim=1)
        h = self.conv1(x) * (1 + scale[..., None, None]) + shift[..., None, None]
        return x + self.conv2(F.silu(h))


class CondUNet(nn.Module):
    """The conditional dilated UNet: forward(x_t, t, pan, lms) -> x_1 estimate (B, C, H, W), normalised units.

    Input features: cat(x_t - lms, lms, pan - lms) (3C channels; pan broadcast over the bands).
    width: channels of every level (the family: 16, 24, 32); bands: C.
    """

    def __init__(self, bands: int, width: int = 24, time_dim: int = 32) -> None:
        super().__init__()
        self.bands, self.width = bands, width
        self.head = nn.Conv2d(3 * bands, width, 3, padding=1)
        self.encoder = nn.ModuleList([FiLMBlock(width, d) for d in ENCODER_DILATIONS])
        self.decoder = nn.ModuleList([FiLMBlock(width, d) for d in DECODER_DILATIONS])
        self.merge = nn.ModuleList([nn.Conv2d(2 * width, width, 1) for _ in DECODER_DILATIONS])
        n_blocks = len(ENCODER_DILATIONS) + len(DECODER_DILATIONS)
        self.time = TimeMLP(time_dim, 2 * width * n_blocks)
        self.tail = nn.Conv2d(width, bands, 3, padding=1)
        nn.init.zeros_(self.tail.weight)  # a fresh net returns lms
        nn.init.zeros_(self.tail.bias)  # type: ignore[arg-type]

    @property
    def receptive_radius(self) -> int:
        """Pixels of context on each side that one output pixel depends on (head, blocks, tail)."""
        return RECEPTIVE_RADIUS

    def forward(self, x_t: torch.Tensor, t: torch.Tensor, pan: torch.Tensor,
                lms: torch.Tensor) -> torch.Tensor:
        films: List[torch.Tensor] = list(self.time(t).chunk(len(self.encoder) + len(self.decoder), dim=1))
        h = F.silu(self.head(torch.cat([x_t - lms, lms, pan - lms], dim=1)))
        skips = []
        for block, film in zip(self.encoder, films):
            h = block(h, film)
            skips.append(h)
        skips.pop()  # the deepest level feeds the decoder directly
        for block, merge, film in zip(self.decoder, self.merge, films[len(self.encoder):]):
            h = block(F.silu(merge(torch.cat([h, skips.pop()], dim=1))), film)
        return lms + self.tail(F.silu(h))


def build_unet(bands: int, width: int = 24) -> CondUNet:
    """A CondUNet for `bands` bands (weights: about 9 * width^2 * 12 floats; width 24 is ~290 KB)."""
    return CondUNet(bands, width)
