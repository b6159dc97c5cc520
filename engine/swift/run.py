"""`adapt_sensor`: the whole SWIFT job, from a list of scene pairs to a saved model file.

Stages, each reported through `progress` ("sample ...", "score ...", "train step i/n", "save") and
cancellable: open the scenes and choose patches (sampler), score every parameter on them, fine-tune the top
fraction through a mask, write the model file atomically (a cancelled run leaves no file).
"""
from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..backbones import Backbone
from ..backbones.tiling import model_bands_for
from ..devices import resolve_device
from ..errors import EngineError
from ..methods.deep import DeepMethod
from ..methods.registry import get_method
from ..progress import CancelToken, ProgressCallback, no_progress
from ..raster.blocks import round_up
from ..training.losses import weights_for
from ..training.patches import Patches
from ..weights.model_file import save_model
from .embed import feature_embedding, statistics_embedding
from .finetune import masked_finetune
from .objective import Objective
from .options import SwiftOptions, parse_swift_options, sample_count
from .request import SensorAdaptRequest, validate_sensor_request
from .sampling import select
from .scenes import Scene, candidates, check_same_sensor, open_scene, read_patches
from .sensitivity import kept_fraction, score_parameters, top_masks


@dataclass
class SensorAdaptResult:
    """What adapt_sensor produced (see the contract in the module doc of engine/swift)."""

    output: str
    method: str
    bands: int
    scenes: List[str]
    patches: int
    kept_fraction: float
    steps_run: int
    seconds: Dict[str, float] = field(default_factory=dict)
    loss_history: List[float] = field(default_factory=list)
    sensor: str = ""
    candidates: int = 0

    def summary(self) -> str:
        """One line: file, source, data used and time."""
        total = sum(self.seconds.values())
        first = f"{self.loss_history[0]:.4f}" if self.loss_history else "-"
        last = f"{self.loss_history[-1]:.4f}" if self.loss_history else "-"
        return (f"{self.output}: SWIFT {self.method}, {self.bands} bands, sensor {self.sensor}, "
                f"{len(self.scenes)} scene(s), {self.patches}/{self.candidates} patches, "
                f"{self.kept_fraction * 100:.1f}% of weights tuned, {self.steps_run} steps, "
                f"loss {first} -> {last}, {total:.1f} s")


def _open_scenes(req: SensorAdaptRequest, progress: ProgressCallback, cancel: CancelToken) -> List[Scene]:
    scenes = []
    for k, (pan, ms) in enumerate(req.pairs):
        cancel.check()
        progress(k / len(req.pairs), f"sample: opening scene {k + 1}/{len(req.pairs)}")
        scenes.append(open_scene(pan, ms, req.sensor, cancel))
    check_same_sensor(scenes)
    return scenes


def _margin(net: Backbone, ratio: int, opts: SwiftOptions) -> int:
    """Context margin (PAN px): the receptive field, on the coarse grid (ratio^2 for the Wald loss)."""
    margin = round_up(net.receptive_field + 1, ratio * ratio if opts.loss == "wald" else ratio)
    if opts.patch % (ratio * ratio if opts.loss == "wald" else ratio):
        raise EngineError(f"SWIFT option patch ({opts.patch}) must be a multiple of "
                          f"{'ratio^2' if opts.loss == 'wald' else 'the ratio'} ({ratio})")
    return margin


def sample_patches(scenes: Sequence[Scene], net: Backbone, opts: SwiftOptions, device: torch.device,
                   progress: ProgressCallback, cancel: CancelToken) -> Tuple[Patches, int]:
    """(chosen patches with context, number of candidates) by the options' embedding and sampler."""
    rng = np.random.default_rng(opts.seed)
    ratio = scenes[0].pair.ratio
    margin = _margin(net, ratio, opts)
    cands = candidates(scenes, opts.patch, rng)
    if opts.embed == "features":
        emb = feature_embedding(net, scenes, cands, opts.patch, margin, device, progress, cancel)
    else:
        emb = statistics_embedding(scenes, cands, opts.patch, progress, cancel)
    chosen = [cands[i] for i in select(emb, sample_count(len(cands), opts), opts.sampler, rng, opts.knn)]
    return read_patches(scenes, chosen, opts.patch, margin, device, cancel), len(cands)


