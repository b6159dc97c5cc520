"""Regression-based full-resolution indices D_s_R and RQNR (Alparone, Garzelli, Vivone et al.), in torch.

Spatial consistency judged by how well the PAN is explained by a linear combination of the fused bands
(Alparone, Garzelli, Vivone, "Spatial consistency for full-scale assessment of pansharpening", IGARSS
2018; Arienzo, Vivone, Garzelli, Alparone, Chanussot, "Full-resolution quality assessment of
pansharpening: theoretical and hands-on approaches", IEEE GRSM 10(2), 2022):

    w      = least-squares weights of PAN ~ sum_b w_b F_b over all pixels (no intercept term)
    CD     = 1 - var(PAN - sum_b w_b F_b) / var(PAN)          coefficient of determination
    D_s_R  = 1 - CD = var(residual) / var(PAN)               lower is better, 0 ideal
    RQNR   = (1 - D_lambda_K)(1 - D_s_R)                     higher is better, 1 ideal

Conventions, pinned on the Vivone toolbox (Quality_Indices/LSR.m, D_s_R.m, RQNR.m; Lambda-PNN's
metrics.py LSR/DsR computes the same):
- the PAN is used as it is, at full resolution (not low-passed), against the fused bands on the PAN grid;
- one global regression over the assessed window, without an intercept (LSR.m: w = ILRc \\ IHc); the
  residual's variance removes its mean. The block size S of the toolbox only shapes its local map, not
  the index. Consequence: D_s_R is invariant to a gain on any fused band, but an offset added to a band
  changes it (the fit has no constant to absorb it).
- RQNR's spectral term is the toolbox's D_lambda_F = 1 - Q2n(upsampled MS, MTF-filtered fused), which
  is this project's D_lambda_K; exponents alpha = beta = 1.

Computation: the raw moments E[x] and E[x x^T] of [fused bands, PAN] are summed in float64 over strips of
rows (float32 sums of a 2048^2 window differed by 1e-4 relative between BLAS libraries), the small normal
equations are solved with a 1e-12 relative ridge (so repeated bands, e.g. a fused image equal to the PAN
in every band, still solve), and the residual variance comes from the moments. Differentiable;
(B, C, H, W) -> (B,) on any device that has float64 (CPU, CUDA).
"""
from __future__ import annotations

from typing import Tuple

import torch

RIDGE = 1e-12
_CHUNK_PIXELS = 1 << 20  # pixels per float64 strip of the moment sums


def _moments(fused: torch.Tensor, pan: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Raw float64 moments of the stack [fused bands, PAN]: means E[x] (B, C+1) and E[x x^T] (B, C+1, C+1),
    accumulated over strips of rows (bounded memory; float64, so no BLAS-dependent float32 rounding)."""
    h, w = fused.shape[-2:]
    rows = max(1, _CHUNK_PIXELS // max(1, w))
    first = torch.zeros(fused.shape[0], fused.shape[1] + 1, dtype=torch.float64, device=fused.device)
    second = first[:, :, None] * first[:, None, :]
    for top in range(0, h, rows):
        strip = torch.cat([fused[..., top: top + rows, :], pan[..., top: top + rows, :]], dim=1)
        x = strip.flatten(2).double()
        first = first + x.sum(dim=-1)
        second = second + x @ x.transpose(1, 2)
    return first / (h * w), second / (h * w)


def regression_weights(raw: torch.Tensor) -> torch.Tensor:
    """(B, C) least-squares weights of the last variable of a stack on the others, without intercept, from
    the raw second moments E[x x^T] (B, C+1, C+1): solves E[f f^T] w = E[f p] (small relative ridge)."""
    c = raw.shape[-1] - 1
    gram, rhs = raw[:, :c, :c], raw[:, :c, c:]
    scale = torch.diagonal(gram, dim1=-2, dim2=-1).mean(dim=-1).clamp(min=torch.finfo(gram.dtype).tiny)
    eye = torch.eye(c, dtype=gram.dtype, device=gram.device)
    return torch.linalg.solve(gram + RIDGE * scale[:, None, None] * eye, rhs)[..., 0]


def d_s_r(fused: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
    """Regression spatial distortion var(PAN - F w) / var(PAN); fused (B, C, H, W), pan (B, 1, H, W).

    (B,) in fused's dtype; lower is better, 0 when the PAN is a linear combination of the fused bands.
    A constant PAN (no variance) gives 0."""
    if pan.shape[1] != 1 or fused.shape[-2:] != pan.shape[-2:] or fused.shape[0] != pan.shape[0]:
        raise ValueError(f"fused {tuple(fused.shape)} and PAN {tuple(pan.shape)} do not fit")
    mean, raw = _moments(fused, pan)
    c = fused.shape[1]
    w = regression_weights(raw)
    var_p = raw[:, c, c] - mean[:, c].square()
    mean_e = mean[:, c] - (w * mean[:, :c]).sum(dim=-1)  # E[e], e = p - w.f
    square_e = raw[:, c, c] - 2 * (w * raw[:, :c, c]).sum(dim=-1) + torch.einsum("bi,bij,bj->b", w,
                                                                                  raw[:, :c, :c], w)
    residual = torch.clamp(square_e - mean_e.square(), min=0.0)
    relative = residual / torch.where(var_p > 0, var_p, torch.ones_like(var_p))
    return torch.where(var_p > 0, relative, torch.zeros_like(var_p)).to(fused.dtype)


def rqnr(d_lambda_k_value: torch.Tensor, d_s_r_value: torch.Tensor) -> torch.Tensor:
    """RQNR = (1 - D_lambda_K)(1 - D_s_R); higher is better, 1 ideal."""
    return (1 - d_lambda_k_value) * (1 - d_s_r_value)
