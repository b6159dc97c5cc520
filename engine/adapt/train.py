"""Training a feature tailor on patches of one image (and the whole-network fine-tuning baseline).

Stages (each reported through `progress` and cancellable between steps): the caller samples patches
(patches.py); `cache` runs the frozen extractor once on them and keeps F, the frozen output and the
structural target; `train` runs Adam on the tailor only, each step costing tailor + mapper + loss.
Reproducible: the tailor's initialisation uses `seed` inside a forked RNG, the step order is fixed.
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import torch

from ..backbones.base import Backbone
from ..backbones.tailor import ConditionalTailor, TailoredBackbone, build_tailor
from ..precision import frozen_features
from ..progress import CancelToken, ProgressCallback, no_progress
from ..training.adam import Adam
from ..training.losses import LossWeights, SpatialTargets, spatial_targets, total_loss
from ..training.patches import Patches


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings (learning rate for Adam; steps 0 keeps the pretrained output)."""

    steps: int = 30
    lr: float = 1e-3
    tailor: str = "light"
    hidden: int = 16
    seed: int = 0
    schedule: str = "constant"


SCHEDULES = ("constant", "cosine")


def step_lr(lr: float, step: int, steps: int, schedule: str) -> float:
    """Learning rate of `step` (0-based): constant, or cosine decay from lr to lr / 20 over the run.
    Measured (QuickBird 448 and Pleiades 512 crops, FusionNet): cosine did not beat constant, so constant
    is the default."""
    if schedule == "constant" or steps <= 1:
        return lr
    floor = lr / 20
    return floor + 0.5 * (lr - floor) * (1 + math.cos(math.pi * step / (steps - 1)))


#: PAN px of cached features kept around each patch's inner part: the tailor (1 px) and the mapper
#: (at most 2 px, a conv5) then see every feature an inner output pixel depends on, so training on the
#: cropped cache is exact while each step touches (64 + 8)^2 instead of (64 + 2 * margin)^2 pixels.
FEATURE_MARGIN = 4


@dataclass
class FeatureCache:
    """Frozen features F (N, K, h, w) and lms of the patches' inner part plus FEATURE_MARGIN px, and
    per-patch targets on the inner part."""

    feats: torch.Tensor
    lms: torch.Tensor
    frozen: torch.Tensor
    targets: SpatialTargets
    keep: int = FEATURE_MARGIN

    def fused(self, net: TailoredBackbone) -> torch.Tensor:
        """Tailored output (N, C, H, W) on the inner part."""
        m = self.keep
        out = net.tailored(self.feats, self.lms)
        return out[..., m:out.shape[-2] - m, m:out.shape[-1] - m]


@dataclass
class TrainResult:
    """The trained net, the loss terms per step (before each update) and seconds per stage."""

    net: Backbone
    history: List[Dict[str, float]] = field(default_factory=list)
    seconds: Dict[str, float] = field(default_factory=dict)


def cache_features(net: Backbone, patches: Patches, ratio: int, pan_gain: float) -> FeatureCache:
    """Run the frozen extractor once on the patches (no gradients)."""
    with torch.no_grad():
        feats = frozen_features(net, patches.lms, patches.pan)  # the run's precision (engine/precision.py)
        frozen = patches.inner(net.mapper(feats, patches.lms))
    targets = spatial_targets(patches.lms, patches.pan, ratio, pan_gain, patches.margin)
    keep = min(FEATURE_MARGIN, patches.margin)
    return FeatureCache(patches.inner(feats, keep=keep).contiguous(),
                        patches.inner(patches.lms, keep=keep).contiguous(), frozen, targets, keep)


