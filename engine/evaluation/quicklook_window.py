"""Where a quicklook looks: the window of the PAN with the most detail, and the detail map shown with it.

Detail is the high-pass energy of the PAN: PAN minus its mean over a (2r+1) x (2r+1) box, squared (r the
MS/PAN ratio), i.e. the scales finer than an MS pixel, which are what pansharpening injects and where a soft
result shows. Candidate windows start every `cell_size(r)` PAN px; the one with the largest mean energy wins.
Windows holding nodata are excluded while any window is free of it (then the fewest nodata pixels win), and
pixels whose box touches nodata add no energy, so a nodata edge never counts as detail. numpy and torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class DetailMap:
    """Detail energy of a searched region, per cell, and the window chosen in it.

    cells: (gh, gw) mean squared high-pass per cell (PAN units^2); cell_valid: (gh, gw) cells with a valid
    pixel; cell: cell side, PAN px; window: (x, y, w, h) in PAN px from the region's origin."""

    cells: np.ndarray
    cell_valid: np.ndarray
    cell: int
    window: Tuple[int, int, int, int]


def cell_size(ratio: int) -> int:
    """Candidate step and map cell, PAN px: the smallest multiple of the ratio >= 8 (windows then start
    on whole MS pixels)."""
    return ratio * -(-8 // ratio)


def detail_energy(pan: np.ndarray, valid: np.ndarray, ratio: int) -> np.ndarray:
    """(H, W) float32 squared high-pass of a PAN (H, W): PAN minus its mean over a (2r+1)^2 box; 0 where the
    box touches an invalid pixel (valid (H, W) bool), so that nodata edges do not count as detail."""
    x = pan.astype(np.float32, copy=True)
    if not valid.all():
        x[~valid] = x[valid].mean() if valid.any() else 0.0
    t = torch.from_numpy(x)[None, None]
    k = 2 * ratio + 1
    low = F.avg_pool2d(F.pad(t, (ratio,) * 4, mode="replicate"), k, stride=1)
    energy = ((t - low) ** 2)[0, 0].numpy()
    if not valid.all():
        bad = torch.from_numpy((~valid).astype(np.float32))[None, None]
        energy[F.max_pool2d(bad, k, stride=1, padding=ratio)[0, 0].numpy() > 0] = 0.0
    return energy


def _window_sums(cells: np.ndarray, nw: int, nh: int) -> np.ndarray:
    """Sums of every nh x nw block of cells (gh - nh + 1, gw - nw + 1), by a summed-area table."""
    s = np.zeros((cells.shape[0] + 1, cells.shape[1] + 1))
    s[1:, 1:] = cells.cumsum(0).cumsum(1)
    return s[nh:, nw:] - s[:-nh, nw:] - s[nh:, :-nw] + s[:-nh, :-nw]


def detail_map(pan: np.ndarray, valid: np.ndarray, ratio: int, size: Tuple[int, int]) -> DetailMap:
    """Choose the (w, h) = size window of the PAN (H, W) with the most detail (module doc). H, W, w, h are
    multiples of cell_size(ratio). Ties go to the first window in row-major order."""
    g = cell_size(ratio)
    H, W = pan.shape
    gh, gw, nw, nh = H // g, W // g, size[0] // g, size[1] // g
    energy = detail_energy(pan, valid, ratio).astype(np.float64)
    sums = energy.reshape(gh, g, gw, g).sum(axis=(1, 3))
    invalid = (~valid).reshape(gh, g, gw, g).sum(axis=(1, 3)).astype(np.float64)
    counts = g * g - invalid
    cells = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    win, bad = _window_sums(sums, nw, nh), _window_sums(invalid, nw, nh)
    score = np.where(bad <= bad.min() + 0.5, win, -np.inf)  # fewest nodata pixels first (0 when possible)
    cy, cx = np.unravel_index(int(np.argmax(score)), score.shape)
    return DetailMap(cells, counts > 0, g, (int(cx) * g, int(cy) * g, nw * g, nh * g))
