"""Patches for tailor training: candidates on a grid, cheap statistics, random or diverse subsets.

A patch is `size` PAN pixels square (a multiple of the ratio, origin on a coarse-cell corner) plus a
context margin of `margin` PAN pixels (a multiple of the ratio) on each side, so the frozen features of
its inner part equal those of the whole image; losses are taken on the inner part only.
Tensors: lms, pan (N, C or 1, size + 2*margin, ...) normalised; ms (N, C, (size + 2*margin)/r, ...).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import EngineError
from ..physics.resample import upsample

SAMPLERS = ("diverse", "random")


@dataclass
class Patches:
    """Chosen patches with their context margin (see module doc); origins are (y, x) PAN pixels."""

    lms: torch.Tensor
    pan: torch.Tensor
    ms: torch.Tensor
    margin: int
    origins: List[Tuple[int, int]]

    def inner(self, x: torch.Tensor, ratio: int = 1, keep: int = 0) -> torch.Tensor:
        """The part of x (PAN grid, or the MS grid with ratio r) without the margin (keeping `keep` px of
        it on each side)."""
        m = self.margin // ratio - keep
        return x[..., m:x.shape[-2] - m, m:x.shape[-1] - m]


def patch_count(candidates: int, fraction: float, max_patches: int) -> int:
    """How many patches to train on: fraction of the candidates, at least 1, at most max_patches."""
    return max(1, min(candidates, max_patches, int(round(fraction * candidates))))


def grid_origins(height: int, width: int, size: int) -> List[Tuple[int, int]]:
    """Origins (y, x) of the whole patches of a grid of `size` px covering a height x width image."""
    if height < size or width < size:
        raise EngineError(f"the image ({width}x{height} px) is smaller than one tailor patch ({size} px); "
                          "use a smaller patch size")
    return [(y, x) for y in range(0, height - size + 1, size) for x in range(0, width - size + 1, size)]


def choose(stats: np.ndarray, count: int, sampler: str, rng: np.random.Generator) -> List[int]:
    """Indices of `count` candidates from their statistics (N, D): random, or farthest-point ('diverse').

    Farthest-point sampling on standardised statistics, starting from a random candidate, so the subset
    spans the image's range of radiometry and texture instead of its most common content.
    """
    n = stats.shape[0]
    if sampler == "random":
        return sorted(rng.choice(n, size=count, replace=False).tolist())
    if sampler != "diverse":
        raise EngineError(f"unknown patch sampler '{sampler}'; choose one of: {', '.join(SAMPLERS)}")
    return farthest_points((stats - stats.mean(0)) / (stats.std(0) + 1e-12), count, rng)


def farthest_points(z: np.ndarray, count: int, rng: np.random.Generator) -> List[int]:
    """Sorted indices of `count` rows of z (N, D) by farthest point sampling on Euclidean distances, from a
    seeded random start."""
    chosen = [int(rng.integers(z.shape[0]))]
    dist = np.linalg.norm(z - z[chosen[0]], axis=1)
    while len(chosen) < count:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(z - z[nxt], axis=1))
    return sorted(chosen)


def ms_statistics(ms: torch.Tensor) -> np.ndarray:
    """(N, 2C) per-band mean and std of coarse MS patches (N, C, h, w): cheap content descriptors."""
    flat = ms.float().flatten(2)
    return torch.cat([flat.mean(2), flat.std(2)], 1).cpu().numpy().astype(np.float64)


def image_patches(pan: torch.Tensor, ms: torch.Tensor, ratio: int, size: int, margin: int, fraction: float,
                  max_patches: int, sampler: str, rng: np.random.Generator,
                  upsampler: str = "bicubic") -> Patches:
    """Patches of an in-memory normalised pair pan (1, 1, H, W), ms (1, C, H/r, W/r).

    Borders replicate, as the block pipeline's reads do outside the raster.
    """
    if size % ratio or margin % ratio:
        raise EngineError(f"patch size and margin must be multiples of the ratio {ratio}")
    origins = grid_origins(pan.shape[-2], pan.shape[-1], size)
    mr, sr = margin // ratio, size // ratio
    ms_pad = F.pad(ms, (mr,) * 4, mode="replicate")
    cells = [(y // ratio + mr, x // ratio + mr) for y, x in origins]
    cand = torch.stack([ms_pad[0, :, cy:cy + sr, cx:cx + sr] for cy, cx in cells])
    keep = choose(ms_statistics(cand), patch_count(len(origins), fraction, max_patches), sampler, rng)
    lms_pad = F.pad(upsample(ms, ratio, upsampler), (margin,) * 4, mode="replicate")
    pan_pad = F.pad(pan, (margin,) * 4, mode="replicate")
    ext, ext_r = size + 2 * margin, sr + 2 * mr
    picked = [origins[i] for i in keep]
    return Patches(
        lms=torch.cat([lms_pad[..., y:y + ext, x:x + ext] for y, x in picked]),
        pan=torch.cat([pan_pad[..., y:y + ext, x:x + ext] for y, x in picked]),
        ms=torch.cat([ms_pad[..., y // ratio:y // ratio + ext_r, x // ratio:x // ratio + ext_r]
                      for y, x in picked]),
        margin=margin, origins=picked)
