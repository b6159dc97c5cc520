"""AWLP: additive wavelet luminance proportional (Otazu et al. 2005).

X. Otazu, M. Gonzalez-Audicana, O. Fors, J. Nunez, "Introduction of sensor spectral response into image
fusion methods. Application to wavelet-based methods", IEEE TGRS 43(10):2376-2385, 2005; as in AWLP.m of
Vivone's pansharpening toolbox (the 2015 and 2020 benchmarks'):

    F_k = M~_k + (M~_k / I) (P_k - lowpass(P_k)),  I = (1/C) sum_j M~_j,  P_k = a_k (P - mean P) + mean M_k

so every band gets the PAN detail in proportion to its share of the MS intensity, which keeps the band
ratios (the spectral angle) of the upsampled MS. lowpass is the a trous wavelet approximation: the B3
cubic spline [1 4 6 4 1]/16, dilated by 2^l at level l, ceil(log2 ratio) levels (two at ratio 4), applied
separably; the detail is the sum of the wavelet planes. `--option lowpass=mtf` takes the PAN's low-pass from
each band's MTF-matched Gaussian instead (undecimated, as the MTF-based variants of the benchmarks).

Deviations from the toolbox:
- a_k = std(M_k) / std(P at MS scale) from the statistics pass, as this project's other MRA methods (the
  toolbox: std of the upsampled band over the std of the PAN resized down and up with bicubic).
- The toolbox's ndwt2/indwt2 pair is replaced by the plain a trous cascade of Otazu's paper, with
  replicate borders.
- Shares: M~_k is clamped at 0 (bicubic overshoot below zero) and a pixel whose intensity is not positive
  gets share 1 (additive injection) instead of dividing by eps; signed or offset data (a band with a
  negative image-wide minimum) are shifted as for MTF-GLP-HPM-R (base.positive_offsets) for the
  shares only. Non-negative data use the published shares unchanged.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..errors import EngineError
from ..physics.mtf import TAPS, mtf_filter, mtf_kernels
from .base import FusionContext, Method, positive_offsets
from .multiresolution import _match_coefficients
from .regression import distinct_gains

B3 = (1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16)
LOWPASS = ("atrous", "mtf")


def atrous_levels(ratio: int) -> int:
    """Wavelet levels for a ratio: ceil(log2 ratio)."""
    return max(1, math.ceil(math.log2(ratio)))


def atrous_lowpass(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, N, H, W) a trous approximation at atrous_levels(ratio): the separable B3 spline dilated by
    2^l at level l, replicate borders. Footprint radius 2 (2^levels - 1) pixels."""
    n = x.shape[1]
    k = torch.tensor(B3, dtype=x.dtype, device=x.device)
    for level in range(atrous_levels(ratio)):
        d = 2 ** level
        x = F.pad(x, (2 * d,) * 4, mode="replicate")
        x = F.conv2d(x, k.view(1, 1, 5, 1).expand(n, 1, 5, 1), dilation=(d, 1), groups=n)
        x = F.conv2d(x, k.view(1, 1, 1, 5).expand(n, 1, 1, 5), dilation=(1, d), groups=n)
    return x


def _lowpass_option(ctx: FusionContext) -> str:
    value = str(ctx.options.get("lowpass", "atrous") or "atrous").strip().lower()
    if value not in LOWPASS:
        raise EngineError(f"lowpass must be one of {', '.join(LOWPASS)}, got '{value}'")
    return value


def intensity_shares(up: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
    """(B, C, H, W) M~'_k / mean_j M~'_j, M~' = max(M~ + offset, 0); 1 where the mean is not positive."""
    shifted = up.add(ctx.tensor(positive_offsets(ctx.require_stats()), up)).clamp_(min=0.0)
    mean = shifted.mean(dim=1, keepdim=True)
    positive = mean > 0
    shares = shifted.div_(torch.where(positive, mean, torch.ones_like(mean)))
    return torch.where(positive, shares, torch.ones_like(shares))


class AWLP(Method):
    name, title, family = "awlp", "AWLP", "multi-resolution analysis"
    summary = ("a trous wavelet (B3 spline) PAN detail injected in proportion to each band's share of the "
               "MS intensity (Otazu 2005); lowpass=mtf for MTF-matched filters")
    block_parallel = True
    option_keys = ("lowpass",)

    def halo(self, ratio: int) -> int:
        # the wider of the two low-passes (the option is not known here) plus the upsampling's context
        return max(2 * (2 ** atrous_levels(ratio) - 1), TAPS // 2) + 3 * ratio

    def detail(self, pan: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        """P - lowpass(P): (B, 1, H, W) for the a trous low-pass, (B, C, H, W) for per-band MTF filters."""
        if _lowpass_option(ctx) == "atrous":
            return pan - atrous_lowpass(pan, ctx.ratio)
        gains, which = distinct_gains(ctx)
        low = mtf_filter(pan.expand(-1, len(gains), -1, -1), mtf_kernels(gains, ctx.ratio))
        return (pan - low)[:, which]

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        a, _ = _match_coefficients(ctx)
        up = self.upsampled(ms, ctx)
        detail = self.detail(pan, ctx) * ctx.tensor(a, up)
        return up.addcmul_(intensity_shares(up, ctx), detail)
