"""Up- and down-sampling between the coarse MS grid and the PAN grid, in torch.

Geometry: the grids share their top-left corner and a coarse cell covers ratio x ratio PAN pixels, so
coarse sample j sits at PAN coordinate j*r + (r-1)/2. Upsamplers and `decimate` both respect this, so
an upsample/decimate round trip introduces no shift.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import EngineError


def upsample(x: torch.Tensor, ratio: int, method: str = "bicubic") -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h*ratio, w*ratio), pixel-centre aligned."""
    if method == "bicubic":
        return F.interpolate(x, scale_factor=ratio, mode="bicubic", align_corners=False)
    if method == "bilinear":
        return F.interpolate(x, scale_factor=ratio, mode="bilinear", align_corners=False)
    if method == "nearest":
        return x.repeat_interleave(ratio, dim=-2).repeat_interleave(ratio, dim=-1)
    raise EngineError(f"unknown upsampler '{method}'")


def decimate(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/ratio, W/ratio) sampled at coarse-cell centres (H, W multiples of ratio).

    For even ratios the centre falls between four pixels, which are averaged.
    """
    if ratio % 2:
        c = (ratio - 1) // 2
        return x[..., c::ratio, c::ratio]
    off = ratio // 2 - 1
    return F.avg_pool2d(x[..., off:, off:], kernel_size=2, stride=ratio)


def area_downsample(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/ratio, W/ratio) by averaging each ratio x ratio cell."""
    return F.avg_pool2d(x, kernel_size=ratio, stride=ratio)
