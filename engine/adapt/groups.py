"""Adaptation of MS band counts the shipped weights do not take directly (anything but 4 or 8 bands).

Inference of such counts runs the 4-band model on band groups (engine/backbones/tiling.py band_groups: groups
of four bands, the last one overlapping the previous, a short MS repeating its last band; each band's
output kept once). Adaptation follows the same scheme:

- ONE tailor (mode 'full': one fine-tuned copy of the net) is shared by all groups. The tailor acts on the
  4-band model's features, which every group goes through; sharing it keeps the training cost of one
  tailor (G times the loss evaluations, not G tailors), gives a band that sits in two groups a single
  adaptation, and keeps the saved tailor file what it is for a 4-band image (persist.py unchanged).
- Patches are sampled once with all MS bands (the diversity statistics see every band); group g's
  patches are the same windows restricted to its bands, with their MTF gains.
- Each step's loss is the sum over groups of the group's loss on the bands kept from it, weighted by their
  share of the MS bands (4/6 and 2/6 for a 6-band MS), so the total has the scale of a 4-band image's
  loss and the default learning rate still fits. The duplicated band of a short MS is not counted twice.
- Inference runs the adapted net per group exactly as DeepMethod.fuse does (tiling.fuse_band_groups).
- Mode 'full' keeps train.finetune_full's semantics: one Adam step per pass over all patches of all groups
  (gradients accumulated in chunks of FULL_CHUNK patches), the lowest-loss weights kept.

4- and 8-band images take the single-group path of train.py unchanged (train_adapted dispatches).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import torch

from ..backbones.base import Backbone
from ..backbones.tailor import ConditionalTailor
from ..backbones.tiling import band_groups
from ..progress import CancelToken, ProgressCallback
from ..training.losses import LossWeights, total_loss
from ..training.patches import Patches
from .options import AdaptOptions
from .train import (
    FULL_CHUNK,
    FeatureCache,
    TrainResult,
    TrainSettings,
    cache_features,
    finetune_full,
    finetune_loop,
    make_tailored,
    optimise,
    train_tailor,
)


@dataclass
class BandGroup:
    """One band group: its patches (model_bands MS bands), the positions of the kept output bands
    within the group, their MTF gains and the group's weight in the summed loss."""

    patches: Patches
    kept: List[int]
    gains: Tuple[float, ...]
    weight: float


def split_groups(patches: Patches, model_bands: int, gains: Sequence[float]) -> List[BandGroup]:
    """The patches of every band group of a (N, C, ...) patch set (C = len(gains))."""
    n = patches.ms.shape[1]
    groups = []
    for idx, keep in band_groups(n, model_bands):
        kept = [idx.index(k) for k in keep]
        sub = Patches(patches.lms[:, idx], patches.pan, patches.ms[:, idx], patches.margin, patches.origins)
        groups.append(BandGroup(sub, kept, tuple(float(gains[idx[p]]) for p in kept), len(keep) / n))
    return groups


def _group_terms(fused: torch.Tensor, cache: FeatureCache, group: BandGroup, ratio: int,
                 weights: LossWeights) -> Dict[str, torch.Tensor]:
    """The loss terms of one group on its kept bands (fused: (N, model_bands, H, W) inner part)."""
    k, p = group.kept, group.patches
    t = cache.targets
    targets = t.bands(k)
    return total_loss(fused[:, k], cache.frozen[:, k], p.inner(p.pan), p.inner(p.ms, ratio)[:, k], targets,
                      ratio, group.gains, weights)


def _weighted_sum(terms: List[Dict[str, torch.Tensor]],
                  groups: Sequence[BandGroup]) -> Dict[str, torch.Tensor]:
    out: Dict[str, torch.Tensor] = {}
    for group, group_terms in zip(groups, terms):
        for key, value in group_terms.items():
            out[key] = out[key] + group.weight * value if key in out else group.weight * value
    return out


