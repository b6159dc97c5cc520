"""Cheap descriptors of candidate patches for the sampler.

- "stats" (default): per MS band mean and std, PAN mean and std, mean PAN gradient magnitude and the std of
  the PAN detail (PAN minus its coarse-cell mean): radiometry, contrast and texture, from one small read per
  candidate, no network.
- "features": mean and std over the patch of the frozen backbone's features (the extractor's view of the
  content); one forward pass per candidate, so slower.
Inputs are normalised by each scene's input scale, so scenes of different bit depths are comparable.
"""
from __future__ import annotations

from typing import List, Sequence

import numpy as np
import torch

from ..backbones.base import Backbone
from ..progress import CancelToken, ProgressCallback
from ..raster.blocks import Block
from .scenes import Candidate, Scene, read_patch

FEATURE_BATCH = 16


def patch_statistics(pan: np.ndarray, ms: np.ndarray, ratio: int) -> np.ndarray:
    """(2C + 4,) descriptor of one patch: pan (H, W), ms (C, H/r, W/r), both normalised."""
    flat = ms.reshape(ms.shape[0], -1).astype(np.float64)
    p = pan.astype(np.float64)
    gy, gx = np.diff(p, axis=0), np.diff(p, axis=1)
    grad = 0.5 * (np.abs(gy).mean() + np.abs(gx).mean())
    h, w = (p.shape[0] // ratio) * ratio, (p.shape[1] // ratio) * ratio
    cells = p[:h, :w].reshape(h // ratio, ratio, w // ratio, ratio).mean(axis=(1, 3))
    detail = p[:h, :w] - np.repeat(np.repeat(cells, ratio, 0), ratio, 1)
    return np.concatenate([flat.mean(1), flat.std(1), [p.mean(), p.std(), grad, detail.std()]])


def statistics_embedding(scenes: Sequence[Scene], cands: Sequence[Candidate], size: int,
                         progress: ProgressCallback, cancel: CancelToken) -> np.ndarray:
    """(N, 2C + 4) descriptors of the candidates (one window read each, no context)."""
    rows: List[np.ndarray] = []
    for k, (i, y, x) in enumerate(cands):
        if k % 64 == 0:
            cancel.check()
            progress(k / len(cands), f"sample: describing patch {k + 1}/{len(cands)}")
        s = scenes[i]
        data = s.read(Block(x, y, size, size, 0, size, size))
        rows.append(patch_statistics(data.pan / s.scale, data.ms / s.scale, s.pair.ratio))
    return np.stack(rows)


def feature_embedding(net: Backbone, scenes: Sequence[Scene], cands: Sequence[Candidate], size: int,
                      margin: int, device: torch.device, progress: ProgressCallback,
                      cancel: CancelToken) -> np.ndarray:
    """(N, 2K) mean and std of the frozen features over each candidate's inner part."""
    rows: List[np.ndarray] = []
    for s in range(0, len(cands), FEATURE_BATCH):
        cancel.check()
        progress(s / len(cands), f"sample: embedding patch {s + 1}/{len(cands)}")
        parts = [read_patch(scenes[i], y, x, size, margin, device) for i, y, x in cands[s:s + FEATURE_BATCH]]
        lms = torch.cat([p[0] for p in parts])
        pan = torch.cat([p[1] for p in parts])
        with torch.no_grad():
            f = net.features(lms, pan)[..., margin:margin + size, margin:margin + size].flatten(2)
        rows.append(torch.cat([f.mean(2), f.std(2)], 1).double().cpu().numpy())
    return np.concatenate(rows)
