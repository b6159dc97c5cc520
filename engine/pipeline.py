"""The main job: validate, align, gather statistics, fuse block by block, write atomically."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .adapt.method import Adapted, adapt_method
from .adapt.options import parse_adapt_options
from .devices import resolve_device
from .errors import EngineError
from .fusion import OutputSpec, fused_blocks
from .jobs import validate_request
from .methods.base import FusionContext, Method
from .methods.registry import get_method
from .moments import gather_moments
from .physics.resample import upsample_halo
from .physics.sensors import SensorGuess
from .precision import Precision, legacy_half, resolve_precision
from .progress import BlockProgress, CancelToken, ProgressCallback, StageProgress, no_progress
from .raster.align import AlignedPair
from .raster.blocks import plan_blocks
from .raster.cache import bounded_gdal_cache
from .raster.dtypes import default_nodata, value_range
from .raster.fill import FillValues
from .raster.pairs import open_pair
from .raster.stats import GlobalStats, compute_stats, ms_band_means
from .raster.writer import TILE, AtomicGeoTiff
from .request import PansharpenRequest
from .version import __version__

#: GDAL block cache during a run (restored after, see raster/cache.py): room for a row of 1024-pixel
#: output blocks (65 MB for 8000 x 4 bands UInt16), so rows are compressed at the flush, in parallel
GDAL_CACHE_BYTES = 128 * 1024 * 1024


@dataclass
class RunResult:
    """What a finished run produced, for the summary line, the dock's log and reports."""

    output: str
    method: str
    sensor: str
    sensor_reason: str
    ratio: int
    width: int
    height: int
    bands: int
    dtype: str
    device: str
    seconds: float
    notes: List[str] = field(default_factory=list)
    adapt: str = "none"
    adapt_seconds: float = 0.0
    stage_seconds: Dict[str, float] = field(default_factory=dict)
    #: the adaptation guard's decision (engine/adapt/guard.py GuardVerdict.as_dict), {} when none ran
    guard: Dict[str, object] = field(default_factory=dict)
    #: deep methods: the precision that ran and why ('bf16 channels_last (auto: the CPU has AVX512-BF16)'),
    #: '' for classical methods (engine/precision.py)
    precision: str = ""

    def summary(self) -> str:
        """One line: what was written, how, and how long it took (adaptation time included, when any)."""
        adapt = f" + {self.adapt} (adaptation {self.adapt_seconds:.2f} s)" if self.adapt != "none" else ""
        return (f"{self.output}: {self.width}x{self.height}x{self.bands} {self.dtype}, method {self.method}"
                f"{adapt}, sensor {self.sensor}, ratio {self.ratio}, {self.device}, {self.seconds:.2f} s")

    def stages_text(self) -> str:
        """'open 0.01 s, statistics 0.02 s, ...': seconds per stage, in run order."""
        return ", ".join(f"{name} {s:.2f} s" for name, s in self.stage_seconds.items())

    def adaptation_line(self) -> str:
        """'adaptation took 1.2 s (sample 0.10 s, cache 0.20 s, train 0.90 s)', or '' without adaptation."""
        if self.adapt == "none":
            return ""
        parts = ", ".join(f"{k[len('adapt_'):]} {s:.2f} s" for k, s in self.stage_seconds.items()
                          if k.startswith("adapt_"))
        return f"adaptation took {self.adapt_seconds:.1f} s ({parts})"


def _fill_values(pair: AlignedPair, stats: Optional[GlobalStats],
                 cancel: CancelToken) -> Optional[FillValues]:
    """Image-wide values for invalid input pixels (None when every pixel is valid)."""
    if not pair.may_be_invalid:
        return None
    if stats is not None:
        return FillValues(stats.pan_mean, stats.ms_mean())
    ms_invalid = pair.ms_has_mask or pair.ms.dtype.kind == "f"
    means = ms_band_means(pair, cancel) if ms_invalid else np.zeros(len(pair.ms_bands))
    # Without statistics the PAN is only used pixel by pixel (Brovey), so its fill value is never seen.
    return FillValues(float(means.mean()), means)