def make_tailored(net: Backbone, settings: TrainSettings) -> TailoredBackbone:
    """The frozen net with a fresh, seeded, zero-initialised tailor."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(settings.seed)
        tailor = build_tailor(settings.tailor, net.feature_channels, settings.hidden)
    return TailoredBackbone(net, tailor.to(next(net.parameters()).device)).freeze_backbone()


def optimise(params: Sequence[torch.Tensor], settings: TrainSettings,
             loss: Callable[[], Dict[str, torch.Tensor]], result: TrainResult, progress: ProgressCallback,
             cancel: CancelToken) -> None:
    """settings.steps Adam steps on `loss()` (terms incl. 'total'), learning rate per settings.schedule;
    the terms of every step go to result.history."""
    steps = settings.steps
    opt = Adam(params, lr=settings.lr)
    for step in range(steps):
        cancel.check()
        opt.lr = step_lr(settings.lr, step, steps, settings.schedule)
        with torch.enable_grad():
            terms = loss()
            opt.zero_grad()
            terms["total"].backward()
        opt.step()
        result.history.append({k: float(v.detach()) for k, v in terms.items()})
        progress((step + 1) / steps, f"train step {step + 1}/{steps}")


def train_tailor(net: Backbone, patches: Patches, ratio: int, gains: Sequence[float], pan_gain: float,
                 weights: LossWeights, settings: TrainSettings, progress: ProgressCallback = no_progress,
                 cancel: CancelToken | None = None) -> TrainResult:
    """Cache the frozen features, then train a tailor for settings.steps Adam steps; net stays unchanged."""
    cancel = cancel or CancelToken()
    t0 = time.perf_counter()
    progress(0.0, "cache")
    cache = cache_features(net, patches, ratio, pan_gain)
    tailored = make_tailored(net, settings)
    if isinstance(tailored.tailor, ConditionalTailor):
        tailored.tailor.condition(cache.feats)
    result = TrainResult(tailored, seconds={"cache": time.perf_counter() - t0})
    t1 = time.perf_counter()
    pan, ms = patches.inner(patches.pan), patches.inner(patches.ms, ratio)

    def loss() -> Dict[str, torch.Tensor]:
        return total_loss(cache.fused(tailored), cache.frozen, pan, ms, cache.targets, ratio, gains, weights)

    optimise([p for p in tailored.tailor.parameters() if p.requires_grad], settings, loss, result, progress,
             cancel)
    tailored.eval()
    result.seconds["train"] = time.perf_counter() - t1
    return result


#: patches per forward/backward pass of the whole-net baseline: the gradient of one step is accumulated over
#: every patch (the whole image, as in Z-PNN) in chunks, so memory stays that of FULL_CHUNK patches.
FULL_CHUNK = 4


def _full_step(tuned: Backbone, patches: Patches, cache: FeatureCache, ratio: int, gains: Sequence[float],
               weights: LossWeights) -> Dict[str, float]:
    """Accumulate the gradient of the mean loss over all patches, chunk by chunk; the loss terms."""
    n = patches.lms.shape[0]
    sums: Dict[str, float] = {}
    for a in range(0, n, FULL_CHUNK):
        b = min(n, a + FULL_CHUNK)
        part = slice(a, b)
        with torch.enable_grad():
            fused = patches.inner(tuned(patches.lms[part], patches.pan[part]))
            targets = cache.targets.patches(part)
            terms = total_loss(fused, cache.frozen[part], patches.inner(patches.pan[part]),
                               patches.inner(patches.ms[part], ratio), targets, ratio, gains, weights)
            (terms["total"] * ((b - a) / n)).backward()
        for k, v in terms.items():
            sums[k] = sums.get(k, 0.0) + float(v.detach()) * (b - a) / n
    return sums


def finetune_full(net: Backbone, patches: Patches, ratio: int, gains: Sequence[float], pan_gain: float,
                  weights: LossWeights, steps: int = 100, lr: float = 1e-5,
                  progress: ProgressCallback = no_progress, cancel: CancelToken | None = None) -> TrainResult:
    """Z-PNN-style baseline: a copy of the whole net fine-tuned at full resolution on all the given patches
    (mode 'full' passes the whole image, up to a cap, see options.py), one Adam step per pass over them;
    the weights of the lowest-loss pass are kept, as Z-PNN does. `net` is left unchanged."""
    t0 = time.perf_counter()
    cache = cache_features(net, patches, ratio, pan_gain)
    return finetune_loop(net, lambda tuned: _full_step(tuned, patches, cache, ratio, gains, weights), steps,
                         lr, progress, cancel or CancelToken(), t0)


def finetune_loop(net: Backbone, step_grad: Callable[[Backbone], Dict[str, float]], steps: int, lr: float,
                  progress: ProgressCallback, cancel: CancelToken, t0: float) -> TrainResult:
    """Adam on a copy of the whole net: each step, step_grad(copy) accumulates the gradient of one pass over
    the patches and returns its loss terms; the weights of the lowest-loss pass are kept (Z-PNN). seconds
    'train' counts from t0."""
    tuned = copy.deepcopy(net).train()
    for p in tuned.parameters():
        p.requires_grad_(True)
    opt = Adam(tuned.parameters(), lr=lr)
    result = TrainResult(tuned)
    best, best_state = float("inf"), copy.deepcopy(tuned.state_dict())
    for step in range(steps):
        cancel.check()
        opt.zero_grad()
        terms = step_grad(tuned)
        if terms["total"] < best:  # loss of the current weights, before this step's update
            best, best_state = terms["total"], copy.deepcopy(tuned.state_dict())
        opt.step()
        result.history.append(terms)
        progress((step + 1) / steps, f"fine-tune step {step + 1}/{steps}")
    tuned.load_state_dict(best_state)
    tuned.eval()
    result.seconds["train"] = time.perf_counter() - t0
    return result
