"""Indices with a reference (reduced-resolution / Wald protocol): SAM, ERGAS, SCC, PSNR, FSDS.

All take (B, C, H, W) float tensors in the same units (raw digital numbers are fine) and return one
value per batch item, shape (B,), differentiable. Q2n lives in q2n.py; border cut and the whole set in
`reduced_resolution_indices` (indices.py).
"""
from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn.functional as F

#: FSDS of identical images is +inf; the value is capped here (a ratio of 1e-20)
FSDS_CAP_DB = 200.0


def _check(fused: torch.Tensor, reference: torch.Tensor) -> None:
    if fused.shape != reference.shape or fused.dim() != 4:
        raise ValueError(f"need two (B, C, H, W) tensors of one shape, got {tuple(fused.shape)} "
                         f"and {tuple(reference.shape)}")


def safe_sqrt(x: torch.Tensor) -> torch.Tensor:
    """sqrt with a finite gradient at 0 (where the value is 0)."""
    tiny = torch.finfo(x.dtype).tiny
    return torch.where(x > 0, torch.sqrt(torch.clamp(x, min=tiny)), torch.zeros_like(x))


def sam(fused: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Spectral angle mapper, degrees: mean angle between pixel spectra; lower is better, 0 ideal.

    Pixels where either spectrum is all zero are skipped (toolbox). The angle is computed as
    2 atan2(|u - v|, |u + v|) of the unit spectra, which stays accurate for tiny angles.
    """
    _check(fused, reference)
    nf = safe_sqrt(fused.square().sum(1, keepdim=True))  # sum of squares: 4x faster than vector_norm here
    nr = safe_sqrt(reference.square().sum(1, keepdim=True))
    valid = (nf > 0) & (nr > 0)
    u = fused / torch.where(valid, nf, torch.ones_like(nf))
    v = reference / torch.where(valid, nr, torch.ones_like(nr))
    angle = 2 * torch.atan2(safe_sqrt((u - v).square().sum(1)), safe_sqrt((u + v).square().sum(1)))
    valid = valid[:, 0]
    total = torch.where(valid, angle, torch.zeros_like(angle)).sum(dim=(-2, -1))
    return torch.rad2deg(total / valid.sum(dim=(-2, -1)).clamp(min=1))


def ergas(fused: torch.Tensor, reference: torch.Tensor, ratio: int) -> torch.Tensor:
    """ERGAS = (100/ratio) sqrt(mean over bands of MSE_b / mean(reference_b)^2); lower is better, 0 ideal."""
    _check(fused, reference)
    mse = (fused - reference).square().mean(dim=(-2, -1))
    mean_sq = reference.mean(dim=(-2, -1)).square()
    return (100.0 / ratio) * torch.sqrt((mse / mean_sq).mean(dim=1))


def _sobel_magnitude(x: torch.Tensor) -> torch.Tensor:
    """Sobel gradient magnitude of every band on the valid interior, (B, C, H-2, W-2).

    Separable differences and [1, 2, 1] smoothing by slicing (cheaper than a 3 x 3 convolution)."""
    dx = x[..., :, 2:] - x[..., :, :-2]
    gx = dx[..., :-2, :] + 2 * dx[..., 1:-1, :] + dx[..., 2:, :]
    dy = x[..., 2:, :] - x[..., :-2, :]
    gy = dy[..., :, :-2] + 2 * dy[..., :, 1:-1] + dy[..., :, 2:]
    return safe_sqrt(gx.square() + gy.square())


def scc(fused: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Spatial correlation coefficient; higher is better, 1 ideal.

    Uncentred correlation sum(G_f G_r) / sqrt(sum G_f^2 sum G_r^2) of the Sobel gradient magnitudes G of
    all bands (toolbox SCC). Gradients are taken on the valid interior (no padding); the toolbox crops one
    pixel and then zero-pads, which inflates the gradients on its outer ring.
    """
    _check(fused, reference)
    gf, gr = _sobel_magnitude(fused), _sobel_magnitude(reference)
    num = (gf * gr).sum(dim=(1, 2, 3))
    return num / torch.sqrt(gf.square().sum(dim=(1, 2, 3)) * gr.square().sum(dim=(1, 2, 3)))


def psnr(fused: torch.Tensor, reference: torch.Tensor,
         data_range: Optional[Union[float, torch.Tensor]] = None) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB, 10 log10(peak^2 / MSE) over all bands; higher is better.

    peak: data_range when given (e.g. 2^bits - 1), else the reference's maximum per item.
    """
    _check(fused, reference)
    mse = (fused - reference).square().mean(dim=(1, 2, 3))
    if data_range is None:
        peak = reference.amax(dim=(1, 2, 3))
    else:
        peak = torch.as_tensor(data_range, dtype=fused.dtype, device=fused.device)
    return 10.0 * torch.log10(peak.square() / mse)


def _cumulative_spectrum(x: torch.Tensor) -> torch.Tensor:
    """Standardised image -> 2-D cumulative sums of its two vertical-frequency halves (complex)."""
    b = x.shape[0]
    mean = x.reshape(b, -1).mean(1).view(b, 1, 1, 1)
    std = x.reshape(b, -1).std(1).view(b, 1, 1, 1)
    x = (x - mean) / torch.where(std > 0, std, torch.ones_like(std))
    if x.shape[-2] % 2:
        x = F.pad(x, (0, 0, 0, 1))  # zero (= the mean) row so the two halves have equal size
    spec = torch.fft.rfft2(x, norm="ortho")
    half = spec.shape[-2] // 2
    positive, negative = spec[..., :half, :], torch.flip(spec[..., half:, :], dims=[-2])
    both = torch.stack([positive, negative], dim=2)  # (B, C, 2, H/2, W/2+1)
    return torch.cumsum(torch.cumsum(both, dim=-2), dim=-1)


def fsds(fused: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Frequency spectrum distribution similarity (dB); higher is better, identical images give the cap.

    Each image is standardised over all its bands and pixels; rfft2 per band (H padded to even); the
    vertical frequencies are split into the non-negative and the (flipped) negative half; each half is
    cumulated in 2-D; FSDS = -10 log10(sum |P - T|^2 / sum |T|^2), P fused and T reference.
    """
    _check(fused, reference)
    p, t = _cumulative_spectrum(fused), _cumulative_spectrum(reference)
    err = (p - t).abs().square().sum(dim=(1, 2, 3, 4))
    energy = t.abs().square().sum(dim=(1, 2, 3, 4))
    floor = 10.0 ** (-FSDS_CAP_DB / 10.0)
    return -10.0 * torch.log10(torch.clamp(err / energy, min=floor))


def border_cut(x: torch.Tensor, cut: int) -> torch.Tensor:
    """Toolbox border cut I(cut:end-cut, cut:end-cut): drops cut-1 leading and cut trailing pixels."""
    if cut <= 0:
        return x
    h, w = x.shape[-2:]
    if h - 2 * cut + 1 < 1 or w - 2 * cut + 1 < 1:
        raise ValueError(f"image {h}x{w} is too small for a border cut of {cut}")
    return x[..., cut - 1: h - cut, cut - 1: w - cut]

