"""Quality assessment on files: indices of a fused raster, a run with a report, a reduced-resolution run.

- `assess_files(pan, ms, fused, reference=None, ...)`: full-resolution indices (D_lambda, D_s, QNR,
  D_lambda_K, HQNR) of a fused raster on the PAN grid; with a reference raster on the fused grid also
  Q2n, SAM, ERGAS, SCC, PSNR and FSDS.
- `run_with_report(request, ...)`: `pipeline.run`, then `assess_files` on its output, with timings (and a
  quicklook PNG, engine/quicklook.py, when asked).
- `run_reduced(request, ...)`: the Wald protocol: degrade PAN and MS by the ratio (MTF filters of the
  sensor preset), run the whole method on the degraded pair (written to request.output, on the MS grid)
  and score it against the original MS.

Memory is bounded: indices are computed on one centred window of at most `max_size` x `max_size` fused
pixels (whole image when smaller), its sides multiples of lcm(32, ratio) so that the 32 x 32 blocks and
the MS cells tile it exactly. The window is treated as a standalone image (as if cropped) and reported.
Pixels that are nodata in any input are filled with their band's mean over the window (and a note says
how many) so that nodata values do not enter the statistics.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

import numpy as np
import torch
from osgeo import gdal

from .atomic import staged_output
from .devices import resolve_device
from .errors import EngineError
from .metrics import DEFAULT_SETTINGS, MetricSettings, full_resolution_indices, reduced_resolution_indices
from .metrics.report import AssessmentReport, Region
from .paths import optional
from .physics.sensors import SensorGuess, resolve_preset
from .physics.wald import reduced_pair
from .progress import CancelToken, ProgressCallback, StageProgress, no_progress
from .raster.align import GRID_TOLERANCE, AlignedPair, align
from .raster.blocks import Block, read_block, read_checked
from .raster.inputs import RasterInfo, open_raster
from .request import PansharpenRequest, validate_request

if TYPE_CHECKING:
    from .pipeline import RunResult
    from .quicklook import QuicklookSpec

DEFAULT_MAX_SIZE = 2048
DEFAULT_REDUCED_MAX_SIZE = 1024  # reference MS pixels; the PAN window is ratio times larger


def _open_pair(pan: str, ms: str, sensor: str) -> Tuple[AlignedPair, SensorGuess]:
    pan_info, ms_info = open_raster(pan, "PAN"), open_raster(ms, "MS")
    pair = align(pan_info, ms_info)
    guess = resolve_preset(sensor, ms_info.count, pair.ratio, ms_info.descriptions,
                           pan_info.hint_text + " " + ms_info.hint_text)
    return pair, guess


def _grid_offset(pair: AlignedPair, info: RasterInfo, role: str) -> Tuple[int, int]:
    """Pixel offset of the raster's origin on the pair's (PAN) grid; raises if the grids differ."""
    gt, pgt = info.geotransform, pair.geotransform
    if gt is None or pgt is None:
        if (info.width, info.height) not in ((pair.width, pair.height), (pair.pan.width, pair.pan.height)):
            raise EngineError(f"{role} raster is {info.width}x{info.height} but the PAN grid is "
                              f"{pair.width}x{pair.height}, and there is no georeference to align them")
        return 0, 0
    if abs(gt[1] / pgt[1] - 1) > 1e-3 or abs(gt[5] / pgt[5] - 1) > 1e-3:
        raise EngineError(f"{role} raster pixel size differs from the PAN's; it must be on the PAN grid")
    dx, dy = (gt[0] - pgt[0]) / pgt[1], (gt[3] - pgt[3]) / pgt[5]
    if abs(dx - round(dx)) > GRID_TOLERANCE or abs(dy - round(dy)) > GRID_TOLERANCE:
        raise EngineError(f"{role} raster is offset from the PAN grid by a fraction of a pixel")
    return round(dx), round(dy)


def _centred(start: int, end: int, max_size: int, unit: int, ratio: int, what: str) -> Tuple[int, int]:
    """(origin, size) of a centred 1-D window in [start, end): size a multiple of unit, origin of ratio."""
    first = -(-start // ratio) * ratio
    available = end - first
    size = min(max_size, available) // unit * unit
    if size < unit:
        raise EngineError(f"{what} is too small to assess: {available} px, need at least {unit}")
    return first + (available - size) // 2 // ratio * ratio, size


def _fill_invalid(x: np.ndarray, valid: Optional[np.ndarray]) -> None:
    """Replace pixels where valid is False by their band's mean over the valid ones (in place)."""
    if valid is None or valid.all():
        return
    for band in x:
        band[~valid] = band[valid].mean() if valid.any() else 0.0


