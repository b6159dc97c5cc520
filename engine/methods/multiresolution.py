"""Multi-resolution analysis: spatial detail of the PAN, matched to each band, injected into the MS.

P_k = a_k * PAN + b_k, the PAN matched to band k (a_k = std(MS_k) / std(PAN at MS scale), b_k from the
means); detail_k = P_k - lowpass(P_k). The low-pass filters are linear with unit DC gain, so
lowpass(P_k) = a_k * lowpass(PAN) + b_k and detail_k = a_k * (PAN - lowpass(PAN)): the PAN is filtered
once per distinct filter (one box; one GLP per distinct MTF gain), not once per band.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..physics.mtf import TAPS, mtf_kernels
from ..physics.resample import upsample
from .base import FusionContext, Method, positive_offsets, safe_divide


def _match_coefficients(ctx: FusionContext) -> Tuple[np.ndarray, np.ndarray]:
    """(a, b) per band with P_k = a_k * PAN + b_k matched to band k's mean and std."""
    s = ctx.require_stats()
    # Std of the PAN at MS scale: matching against the full-resolution std would shrink the detail.
    a = s.ms_std() / max(s.pan_low_std(), 1e-12)
    return a, s.ms_mean() - a * s.pan_mean


def _decimating_kernels(gains: Tuple[float, ...], ratio: int) -> Tuple[torch.Tensor, int]:
    """(G, n) 1-D taps of the MTF filter of each gain followed by decimation at cell centres, and the
    offset of the first tap from the cell's first pixel. Even ratios average the two central pixels
    (as `decimate` does)."""
    k = mtf_kernels(gains, ratio).double()
    offset = (ratio - 1) // 2 - TAPS // 2
    if ratio % 2 == 0:
        k = F.pad(k, (0, 1)) * 0.5 + F.pad(k, (1, 0)) * 0.5
    return k.float(), offset


def decimated_lowpass(pan: torch.Tensor, gains: Tuple[float, ...], ratio: int) -> torch.Tensor:
    """MTF filter of each gain, then decimation at cell centres: (B, 1, H, W) -> (B, G, H/r, W/r).

    One strided convolution per axis for all gains, so only the kept samples are computed."""
    k, offset = _decimating_kernels(gains, ratio)
    k = k.to(device=pan.device, dtype=pan.dtype)
    g, n = k.shape
    before, after = max(0, -offset), max(0, offset + n - ratio)
    x = F.pad(pan, (before, after, before, after), mode="replicate")
    start = offset + before
    x = F.conv2d(x[..., start:, start:], k.view(g, 1, n, 1), stride=(ratio, 1))
    x = F.conv2d(x, k.view(g, 1, 1, n), stride=(1, ratio), groups=g)
    return x[..., :pan.shape[-2] // ratio, :pan.shape[-1] // ratio]


def glp_lowpass(pan: torch.Tensor, gain: float, ctx: FusionContext) -> torch.Tensor:
    """Generalised Laplacian pyramid low-pass of (B, 1, H, W): MTF filter, decimate, upsample back."""
    return upsample(decimated_lowpass(pan, (gain,), ctx.ratio), ctx.ratio, ctx.upsampler)


def band_decimated(pan: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
    """MTF-filtered, decimated PAN for each band's gain: (B, C, H/r, W/r), or (B, 1, H/r, W/r) when
    every band has the same gain. Distinct gains are filtered once."""
    gains = sorted(set(ctx.ms_gains))
    low = decimated_lowpass(pan, tuple(gains), ctx.ratio)
    if len(gains) > 1 and list(ctx.ms_gains) != gains:
        low = low[:, [gains.index(g) for g in ctx.ms_gains]]
    return low


class HPF(Method):
    name, title, family = "hpf", "High-pass filtering", "multi-resolution analysis"
    summary = "detail = P_k - box(P_k) with a ratio x ratio box filter; additive injection"
    block_parallel = True

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        a, _ = _match_coefficients(ctx)
        r = ctx.ratio
        lo, hi = (r - 1) // 2, r // 2
        box = F.avg_pool2d(F.pad(pan, (lo, hi, lo, hi), mode="replicate"), kernel_size=r, stride=1)
        up = self.upsampled(ms, ctx)
        return up.addcmul_(ctx.tensor(a, up), pan - box)


class MTFGLP(Method):
    name, title, family = "mtf_glp", "MTF-GLP", "multi-resolution analysis"
    summary = "GLP with the sensor's MTF-matched Gaussian; additive injection (unit gains)"
    block_parallel = True

    def halo(self, ratio: int) -> int:
        return TAPS // 2 + 6 * ratio

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        # up(MS) + a (PAN - up(low)) = up(MS - a low) + a PAN: the upsampler is linear, so one upsampling
        # of C coarse bands serves both terms.
        a, _ = _match_coefficients(ctx)
        at = ctx.tensor(a, ms)
        coarse = torch.addcmul(ms, band_decimated(pan, ctx), at, value=-1.0)
        return self.upsampled(coarse, ctx).addcmul_(at, pan)


class MTFGLPHPM(MTFGLP):
    """Signed or offset MS (a band with a negative image-wide minimum): the band and its matched PAN are
    shifted up by positive_offsets for the modulation and back after, so the ratio P_k / lowpass(P_k) is
    taken away from zero (on such data the plain formula exploded to thousands of times the MS range);
    non-negative data get the published formula unchanged."""

    name, title = "mtf_glp_hpm", "MTF-GLP-HPM"
    summary = "GLP with the sensor's MTF-matched Gaussian; multiplicative (high-pass modulation) injection"

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        a, b = _match_coefficients(ctx)
        shift = positive_offsets(ctx.require_stats())
        up = self.upsampled(ms, ctx)
        at, bt = ctx.tensor(a, up), ctx.tensor(b + shift, up)
        low = upsample(band_decimated(pan, ctx), ctx.ratio, ctx.upsampler)
        low = torch.addcmul(bt, low, at)  # lowpass(P_k) = a_k lowpass(PAN) + b_k (+ shift_k)
        if not shift.any():
            return up.mul_(safe_divide(torch.addcmul(bt, pan, at), low))
        st = ctx.tensor(shift, up)
        return up.add_(st).mul_(safe_divide(torch.addcmul(bt, pan, at), low)).sub_(st)
