"""MTF-GLP with injection coefficients fitted by regression on the whole image (Vivone et al., 2018).

M~_k is MS band k upsampled to the PAN grid, P the PAN, P_L,k = Up(Dec(h_k * P)) the GLP low-pass of the PAN
with band k's MTF-matched filter h_k (multiresolution.py). All covariances and means are image-wide, at full
scale (PAN grid), over the valid pixels.

MTF-GLP-FS: G. Vivone, R. Restaino, J. Chanussot, "Full scale regression-based injection coefficients for
panchromatic sharpening", IEEE TIP 27(7):3418-3431, 2018; formulas as in MTF_GLP_FS.m of Vivone's
pansharpening toolbox (the 2020 benchmark's):

    g_k = cov(M~_k, P) / cov(P_L,k, P)        F_k = M~_k + g_k (P - P_L,k)

MTF-GLP-HPM-R: G. Vivone, R. Restaino, J. Chanussot, "A regression-based high-pass modulation pansharpening
approach", IEEE TGRS 56(2):984-996, 2018, global version (MTF_GLP_HPM_R.m):

    g_k = cov(M~_k, P_L,k) / var(P_L,k)       c_k = mean(M~_k) / g_k - mean(P)
    F_k = M~_k (P + c_k) / (P_L,k + c_k)

computed as F_k = M~_k Q_k / Q_L,k with Q_k = g_k (P - mean(P)) + mean(M~_k), Q_L,k the same of P_L,k
(numerator and denominator of the published ratio multiplied by g_k: the same value, defined at g_k = 0):
the PAN equalised to band k by the regression, and high-pass modulation.

Deviations from the toolbox, all project conventions shared with mtf_glp:
- The moments come from a block-wise pass over the image (engine/moments.py: each pixel counted once, the
  footprint covered by a halo) instead of cov() over the whole image in memory: the same numbers up to
  float64 summation order (population rather than sample covariances, which cancel in every ratio), and
  nodata pixels are left out.
- Decimation at coarse-cell centres (the toolbox keeps pixel j*r + r//2), separable MTF kernels
  (physics/mtf.py) and the run's upsampler (bicubic by default; `--upsampler interp23tap` is the toolbox's).
- Signed or offset MS data (HPM-R): a band whose image-wide minimum is negative is shifted up by its
  standard deviation minus its minimum before the modulation and back after (base.positive_offsets); bands
  with non-negative values use the published formula unchanged.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
import torch

from ..physics.resample import upsample
from ..raster.stats import Moments
from .base import FusionContext, positive_offsets, safe_divide
from .multiresolution import MTFGLP, band_decimated, decimated_lowpass


def distinct_gains(ctx: FusionContext) -> Tuple[Tuple[float, ...], List[int]]:
    """The distinct MTF gains of the bands (sorted) and, per band, the index of its gain among them."""
    gains = sorted(set(ctx.ms_gains))
    return tuple(gains), [gains.index(g) for g in ctx.ms_gains]


def glp_features(pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
    """(B, 1 + C + G, H, W) on the PAN grid: P, M~_1..C, and P_L for each of the G distinct gains."""
    gains, _ = distinct_gains(ctx)
    low = upsample(decimated_lowpass(pan, gains, ctx.ratio), ctx.ratio, ctx.upsampler)
    return torch.cat([pan, upsample(ms, ctx.ratio, ctx.upsampler), low], dim=1)


def _parts(m: Moments, ctx: FusionContext) -> Tuple[int, np.ndarray]:
    """(C, index of band k's P_L feature) in the moments of glp_features."""
    c = len(ctx.ms_gains)
    _, which = distinct_gains(ctx)
    return c, 1 + c + np.asarray(which)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where |den| is negligible (no PAN detail: nothing to inject)."""
    small = np.abs(den) <= 1e-12 * max(1.0, float(np.abs(den).max()))
    return np.where(small, 0.0, num / np.where(small, 1.0, den))


def fs_gains(m: Moments, ctx: FusionContext) -> np.ndarray:
    """(C,) MTF-GLP-FS gains g_k = cov(M~_k, P) / cov(P_L,k, P) from the moments of glp_features."""
    c, low = _parts(m, ctx)
    return _ratio(m.cov[1:1 + c, 0], m.cov[low, 0])


def hpm_r_gains(m: Moments, ctx: FusionContext) -> np.ndarray:
    """(C,) MTF-GLP-HPM-R regression gains g_k = cov(M~_k, P_L,k) / var(P_L,k)."""
    c, low = _parts(m, ctx)
    return _ratio(m.cov[1 + np.arange(c), low], m.cov[low, low])


class MTFGLPFS(MTFGLP):
    name, title = "mtf_glp_fs", "MTF-GLP-FS"
    summary = ("GLP with the sensor's MTF-matched Gaussian; additive injection, gains fitted by regression "
               "at full scale (Vivone 2018)")
    needs_moments = True

    def moment_features(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        return glp_features(pan, ms, ctx)

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        # M~ + g (P - Up(low)) = Up(MS - g low) + g P: one upsampling of C coarse bands (as MTFGLP)
        g = ctx.tensor(fs_gains(ctx.require_moments(), ctx), ms)
        coarse = torch.addcmul(ms, band_decimated(pan, ctx), g, value=-1.0)
        return self.upsampled(coarse, ctx).addcmul_(g, pan)


class MTFGLPHPMR(MTFGLP):
    name, title = "mtf_glp_hpm_r", "MTF-GLP-HPM-R"
    summary = ("GLP with the sensor's MTF-matched Gaussian; high-pass modulation by the PAN equalised to "
               "each band by regression on its low-pass (Vivone 2018)")
    needs_moments = True

    def moment_features(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        return glp_features(pan, ms, ctx)

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        m = ctx.require_moments()
        c = ms.shape[1]
        g = hpm_r_gains(m, ctx)
        offset = positive_offsets(ctx.require_stats())
        # Q = g P + q, q = mean(M~') - g mean(P), M~' = M~ + offset
        q = ctx.tensor(m.mean[1:1 + c] + offset - g * m.mean[0], ms)
        gt, ot = ctx.tensor(g, ms), ctx.tensor(offset, ms)
        up = self.upsampled(ms, ctx).add_(ot)
        low = upsample(band_decimated(pan, ctx), ctx.ratio, ctx.upsampler)
        ratio = safe_divide(torch.addcmul(q, pan, gt), torch.addcmul(q, low, gt))
        return up.mul_(ratio).sub_(ot)