def _read_window(info: RasterInfo, x: int, y: int, w: int, h: int) -> Tuple[np.ndarray, np.ndarray]:
    """(C, h, w) float32 values and (h, w) validity of a raster window."""
    bands = list(info.bands)  # data bands only: an alpha band is a mask, not data
    data, valid = read_checked(info.dataset, bands, x, y, w, h, alpha=info.alpha, masked=info.has_mask,
                               floats=info.dtype.kind == "f", name=info.path)
    return data, np.ones((h, w), dtype=bool) if valid is None else valid


def _tensor(x: np.ndarray, device: torch.device) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).to(device)[None]


def _pair_window(pair: AlignedPair, x: int, y: int, w: int, h: int) -> Tuple[np.ndarray, np.ndarray,
                                                                              np.ndarray]:
    """PAN (1, h, w), MS (C, h/r, w/r) and the joint validity on the PAN grid of a pair window."""
    data = read_block(pair, Block(x, y, w, h, 0, w, h))
    r = pair.ratio
    valid = np.ones((h, w), dtype=bool) if data.pan_valid is None else data.pan_valid.copy()
    if data.ms_valid is not None:
        valid &= data.ms_valid.repeat(r, axis=0).repeat(r, axis=1)
    return data.pan[None], data.ms, valid


def _note_invalid(valid: np.ndarray, notes: List[str]) -> None:
    bad = 1.0 - float(valid.mean())
    if bad > 0:
        notes.append(f"{bad:.1%} of the assessed window is nodata in an input; filled with band means")


def _settings_dict(settings: MetricSettings, max_size: int, extra: Dict[str, object]) -> Dict[str, object]:
    out = settings.as_dict()
    out["max_size"] = max_size
    out.update(extra)
    return out


def _psnr_peak(ms: RasterInfo, guess: SensorGuess, ref_max: float) -> Tuple[Optional[float], str]:
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


def _indices_to_floats(values: Dict[str, torch.Tensor]) -> Dict[str, float]:
    return {k: float(v[0].item()) for k, v in values.items()}


def _check_fused(pair: AlignedPair, fused: RasterInfo, role: str) -> None:
    if fused.count != len(pair.ms_bands):
        raise EngineError(f"{role} raster has {fused.count} bands but the MS has {len(pair.ms_bands)}")