def _metadata(req: SensorAdaptRequest, scenes: Sequence[Scene], source: Tuple[str, str], opts: SwiftOptions,
              net: Backbone, bands: int) -> Dict[str, object]:
    return {"backbone": source[0], "bands": bands, "receptive_field": int(net.receptive_field),
            "source_model": req.method if os.path.isfile(req.method) else source[0],
            "source_sha256": source[1], "sensor": scenes[0].sensor, "ratio": scenes[0].pair.ratio,
            "scenes": [{"name": s.name, "pan": req.pairs[i][0], "ms": req.pairs[i][1]}
                       for i, s in enumerate(scenes)],
            "settings": asdict(opts)}


def adapt_sensor(req: SensorAdaptRequest, progress: ProgressCallback = no_progress,
                 cancel: Optional[CancelToken] = None) -> SensorAdaptResult:
    """Adapt req.method to the sensor of req.pairs and write req.output (see module doc)."""
    cancel = cancel or CancelToken()
    req = validate_sensor_request(req)
    opts = parse_swift_options(req.options)
    device = resolve_device(req.device)
    method = get_method(req.method)
    assert isinstance(method, DeepMethod)
    seconds: Dict[str, float] = {}
    t = time.perf_counter()
    scenes = _open_scenes(req, _sub(progress, 0.0, 0.05), cancel)
    n = len(scenes[0].pair.ms_bands)
    bands = model_bands_for(n)
    if n != bands:
        raise EngineError(f"SWIFT needs an MS with 4 or 8 bands for now, this one has {n}")
    net, backbone, sha = method.start(bands, device)
    patches, n_cands = sample_patches(scenes, net, opts, device, _sub(progress, 0.05, 0.15), cancel)
    seconds["sample"] = time.perf_counter() - t
    t = time.perf_counter()
    s0 = scenes[0]
    weights = weights_for(s0.sensor, opts.loss_weights, opts.spatial_loss)
    objective = Objective(net, patches, s0.pair.ratio, s0.gains, s0.pan_gain, weights, opts.loss)
    scores = score_parameters(net, objective, opts.batch, opts.score, _sub(progress, 0.15, 0.25), cancel)
    masks = top_masks(scores, opts.top)
    seconds["score"] = time.perf_counter() - t
    fit = masked_finetune(net, objective, masks, opts.steps, opts.batch, opts.lr, opts.patience, opts.seed,
                          _sub(progress, 0.25, 0.98), cancel)
    seconds["train"] = fit.seconds
    cancel.check()
    progress(0.98, "save")
    t = time.perf_counter()
    meta = _metadata(req, scenes, (backbone, sha), opts, net, bands)
    meta.update({"patches": objective.count, "candidates": n_cands, "kept_fraction": kept_fraction(masks),
                 "steps_run": fit.steps_run, "stopped_early": fit.stopped_early,
                 "epoch_losses": [round(v, 6) for v in fit.epoch_losses], "seconds": dict(seconds)})
    save_model(req.output, net, meta)
    seconds["save"] = time.perf_counter() - t
    progress(1.0, "save")
    return SensorAdaptResult(req.output, req.method, bands, [s.name for s in scenes], objective.count,
                             kept_fraction(masks), fit.steps_run, seconds,
                             [h["total"] for h in fit.history], s0.sensor, n_cands)


def _sub(progress: ProgressCallback, start: float, end: float) -> ProgressCallback:
    """Maps a stage's progress onto [start, end] of the bar, keeping its own message."""
    def inner(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)
    return inner
