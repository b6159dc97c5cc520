"""Fuse reduced-resolution pairs with a backbone or with MTF-GLP and score them against the reference."""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np
import torch

from engine.backbones import Backbone
from engine.backbones.tiling import fuse_band_groups
from engine.methods.base import FusionContext
from engine.methods.multiresolution import MTFGLP
from engine.methods.registry import get_method
from engine.physics.resample import upsample
from engine.raster.stats import GlobalStats

from .data import Pair
from .indices import all_indices

BORDER = 21  # toolbox border cut at ratio 4 (pixels of the reference grid)


def lms_of(pair: Pair) -> torch.Tensor:
    """(1, C, H, W) bicubic upsampling of the pair's MS, normalised units."""
    return upsample(torch.from_numpy(np.ascontiguousarray(pair.ms))[None], pair.ratio, "bicubic")


def fuse_backbone(net: Backbone, pair: Pair, model_bands: int) -> np.ndarray:
    """(C, H, W) fused as inference fuses it (engine/backbones/tiling.py: band groups for any band count,
    CPU sub-tiles with the receptive-field halo)."""
    lms, pan = lms_of(pair), torch.from_numpy(pair.pan)[None]
    with torch.inference_mode():
        return fuse_band_groups(net, lms.float(), pan.float(), model_bands)[0].numpy()


def _stats(pair: Pair) -> GlobalStats:
    r = pair.ratio
    c, h, w = pair.ms.shape
    low = pair.pan[0, :h * r, :w * r].reshape(h, r, w, r).mean(axis=(1, 3))
    x = np.concatenate([pair.ms.reshape(c, -1), low.reshape(1, -1)]).astype(np.float64)
    return GlobalStats(x.shape[1], x.mean(1), np.cov(x, bias=True), float(pair.pan.mean()),
                       float(pair.pan.std()), x[:-1].max(1), float(pair.pan.max()))


def fuse_classical(pair: Pair, name: str = "mtf_glp") -> np.ndarray:
    """(C, H, W) fused by a classical engine method with the pair's MTF gains and image-wide statistics."""
    ctx = FusionContext(pair.ratio, pair.gains, pair.pan_gain, "bicubic", _stats(pair))
    method = MTFGLP() if name == "mtf_glp" else get_method(name)
    with torch.inference_mode():
        out = method.fuse(torch.from_numpy(pair.pan)[None], torch.from_numpy(pair.ms)[None], ctx)
    return out[0].numpy()


def fuse_mtf_glp(pair: Pair) -> np.ndarray:
    return fuse_classical(pair, "mtf_glp")


def score(pairs: Sequence[Pair], fuse) -> List[Dict[str, float]]:
    """Indices per pair (border cut scaled to the ratio: 21 px at ratio 4)."""
    rows = []
    for p in pairs:
        border = min(BORDER * p.ratio // 4, p.ref.shape[1] // 8)
        rows.append({"pair": p.name, **all_indices(fuse(p), p.ref, p.ratio, border)})
    return rows
