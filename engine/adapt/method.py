"""A deep method adapted to the image being processed, plugged into the block pipeline.

`adapt_method` trains a feature tailor (or fine-tunes the whole net, mode 'full') on patches of the
aligned pair, then returns the DeepMethod running the adapted net (its weight source, not a copy of its
fuse(): same normalisation, upsampling and CPU sub-tiles); its halo includes the tailor's receptive field,
so tiled output stays exact.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch

from ..backbones.base import Backbone
from ..backbones.tailor import TailoredBackbone
from ..backbones.tiling import model_bands_for
from ..errors import EngineError
from ..methods.base import FusionContext, Method
from ..methods.deep import DeepMethod
from ..precision import caching_in
from ..progress import CancelToken, ProgressCallback
from ..raster.align import AlignedPair
from ..raster.blocks import round_up
from ..raster.fill import FillValues
from ..training.losses import weights_for
from ..training.patches import Patches
from ..training.raster_patches import held_out_patches, raster_patches, read_patches
from ..weights.tailor_file import load_tailor, save_tailor, tailor_metadata
from .groups import train_adapted
from .guard import HELD_OUT_PATCHES, REDUCED_WINDOW, GuardVerdict, guard
from .options import FILE_KEYS, AdaptOptions, patch_size


@dataclass
class Adapted:
    """The result of adapting a method to one image.

    method: the DeepMethod running the adapted net (DeepMethod.adapted; the pretrained one when the guard
    did not keep the adaptation). seconds: per adaptation stage (sample, cache, train, guard; or load).
    after_write: run by the pipeline once the fused raster is written (saving the tailor then, so a
    cancelled run leaves no file behind). verdict: the guard's decision (None: no guard ran).
    """

    method: DeepMethod
    seconds: Dict[str, float]
    after_write: Optional[Callable[[], None]] = None
    verdict: Optional[GuardVerdict] = None


def adapt_method(method: Method, pair: AlignedPair, ctx: FusionContext, opts: AdaptOptions, sensor: str,
                 device: torch.device, progress: ProgressCallback, cancel: CancelToken) -> Adapted:
    """Sample patches, cache features, train (progress per stage); EngineError for non-deep methods."""
    if not isinstance(method, DeepMethod):
        raise EngineError(f"adaptation '{opts.mode}' needs a deep backbone method, not '{method.name}'")
    mb = model_bands_for(len(pair.ms_bands))  # other counts: 4-band groups (groups.py)
    if opts.load_tailor:
        return _loaded_method(method, mb, opts.load_tailor, device, progress)
    patch = patch_size(opts, pair.ratio)
    t0 = time.perf_counter()
    progress(0.0, "sample patches")
    net, backbone, sha = method.start(mb, device)  # shipped or SWIFT model file weights
    margin = round_up(net.receptive_field + 1, pair.ratio)
    rng = np.random.default_rng(opts.seed)
    stats = ctx.require_stats()  # invalid pixels of partly valid patches get the pipeline's fill values
    fill = FillValues(stats.pan_mean, stats.ms_mean())
    patches = raster_patches(pair, patch, margin, opts.fraction, opts.max_patches, opts.sampler,
                             method.scale(ctx), ctx.upsampler, device, rng, fill)
    cancel.check()
    sample_s = time.perf_counter() - t0
    weights = weights_for(sensor, opts.loss_weights, opts.spatial_loss)

    def stage(f: float, m: str) -> None:
        progress(0.1 + 0.9 * f, m)

    with caching_in(ctx.precision):  # the frozen extractor's cache in the run's precision
        result = train_adapted(net, patches, mb, pair.ratio, ctx.ms_gains, ctx.pan_gain, weights, opts, stage,
                               cancel)
    seconds = {"sample": sample_s, **result.seconds}
    sampling = Sampling(pair, patch, margin, method.scale(ctx), ctx.upsampler, device, fill, ctx.ms_gains,
                        ctx.pan_gain)
    verdict = _guard(opts, sampling, net, result.net, patches, mb, rng, seconds)
    if verdict is not None and not verdict.kept:
        return Adapted(method, seconds, None, verdict)
    after_write: Optional[Callable[[], None]] = None
    if opts.save_tailor and isinstance(result.net, TailoredBackbone):
        tailored, path = result.net, opts.save_tailor
        options = {k: v for k, v in asdict(opts).items() if k not in FILE_KEYS}
        meta = tailor_metadata(tailored, backbone, mb, sensor, sha, options)

        def save() -> None:
            save_tailor(path, tailored, meta)
        after_write = save
    return Adapted(method.adapted(result.net, mb, opts.mode), seconds, after_write, verdict)


@dataclass(frozen=True)
class Sampling:
    """How the training patches were read (raster_patches), so held-out ones are read the same way."""

    pair: AlignedPair
    size: int
    margin: int
    scale: float
    upsampler: str
    device: torch.device
    fill: FillValues
    gains: Sequence[float]
    pan_gain: float


def _guard(opts: AdaptOptions, sampling: Sampling, start: Backbone, adapted: Backbone, trained: Patches,
           model_bands: int, rng: np.random.Generator, seconds: Dict[str, float]) -> Optional[GuardVerdict]:
    """The guard's verdict (guard.py); None when it is off or the image is too small for either check
    (seconds['guard'] counts its time)."""
    if not opts.guard:
        return None
    t0 = time.perf_counter()
    s, r = sampling, sampling.pair.ratio
    held = held_out_patches(s.pair, trained.origins, HELD_OUT_PATCHES, s.size, s.margin, s.scale, s.upsampler,
                            s.device, rng, s.fill)
    side = min(REDUCED_WINDOW, s.pair.width, s.pair.height) // r ** 2 * r ** 2
    window = None
    if side >= 8 * r ** 2:  # at least 8 x 8 MS pixels at the reduced scale
        margin = round_up(r * (start.receptive_field + 1), r ** 2)  # the net's field at the reduced scale
        origin = ((s.pair.height - side) // 2 // r * r, (s.pair.width - side) // 2 // r * r)
        window = read_patches(s.pair, [origin], side, margin, s.scale, s.upsampler, s.device, s.fill,
                              with_lms=False)
    verdict = guard(start, adapted, model_bands, r, s.gains, s.pan_gain, s.upsampler, held, window)
    seconds["guard"] = time.perf_counter() - t0
    return verdict


def _loaded_method(method: DeepMethod, bands: int, path: str, device: torch.device,
                   progress: ProgressCallback) -> Adapted:
    """The backbone with a saved tailor (no sampling, no training); seconds {'load': ...}."""
    t0 = time.perf_counter()
    progress(0.0, "load tailor")
    net, name, sha = method.start(bands, device)
    tailored, _ = load_tailor(path, net, name, bands, sha)
    progress(1.0, "tailor loaded")
    return Adapted(method.adapted(tailored, bands, "tailor"), {"load": time.perf_counter() - t0})
