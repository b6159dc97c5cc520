"""Second statistics pass: image-wide moments of a method's own feature maps, block by block.

Regression-based methods (MTF-GLP-FS, MTF-GLP-HPM-R, BDSD-PC) fit their injection coefficients on images
that exist only after filtering: the upsampled MS, the GLP low-pass PAN, the MS degraded to the reduced
scale. A fit per block would make the result depend on the tiling; a fit on the whole image in memory
would not bound memory. This pass plans blocks as fusion does, with a halo covering the features'
footprint (Method.moment_halo), computes Method.moment_features on each extended block and adds the valid
samples of the block's own area (halo cropped) to a MomentAccumulator. Every pixel of the image is counted
exactly once whatever the block size, so the moments, and the coefficients fitted from them, are those of
the whole image up to float64 summation order; memory is bounded by the block.

Features live on the PAN grid or on the MS grid (Method.moment_features decides); a sample is valid where
fusion would write a valid pixel (PAN grid) or where the statistics pass counts the cell (MS grid: the MS
pixel and all the PAN pixels of its cell valid). Invalid input pixels are filled as fusion fills them.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np
import torch

from .methods.base import FusionContext, Method
from .physics.resample import upsample_halo
from .progress import CancelToken, ProgressCallback
from .raster.align import AlignedPair
from .raster.blocks import Block, BlockData, plan_blocks, read_block
from .raster.fill import FillValues, fill_invalid
from .raster.stats import GlobalStats, MomentAccumulator, Moments, stats_of_arrays

CHUNK_PIXELS = 1 << 18  # samples per float64 product: bounds the temporaries to ~2 MB per feature


def add_samples(acc: MomentAccumulator, features: torch.Tensor, valid: Optional[np.ndarray]) -> None:
    """Add the (N, h, w) feature maps at the pixels where valid (h, w) is True (all when None)."""
    n, h, w = features.shape
    rows = max(1, CHUNK_PIXELS // max(1, w))
    for y in range(0, h, rows):
        x = features[:, y:y + rows].reshape(n, -1).double().cpu().numpy()
        if valid is not None:
            x = x[:, valid[y:y + rows].ravel()]
        acc.add(x)


def _valid(data: BlockData, block: Block, scale: int, ratio: int, size: tuple) -> Optional[np.ndarray]:
    """(h, w) validity of the block's own samples on the PAN grid (scale 1) or the MS grid (scale ratio)."""
    h, w = size
    valid: Optional[np.ndarray] = None
    if scale == 1:
        crop = (slice(block.halo, block.halo + h), slice(block.halo, block.halo + w))
        if data.pan_valid is not None:
            valid = data.pan_valid[crop]
        if data.ms_valid is not None:
            ms_up = data.ms_valid.repeat(ratio, axis=0).repeat(ratio, axis=1)[crop]
            valid = ms_up if valid is None else valid & ms_up
        return valid
    c0 = block.halo // ratio
    if data.ms_valid is not None:
        valid = data.ms_valid[c0:c0 + h, c0:c0 + w]
    if data.pan_valid is not None:
        cells = data.pan_valid[block.halo:block.halo + h * ratio, block.halo:block.halo + w * ratio]
        cells = cells.reshape(h, ratio, w, ratio).all(axis=(1, 3))
        valid = cells if valid is None else valid & cells
    return valid


def add_block(acc: MomentAccumulator, method: Method, data: BlockData, block: Block, ctx: FusionContext,
              device: torch.device) -> None:
    """Add the valid samples of one extended block's own area (halo cropped)."""
    r = ctx.ratio
    pan = torch.from_numpy(data.pan).to(device)[None, None]
    ms = torch.from_numpy(data.ms).to(device)[None]
    with torch.inference_mode():
        features = method.moment_features(pan, ms, ctx)[0]
    scale = 1 if features.shape[-1] == pan.shape[-1] else r
    h, w = -(-block.h // scale), -(-block.w // scale)
    start = block.halo // scale
    features = features[:, start:start + h, start:start + w]
    add_samples(acc, features, _valid(data, block, scale, r, (h, w)))


def gather_moments(pair: AlignedPair, method: Method, ctx: FusionContext, device: torch.device,
                   fill: Optional[FillValues], block_size: int, cancel: CancelToken,
                   progress: ProgressCallback) -> GlobalStats:
    """ctx.stats with the image-wide moments of method.moment_features added (one pass over the pair)."""
    r = pair.ratio
    halo = method.moment_halo(r) + max(0, upsample_halo(ctx.upsampler, r) - 2 * r)
    blocks = plan_blocks(pair.width, pair.height, block_size, halo, r)
    acc = MomentAccumulator()
    for i, block in enumerate(blocks):
        cancel.check()
        data = read_block(pair, block)
        fill_invalid(data, fill)
        add_block(acc, method, data, block, ctx, device)
        progress((i + 1) / len(blocks), f"moments {i + 1}/{len(blocks)} blocks")
    return replace(ctx.require_stats(), moments=acc.result())


def whole_image_moments(method: Method, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> Moments:
    """Moments of method.moment_features over a whole in-memory pair, every pixel valid."""
    acc = MomentAccumulator()
    with torch.inference_mode():
        features = method.moment_features(pan, ms, ctx)
    for b in range(features.shape[0]):
        add_samples(acc, features[b], None)
    return acc.result()


def in_memory_stats(method: Method, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> GlobalStats:
    """Both passes on a whole in-memory pair (pan (1, 1, H, W), ms (1, C, H/r, W/r), every pixel valid), for
    tests and scripts: what the pipeline computes for a raster holding exactly these pixels, except at the
    border for features upsampled from a decimated PAN (the pipeline decimates the PAN it replicated
    beyond the edge, here the decimated edge is replicated; 1e-5 of the means on the bundled crops)."""
    stats = stats_of_arrays(pan[0, 0].cpu().numpy(), ms[0].cpu().numpy(), ctx.ratio)
    if not method.needs_moments:
        return stats
    return replace(stats, moments=whole_image_moments(method, pan, ms, replace(ctx, stats=stats)))