def _output_spec(request: PansharpenRequest, pair: AlignedPair) -> OutputSpec:
    """Output dtype, nodata (None when every output pixel is valid) and the cap of a declared bit depth."""
    dtype = np.dtype(np.float32) if request.output_dtype == "float32" else pair.ms.dtype
    max_value = None
    if dtype == pair.ms.dtype and dtype.kind == "u" and 0 < pair.ms.bits < dtype.itemsize * 8:
        max_value = float(2 ** pair.ms.bits - 1)
    if not pair.may_be_invalid:
        return OutputSpec(dtype, None, max_value)
    lazy = pair.nonfinite_only
    lo, hi = value_range(dtype)
    for candidate in (pair.ms.nodata, pair.pan.nodata):
        if candidate is not None and lo <= candidate <= hi:
            return OutputSpec(dtype, float(candidate), max_value, lazy)
    return OutputSpec(dtype, default_nodata(dtype), max_value, lazy)


def _descriptions(pair: AlignedPair, preset_bands: Sequence[str] = ()) -> List[str]:
    """Band names of the output: the MS's own descriptions; for bands without one, the sensor preset's name
    when the preset names every band (so an unnamed Landsat-8 file comes out coastal, blue, green, red, ...
    and viewers pick the true-colour bands); else 'band i'."""
    names = preset_bands if len(preset_bands) == len(pair.ms.descriptions) else ()
    return [d or (names[i] if names else f"band {i + 1}") for i, d in enumerate(pair.ms.descriptions)]


def _prepare(request: PansharpenRequest) -> Tuple[AlignedPair, Method, SensorGuess]:
    pair, guess = open_pair(request.pan, request.ms, request.sensor, request.align_resampling)
    return pair, get_method(request.method), guess


def run(request: PansharpenRequest, progress: ProgressCallback = no_progress,
        cancel: Optional[CancelToken] = None) -> RunResult:
    """Fuse request.pan and request.ms into request.output; raises EngineError (incl. Cancelled)."""
    start = time.perf_counter()
    cancel = cancel or CancelToken()
    req = validate_request(request)
    progress(0.0, "opening inputs")
    pair, method, guess = _prepare(req)
    device = resolve_device(req.device)
    stages = {"open": time.perf_counter() - start}
    precision = None  # deep methods: the precision of their forward, and why (engine/precision.py)
    if method.family == "deep backbone":
        precision = resolve_precision(req.precision, device, legacy_half(req.options),
                                      getattr(method, "backbone", method.name))
    with bounded_gdal_cache(GDAL_CACHE_BYTES):
        spec, adapted = fuse_pair(req, pair, method, guess, device, progress, cancel, stages, precision)
    adapt_s = sum(v for k, v in stages.items() if k.startswith("adapt"))
    verdict = adapted.verdict if adapted is not None else None
    return RunResult(req.output, method.name, guess.preset.name, guess.reason, pair.ratio, pair.width,
                     pair.height, len(pair.ms_bands), spec.dtype.name, str(device),
                     time.perf_counter() - start, list(pair.notes), req.adapt, adapt_s, stages,
                     verdict.as_dict() if verdict is not None else {},
                     precision.describe() if precision else "")


