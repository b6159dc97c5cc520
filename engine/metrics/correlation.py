"""D_rho: spatial consistency of a fused image with the PAN by local correlation, in torch.

Scarpa & Ciotola, "Full-Resolution Quality Assessment for Pansharpening", Remote Sensing 14(8):1808, 2022
(the spatial half of their protocol; the spectral half is reprojected.py). Every fused band is correlated
with the PAN in a sliding window at the scale of the resolution ratio, and

    D_rho = mean over bands b and pixels of (1 - clip(rho_b, -1, 1))        lower is better, 0 ideal.

Conventions, pinned on the authors' reference code (MATLAB/D_rho.m and local_cross_correlation.m, and
NumPy/metrics.py DRho of github.com/matciotola/fr-pansh-eval-tool; the same xcorr_torch is used by their
Lambda-PNN metrics.py), with one deliberate change at the borders:
- window: sigma = ratio, half width w = ceil(ratio / 2), a square of side 2w (= the ratio for even
  ratios, ratio + 1 for odd ones); the window of pixel i spans rows/columns i - w + 1 .. i + w.
- the correlation is the authors' one, not the textbook window Pearson coefficient: each pixel is first
  centred on the mean of its *own* window (x - box(x), a box high-pass), then
  rho = sum_win(x' y') / sqrt(sum_win(x'^2) sum_win(y'^2)) over the window of the pixel. Sums of squares
  are floored at eps (1e-20) as in their code, so a flat window scores rho = 0. Window sums are added
  up from shifted slices, not taken from integral images: float32 integral images of a 2048^2 window
  lose every digit of a 4x4 sum.
- borders: the authors zero-pad (the outer ring of about 2w pixels sees zeros as data, so an offset added
  to a band changes the index there); here only pixels whose whole support lies inside the image count
  (H - 4w + 2 rows), so D_rho is exactly invariant to a positive gain and any offset of each band and of
  the PAN. On a 2048 px window the two differ only through that ring.
- no rho_max: the index compares with the PAN itself (1 - rho, ideal 0). The bound "correlation the data
  allow" (1 - xcorr(MTF-low-passed PAN, upsampled MS)) is part of the authors' Z-PNN / lambda-PNN
  *training loss* (their losses.py StructuralLoss and utils.local_corr_mask), not of D_rho.

A fused image whose bands are the PAN (up to gain and offset) scores exactly 0; blurred or misplaced
detail raises it. Functions are differentiable and batched (B, C, H, W) -> (B,) on any device.
"""
from __future__ import annotations

import math
from typing import Tuple

import torch

EPS = 1e-20
_CHUNK_PIXELS = 1 << 22  # bands per pass are limited so a 2048^2 window keeps its temporaries small


def half_width(ratio: int) -> int:
    """Half side of the correlation window at resolution ratio `ratio` (authors: ceil(sigma / 2))."""
    if ratio < 1:
        raise ValueError(f"ratio must be at least 1, got {ratio}")
    return math.ceil(ratio / 2)


def _box_sum(x: torch.Tensor, side: int) -> torch.Tensor:
    """Sum over every side x side window, valid positions only: (H, W) -> (H-side+1, W-side+1).

    Shifted-slice additions: 7x faster than separable average pooling on the CPU, and accurate in float32
    (a window adds only side^2 terms, where an integral image would subtract huge running sums)."""
    h, w = x.shape[-2:]
    rows = x[..., : h - side + 1, :] + x[..., 1: h - side + 2, :]
    for t in range(2, side):
        rows += x[..., t: h - side + 1 + t, :]
    out = rows[..., : w - side + 1] + rows[..., 1: w - side + 2]
    for t in range(2, side):
        out += rows[..., t: w - side + 1 + t]
    return out


def _centred(x: torch.Tensor, w: int) -> torch.Tensor:
    """x minus the mean of each pixel's window, for the pixels whose window is inside: (H-2w+1) rows."""
    h, wd = x.shape[-2:]
    return x[..., w - 1: h - w, w - 1: wd - w] - _box_sum(x, 2 * w) / (4 * w * w)


def _correlation(x: torch.Tensor, yc: torch.Tensor, y_norm: torch.Tensor, half: int,
                 eps: float) -> torch.Tensor:
    """Correlation of every band of x with the centred yc whose window norm is y_norm."""
    xc = _centred(x, half)
    cov = _box_sum(xc * yc, 2 * half)
    return cov / (torch.sqrt(torch.clamp(_box_sum(xc.square(), 2 * half), min=eps)) * y_norm)


def _reference_terms(y: torch.Tensor, half: int, eps: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """(centred y, sqrt of its floored window sum of squares) of the image everything is correlated with."""
    yc = _centred(y, half)
    return yc, torch.sqrt(torch.clamp(_box_sum(yc.square(), 2 * half), min=eps))


def _check(x: torch.Tensor, y: torch.Tensor, half: int) -> None:
    if x.dim() != 4 or y.dim() != 4 or x.shape[-2:] != y.shape[-2:]:
        raise ValueError(f"need (B, C, H, W) tensors of one size, got {tuple(x.shape)} and {tuple(y.shape)}")
    if min(x.shape[-2:]) < 4 * half - 1:
        raise ValueError(f"image {tuple(x.shape[-2:])} is too small for a correlation window of {2 * half}")


def local_correlation(x: torch.Tensor, y: torch.Tensor, half: int, eps: float = EPS) -> torch.Tensor:
    """Correlation field of every band of x (B, C, H, W) with y (B, 1 or C, H, W), unclipped.

    Returns (B, C, H - 4 half + 2, W - 4 half + 2): output pixel (i, j) is input pixel (i + 2 half - 2,
    j + 2 half - 2), the first one whose support (window of windows) lies inside the image.
    """
    _check(x, y, half)
    return _correlation(x, *_reference_terms(y, half, eps), half, eps)


def d_rho(fused: torch.Tensor, pan: torch.Tensor, ratio: int) -> torch.Tensor:
    """D_rho = mean over bands and valid pixels of 1 - clip(rho, -1, 1); (B,), lower is better, 0 ideal.

    fused (B, C, H, W) on the PAN grid, pan (B, 1, H, W); window side 2 ceil(ratio / 2). Large images go
    through a few bands at a time (same value) to bound the temporaries.
    """
    half = half_width(ratio)
    _check(fused, pan, half)
    if pan.shape[1] != 1:
        raise ValueError(f"PAN must have one band, got {pan.shape[1]}")
    yc, y_norm = _reference_terms(pan, half, EPS)
    c, (h, w) = fused.shape[1], fused.shape[-2:]
    step = max(1, _CHUNK_PIXELS // max(1, h * w))
    total = fused.new_zeros(fused.shape[0])
    for start in range(0, c, step):
        rho = _correlation(fused[:, start: start + step], yc, y_norm, half, EPS)
        total = total + torch.clamp(rho, -1.0, 1.0).mean(dim=(-2, -1)).sum(dim=1)
    return 1 - total / c
