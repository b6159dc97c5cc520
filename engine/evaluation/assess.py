"""Quality assessment on files: indices of a fused raster, a run with a report, a reduced-resolution run.

- `assess_files(pan, ms, fused, reference=None, ...)`: full-resolution indices (D_lambda, D_s, QNR,
  D_lambda_K, HQNR) of a fused raster on the PAN grid; with a reference raster on the fused grid also
  Q2n, SAM, ERGAS, SCC, PSNR and FSDS.
Runs with a report and reduced-resolution runs: engine/evaluation/runs.py.

Memory is bounded: indices are computed on one centred window of at most `max_size` x `max_size` fused
pixels (whole image when smaller), its sides multiples of lcm(32, ratio) so that the 32 x 32 blocks and
the MS cells tile it exactly. The window is treated as a standalone image (as if cropped) and reported.
Pixels that are nodata in any input are filled with their band's mean over the window (and a note says
how many) so that nodata values do not enter the statistics.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import numpy as np
import torch

from ..devices import resolve_device
from ..errors import EngineError
from ..metrics import DEFAULT_SETTINGS, MetricSettings, full_resolution_indices, reduced_resolution_indices
from ..metrics.report import AssessmentReport, Region
from ..physics.sensors import SensorGuess
from ..progress import CancelToken, ProgressCallback, no_progress
from ..raster.align import AlignedPair
from ..raster.inputs import RasterInfo, open_raster
from ..raster.pairs import check_bands, grid_offset, open_pair, pair_window, read_window

if TYPE_CHECKING:
    pass

DEFAULT_MAX_SIZE = 2048
DEFAULT_REDUCED_MAX_SIZE = 1024  # reference MS pixels; the PAN window is ratio times larger


def centred_window(start: int, end: int, max_size: int, unit: int, ratio: int, what: str) -> Tuple[int, int]:
    """(origin, size) of a centred 1-D window in [start, end): size a multiple of unit, origin of ratio."""
    first = -(-start // ratio) * ratio
    available = end - first
    size = min(max_size, available) // unit * unit
    if size < unit:
        raise EngineError(f"{what} is too small to assess: {available} px, need at least {unit}")
    return first + (available - size) // 2 // ratio * ratio, size


def fill_with_means(x: np.ndarray, valid: Optional[np.ndarray]) -> None:
    """Replace pixels where valid is False by their band's mean over the valid ones (in place)."""
    if valid is None or valid.all():
        return
    for band in x:
        band[~valid] = band[valid].mean() if valid.any() else 0.0


def as_tensor(x: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).to(device)[None]


def note_invalid(valid: np.ndarray, notes: List[str]) -> None:
    bad = 1.0 - float(valid.mean())
    if bad > 0:
        notes.append(f"{bad:.1%} of the assessed window is nodata in an input; filled with band means")


def settings_dict(settings: MetricSettings, max_size: int, extra: Dict[str, object]) -> Dict[str, object]:
    out = settings.as_dict()
    out["max_size"] = max_size
    out.update(extra)
    return out


def psnr_peak(ms: RasterInfo, guess: SensorGuess, ref_max: float) -> Tuple[Optional[float], str]:
    """Peak for PSNR: 2^bits - 1 from NBITS metadata, else from the preset's bit depth when the data fit in
    it, else the integer type's maximum (Landsat-8 products scale 12 bits to 16), else the reference max."""
    nbits = ms.dataset.GetRasterBand(1).GetMetadataItem("NBITS", "IMAGE_STRUCTURE")
    if nbits and nbits.isdigit():
        return 2.0 ** int(nbits) - 1, "NBITS metadata"
    if guess.preset.bits and ref_max <= 2.0 ** guess.preset.bits - 1:
        return 2.0 ** guess.preset.bits - 1, f"{guess.preset.title} bit depth"
    if ms.dtype.kind in "ui":
        return float(np.iinfo(ms.dtype).max), f"{ms.dtype.name} data type"
    return None, "reference maximum"


def as_floats(values: Dict[str, torch.Tensor]) -> Dict[str, float]:
    return {k: float(v[0].item()) for k, v in values.items()}


