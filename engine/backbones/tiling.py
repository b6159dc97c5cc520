"""Running a backbone on large inputs: band groups for band counts without their own model, and tiles with
the receptive-field halo (exact: every kept pixel sees its whole field), batched per forward pass.

Band counts: 8-band inputs use the 8-band model; every other count (1 to 16) runs the 4-band model on groups
of four bands (the last group overlaps the previous one, a short input repeats its last band) and keeps each
band's output once. On the CPU a block runs on sub-tiles (bounding memory); on a GPU the whole block, and an
out-of-memory error is retried on sub-tiles half as large.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

import torch

from ..errors import EngineError
from ..precision import Precision, run_backbone
from .base import Backbone

MAX_BANDS = 16
# On CPU each block is run in sub-tiles of this side so activation memory stays ~40 MB per feature map
# whatever the block size (a 1024 px block at once needs ~1 GB for FusionNet); costs ~8 % halo overhead.
CPU_TILE = 512
#: tiles smaller than this many pixels are batched up to it per forward pass (per-call overhead, GPU launches)
MIN_BATCH_PIXELS = 256 * 256


def band_groups(n_bands: int, model_bands: int) -> List[Tuple[List[int], List[int]]]:
    """[(input band indices, model_bands long; output bands kept from it)], each band kept once."""
    if n_bands <= model_bands:
        idx = list(range(n_bands)) + [n_bands - 1] * (model_bands - n_bands)
        return [(idx, list(range(n_bands)))]
    groups, done = [], 0
    while done < n_bands:
        start = min(done, n_bands - model_bands)
        idx = list(range(start, start + model_bands))
        groups.append((idx, list(range(done, start + model_bands))))
        done = start + model_bands
    return groups


def model_bands_for(n_bands: int) -> int:
    """Which shipped model serves n_bands: the 8-band one for 8 bands, else the 4-band one on groups."""
    if not 1 <= n_bands <= MAX_BANDS:
        raise EngineError(f"deep backbones take 1 to {MAX_BANDS} MS bands, the MS has {n_bands}")
    return 8 if n_bands == 8 else 4


def fuse_band_groups(net: Backbone, lms: torch.Tensor, pan: torch.Tensor, model_bands: int,
                     after_batch: Optional[Callable[[int, int], None]] = None,
                     precision: Optional[Precision] = None) -> torch.Tensor:
    """net on every band group of lms (B, C, H, W) with pan (B, 1, H, W), each band kept once: (B, C, H, W)
    float32, run on CPU_TILE sub-tiles on the CPU (the whole block on a GPU); after_batch as run_tiled;
    precision: engine/precision.py (None: fp32 reference path)."""
    tile = CPU_TILE if pan.device.type == "cpu" else None
    out = torch.empty(lms.shape, dtype=torch.float32, device=lms.device)
    groups = band_groups(lms.shape[1], model_bands)

    def group_hook(g: int, report: Callable[[int, int], None]) -> Callable[[int, int], None]:
        return lambda done, total: report(g * total + done, len(groups) * total)  # all groups in one count
    for g, (idx, keep) in enumerate(groups):
        hook = None if after_batch is None else group_hook(g, after_batch)
        fused = run_with_oom_retry(net, lms[:, idx], pan, tile, after_batch=hook, precision=precision)
        out[:, keep] = fused[:, [idx.index(k) for k in keep]]
    return out


def tile_windows(size: int, tile: int, halo: int) -> Tuple[int, List[Tuple[int, int, int]]]:
    """Split [0, size) into equal tiles of at most `tile` px: (window length, [(kept start, kept end,
    window start)]). Every window has the same length (tile + 2 halo, at most size) and covers its kept
    part plus `halo` px on each side, or up to the edge: border windows are shifted inwards, not cut, so
    that all tiles of a block have one shape and can be batched."""
    n = -(-size // max(1, tile))
    step = -(-size // n)
    length = min(size, step + 2 * halo)
    return length, [(y, min(size, y + step), min(max(0, y - halo), size - length))
                    for y in range(0, size, step)]


def run_tiled(net: Backbone, lms: torch.Tensor, pan: torch.Tensor, tile: int, batch_pixels: int = 0,
              after_batch: Optional[Callable[[int, int], None]] = None,
              precision: Optional[Precision] = None) -> torch.Tensor:
    """net(lms, pan) as float32 (B, C, H, W), computed on tiles of at most `tile` px with a receptive-field
    halo, several tiles per forward pass, then stitched.

    Exact (up to float rounding) because every kept pixel sees its whole receptive field. Tiles per pass:
    as many windows as fit in batch_pixels (default max(tile^2, MIN_BATCH_PIXELS): memory stays that of
    one tile, and small tiles are batched).
    after_batch(tiles done, tiles total) runs after every pass (progress; it may raise to cancel).
    """
    h, w = lms.shape[-2:]
    b = lms.shape[0]
    wy, rows = tile_windows(h, tile, net.receptive_field)
    wx, cols = tile_windows(w, tile, net.receptive_field)
    tiles = [(r, c) for r in rows for c in cols]
    per_pass = max(1, (batch_pixels or max(tile * tile, MIN_BATCH_PIXELS)) // (wy * wx * b))
    out = torch.empty(lms.shape, dtype=torch.float32, device=lms.device)
    for start in range(0, len(tiles), per_pass):
        group = tiles[start:start + per_pass]
        win = [(slice(y0, y0 + wy), slice(x0, x0 + wx)) for (_, _, y0), (_, _, x0) in group]
        part_lms = torch.cat([lms[..., sy, sx] for sy, sx in win])
        part = run_backbone(net, part_lms, torch.cat([pan[..., sy, sx] for sy, sx in win]), precision)
        for i, ((y, y1, y0), (x, x1, x0)) in enumerate(group):
            out[..., y:y1, x:x1] = part[i * b:(i + 1) * b, :, y - y0:y1 - y0, x - x0:x1 - x0].float()
        if after_batch is not None:
            after_batch(start + len(group), len(tiles))
    return out


def run_with_oom_retry(net: Backbone, lms: torch.Tensor, pan: torch.Tensor, tile: int | None = None,
                       min_tile: int = 64, after_batch: Optional[Callable[[int, int], None]] = None,
                       precision: Optional[Precision] = None) -> torch.Tensor:
    """net on tiles of `tile` px (None: the whole block at once), batched as in run_tiled; on a GPU
    out-of-memory error, retry on tiles (and so batches) half as large each time."""
    tile = tile or max(lms.shape[-2:])
    while True:
        try:
            return run_tiled(net, lms, pan, tile, after_batch=after_batch, precision=precision)
        except torch.OutOfMemoryError:
            if tile <= min_tile:
                raise EngineError(f"out of GPU memory even with {min_tile} px tiles; use device cpu") \
                    from None
            if lms.device.type == "cuda":
                torch.cuda.empty_cache()
            tile = max(min_tile, tile // 2)
