"""Multi-resolution analysis: spatial detail of the PAN, matched to each band, injected into the MS.

P_k = PAN matched to band k (mean, and std against the PAN at MS scale); detail = P_k - lowpass(P_k).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..physics.mtf import TAPS, mtf_filter, mtf_kernels
from ..physics.resample import decimate, upsample
from .base import FusionContext, Method, match, safe_divide


def _matched_pan(pan: torch.Tensor, n_bands: int, ctx: FusionContext) -> torch.Tensor:
    """(B, C, H, W): the PAN matched to each band's mean and standard deviation."""
    s = ctx.require_stats()
    # Std of the PAN at MS scale: matching against the full-resolution std would shrink the detail.
    return match(pan.expand(-1, n_bands, -1, -1), s.pan_mean, s.pan_low_std(),
                 ctx.tensor(s.ms_mean(), pan), ctx.tensor(s.ms_std(), pan))


def _glp_lowpass(p: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
    """Generalised Laplacian pyramid low-pass: MTF filter, decimate, upsample back."""
    low = mtf_filter(p, mtf_kernels(ctx.ms_gains, ctx.ratio))
    return upsample(decimate(low, ctx.ratio), ctx.ratio, ctx.upsampler)


class HPF(Method):
    name, title, family = "hpf", "High-pass filtering", "multi-resolution analysis"
    summary = "detail = P_k - box(P_k) with a ratio x ratio box filter; additive injection"

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        p = _matched_pan(pan, ms.shape[1], ctx)
        r = ctx.ratio
        lo, hi = (r - 1) // 2, r // 2
        box = F.avg_pool2d(F.pad(p, (lo, hi, lo, hi), mode="replicate"), kernel_size=r, stride=1)
        return self.upsampled(ms, ctx) + (p - box)


class MTFGLP(Method):
    name, title, family = "mtf_glp", "MTF-GLP", "multi-resolution analysis"
    summary = "GLP with the sensor's MTF-matched Gaussian; additive injection (unit gains)"

    def halo(self, ratio: int) -> int:
        return TAPS // 2 + 6 * ratio

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        p = _matched_pan(pan, ms.shape[1], ctx)
        return self.upsampled(ms, ctx) + (p - _glp_lowpass(p, ctx))


class MTFGLPHPM(MTFGLP):
    name, title = "mtf_glp_hpm", "MTF-GLP-HPM"
    summary = "GLP with the sensor's MTF-matched Gaussian; multiplicative (high-pass modulation) injection"

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        p = _matched_pan(pan, ms.shape[1], ctx)
        return self.upsampled(ms, ctx) * safe_divide(p, _glp_lowpass(p, ctx))