def _read_reference(path: str, pair: AlignedPair, fused: RasterInfo, offset: Tuple[int, int],
                    window: Tuple[int, int, int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Values and validity of the reference raster's window; it must share the fused raster's grid."""
    info = open_raster(path, "reference")
    check_bands(pair, info, "reference")
    if grid_offset(pair, info, "reference") != offset or (info.width, info.height) != (fused.width,
                                                                                        fused.height):
        raise EngineError("reference and fused rasters must share one grid and size")
    return read_window(info, *window)


def _index_values(pan_px: np.ndarray, ms_px: np.ndarray, fused_px: np.ndarray, ref_px: Optional[np.ndarray],
                  ratio: int, guess: SensorGuess, ms_info: RasterInfo, settings: MetricSettings,
                  device: str) -> Tuple[Dict[str, float], Dict[str, object]]:
    """Full-resolution indices, plus the reference set when ref_px is given; and extra settings."""
    dev = resolve_device(device)
    with torch.no_grad():
        fused_t = as_tensor(fused_px, dev)
        indices = as_floats(full_resolution_indices(
            fused_t, as_tensor(pan_px, dev), as_tensor(ms_px, dev), ratio,
            guess.preset.gains_for(ms_px.shape[0]),
            settings))
        if ref_px is None:
            return indices, {}
        peak, source = psnr_peak(ms_info, guess, float(ref_px.max()))
        rr = reduced_resolution_indices(fused_t, as_tensor(ref_px, dev), ratio, peak, settings)
    return {**as_floats(rr), **indices}, {"psnr_peak": peak, "psnr_peak_source": source}


def assess_files(pan: str, ms: str, fused: str, reference: Optional[str] = None, sensor: str = "auto",
                 max_size: int = DEFAULT_MAX_SIZE, settings: MetricSettings = DEFAULT_SETTINGS,
                 device: str = "auto", progress: ProgressCallback = no_progress,
                 cancel: Optional[CancelToken] = None) -> AssessmentReport:
    """Indices of `fused` (on the PAN grid): the full-resolution set, plus the reference set when given."""
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    progress(0.0, "reading")
    pair, guess = open_pair(pan, ms, sensor)
    fused_info = open_raster(fused, "fused")
    check_bands(pair, fused_info, "fused")
    fx, fy = grid_offset(pair, fused_info, "fused")
    r, unit = pair.ratio, math.lcm(settings.block, pair.ratio)
    x0, w = centred_window(max(0, fx), min(pair.width, fx + fused_info.width), max_size, unit, r,
                           "fused raster")
    y0, h = centred_window(max(0, fy), min(pair.height, fy + fused_info.height), max_size, unit, r,
                           "fused raster")
    pan_px, ms_px, valid = pair_window(pair, x0, y0, w, h)
    window = (x0 - fx, y0 - fy, w, h)
    fused_px, fused_valid = read_window(fused_info, *window)
    valid &= fused_valid
    ref_px = None
    if reference:
        ref_px, ref_valid = _read_reference(reference, pair, fused_info, (fx, fy), window)
        valid &= ref_valid
    notes: List[str] = list(pair.notes)
    note_invalid(valid, notes)
    coarse_valid = valid.reshape(h // r, r, w // r, r).all(axis=(1, 3))
    for arr, mask in ((pan_px, valid), (fused_px, valid), (ms_px, coarse_valid), (ref_px, valid)):
        if arr is not None:
            fill_with_means(arr, mask)
    cancel.check()
    progress(0.3, "computing indices")
    indices, extra = _index_values(pan_px, ms_px, fused_px, ref_px, r, guess, pair.ms, settings, device)
    progress(1.0, "done")
    region = Region(window[0], window[1], w, h, (w, h) == (fused_info.width, fused_info.height))
    inputs = {"pan": pan, "ms": ms, "fused": fused, **({"reference": reference} if reference else {})}
    return AssessmentReport("reference" if reference else "full", indices, r, guess.preset.name, guess.reason,
                            list(guess.preset.gains_for(ms_px.shape[0])), guess.preset.pan_gain, region,
                            settings_dict(settings, max_size, extra), inputs,
                            {"assess": time.perf_counter() - start}, notes)