def train_tailor_groups(net: Backbone, groups: Sequence[BandGroup], ratio: int, pan_gain: float,
                        weights: LossWeights, settings: TrainSettings, progress: ProgressCallback,
                        cancel: CancelToken) -> TrainResult:
    """One tailor trained on every group's cached features (see module doc); `net` stays unchanged."""
    t0 = time.perf_counter()
    progress(0.0, "cache")
    caches = [cache_features(net, g.patches, ratio, pan_gain) for g in groups]
    tailored = make_tailored(net, settings)
    if isinstance(tailored.tailor, ConditionalTailor):
        tailored.tailor.condition(torch.cat([c.feats for c in caches]))
    result = TrainResult(tailored, seconds={"cache": time.perf_counter() - t0})
    t1 = time.perf_counter()

    def loss() -> Dict[str, torch.Tensor]:
        return _weighted_sum([_group_terms(c.fused(tailored), c, g, ratio, weights)
                              for g, c in zip(groups, caches)], groups)

    params = [p for p in tailored.tailor.parameters() if p.requires_grad]
    optimise(params, settings, loss, result, progress, cancel)
    tailored.eval()
    result.seconds["train"] = time.perf_counter() - t1
    return result


def _chunk_cache(cache: FeatureCache, part: slice) -> FeatureCache:
    """The cached frozen output and targets of patches `part` (features are not used by 'full')."""
    t = cache.targets
    return FeatureCache(cache.feats[:0], cache.lms[:0], cache.frozen[part],
                        t.patches(part), cache.keep)


def _full_group_step(tuned: Backbone, groups: Sequence[BandGroup], caches: Sequence[FeatureCache], ratio: int,
                     weights: LossWeights) -> Dict[str, float]:
    """train.py's whole-net step over every group: the gradient of the weighted loss accumulated over all
    patches in chunks of FULL_CHUNK (memory of FULL_CHUNK patches); the loss terms."""
    sums: Dict[str, float] = {}
    for g, cache in zip(groups, caches):
        p, n = g.patches, g.patches.lms.shape[0]
        for a in range(0, n, FULL_CHUNK):
            part = slice(a, min(n, a + FULL_CHUNK))
            chunk = Patches(p.lms[part], p.pan[part], p.ms[part], p.margin, p.origins[part])
            share = g.weight * (part.stop - a) / n
            with torch.enable_grad():
                fused = chunk.inner(tuned(chunk.lms, chunk.pan))
                terms = _group_terms(fused, _chunk_cache(cache, part), BandGroup(chunk, g.kept, g.gains, 1.0),
                                     ratio, weights)
                (terms["total"] * share).backward()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach()) * share
    return sums


def finetune_full_groups(net: Backbone, groups: Sequence[BandGroup], ratio: int, pan_gain: float,
                         weights: LossWeights, steps: int, lr: float, progress: ProgressCallback,
                         cancel: CancelToken) -> TrainResult:
    """One copy of the whole net fine-tuned on every group, as train.finetune_full does for one (a step per
    pass over all patches, the lowest-loss weights kept); `net` is left unchanged."""
    t0 = time.perf_counter()
    caches = [cache_features(net, g.patches, ratio, pan_gain) for g in groups]
    return finetune_loop(net, lambda tuned: _full_group_step(tuned, groups, caches, ratio, weights), steps,
                         lr, progress, cancel, t0)


def train_adapted(net: Backbone, patches: Patches, model_bands: int, ratio: int, gains: Sequence[float],
                  pan_gain: float, weights: LossWeights, opts: AdaptOptions, progress: ProgressCallback,
                  cancel: CancelToken) -> TrainResult:
    """Tailor (or full fine-tune) training on patches of any band count: train.py's loops when the MS has
    model_bands bands, the grouped loops above otherwise."""
    settings = TrainSettings(opts.steps, opts.lr, opts.tailor, opts.hidden, opts.seed, opts.schedule)
    if patches.ms.shape[1] == model_bands:
        if opts.mode == "full":
            return finetune_full(net, patches, ratio, gains, pan_gain, weights, opts.steps, opts.lr,
                                 progress, cancel)
        return train_tailor(net, patches, ratio, gains, pan_gain, weights, settings, progress, cancel)
    groups = split_groups(patches, model_bands, gains)
    if opts.mode == "full":
        return finetune_full_groups(net, groups, ratio, pan_gain, weights, opts.steps, opts.lr, progress,
                                    cancel)
    return train_tailor_groups(net, groups, ratio, pan_gain, weights, settings, progress, cancel)
