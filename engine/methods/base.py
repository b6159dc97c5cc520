"""The method interface: every fusion method maps one block of PAN + coarse MS to fused bands."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch

from ..errors import EngineError
from ..options import OptionValue
from ..physics.resample import upsample
from ..precision import Precision
from ..progress import CancelToken
from ..raster.stats import GlobalStats, Moments


@dataclass
class FusionContext:
    """Everything a method may use besides the block's pixels.

    stats: image-wide moments (None for methods with needs_stats False).
    ms_gains, pan_gain: MTF Nyquist gains of the sensor preset, one per MS band.
    bits: bit depth of the sensor preset (0: unknown); deep methods derive their input scale from it.
    cancel: the run's token; deep methods check it between the tile batches inside a block, so a cancel
    does not wait for a whole block of network inference.
    tile_progress: called between those batches with (fraction of the current block done, 'tile k/n'),
    so progress moves per tile rather than per block.
    origin: (row, col) in PAN pixels of the image of the block's top-left pixel, halo included (negative in a
    halo reaching past the top or left edge); set per block by fusion.fuse_data, (0, 0) for a whole image.
    Methods drawing noise from global coordinates (engine/generative/noise.py) use it to be tile-invariant.
    """

    ratio: int
    ms_gains: Tuple[float, ...]
    pan_gain: float
    upsampler: str
    stats: GlobalStats | None = None
    options: Dict[str, OptionValue] = field(default_factory=dict)
    bits: int = 0
    cancel: Optional[CancelToken] = None
    tile_progress: Optional[Callable[[float, str], None]] = None
    origin: Tuple[int, int] = (0, 0)
    precision: Optional[Precision] = None  # deep methods' forward (engine/precision.py); None: fp32 reference

    def between_batches(self) -> Optional[Callable[[int, int], None]]:
        """The after_batch hook of tiled inference (tiles done, tiles in the block): reports tile progress,
        then raises Cancelled once the run is cancelled."""
        token, report = self.cancel, self.tile_progress
        if token is None and report is None:
            return None

        def check(done: int, total: int) -> None:
            if report is not None:
                report(done / max(1, total), f"tile {done}/{total}")
            if token is not None:
                token.check()
        return check

    def require_stats(self) -> GlobalStats:
        if self.stats is None:
            raise RuntimeError("this method needs global statistics")
        return self.stats

    def require_moments(self) -> Moments:
        """The image-wide moments of the method's feature maps (Method.needs_moments, engine/moments.py)."""
        moments = self.require_stats().moments
        if moments is None:
            raise RuntimeError("this method needs the image-wide moments of its feature maps "
                               "(engine/moments.py: gather_moments, or in_memory_stats for a whole image)")
        return moments

    def tensor(self, values: np.ndarray, like: torch.Tensor) -> torch.Tensor:
        """A (1, N, 1, 1) tensor of per-band values, on like's device and dtype."""
        return torch.as_tensor(np.asarray(values), dtype=like.dtype, device=like.device).view(1, -1, 1, 1)


class Method:
    """Base class. fuse(pan (B,1,H,W), ms (B,C,H/r,W/r), ctx) -> (B,C,H,W), all in input units."""

    name: str = ""
    title: str = ""
    family: str = ""
    summary: str = ""
    needs_stats: bool = True
    #: fuse several blocks at once on the CPU (one thread each, torch intra-op threads 1); suits chains of
    #: small memory-bound operations, not large convolutions
    block_parallel: bool = False
    #: the keys of PansharpenRequest.options this method reads; any other key is refused (request.py)
    option_keys: Tuple[str, ...] = ()
    #: the method's fit needs image-wide moments of its own feature maps (filtered, upsampled or degraded
    #: images; moment_features), gathered by a second block-wise pass (engine/moments.py) into stats.moments
    needs_moments: bool = False

    def needs_stats_for(self, ms_dtype: np.dtype) -> bool:
        """Whether the run needs the statistics pass for an MS of this type (default: needs_stats)."""
        return self.needs_stats

    def halo(self, ratio: int) -> int:
        """PAN pixels of context each output pixel depends on (bicubic upsampling: 2 MS pixels)."""
        return 3 * ratio

    def block_halo(self, ratio: int, options: Dict[str, OptionValue]) -> int:
        """The halo of a run with these method options (default: halo(ratio)); methods whose context grows
        with an option (the generative samplers' steps) override it."""
        return self.halo(ratio)

    def moment_halo(self, ratio: int) -> int:
        """PAN pixels of context each pixel of moment_features depends on (bicubic upsampling assumed)."""
        return self.halo(ratio)

    def moment_features(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        """Per-pixel quantities whose image-wide means and covariances the fit needs: (B, N, H, W) on the
        PAN grid or (B, N, H/r, W/r) on the MS grid, from a block's pan (B, 1, H, W) and ms (B, C, H/r, W/r)
        (ctx.stats holds the first pass's statistics, without moments)."""
        raise NotImplementedError

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        raise NotImplementedError

    def upsampled(self, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        return upsample(ms, ctx.ratio, ctx.upsampler)


def match(x: torch.Tensor, src_mean: float, src_std: float, dst_mean: torch.Tensor | float,
          dst_std: torch.Tensor | float) -> torch.Tensor:
    """Affine histogram matching: (x - src_mean) * dst_std / src_std + dst_mean."""
    return (x - src_mean) * (dst_std / max(src_std, 1e-12)) + dst_mean


def positive_offsets(stats: GlobalStats) -> np.ndarray:
    """(C,) offsets for multiplicative injection on signed data: 0 for a band whose image-wide minimum is
    >= 0; otherwise std_k - min_k, which puts the band's minimum one standard deviation above zero.

    Ratios of values near zero (signed or offset data: int16 with negatives, reflectance differences)
    explode; on the shifted band they stay near 1, and shifting back keeps the band's own levels."""
    low = stats.ms_min if stats.ms_min is not None else np.zeros(stats.n_bands)
    return np.where(low < 0, stats.ms_std() - low, 0.0)


def safe_divide(num: torch.Tensor, den: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """num / den with |den| kept at least eps (sign preserved)."""
    den = torch.where(den.abs() < eps, torch.full_like(den, eps).copysign(den), den)
    return num / den


def parse_weights(value: OptionValue | None, n_bands: int) -> np.ndarray:
    """Band weights from '0.2,0.3,...' (or None for equal weights 1/C)."""
    if value is None or value == "":
        return np.full(n_bands, 1.0 / n_bands)
    try:
        w = np.array([float(v) for v in str(value).split(",")], dtype=np.float64)
    except ValueError:
        raise EngineError(f"weights must be comma-separated numbers, got '{value}'") from None
    if w.size != n_bands:
        raise EngineError(f"{w.size} weights given for {n_bands} MS bands")
    if np.any(w < 0) or w.sum() <= 0:
        raise EngineError("weights must be non-negative and not all zero")
    return w
