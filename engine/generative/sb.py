"""The Schroedinger-bridge fusion method `sb`: bridge sampling from the upsampled MS to the high-resolution
MS.

Per block: normalise like the deep backbones (engine/backbones/normalise.py: PAN and MS divided by the
image's scale s), upsample the MS as they do (backbones/inputs.py net_upsample), then for every 4-band
group (backbones/tiling.py band_groups; the 4-band net serves every band count) draw `samples` bridge
samples of `steps` steps (engine/generative/bridge.py). The output is the mean of the samples times s; their
per-band standard deviation (times s, pooled over 5 x 5 px: pooled_spread) is the uncertainty (SBSpread,
written by engine/uncertainty.py).

Options (PansharpenRequest.options): steps (1 to MAX_STEPS, default DEFAULT_STEPS = 1), samples (1 to 32,
default 1), seed (integer, default 0), sampler (sde | ode, default sde; one step is the same for both).
Noise comes from global pixel coordinates (ctx.origin + position in the block, engine/generative/noise.py),
so the result does not depend on the block size, the CPU sub-tiles or the device's tiling: the block halo
covers MAX_STEPS x the net's receptive radius.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from ..backbones.inputs import net_upsample
from ..backbones.normalise import input_scale
from ..backbones.tiling import CPU_TILE, band_groups, tile_windows
from ..errors import EngineError
from ..methods.base import FusionContext, Method
from ..options import OptionValue
from .bridge import MAX_STEPS, check_sampler, sample_bridge
from .noise import global_noise
from .unet import RECEPTIVE_RADIUS, CondUNet
from .weights import load_unet

MODEL_BANDS = 4
#: the uncertainty is the samples' standard deviation pooled over a (2 SPREAD_RADIUS + 1)^2 window (RMS):
#: with a few samples the per-pixel estimate is noisy; pooled, it ranks pixels by error far better
#: (held-out Pleiades, 8 samples: Spearman 0.16 per pixel, 0.33 over 5 x 5; model card)
SPREAD_RADIUS = 2
WEIGHTS_NAME = "sb"  # resources/weights/generative/sb_4b.safetensors
#: defaults: one step (the bridge ODE from x_0 = the upsampled MS; deterministic) scored best on the held-out
#: pairs (Q2n 0.898 against 0.873 for 3 SDE steps and 0.889 for the mean of 4; model card) at 1.3x FusionNet
DEFAULT_STEPS, DEFAULT_SAMPLES, MAX_SAMPLES = 1, 1, 32


def _int_option(ctx: FusionContext, key: str, default: int, low: int, high: int) -> int:
    value = ctx.options.get(key, default)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise EngineError(f"option {key} must be an integer, got '{value}'") from None
    if not low <= number <= high:
        raise EngineError(f"option {key} must be from {low} to {high}, got {number}")
    return number


def sampler_options(ctx: FusionContext) -> Tuple[int, int, int, str]:
    """(steps, samples, seed, sampler) from ctx.options; EngineError for bad values."""
    steps = _int_option(ctx, "steps", DEFAULT_STEPS, 1, MAX_STEPS)
    samples = _int_option(ctx, "samples", DEFAULT_SAMPLES, 1, MAX_SAMPLES)
    seed = _int_option(ctx, "seed", 0, 0, 2 ** 31 - 1)
    mode = str(ctx.options.get("sampler", "sde")).strip().lower()
    try:
        check_sampler(steps, mode)
    except ValueError as exc:
        raise EngineError(f"option {exc}") from None
    return steps, samples, seed, mode


def tiled_predict(net: CondUNet, pan: torch.Tensor, lms: torch.Tensor, tile: Optional[int]
                  ) -> Callable[[torch.Tensor, float], torch.Tensor]:
    """predict(x_t, t) -> x1_hat (B, C, H, W): the net on sub-tiles of at most `tile` px (None: at once)
    with the receptive-radius halo, stitched; exact (up to float rounding) since the net has no stride."""
    h, w = lms.shape[-2:]
    wy, rows = tile_windows(h, tile or h, net.receptive_radius)
    wx, cols = tile_windows(w, tile or w, net.receptive_radius)

    def predict(x: torch.Tensor, t: float) -> torch.Tensor:
        tt = torch.full((x.shape[0],), t, dtype=x.dtype, device=x.device)
        out = torch.empty_like(x)
        for y, y1, y0 in rows:
            for x_, x1, x0 in cols:
                win = (..., slice(y0, y0 + wy), slice(x0, x0 + wx))
                part = net(x[win], tt, pan[win], lms[win])
                out[..., y:y1, x_:x1] = part[..., y - y0:y1 - y0, x_ - x0:x1 - x0]
        return out
    return predict


def bridge_samples(net: CondUNet, pan: torch.Tensor, lms: torch.Tensor, bands: List[int], steps: int,
                   samples: int, seed: int, mode: str, origin: Tuple[int, int],
                   after: Optional[Callable[[int, int], None]] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """(mean, std) over `samples` bridge samples, each (B, C, H, W) normalised, of one band group:
    lms (B, C, H, W) holds the global bands `bands` (noise keys), pan (B, 1, H, W), origin the global (row,
    col) of pixel (0, 0). std is 0 for one sample. after(done, total) runs after each sample."""
    tile = CPU_TILE if lms.device.type == "cpu" else None
    predict = tiled_predict(net, pan, lms, tile)
    size = (lms.shape[-2], lms.shape[-1])
    first = total = square = torch.zeros_like(lms)
    for k in range(samples):
        def noise(step: int, k: int = k) -> torch.Tensor:
            eps = global_noise(seed, k, step, bands, origin, size, lms.device, lms.dtype)
            return eps.expand_as(lms)
        x = sample_bridge(predict, lms, steps, mode, noise)
        if k == 0:
            first = x
        d = x - first  # moments of the differences to the first sample: no cancellation in float32
        total, square = total + d, square + d * d
        if after is not None:
            after(k + 1, samples)
    shift = total / samples
    var = (square / samples - shift * shift).clamp_min(0) * (samples / max(1, samples - 1))
    return first + shift, var.sqrt()


def pooled_spread(std: torch.Tensor, radius: int = SPREAD_RADIUS) -> torch.Tensor:
    """sqrt of the window mean of std^2 (B, C, H, W) over (2 radius + 1)^2 px (windows cut at the edges)."""
    if radius <= 0:
        return std
    k = 2 * radius + 1
    return F.avg_pool2d(std * std, k, 1, radius, count_include_pad=False).sqrt()


class SBMethod(Method):
    """Schroedinger-bridge matching (arXiv 2404.11416 as designed in engine/generative); fuse returns the
    mean of the samples, spread(...) their per-band standard deviation, both (B, C, H, W) in input units."""

    name = "sb"
    title = "Schroedinger bridge"
    family = "generative"
    summary = ("Schroedinger-bridge matching from the upsampled MS (options steps, samples, seed, sampler); "
               "4-band net, other band counts by 4-band groups; samples > 1 give an uncertainty map")
    needs_stats = True  # the data maximum picks the normalisation scale
    option_keys = ("steps", "samples", "seed", "sampler")
    output = "mean"

    def __init__(self, folder: Optional[str] = None) -> None:
        self.folder = folder

    def halo(self, ratio: int) -> int:
        return MAX_STEPS * RECEPTIVE_RADIUS + SPREAD_RADIUS + 3 * ratio

    def block_halo(self, ratio: int, options: Dict[str, OptionValue]) -> int:
        """Each step's net needs its receptive radius of context, the pooled spread SPREAD_RADIUS more: the
        default one-step mean needs 22 + 3 ratio px, not the 5-step maximum (a bad steps value keeps the
        maximum; fuse then refuses it)."""
        try:
            steps = int(str(options.get("steps", DEFAULT_STEPS)).strip())
        except ValueError:
            steps = MAX_STEPS
        steps = steps if 1 <= steps <= MAX_STEPS else MAX_STEPS
        return steps * RECEPTIVE_RADIUS + (SPREAD_RADIUS if self.output == "spread" else 0) + 3 * ratio

    def upsampled(self, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        return net_upsample(ms, ctx.ratio, ctx.upsampler)

    def scale(self, ctx: FusionContext) -> float:
        s = ctx.require_stats()
        return input_scale(ctx.bits, float(max(s.ms_max.max(), s.pan_max)))

    def mean_and_spread(self, pan: torch.Tensor, ms: torch.Tensor,
                        ctx: FusionContext) -> Tuple[torch.Tensor, torch.Tensor]:
        """(mean, spread) (B, C, H, W) float32 in input units from pan (B, 1, H, W), ms (B, C, H/r, W/r)."""
        steps, samples, seed, mode = sampler_options(ctx)
        net = load_unet(WEIGHTS_NAME, MODEL_BANDS, pan.device, self.folder)
        s = self.scale(ctx)
        lms = self.upsampled(ms.float() / s, ctx)
        p = pan.float() / s
        mean, spread = torch.empty_like(lms), torch.empty_like(lms)
        groups = band_groups(lms.shape[1], MODEL_BANDS)
        report = ctx.between_batches()
        for g, (idx, keep) in enumerate(groups):
            hook = None if report is None else (
                lambda done, total, g=g: report(g * total + done, len(groups) * total))
            m, sd = bridge_samples(net, p, lms[:, idx], idx, steps, samples, seed, mode, ctx.origin, hook)
            pick = [idx.index(k) for k in keep]
            mean[:, keep], spread[:, keep] = m[:, pick], sd[:, pick]
        return mean * s, pooled_spread(spread) * s

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        mean, spread = self.mean_and_spread(pan, ms, ctx)
        return spread if self.output == "spread" else mean


class SBSpread(SBMethod):
    """The same sampling, returning the per-band spread (B, C, H, W) (the uncertainty raster's pixels)."""

    name = "sb_uncertainty"
    output = "spread"


def sb_method(folder: Optional[str] = None) -> SBMethod:
    """The `sb` method for the registry (folder: weights folder, default resources/weights/generative)."""
    return SBMethod(folder)
