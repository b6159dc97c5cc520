"""Scenes of one sensor opened for SWIFT, candidate patches on a grid, and chosen patches read with context.

Each scene is aligned like the pipeline does (engine/raster/align.py), its sensor preset resolved, and its
input scale taken from one statistics pass, so patches are normalised exactly as inference will normalise
that scene. Patches: `size` PAN px inner side, origin on a coarse-cell corner, plus `margin` PAN px of real
context, read by the training toolkit's reader (engine/training/raster_patches.py) as Feature Tailor reads
them (the same multiply-add bicubic upsampling as inference).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..backbones.normalise import input_scale
from ..errors import EngineError
from ..progress import CancelToken, no_progress
from ..raster.align import AlignedPair
from ..raster.blocks import Block, BlockData, read_block
from ..raster.fill import FillValues, fill_invalid
from ..raster.pairs import open_pair
from ..raster.stats import compute_stats
from ..training.patches import Patches, grid_origins
from ..training.raster_patches import read_patches as read_raster_patches

MAX_CANDIDATES_PER_SCENE = 1024
UPSAMPLER = "bicubic"  # the pipeline's default; the model file is used with any upsampler


@dataclass
class Scene:
    """One opened pair: name (MS file stem), aligned pair, sensor preset name, gains, input scale and the
    values of invalid pixels (None when every pixel is valid)."""

    name: str
    pair: AlignedPair
    sensor: str
    gains: Tuple[float, ...]
    pan_gain: float
    scale: float
    fill: Optional[FillValues] = None

    def read(self, block: Block) -> BlockData:
        """The block's inputs with invalid pixels (nodata, masks, NaN / inf) filled as fusion fills them,
        so that nodata values never enter training or the patch descriptors."""
        data = read_block(self.pair, block, with_masks=self.fill is not None)
        fill_invalid(data, self.fill)
        return data


def open_scene(pan: str, ms: str, sensor: str, cancel: CancelToken) -> Scene:
    """Open, align and measure one pair (statistics pass for the input scale)."""
    pair, guess = open_pair(pan, ms, sensor)
    stats = compute_stats(pair, cancel, no_progress)
    scale = input_scale(guess.preset.bits, float(max(stats.ms_max.max(), stats.pan_max)))
    name = os.path.splitext(os.path.basename(ms))[0]
    name = name[:-3] if name.lower().endswith("_ms") else name
    fill = FillValues(stats.pan_mean, stats.ms_mean()) if pair.may_be_invalid else None
    return Scene(name, pair, guess.preset.name, guess.preset.gains_for(len(pair.ms_bands)),
                 guess.preset.pan_gain, scale, fill)


def check_same_sensor(scenes: Sequence[Scene]) -> None:
    """EngineError unless every scene has the same ratio, band count and sensor preset."""
    first = scenes[0]
    for s in scenes[1:]:
        if s.pair.ratio != first.pair.ratio or len(s.pair.ms_bands) != len(first.pair.ms_bands):
            raise EngineError(f"scenes {first.name} and {s.name} differ in ratio or band count; SWIFT adapts "
                              "to one sensor at a time")
        if s.sensor != first.sensor:
            raise EngineError(f"scenes {first.name} ({first.sensor}) and {s.name} ({s.sensor}) look like "
                              "different sensors; choose the sensor preset")


Candidate = Tuple[int, int, int]  # (scene index, y, x) origin in PAN px of the scene's output grid


def candidates(scenes: Sequence[Scene], size: int, rng: np.random.Generator) -> List[Candidate]:
    """Every whole `size` px grid patch of every scene (a seeded random subset of large scenes)."""
    out: List[Candidate] = []
    for i, s in enumerate(scenes):
        origins = grid_origins(s.pair.height, s.pair.width, size)
        if len(origins) > MAX_CANDIDATES_PER_SCENE:
            keep = sorted(rng.choice(len(origins), size=MAX_CANDIDATES_PER_SCENE, replace=False).tolist())
            origins = [origins[k] for k in keep]
        out.extend((i, y, x) for y, x in origins)
    return out


def read_patch(scene: Scene, y: int, x: int, size: int, margin: int,
               device: torch.device) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(lms (1, C, E, E), pan (1, 1, E, E), ms (1, C, E/r, E/r)) normalised, E = size + 2 * margin: the
    training toolkit's patch reader (engine/training/raster_patches.py), as Feature Tailor reads them."""
    p = read_raster_patches(scene.pair, [(y, x)], size, margin, scene.scale, UPSAMPLER, device, scene.fill)
    return p.lms, p.pan, p.ms


def read_patches(scenes: Sequence[Scene], chosen: Sequence[Candidate], size: int, margin: int,
                 device: torch.device, cancel: CancelToken) -> Patches:
    """The chosen candidates with their context as one Patches batch (origins are per-scene PAN px)."""
    lms, pan, ms = [], [], []
    for i, y, x in chosen:
        cancel.check()
        a, b, c = read_patch(scenes[i], y, x, size, margin, device)
        lms.append(a)
        pan.append(b)
        ms.append(c)
    return Patches(torch.cat(lms), torch.cat(pan), torch.cat(ms), margin, [(y, x) for _, y, x in chosen])