def _read_reference(path: str, pair: AlignedPair, fused: RasterInfo, offset: Tuple[int, int],
                    window: Tuple[int, int, int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Values and validity of the reference raster's window; it must share the fused raster's grid."""
    info = open_raster(path, "reference")
    _check_fused(pair, info, "reference")
    if _grid_offset(pair, info, "reference") != offset or (info.width, info.height) != (fused.width,
                                                                                        fused.height):
        raise EngineError("reference and fused rasters must share one grid and size")
    return _read_window(info, *window)


def _index_values(pan_px: np.ndarray, ms_px: np.ndarray, fused_px: np.ndarray, ref_px: Optional[np.ndarray],
                  ratio: int, guess: SensorGuess, ms_info: RasterInfo, settings: MetricSettings,
                  device: str) -> Tuple[Dict[str, float], Dict[str, object]]:
    """Full-resolution indices, plus the reference set when ref_px is given; and extra settings."""
    dev = resolve_device(device)
    with torch.no_grad():
        fused_t = _tensor(fused_px, dev)
        indices = _indices_to_floats(full_resolution_indices(
            fused_t, _tensor(pan_px, dev), _tensor(ms_px, dev), ratio, guess.preset.gains_for(ms_px.shape[0]),
            settings))
        if ref_px is None:
            return indices, {}
        peak, source = _psnr_peak(ms_info, guess, float(ref_px.max()))
        rr = reduced_resolution_indices(fused_t, _tensor(ref_px, dev), ratio, peak, settings)
    return {**_indices_to_floats(rr), **indices}, {"psnr_peak": peak, "psnr_peak_source": source}


def assess_files(pan: str, ms: str, fused: str, reference: Optional[str] = None, sensor: str = "auto",
                 max_size: int = DEFAULT_MAX_SIZE, settings: MetricSettings = DEFAULT_SETTINGS,
                 device: str = "auto", progress: ProgressCallback = no_progress,
                 cancel: Optional[CancelToken] = None) -> AssessmentReport:
    """Indices of `fused` (on the PAN grid): the full-resolution set, plus the reference set when given."""
    cancel = cancel or CancelToken()
    start = time.perf_counter()
    progress(0.0, "reading")
    pair, guess = _open_pair(pan, ms, sensor)
    fused_info = open_raster(fused, "fused")
    _check_fused(pair, fused_info, "fused")
    fx, fy = _grid_offset(pair, fused_info, "fused")
    r, unit = pair.ratio, math.lcm(settings.block, pair.ratio)
    x0, w = _centred(max(0, fx), min(pair.width, fx + fused_info.width), max_size, unit, r, "fused raster")
    y0, h = _centred(max(0, fy), min(pair.height, fy + fused_info.height), max_size, unit, r, "fused raster")
    pan_px, ms_px, valid = _pair_window(pair, x0, y0, w, h)
    window = (x0 - fx, y0 - fy, w, h)
    fused_px, fused_valid = _read_window(fused_info, *window)
    valid &= fused_valid
    ref_px = None
    if reference:
        ref_px, ref_valid = _read_reference(reference, pair, fused_info, (fx, fy), window)
        valid &= ref_valid
    notes: List[str] = list(pair.notes)
    _note_invalid(valid, notes)
    coarse_valid = valid.reshape(h // r, r, w // r, r).all(axis=(1, 3))
    for arr, mask in ((pan_px, valid), (fused_px, valid), (ms_px, coarse_valid), (ref_px, valid)):
        if arr is not None:
            _fill_invalid(arr, mask)
    cancel.check()
    progress(0.3, "computing indices")
    indices, extra = _index_values(pan_px, ms_px, fused_px, ref_px, r, guess, pair.ms, settings, device)
    progress(1.0, "done")
    region = Region(window[0], window[1], w, h, (w, h) == (fused_info.width, fused_info.height))
    inputs = {"pan": pan, "ms": ms, "fused": fused, **({"reference": reference} if reference else {})}
    return AssessmentReport("reference" if reference else "full", indices, r, guess.preset.name, guess.reason,
                            list(guess.preset.gains_for(ms_px.shape[0])), guess.preset.pan_gain, region,
                            _settings_dict(settings, max_size, extra), inputs,
                            {"assess": time.perf_counter() - start}, notes)


def run_with_report(request: PansharpenRequest, report_path: Optional[str] = None,
                    max_size: int = DEFAULT_MAX_SIZE, settings: MetricSettings = DEFAULT_SETTINGS,
                    progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None,
                    quicklook: Optional[QuicklookSpec] = None) -> Tuple[RunResult, AssessmentReport]:
    """Run the request, then assess its output at full resolution; (RunResult, report), JSON if a path,
    and the quicklook PNG of the output when asked (engine/quicklook.py).

    One transaction: every path is checked first; the raster is fused into a hidden sibling of the output
    and moved into place only once the report and the quicklook are written, so a failure leaves none."""
    from .pipeline import run
    from .quicklook import quicklook_of_result, quicklook_writes, run_title, write_quicklook

    cancel = cancel or CancelToken()
    req = validate_request(request, [*optional("report", report_path),
                                     *quicklook_writes(quicklook.path if quicklook else None)])
    assessed = 0.95 if quicklook else 1.0
    with staged_output(req.output) as staged:
        result = run(replace(req, output=staged), StageProgress(progress, 0.0, 0.85, "fusing"), cancel)
        report = assess_files(req.pan, req.ms, staged, None, result.sensor, max_size, settings,
                              req.device, StageProgress(progress, 0.85, assessed, "assessing"), cancel)
        report.timings = {"run": result.seconds, **report.timings}
        report.sensor_reason = result.sensor_reason
        report.settings.update(method=result.method, method_upsampler=req.upsampler)
        if result.precision:  # deep methods: which precision ran and why (engine/precision.py)
            report.settings.update(precision=result.precision)
        if result.adapt != "none":
            report.settings.update(adapt=result.adapt, adapt_guard=result.guard)
        report.notes = [n for n in result.notes if n not in report.notes] + report.notes  # e.g. the guard's
        picture = None if quicklook is None else quicklook_of_result(
            req.pan, req.ms, staged, run_title(result.method, result.adapt), result.sensor, quicklook,
            req.upsampler, req.device, StageProgress(progress, assessed, 1.0, "quicklook"), cancel)
        report.inputs["fused"] = result.output = req.output
        if quicklook is not None and picture is not None:
            report.settings.update(quicklook=quicklook.path, quicklook_window=list(picture.window))
        if report_path:
            report.write_json(report_path)
        if quicklook is not None and picture is not None:
            write_quicklook(quicklook.path, picture.png, [report_path])
    return result, report


def _write_float_tif(path: str, data: np.ndarray, pair: AlignedPair, x: int, y: int, scale: int,
                     descriptions: Tuple[str, ...]) -> None:
    """Write (C, h, w) float32 on the pair's grid coarsened by `scale`, origin at PAN pixel (x, y)."""
    c, h, w = data.shape
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, c, gdal.GDT_Float32)
    gt = pair.geotransform
    if gt is not None:
        ds.SetGeoTransform((gt[0] + x * gt[1], gt[1] * scale, 0.0, gt[3] + y * gt[5], 0.0, gt[5] * scale))
    if pair.crs_wkt:
        ds.SetProjection(pair.crs_wkt)
    for b in range(c):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[b])
        if b < len(descriptions) and descriptions[b]:
            band.SetDescription(descriptions[b])
    ds.FlushCache()
    ds = None


