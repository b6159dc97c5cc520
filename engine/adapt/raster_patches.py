"""Training patches read from a raster pair through the block reader, with bounded memory.

Candidates are the whole `size` px patches of a grid over the output; at most MAX_CANDIDATES of them
(a seeded random subset on large rasters) are described by the statistics of their coarse MS cells (a
small read each), then only the chosen ones are read with their context. Memory: chosen patches times
(size + 2 * halo)^2 pixels, whatever the raster size.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np
import torch

from ..physics.resample import upsample, upsample_halo
from ..raster.align import AlignedPair
from ..raster.blocks import Block, read_block, read_ms, round_up
from .patches import Patches, choose, grid_origins, patch_count

MAX_CANDIDATES = 1024


def _block(y: int, x: int, size: int, halo: int) -> Block:
    return Block(x, y, size, size, halo, size + 2 * halo, size + 2 * halo)


def _candidates(pair: AlignedPair, size: int, rng: np.random.Generator) -> List[Tuple[int, int]]:
    origins = grid_origins(pair.height, pair.width, size)
    if len(origins) > MAX_CANDIDATES:
        keep = sorted(rng.choice(len(origins), size=MAX_CANDIDATES, replace=False).tolist())
        origins = [origins[i] for i in keep]
    return origins


def raster_patches(pair: AlignedPair, size: int, margin: int, fraction: float, max_patches: int,
                   sampler: str, scale: float, upsampler: str, device: torch.device,
                   rng: np.random.Generator) -> Patches:
    """Chosen patches of the pair, normalised by `scale`, on `device` (see patches.Patches).

    The number chosen is patch_count over all grid patches (not only the described candidates).
    """
    r = pair.ratio
    grid = grid_origins(pair.height, pair.width, size)
    origins = _candidates(pair, size, rng)
    stats = np.stack([_ms_stats(read_ms(pair, _block(y, x, size, 0), with_masks=False)[0])
                      for y, x in origins])
    count = min(len(origins), patch_count(len(grid), fraction, max_patches))
    picked = [origins[i] for i in choose(stats, count, sampler, rng)]
    halo = round_up(margin + upsample_halo(upsampler, r), r)
    cut, ext = halo - margin, size + 2 * margin
    lms, pan, ms = [], [], []
    for y, x in picked:
        data = read_block(pair, _block(y, x, size, halo), with_masks=False)
        coarse = torch.from_numpy(data.ms).to(device)[None] / scale
        lms.append(upsample(coarse, r, upsampler)[..., cut:cut + ext, cut:cut + ext])
        pan.append(torch.from_numpy(data.pan).to(device)[None, None, cut:cut + ext, cut:cut + ext] / scale)
        ms.append(coarse[..., cut // r:(cut + ext) // r, cut // r:(cut + ext) // r])
    return Patches(torch.cat(lms), torch.cat(pan), torch.cat(ms), margin, picked)


def _ms_stats(ms: np.ndarray) -> np.ndarray:
    """(2C,) per-band mean and std of a coarse MS window (C, h, w)."""
    flat = ms.reshape(ms.shape[0], -1).astype(np.float64)
    return np.concatenate([flat.mean(1), flat.std(1)])
