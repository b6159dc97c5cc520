"""Component substitution: an intensity built from the MS is replaced by the matched PAN.

out_k = ms_up_k + g_k * (P - I) with method-specific intensity I and gains g (Brovey: multiplicative).
All image-wide quantities come from GlobalStats so results do not depend on the tiling.
"""
from __future__ import annotations

import numpy as np
import torch

from .base import FusionContext, Method, match, parse_weights, positive_offsets


def weighted_sum(up: torch.Tensor, weights: np.ndarray) -> torch.Tensor:
    """(B, 1, H, W) = sum_k weights[k] * up[:, k], without a (B, C, H, W) temporary.

    A per-band multiply-add rather than einsum: einsum goes through BLAS, and QGIS binaries load the
    system OpenBLAS globally, which moved results by one ulp between the CLI and qgis_process.
    """
    acc = up[:, 0:1] * float(weights[0])
    for k in range(1, up.shape[1]):
        acc = acc + up[:, k:k + 1] * float(weights[k])
    return acc


class Brovey(Method):
    """As gdal_pansharpen. Signed MS data (a band with a negative image-wide minimum; the statistics pass
    runs only for signed and float MS, see needs_stats_for): bands shifted up by positive_offsets s_k and
    the PAN by sum_k w_k s_k, so that the pseudo-PAN keeps away from zero, F_k = (M_k + s_k)(P + S) /
    (I + S) - s_k; data without negative values give GDAL's result unchanged."""

    name, title, family = "brovey", "Brovey (GDAL weighted)", "component substitution"
    summary = "out = MS * PAN / sum(w * MS); weights option as in gdal_pansharpen, default 1/C"
    option_keys = ("weights",)
    needs_stats = False
    block_parallel = True

    def needs_stats_for(self, ms_dtype: np.dtype) -> bool:
        """Statistics (for the MS minimum) only when the MS type can hold negative values."""
        return np.dtype(ms_dtype).kind in "if"

    def halo(self, ratio: int) -> int:
        return 2 * ratio  # pixel-wise in the PAN: only the upsampling's 2 MS pixels of context

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        up = self.upsampled(ms, ctx)
        weights = parse_weights(ctx.options.get("weights"), ms.shape[1])
        shift = positive_offsets(ctx.stats) if ctx.stats is not None else np.zeros(ms.shape[1])
        if shift.any():
            up.add_(ctx.tensor(shift, up))
            pan = pan + float(weights @ shift)
        pseudo = weighted_sum(up, weights)
        # GDAL: factor 0 where the pseudo-PAN is 0; PAN / 0 gives inf or nan here, both mapped to 0.
        factor = torch.nan_to_num_(pan / pseudo, nan=0.0, posinf=0.0, neginf=0.0)
        out = up.mul_(factor)
        return out.sub_(ctx.tensor(shift, out)) if shift.any() else out


def _inject(up: torch.Tensor, pan: torch.Tensor, intensity: torch.Tensor, gains: np.ndarray,
            i_mean: float, i_std: float, ctx: FusionContext) -> torch.Tensor:
    """up + gains_k * (P - I), P the PAN matched to the intensity's mean and std (up is modified)."""
    stats = ctx.require_stats()
    p = match(pan, stats.pan_mean, stats.pan_std, i_mean, i_std)
    return up.addcmul_(ctx.tensor(gains, up), p.sub_(intensity))


class GIHS(Method):
    name, title, family = "gihs", "Generalised IHS", "component substitution"
    summary = "I = mean of MS bands; PAN matched to I; detail added equally to every band"
    block_parallel = True

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        s = ctx.require_stats()
        c = ms.shape[1]
        a = np.full(c, 1.0 / c)
        up = self.upsampled(ms, ctx)
        i_std = float(np.sqrt(a @ s.cov[:c, :c] @ a))
        return _inject(up, pan, up.mean(dim=1, keepdim=True), np.ones(c), float(a @ s.ms_mean()), i_std, ctx)


class PCA(Method):
    name, title, family = "pca", "Principal component analysis", "component substitution"
    summary = "first principal component of the MS replaced by the matched PAN"
    block_parallel = True

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        s = ctx.require_stats()
        c = ms.shape[1]
        vals, vecs = np.linalg.eigh(s.cov[:c, :c])
        v = vecs[:, np.argmax(vals)]
        if v @ s.cov[:c, c] < 0:  # orient PC1 so that it correlates positively with the PAN
            v = -v
        up = self.upsampled(ms, ctx)
        mean = s.ms_mean()
        pc1 = weighted_sum(up, v) - float(v @ mean)
        return _inject(up, pan, pc1, v, 0.0, float(np.sqrt(max(vals.max(), 1e-12))), ctx)


def _gs_fuse(method: Method, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext,
             a: np.ndarray, b: float) -> torch.Tensor:
    """Gram-Schmidt injection for intensity I = a . MS + b: gains g_k = cov(MS_k, I) / var(I)."""
    s = ctx.require_stats()
    c = ms.shape[1]
    cov = s.cov[:c, :c]
    var_i = float(max(a @ cov @ a, 1e-12))
    gains = cov @ a / var_i
    up = method.upsampled(ms, ctx)
    intensity = weighted_sum(up, a) + b
    return _inject(up, pan, intensity, gains, float(a @ s.ms_mean() + b), float(np.sqrt(var_i)), ctx)


class GS(Method):
    name, title, family = "gs", "Gram-Schmidt", "component substitution"
    summary = "I = mean of MS bands; band gains cov(MS_k, I) / var(I)"
    block_parallel = True

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        c = ms.shape[1]
        return _gs_fuse(self, pan, ms, ctx, np.full(c, 1.0 / c), 0.0)


class GSA(Method):
    name, title, family = "gsa", "Gram-Schmidt adaptive", "component substitution"
    summary = "I = least-squares fit of the PAN (at MS scale) on the MS bands; GS gains"
    block_parallel = True

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        s = ctx.require_stats()
        c = ms.shape[1]
        a = np.linalg.lstsq(s.cov[:c, :c], s.cov[:c, c], rcond=None)[0]
        b = float(s.mean[c] - a @ s.ms_mean())
        return _gs_fuse(self, pan, ms, ctx, a, b)