def _reduced_inputs(pair: AlignedPair, guess: SensorGuess, max_size: int, cut: int,
                    folder: str) -> Tuple[Region, np.ndarray, str, str, List[str]]:
    """Pick the MS window, degrade it (Wald) and write the reduced PAN and MS; returns the window, the
    reference MS values (C, h, w), the two paths and notes."""
    r = pair.ratio
    xm, wm = _centred(0, pair.width // r, max_size, r, 1, "MS")
    ym, hm = _centred(0, pair.height // r, max_size, r, 1, "MS")
    if min(wm, hm) - 2 * cut + 1 < 8:
        raise EngineError(f"MS window {wm}x{hm} is too small for the reduced-resolution border cut of {cut}")
    pan_px, ms_px, valid = _pair_window(pair, xm * r, ym * r, wm * r, hm * r)
    notes: List[str] = list(pair.notes)
    _note_invalid(valid, notes)
    _fill_invalid(pan_px, valid)
    _fill_invalid(ms_px, valid.reshape(hm, r, wm, r).all(axis=(1, 3)))
    gains = guess.preset.gains_for(ms_px.shape[0])
    with torch.no_grad():
        pan_lr, ms_lr = reduced_pair(torch.from_numpy(pan_px)[None], torch.from_numpy(ms_px)[None], r, gains,
                                     guess.preset.pan_gain)
    pan_path, ms_path = os.path.join(folder, "pan_reduced.tif"), os.path.join(folder, "ms_reduced.tif")
    _write_float_tif(pan_path, pan_lr[0].numpy(), pair, xm * r, ym * r, r, ())
    _write_float_tif(ms_path, ms_lr[0].numpy(), pair, xm * r, ym * r, r * r, pair.ms.descriptions)
    region = Region(xm, ym, wm, hm, (wm, hm) == (pair.width // r, pair.height // r))
    return region, ms_px, pan_path, ms_path, notes


def run_reduced(request: PansharpenRequest, report_path: Optional[str] = None,
                max_size: int = DEFAULT_REDUCED_MAX_SIZE, settings: MetricSettings = DEFAULT_SETTINGS,
                progress: ProgressCallback = no_progress,
                cancel: Optional[CancelToken] = None) -> Tuple[RunResult, AssessmentReport]:
    """Wald protocol: fuse the degraded pair into request.output (MS grid) and score it against the MS.

    The window is at most max_size x max_size MS pixels (centred); the PAN window is ratio times larger.
    """
    from .pipeline import run

    cancel = cancel or CancelToken()
    req = validate_request(request, optional("report", report_path))
    start = time.perf_counter()
    progress(0.0, "degrading to the reduced scale")
    pair, guess = _open_pair(req.pan, req.ms, req.sensor)
    folder = tempfile.mkdtemp(prefix="pansharpen-reduced-")
    with staged_output(req.output) as staged:  # moved into place once the report is written
        try:
            region, reference, pan_lr, ms_lr, notes = _reduced_inputs(pair, guess, max_size, settings.cut,
                                                                      folder)
            degraded = time.perf_counter()
            cancel.check()
            reduced_req = replace(req, pan=pan_lr, ms=ms_lr, sensor=guess.preset.name, output=staged)
            result = run(reduced_req, StageProgress(progress, 0.1, 0.9, "fusing at reduced scale"), cancel)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        result.sensor_reason = guess.reason  # the preset was passed on explicitly; report why it was chosen
        ran = time.perf_counter()
        progress(0.9, "computing indices")
        values, peak, source = _reduced_values(staged, reference, pair, guess, req.device, settings)
        result.output = req.output
        report = AssessmentReport(
            "reduced", values, pair.ratio, guess.preset.name, guess.reason,
            list(guess.preset.gains_for(reference.shape[0])), guess.preset.pan_gain, region,
            _settings_dict(settings, max_size, {"psnr_peak": peak, "psnr_peak_source": source,
                                                "method": result.method, "method_upsampler": req.upsampler}),
            {"pan": req.pan, "ms": req.ms, "fused": req.output},
            {"degrade": degraded - start, "run": ran - degraded, "assess": time.perf_counter() - ran},
            notes + ["region is in pixels of the original MS; the fused output covers exactly that window"])
        if result.precision:  # deep methods: which precision ran and why (engine/precision.py)
            report.settings.update(precision=result.precision)
        if report_path:
            report.write_json(report_path)
    progress(1.0, "done")
    return result, report


def _reduced_values(fused_path: str, reference: np.ndarray, pair: AlignedPair, guess: SensorGuess,
                    device: str, settings: MetricSettings) -> Tuple[Dict[str, float], Optional[float], str]:
    """(reduced-resolution indices of the fused raster against the reference, PSNR peak, its source)."""
    fused_info = open_raster(fused_path, "fused")
    fused, _ = _read_window(fused_info, 0, 0, fused_info.width, fused_info.height)
    peak, source = _psnr_peak(pair.ms, guess, float(reference.max()))
    dev = resolve_device(device)
    with torch.no_grad():
        values = reduced_resolution_indices(_tensor(fused, dev), _tensor(reference, dev), pair.ratio, peak,
                                            settings)
    return _indices_to_floats(values), peak, source
