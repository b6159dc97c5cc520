"""Universal image quality index Q (Wang & Bovik) on non-overlapping blocks, vectorised over bands.

Q(x, y) = 4 cov(x, y) mean(x) mean(y) / ((var x + var y)(mean(x)^2 + mean(y)^2)), computed on each
block x block block (toolbox blockproc, 32 x 32) and averaged over the blocks. Degenerate blocks follow
Wang & Bovik's reference code: no variance in either block -> 2 mx my / (mx^2 + my^2); both means and
variances zero -> 1. Images are cropped to whole blocks (top-left anchored); the assessment layer picks
windows whose sides are multiples of the block, so nothing is cropped there.
"""
from __future__ import annotations

import torch

from .blocks import block_moments, crop_to_blocks


def q_from_moments(mx: torch.Tensor, my: torch.Tensor, vx: torch.Tensor, vy: torch.Tensor,
                   cxy: torch.Tensor) -> torch.Tensor:
    """Q from block means, variances and covariance (any broadcastable shapes)."""
    var_term = vx + vy
    mean_term = mx.square() + my.square()
    den = var_term * mean_term
    regular = 4 * cxy * mx * my / torch.where(den != 0, den, torch.ones_like(den))
    flat = 2 * mx * my / torch.where(mean_term != 0, mean_term, torch.ones_like(mean_term))
    flat = torch.where((var_term == 0) & (mean_term != 0), flat, torch.ones_like(flat))
    return torch.where(den != 0, regular, flat)


def pairs_q(mean: torch.Tensor, cov: torch.Tensor) -> torch.Tensor:
    """(B, K, C) means and (B, K, C, C) covariances -> (B, C, C) block-averaged Q of every band pair."""
    var = torch.diagonal(cov, dim1=-2, dim2=-1)
    q = q_from_moments(mean.unsqueeze(-1), mean.unsqueeze(-2), var.unsqueeze(-1), var.unsqueeze(-2), cov)
    return q.mean(1)


def cross_q(mean: torch.Tensor, cov: torch.Tensor, xs: slice, ys: slice) -> torch.Tensor:
    """Block-averaged Q of bands xs with bands ys (one band, or as many as xs, paired in order) -> (B, C)."""
    var = torch.diagonal(cov, dim1=-2, dim2=-1)
    n = xs.stop - xs.start
    rows = torch.arange(xs.start, xs.stop, device=mean.device)
    cols = torch.arange(ys.start, ys.stop, device=mean.device).expand(n) if ys.stop - ys.start == 1 \
        else torch.arange(ys.start, ys.stop, device=mean.device)
    q = q_from_moments(mean[..., rows], mean[..., cols], var[..., rows], var[..., cols], cov[..., rows, cols])
    return q.mean(1)


def uqi_band_pairs(x: torch.Tensor, block: int = 32) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C): block-averaged Q between every pair of bands (diagonal is 1)."""
    return pairs_q(*block_moments([crop_to_blocks(x, block)], block))


def uqi_bands(x: torch.Tensor, y: torch.Tensor, block: int = 32) -> torch.Tensor:
    """(B, C, H, W) and (B, 1 or C, H, W) -> (B, C): block-averaged Q of each band of x with y."""
    if x.shape[-2:] != y.shape[-2:] or y.shape[1] not in (1, x.shape[1]):
        raise ValueError(f"incompatible shapes {tuple(x.shape)} and {tuple(y.shape)}")
    c = x.shape[1]
    mean, cov = block_moments([crop_to_blocks(x, block), crop_to_blocks(y, block)], block)
    return cross_q(mean, cov, slice(0, c), slice(c, c + y.shape[1]))
