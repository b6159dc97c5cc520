"""Training patches read from a raster pair through the block reader, with bounded memory.

Candidates are the whole `size` px patches of a grid over the output; at most MAX_CANDIDATES of them
(a seeded random subset on large rasters) are described by the statistics of their coarse MS cells (a
small read each), then only the chosen ones are read with their context. Memory: chosen patches times
(size + 2 * halo)^2 pixels, whatever the raster size.

Nodata: when the PAN or the MS has a mask (nodata value, alpha band, mask band), each candidate's whole
read window (the patch, its context margin and the upsampling halo, i.e. every pixel its training output
depends on) is checked, and only fully valid candidates are sampled from. When none is fully valid, the
`count` candidates with the most valid pixels are used, their invalid pixels replaced by the fill values
the pipeline puts there before fusing (image means), so training sees what inference sees; the losses
then include those flat filled areas (losses.py has no pixel mask). When no candidate has a single valid
pixel: EngineError "no valid patch ...".
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np
import torch

from ..backbones.inputs import net_upsample
from ..errors import EngineError
from ..physics.resample import upsample_halo
from ..raster.align import AlignedPair
from ..raster.blocks import Block, read_block, read_ms, round_up
from ..raster.fill import FillValues, fill_invalid
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


def has_masks(pair: AlignedPair) -> bool:
    """Whether the pair can hold invalid pixels (a mask on the PAN or the MS, or NaN / inf floats)."""
    return pair.may_be_invalid


def valid_pixels(pair: AlignedPair, block: Block) -> Tuple[int, np.ndarray]:
    """(number of valid PAN-grid pixels of the block's extended window, MS (C, h, w) of its inner cells).

    A pixel is valid when it is valid in the PAN and in the MS cell it lies in.
    """
    r = pair.ratio
    data = read_block(pair, block)
    valid = np.ones((block.ext_h, block.ext_w), dtype=bool)
    if data.pan_valid is not None:
        valid &= data.pan_valid
    if data.ms_valid is not None:
        valid &= data.ms_valid.repeat(r, axis=0).repeat(r, axis=1)
    c0, n = block.halo // r, block.w // r
    return int(valid.sum()), data.ms[:, c0:c0 + n, c0:c0 + n]


def _pool(counts: np.ndarray, ext_pixels: int, count: int, size: int) -> np.ndarray:
    """Indices of the candidates to sample from: fully valid ones, else the `count` most valid ones."""
    full = np.flatnonzero(counts == ext_pixels)
    if len(full):
        return full
    if counts.max() <= 0:
        raise EngineError(f"no valid patch: every {size} px tailor patch (with its context) holds only "
                          "nodata pixels; check the inputs' nodata or try a smaller adapt patch size")
    return np.sort(np.argsort(-counts, kind="stable")[:count])


def _candidate_stats(pair: AlignedPair, origins: List[Tuple[int, int]], size: int, halo: int,
                     count: int) -> Tuple[List[Tuple[int, int]], np.ndarray]:
    """(candidates sampled from, their (N, 2C) statistics); validity-filtered when the pair has masks."""
    if not has_masks(pair):
        return origins, np.stack([_ms_stats(read_ms(pair, _block(y, x, size, 0), with_masks=False)[0])
                                  for y, x in origins])
    reads = [valid_pixels(pair, _block(y, x, size, halo)) for y, x in origins]
    counts = np.array([n for n, _ in reads])
    pool = _pool(counts, (size + 2 * halo) ** 2, count, size)
    return [origins[i] for i in pool], np.stack([_ms_stats(reads[i][1]) for i in pool])


def raster_patches(pair: AlignedPair, size: int, margin: int, fraction: float, max_patches: int,
                   sampler: str, scale: float, upsampler: str, device: torch.device,
                   rng: np.random.Generator, fill: Optional[FillValues] = None) -> Patches:
    """Chosen patches of the pair, normalised by `scale`, on `device` (see patches.Patches).

    The number chosen is patch_count over all grid patches (not only the described candidates). fill: the
    values of invalid pixels (see module doc; without it, a partly valid patch keeps its raw values).
    """
    r = pair.ratio
    grid = grid_origins(pair.height, pair.width, size)
    halo = round_up(margin + upsample_halo(upsampler, r), r)
    count = patch_count(len(grid), fraction, max_patches)
    origins, stats = _candidate_stats(pair, _candidates(pair, size, rng), size, halo, count)
    count = min(len(origins), count)
    picked = [origins[i] for i in choose(stats, count, sampler, rng)]
    return read_patches(pair, picked, size, margin, scale, upsampler, device, fill)


def held_out_patches(pair: AlignedPair, exclude: List[Tuple[int, int]], count: int, size: int, margin: int,
                     scale: float, upsampler: str, device: torch.device, rng: np.random.Generator,
                     fill: Optional[FillValues] = None) -> Optional[Patches]:
    """Up to `count` grid patches not among `exclude` (fully valid ones when the pair has masks), picked at
    random: the adaptation guard's held-out set (guard.py). None when no such patch exists (an image
    trained on whole, as mode 'full' does on small images)."""
    r = pair.ratio
    halo = round_up(margin + upsample_halo(upsampler, r), r)
    taken = set(exclude)
    free = [o for o in _candidates(pair, size, rng) if o not in taken]
    if has_masks(pair):
        full = (size + 2 * halo) ** 2
        free = [(y, x) for y, x in free if valid_pixels(pair, _block(y, x, size, halo))[0] == full]
    if not free:
        return None
    keep = sorted(rng.choice(len(free), size=min(count, len(free)), replace=False).tolist())
    return read_patches(pair, [free[i] for i in keep], size, margin, scale, upsampler, device, fill)


def read_patches(pair: AlignedPair, origins: List[Tuple[int, int]], size: int, margin: int, scale: float,
                 upsampler: str, device: torch.device, fill: Optional[FillValues] = None,
                 with_lms: bool = True) -> Patches:
    """The patches at `origins` (y, x PAN px) with `margin` px of context, normalised by `scale` (lms left
    empty when with_lms is False: a caller that degrades the patch first upsamples it itself)."""
    r = pair.ratio
    halo = round_up(margin + upsample_halo(upsampler, r), r)
    cut, ext = halo - margin, size + 2 * margin
    lms, pan, ms = [], [], []
    for y, x in origins:
        data = read_block(pair, _block(y, x, size, halo), with_masks=fill is not None)
        fill_invalid(data, fill)
        coarse = torch.from_numpy(data.ms).to(device)[None] / scale
        if with_lms:
            lms.append(net_upsample(coarse, r, upsampler)[..., cut:cut + ext, cut:cut + ext])
        pan.append(torch.from_numpy(data.pan).to(device)[None, None, cut:cut + ext, cut:cut + ext] / scale)
        ms.append(coarse[..., cut // r:(cut + ext) // r, cut // r:(cut + ext) // r])
    lms_all = torch.cat(lms) if lms else torch.empty(0, device=device)
    return Patches(lms_all, torch.cat(pan), torch.cat(ms), margin, list(origins))


def _ms_stats(ms: np.ndarray) -> np.ndarray:
    """(2C,) per-band mean and std of a coarse MS window (C, h, w)."""
    flat = ms.reshape(ms.shape[0], -1).astype(np.float64)
    return np.concatenate([flat.mean(1), flat.std(1)])
