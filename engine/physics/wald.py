"""Wald-protocol degradation: simulate the pair one ratio coarser, so the original MS is a reference.

MS: each band is low-passed with the MTF-matched filter of its Nyquist gain, then decimated by the ratio.
PAN: low-passed with the PAN gain's filter, then decimated. Both sample like `resample.decimate` (computed by
the strided mtf.mtf_filter_decimated, which evaluates the filter only where it is kept), at
coarse-cell centres (PAN coordinate j*r + (r-1)/2, the average of the two central pixels for even
ratios); the toolboxes keep pixel j*r + r//2 instead (imresize 'nearest'), half a PAN pixel off this
project's grid. Any integer ratio 2..8 works; everything stays in torch (differentiable, any device).
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch

from .mtf import mtf_filter_decimated, mtf_kernels

MIN_RATIO, MAX_RATIO = 2, 8


def _check_ratio(ratio: int) -> None:
    if not isinstance(ratio, int) or not MIN_RATIO <= ratio <= MAX_RATIO:
        raise ValueError(f"ratio must be an integer from {MIN_RATIO} to {MAX_RATIO}, got {ratio}")


def _whole_cells(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """Drop trailing rows/columns that do not fill a coarse cell (the grid stays anchored top-left)."""
    h, w = x.shape[-2:]
    return x[..., : h - h % ratio, : w - w % ratio]


def degrade_ms(ms: torch.Tensor, ratio: int, gains: Sequence[float]) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H//r, W//r): MTF-filter each band with its gain, decimate at cell centres."""
    _check_ratio(ratio)
    return mtf_filter_decimated(_whole_cells(ms, ratio), mtf_kernels(gains, ratio), ratio)


def degrade_pan(pan: torch.Tensor, ratio: int, gain: float) -> torch.Tensor:
    """(B, 1, H, W) -> (B, 1, H//r, W//r): MTF-filter with the PAN gain, decimate at cell centres."""
    _check_ratio(ratio)
    return mtf_filter_decimated(_whole_cells(pan, ratio), mtf_kernels([gain], ratio), ratio)


def reduced_pair(pan: torch.Tensor, ms: torch.Tensor, ratio: int, ms_gains: Sequence[float],
                 pan_gain: float) -> Tuple[torch.Tensor, torch.Tensor]:
    """Wald pair: (PAN (B,1,H,W), MS (B,C,H/r,W/r)) -> (PAN at MS scale, MS at 1/r of its scale).

    The original MS (cropped to whole cells of the reduced grid) is the reference for the fused result.
    """
    _check_ratio(ratio)
    ms = _whole_cells(ms, ratio)
    pan = pan[..., : ms.shape[-2] * ratio, : ms.shape[-1] * ratio]
    return degrade_pan(pan, ratio, pan_gain), degrade_ms(ms, ratio, ms_gains)
