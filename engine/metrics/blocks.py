"""Non-overlapping square blocks of (B, C, H, W) tensors and their first and second moments.

Every block-based index here (Q2n, the Q index of D_lambda and D_s) is a function of each block's band
means and band covariance matrix. `block_moments` gets them in one pass as a centred Gram matrix (one
batched matmul per strip of block rows), so stacking all the images an index set needs costs one
pass over the data; strips keep the temporary copies small on 8000-pixel images.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch

#: elements of the stacked input handled per strip (64 MB of float32 temporaries)
STRIP_ELEMENTS = 1 << 24


def crop_to_blocks(x: torch.Tensor, block: int) -> torch.Tensor:
    """Drop trailing rows/columns that do not fill a whole block (top-left anchored)."""
    h, w = x.shape[-2:]
    if h < block or w < block:
        raise ValueError(f"image {h}x{w} is smaller than one {block}x{block} block")
    return x[..., : h - h % block, : w - w % block]


def as_blocks(x: torch.Tensor, block: int) -> torch.Tensor:
    """(B, C, H, W) with H, W multiples of block -> (B, nblocks, C, block*block), row-major block order."""
    b, c, h, w = x.shape
    nh, nw = h // block, w // block
    v = x.reshape(b, c, nh, block, nw, block).permute(0, 2, 4, 1, 3, 5)
    return v.reshape(b, nh * nw, c, block * block)


def _strip_moments(images: Sequence[torch.Tensor], rows: slice, block: int,
                   bands: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Moments of the blocks in block rows `rows`: one copy into block layout, centring, one matmul."""
    b, _, _, w = images[0].shape
    nr, nw = rows.stop - rows.start, w // block
    buf = images[0].new_empty(b, nr, nw, bands, block, block)
    c0 = 0
    for t in images:
        c = t.shape[1]
        strip = t[..., rows.start * block: rows.stop * block, :]
        buf[:, :, :, c0:c0 + c] = strip.reshape(b, c, nr, block, nw, block).permute(0, 2, 4, 1, 3, 5)
        c0 += c
    x = buf.view(b, nr * nw, bands, block * block)
    mean = x.mean(-1)
    centred = x - mean.unsqueeze(-1) if x.requires_grad else x.sub_(mean.unsqueeze(-1))
    return mean, centred @ centred.transpose(-1, -2) / (block * block)


def block_moments(images: Sequence[torch.Tensor], block: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Means (B, K, C) and population covariances (B, K, C, C) of each block of the band-stacked images.

    images: (B, C_k, H, W) tensors of one size, H and W multiples of block; C = sum of C_k in order.
    K = (H/block) * (W/block) blocks in row-major order.
    """
    b, _, h, w = images[0].shape
    if h % block or w % block or any(t.shape[-2:] != (h, w) for t in images):
        raise ValueError(f"images must share one size made of whole {block}x{block} blocks")
    bands = sum(t.shape[1] for t in images)
    per_strip = max(1, STRIP_ELEMENTS // max(1, b * bands * block * w))
    means, covs = [], []
    for r0 in range(0, h // block, per_strip):
        m, c = _strip_moments(images, slice(r0, min(h // block, r0 + per_strip)), block, bands)
        means.append(m)
        covs.append(c)
    return torch.cat(means, dim=1), torch.cat(covs, dim=1)
