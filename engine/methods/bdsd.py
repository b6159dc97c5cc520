"""BDSD-PC: band-dependent spatial detail with physical constraints (Vivone 2019).

G. Vivone, "Robust band-dependent spatial-detail approaches for panchromatic sharpening", IEEE TGRS
57(9):6421-6433, 2019; formulas as in BDSD_PC.m of Vivone's pansharpening toolbox (the 2020 benchmark's).
The BDSD model (Garzelli et al. 2008) injects into each band its own detail:

    F_k = M~_k + g_k (P - sum_j w_kj M~_j) = M~_k + gamma_0k P + sum_j gamma_jk M~_j

with gamma_0k = g_k and gamma_jk = -g_k w_kj. The coefficients are fitted at reduced scale, on the MS grid:
M_L = each MS band filtered by its MTF-matched filter (at MS scale, for the ratio: the MS as it would be one
ratio coarser), P_LR = the PAN filtered by the PAN's MTF filter and decimated to the MS grid; for each k,

    gamma_k = argmin || [P_LR, M_L,1..C] gamma - (M_k - M_L,k) ||^2   s.t. gamma_0k >= 0, gamma_jk <= 0

(the physical constraints: a non-negative gain g_k and non-negative intensity weights w_kj), no intercept,
over all valid MS pixels of the image. The toolbox solves it with lsqlin; here the same problem is a
non-negative least-squares problem in beta = S gamma (S = diag(1, -1, ..., -1)), solved exactly by the
Lawson-Hanson active-set method on the (C+1) x (C+1) Gram matrix (nnls_gram), which the second statistics
pass (engine/moments.py) accumulates block by block.

Deviations from the toolbox: the reduced-scale target is the MS itself (the toolbox takes
imresize(upsampled MS, 1/ratio), bicubic: nearly the MS); P_LR is decimated at coarse-cell centres (the
toolbox keeps pixel j*r + r//2); separable MTF kernels (physics/mtf.py); the upsampler is the run's
(bicubic by default, `--upsampler interp23tap` as the toolbox); nodata pixels are left out of the fit.
Signed or offset data (a negative value in the PAN or an MS band): the fit without intercept depends on
where zero is (0.66 instead of 0.94 Q2n at reduced scale on the QuickBird crop with 300 taken off the MS
only), so there it gets an unconstrained intercept (the constrained fit on centred moments, which ignores
offsets); non-negative data get the published fit (the centred one would score 0.0000-0.0012 higher Q2n at
reduced scale on the bundled and shared pairs of the README, 0.005 on the Landsat-8 crop).
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch

from ..physics.mtf import TAPS, mtf_filter, mtf_kernels
from ..raster.stats import Moments
from .base import FusionContext, Method
from .component_substitution import weighted_sum
from .multiresolution import decimated_lowpass


def _solve(q: np.ndarray, c: np.ndarray, passive: np.ndarray) -> np.ndarray:
    z = np.zeros_like(c)
    idx = np.flatnonzero(passive)
    z[idx] = np.linalg.lstsq(q[np.ix_(idx, idx)], c[idx], rcond=None)[0]
    return z


def nnls_gram(q: np.ndarray, c: np.ndarray) -> np.ndarray:
    """argmin_x x^T q x - 2 c^T x subject to x >= 0 (q symmetric positive semi-definite, (n, n); c (n,)):
    min ||A x - y||^2 over x >= 0 given only q = A^T A and c = A^T y. Lawson-Hanson active set on the
    problem scaled to a unit diagonal; a singular q gives one of the minimisers."""
    scale = np.sqrt(np.maximum(np.diag(q), 1e-300))
    q, c = q / np.outer(scale, scale), c / scale
    n = c.size
    x, passive = np.zeros(n), np.zeros(n, dtype=bool)
    tol = 1e-10 * max(1.0, float(np.abs(c).max()))
    for _ in range(3 * n):
        w = c - q @ x
        if passive.all() or w[~passive].max() <= tol:
            break
        passive[np.argmax(np.where(passive, -np.inf, w))] = True
        for _ in range(n + 1):
            z = _solve(q, c, passive)
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            step = x[neg] - z[neg]  # >= 0: x >= 0 >= z there
            alpha = float(np.min(np.divide(x[neg], step, out=np.zeros_like(step), where=step > 0)))
            x = x + alpha * (z - x)
            passive &= x > 1e-15
            x[~passive] = 0.0
    return x / scale


def has_offset(m: Moments, n_bands: int) -> bool:
    """True when the PAN (P_LR) or an MS band has negative values: signed or offset data, no natural zero."""
    return bool((m.minimum[[0, *range(1 + n_bands, 1 + 2 * n_bands)]] < 0).any())


def bdsd_pc_coefficients(m: Moments, n_bands: int) -> Tuple[np.ndarray, np.ndarray]:
    """(gamma (C+1, C), intercept (C,)) from the moments of BDSDPC.moment_features ([P_LR, M_L,1..C,
    M_1..C] on the MS grid). Column k of gamma holds gamma_0k (PAN) and gamma_jk (MS band j) of band k.

    The published fit has no intercept (uncentred moments; intercept 0), so it depends on where the data's
    zero is: on signed or offset data (has_offset) it gets an unconstrained intercept instead, i.e. the
    same constrained fit on centred moments, which does not depend on offsets."""
    c = n_bands
    centred = has_offset(m, c)
    e = m.cov if centred else m.second()
    gram = e[:c + 1, :c + 1]
    signs = np.concatenate([[1.0], -np.ones(c)])
    gamma = np.zeros((c + 1, c))
    for k in range(c):
        target = e[:c + 1, 1 + c + k] - e[:c + 1, 1 + k]  # E[h (M_k - M_L,k)]
        gamma[:, k] = signs * nnls_gram(gram * np.outer(signs, signs), target * signs)
    intercept = np.zeros(c)
    if centred:  # mean(target) - gamma . mean(h)
        intercept = m.mean[1 + c:] - m.mean[1:1 + c] - m.mean[:c + 1] @ gamma
    return gamma, intercept


class BDSDPC(Method):
    name, title, family = "bdsd_pc", "BDSD-PC", "component substitution"
    summary = ("band-dependent spatial detail; per band a gain and intensity weights fitted by least "
               "squares at reduced scale, constrained non-negative (Vivone 2019)")
    needs_moments = True
    block_parallel = True

    def moment_halo(self, ratio: int) -> int:
        # M_L: the MS filter's 20 MS pixels; P_LR: 20 PAN pixels plus the decimated cell
        return (TAPS // 2 + 1) * ratio

    def moment_features(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        """(B, 1 + 2C, H/r, W/r) on the MS grid: P_LR, M_L,1..C, M_1..C."""
        pan_lr = decimated_lowpass(pan, (ctx.pan_gain,), ctx.ratio)
        ms_low = mtf_filter(ms, mtf_kernels(ctx.ms_gains, ctx.ratio))
        return torch.cat([pan_lr, ms_low, ms], dim=1)

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        # M~_k + gamma_0k P + sum_j gamma_jk M~_j + b_k = Up(M_k + sum_j gamma_jk M_j + b_k) + gamma_0k P
        c = ms.shape[1]
        gamma, b = bdsd_pc_coefficients(ctx.require_moments(), c)
        coarse = torch.cat([ms[:, k:k + 1] + weighted_sum(ms, gamma[1:, k]) + float(b[k]) for k in range(c)],
                           dim=1)
        return self.upsampled(coarse, ctx).addcmul_(ctx.tensor(gamma[0], ms), pan)
