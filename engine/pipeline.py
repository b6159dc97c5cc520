"""The main job: validate, align, gather statistics, fuse block by block, write atomically."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
import torch

from . import __version__
from .devices import resolve_device
from .methods.base import FusionContext, Method
from .methods.registry import get_method
from .physics.sensors import SensorGuess, resolve_preset
from .progress import CancelToken, ProgressCallback, StageProgress, no_progress
from .raster.align import AlignedPair, align
from .raster.blocks import Block, plan_blocks, read_block
from .raster.dtypes import default_nodata, to_output, value_range
from .raster.inputs import open_raster
from .raster.writer import AtomicGeoTiff
from .request import PansharpenRequest, validate_request
from .stats import GlobalStats, compute_stats


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

    def summary(self) -> str:
        """One line: what was written, how, and how long it took."""
        return (f"{self.output}: {self.width}x{self.height}x{self.bands} {self.dtype}, method {self.method}, "
                f"sensor {self.sensor}, ratio {self.ratio}, {self.device}, {self.seconds:.2f} s")


def _fill_value(values: np.ndarray, valid: np.ndarray, fallback: float) -> float:
    return float(values[valid].mean()) if valid.any() else fallback


def _fill_invalid(data_pan: np.ndarray, data_ms: np.ndarray, pan_valid: Optional[np.ndarray],
                  ms_valid: Optional[np.ndarray], stats: Optional[GlobalStats]) -> None:
    """Replace invalid pixels by the band mean so nodata values do not leak through the filters."""
    if pan_valid is not None and not pan_valid.all():
        fill = stats.pan_mean if stats else _fill_value(data_pan, pan_valid, 0.0)
        data_pan[~pan_valid] = fill
    if ms_valid is not None and not ms_valid.all():
        for b in range(data_ms.shape[0]):
            fill = stats.ms_mean()[b] if stats else _fill_value(data_ms[b], ms_valid, 0.0)
            data_ms[b][~ms_valid] = fill


def fuse_block(pair: AlignedPair, block: Block, method: Method, ctx: FusionContext,
               device: torch.device) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Fused float32 (C, h, w) of one block (halo cropped) and its validity (h, w) or None."""
    data = read_block(pair, block)
    _fill_invalid(data.pan, data.ms, data.pan_valid, data.ms_valid, ctx.stats)
    pan = torch.from_numpy(data.pan).to(device)[None, None]
    ms = torch.from_numpy(data.ms).to(device)[None]
    with torch.inference_mode():
        fused = method.fuse(pan, ms, ctx)[0]
    crop = (slice(block.halo, block.halo + block.h), slice(block.halo, block.halo + block.w))
    out = fused[:, crop[0], crop[1]].float().cpu().numpy()
    valid = None
    if data.pan_valid is not None:
        valid = data.pan_valid[crop]
    if data.ms_valid is not None:
        r = pair.ratio
        ms_up = data.ms_valid.repeat(r, axis=0).repeat(r, axis=1)[crop]
        valid = ms_up if valid is None else valid & ms_up
    return out, valid


def _output_type(request: PansharpenRequest, pair: AlignedPair) -> Tuple[np.dtype, Optional[float]]:
    """Output dtype and nodata (None when every output pixel is valid)."""
    dtype = np.dtype(np.float32) if request.output_dtype == "float32" else pair.ms.dtype
    if not (pair.pan.has_mask or pair.ms_has_mask):
        return dtype, None
    lo, hi = value_range(dtype)
    for candidate in (pair.ms.nodata, pair.pan.nodata):
        if candidate is not None and lo <= candidate <= hi:
            return dtype, float(candidate)
    return dtype, default_nodata(dtype)


def _descriptions(pair: AlignedPair) -> List[str]:
    return [d or f"band {i + 1}" for i, d in enumerate(pair.ms.descriptions)]


def _prepare(request: PansharpenRequest) -> Tuple[AlignedPair, Method, SensorGuess]:
    pan, ms = open_raster(request.pan, "PAN"), open_raster(request.ms, "MS")
    pair = align(pan, ms, request.align_resampling)
    guess = resolve_preset(request.sensor, ms.count, pair.ratio, ms.descriptions,
                           pan.hint_text + " " + ms.hint_text)
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
    stats = None
    if method.needs_stats:
        stats = compute_stats(pair, cancel, StageProgress(progress, 0.0, 0.15, "statistics"))
    ctx = FusionContext(pair.ratio, guess.preset.gains_for(len(pair.ms_bands)), guess.preset.pan_gain,
                        req.upsampler, stats, req.options, guess.preset.bits)
    dtype, nodata = _output_type(req, pair)
    blocks = plan_blocks(pair.width, pair.height, req.block_size, method.halo(pair.ratio), pair.ratio)
    meta = {"PANSHARPEN_METHOD": method.name, "PANSHARPEN_SENSOR": guess.preset.name,
            "PANSHARPEN_RATIO": str(pair.ratio), "SOFTWARE": f"Pansharpen & Adapt {__version__}"}
    fuse_progress = StageProgress(progress, 0.15 if stats else 0.0, 1.0, "fusing")
    with AtomicGeoTiff(req.output, pair.width, pair.height, len(pair.ms_bands), dtype, pair.geotransform,
                       pair.crs_wkt, nodata, _descriptions(pair), meta) as writer:
        for i, block in enumerate(blocks):
            cancel.check()
            fused, valid = fuse_block(pair, block, method, ctx, device)
            writer.write(block.x, block.y, to_output(fused, dtype, nodata, valid))
            fuse_progress((i + 1) / len(blocks), f"block {i + 1}/{len(blocks)}")
        cancel.check()
    return RunResult(req.output, method.name, guess.preset.name, guess.reason, pair.ratio, pair.width,
                     pair.height, len(pair.ms_bands), dtype.name, str(device),
                     time.perf_counter() - start, list(pair.notes))
