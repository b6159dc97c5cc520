"""Multi-resolution analysis: spatial detail of the PAN, matched to each band, injected into the MS.

P_k = a_k * PAN + b_k, the PAN matched to band k (a_k = std(MS_k) / std(PAN at MS scale), b_k from the
means); detail_k = P_k - lowpass(P_k). The low-pass filters are linear with unit DC gain, so
lowpass(P_k) = a_k * lowpass(PAN) + b_k and detail_k = a_k * (PAN - lowpass(PAN)): the PAN is filtered
once per distinct filter (one box; one GLP per distinct MTF gain), not once per band.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..physics.mtf import TAPS, mtf_kernels
from ..physics.resample import upsample
from .base import FusionContext, Method, safe_divide


def _match_coefficients(ctx: FusionContext) -> Tuple[np.ndarray, np.ndarray]:
    """(a, b) per band with P_k = a_k * PAN + b_k matched to band k's mean and std."""
    s = ctx.require_stats()
    # Std of the PAN at MS scale: matching against the full-resolution std would shrink the detail.
    a = s.ms_std() / max(s.pan_low_std(), 1e-12)
    return a, s.ms_mean() - a * s.pan_mean


def _decimating_kernel(gain: float, ratio: int) -> Tuple[torch.Tensor, int]:
    """1-D taps of the MTF filter followed by decimation at cell centres, and the offset of the first
    tap from the cell's first pixel. Even ratios average the two central pixels (as `decimate` does)."""
    k = mtf_kernels((gain,), ratio)[0].double()
    offset = (ratio - 1) // 2 - TAPS // 2
    if ratio % 2 == 0:
        k = F.pad(k, (0, 1)) * 0.5 + F.pad(k, (1, 0)) * 0.5
    return k.float(), offset


def glp_lowpass(pan: torch.Tensor, gain: float, ctx: FusionContext) -> torch.Tensor:
    """Generalised Laplacian pyramid low-pass of (B, 1, H, W): MTF filter, decimate, upsample back.

    Filtering and decimation are one strided convolution per axis, so only the kept samples are computed.
    """
    r = ctx.ratio
    k, offset = _decimating_kernel(gain, r)
    k = k.to(device=pan.device, dtype=pan.dtype)
    n = k.numel()
    before = max(0, -offset)
    after = max(0, offset + n - r)
    x = F.pad(pan, (before, after, before, after), mode="replicate")
    start = offset + before
    x = x[..., start:, start:]
    x = F.conv2d(x, k.view(1, 1, n, 1), stride=(r, 1))
    x = F.conv2d(x, k.view(1, 1, 1, n), stride=(1, r))
    h, w = pan.shape[-2] // r, pan.shape[-1] // r
    return upsample(x[..., :h, :w], r, ctx.upsampler)


def _pan_details(pan: torch.Tensor, ctx: FusionContext) -> Dict[float, torch.Tensor]:
    """PAN - GLP low-pass(PAN), one (B, 1, H, W) per distinct MTF gain of the bands."""
    return {g: pan - glp_lowpass(pan, g, ctx) for g in sorted(set(ctx.ms_gains))}


def _stack(per_band: list) -> torch.Tensor:
    return torch.cat(per_band, dim=1)


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
        a, _ = _match_coefficients(ctx)
        details = _pan_details(pan, ctx)
        up = self.upsampled(ms, ctx)
        if len(details) == 1:
            return up.addcmul_(ctx.tensor(a, up), next(iter(details.values())))
        detail = _stack([details[g] for g in ctx.ms_gains])
        return up.addcmul_(ctx.tensor(a, up), detail)


class MTFGLPHPM(MTFGLP):
    name, title = "mtf_glp_hpm", "MTF-GLP-HPM"
    summary = "GLP with the sensor's MTF-matched Gaussian; multiplicative (high-pass modulation) injection"

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        a, b = _match_coefficients(ctx)
        lows = {g: glp_lowpass(pan, g, ctx) for g in sorted(set(ctx.ms_gains))}
        up = self.upsampled(ms, ctx)
        at, bt = ctx.tensor(a, up), ctx.tensor(b, up)
        p = pan * at + bt  # (B, C, H, W): P_k
        low = _stack([lows[g] for g in ctx.ms_gains]) if len(lows) > 1 else next(iter(lows.values()))
        return up.mul_(safe_divide(p, low * at + bt))