def fuse_pair(req: PansharpenRequest, pair: AlignedPair, method: Method, guess: SensorGuess,
              device: torch.device, progress: ProgressCallback, cancel: CancelToken,
              stages: Dict[str, float], precision: Optional[Precision] = None
              ) -> Tuple[OutputSpec, Optional[Adapted]]:
    """The body of run() for an opened pair and a validated request (also the uncertainty raster's, with its
    own method): statistics, then every block fused and written; returns the output's spec and the adaptation
    (None without one). precision: the deep methods' forward (None: fp32 reference). Adds the seconds of each
    stage to `stages`: statistics; adapt_sample, adapt_cache, adapt_train (or adapt_load) and adapt_other
    (loading the backbone, the rest); fuse (reading and fusing blocks); write (writing them, finishing the
    file, saving a tailor)."""
    stats = None
    t0 = time.perf_counter()
    if method.needs_stats_for(pair.ms.dtype):
        stats = compute_stats(pair, cancel, StageProgress(progress, 0.0, 0.15, "statistics"))
        stages["statistics"] = time.perf_counter() - t0
    ctx = FusionContext(pair.ratio, guess.preset.gains_for(len(pair.ms_bands)), guess.preset.pan_gain,
                        req.upsampler, stats, req.options, guess.preset.bits, cancel)
    ctx.precision = precision
    start = 0.15 if stats else 0.0
    fill = _fill_values(pair, stats, cancel)
    if method.needs_moments:  # regression fits: moments of filtered images, a second pass (engine/moments.py)
        ctx.stats = gather_moments(pair, method, ctx, device, fill, req.block_size, cancel,
                                   StageProgress(progress, 0.15, 0.3, "statistics"))
        stages["statistics"] = time.perf_counter() - t0
        start = 0.3
    adapted = None
    if req.adapt != "none":  # train on patches of this image, then fuse with the adapted net
        adapted = _adapt(req, method, pair, ctx, guess, device,
                         StageProgress(progress, start, 0.35, "adapting"), cancel, stages)
        method, start = adapted.method, 0.35
    spec = _output_spec(req, pair)
    r = pair.ratio
    # Method halos assume bicubic context (2 MS pixels); wider upsamplers need the difference on top.
    halo = method.block_halo(r, req.options) + max(0, upsample_halo(req.upsampler, r) - 2 * r)
    blocks = plan_blocks(pair.width, pair.height, req.block_size, halo, r, TILE)
    meta = {"PANSHARPEN_METHOD": method.name, "PANSHARPEN_SENSOR": guess.preset.name,
            "PANSHARPEN_RATIO": str(r), "SOFTWARE": f"Pansharpen & Adapt {__version__}"}
    if req.adapt != "none":
        meta["PANSHARPEN_ADAPT"] = req.adapt
    fuse_progress = BlockProgress(StageProgress(progress, start, 1.0, "fusing"), len(blocks))
    ctx.tile_progress = fuse_progress.tile
    t0, write_s, invalid = time.perf_counter(), 0.0, 0
    declared = None if spec.nodata_if_needed else spec.nodata
    with AtomicGeoTiff(req.output, pair.width, pair.height, len(pair.ms_bands), spec.dtype,
                       pair.geotransform, pair.crs_wkt, declared,
                       _descriptions(pair, guess.preset.band_names), meta) as writer:
        for fused in fused_blocks(pair, blocks, method, ctx, device, fill, spec, cancel):
            t1 = time.perf_counter()
            writer.write(fused.block.x, fused.block.y, fused.pixels)
            invalid += fused.invalid
            write_s += time.perf_counter() - t1
            fuse_progress.block_done()
        cancel.check()
        _check_some_valid(invalid, pair)
        if invalid and declared is None and spec.nodata is not None:
            writer.declare_nodata(spec.nodata)  # NaN / inf inputs without a declared nodata value
        t1 = time.perf_counter()
    stages["fuse"] = t1 - t0 - write_s
    if adapted is not None and adapted.after_write is not None:
        adapted.after_write()  # saving the trained tailor: only once the output is complete
    stages["write"] = write_s + time.perf_counter() - t1
    return spec, adapted


def _check_some_valid(invalid: int, pair: AlignedPair) -> None:
    """EngineError (nothing written) when no output pixel is valid: an all-nodata product is no result."""
    if invalid >= pair.width * pair.height:
        raise EngineError("no valid output pixel: every pixel is nodata, masked or not finite (NaN / inf) "
                          "in the PAN or the MS")
    if invalid:
        what = "pixel is" if invalid == 1 else "pixels are"
        pair.notes.append(f"{invalid} output {what} nodata (nodata, masked or NaN / inf input pixels)")


def _adapt(req: PansharpenRequest, method: Method, pair: AlignedPair, ctx: FusionContext, guess: SensorGuess,
           device: torch.device, progress: ProgressCallback, cancel: CancelToken,
           stages: Dict[str, float]) -> Adapted:
    """The method adapted to this image (engine/adapt/); adds its stage seconds to `stages`."""
    t0 = time.perf_counter()
    adapted = adapt_method(method, pair, ctx, parse_adapt_options(req.adapt, req.adapt_options),
                           guess.preset.name, device, progress, cancel)
    if adapted.verdict is not None:
        what = "Feature Tailor" if req.adapt == "tailor" else "full fine-tune"
        pair.notes.append(adapted.verdict.describe(what))
        if not adapted.verdict.kept and req.adapt_options.get("save_tailor"):
            pair.notes.append("the tailor file was not saved (the adaptation was not kept)")
    stages.update({f"adapt_{k}": v for k, v in adapted.seconds.items()})
    stages["adapt_other"] = max(0.0, time.perf_counter() - t0 - sum(adapted.seconds.values()))
    return adapted
