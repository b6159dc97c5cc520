"""Runs that are assessed: fuse then assess (with a quicklook on request), and the Wald protocol.

- `run_with_report(request, ...)`: `pipeline.run`, then `assess_files` on its output, with timings (and a
  quicklook PNG, engine/evaluation/quicklook.py, when asked).
- `run_reduced(request, ...)`: the Wald protocol: degrade PAN and MS by the ratio (MTF filters of the
  sensor preset), run the whole method on the degraded pair (written to request.output, on the MS grid)
  and score it against the original MS.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from osgeo import gdal

from ..atomic import staged_output
from ..devices import resolve_device
from ..errors import EngineError
from ..jobs import validate_request
from ..metrics import DEFAULT_SETTINGS, MetricSettings, reduced_resolution_indices
from ..metrics.report import AssessmentReport, Region
from ..paths import optional
from ..physics.sensors import SensorGuess
from ..physics.wald import reduced_pair
from ..pipeline import RunResult, run
from ..progress import CancelToken, ProgressCallback, StageProgress, no_progress
from ..raster.align import AlignedPair
from ..raster.inputs import open_raster
from ..raster.pairs import open_pair, pair_window, read_window
from ..request import PansharpenRequest
from .assess import (
    DEFAULT_MAX_SIZE,
    DEFAULT_REDUCED_MAX_SIZE,
    as_floats,
    as_tensor,
    assess_files,
    centred_window,
    fill_with_means,
    note_invalid,
    psnr_peak,
    settings_dict,
)
from .quicklook import QuicklookSpec, quicklook_of_result, quicklook_writes, run_title, write_quicklook


def run_with_report(request: PansharpenRequest, report_path: Optional[str] = None,
                    max_size: int = DEFAULT_MAX_SIZE, settings: MetricSettings = DEFAULT_SETTINGS,
                    progress: ProgressCallback = no_progress, cancel: Optional[CancelToken] = None,
                    quicklook: Optional[QuicklookSpec] = None) -> Tuple[RunResult, AssessmentReport]:
    """Run the request, then assess its output at full resolution; (RunResult, report), JSON if a path,
    and the quicklook PNG of the output when asked (engine/evaluation/quicklook.py).

    One transaction: every path is checked first; the raster is fused into a hidden sibling of the output
    and moved into place only once the report and the quicklook are written, so a failure leaves none."""
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
    xm, wm = centred_window(0, pair.width // r, max_size, r, 1, "MS")
    ym, hm = centred_window(0, pair.height // r, max_size, r, 1, "MS")
    if min(wm, hm) - 2 * cut + 1 < 8:
        raise EngineError(f"MS window {wm}x{hm} is too small for the reduced-resolution border cut of {cut}")
    pan_px, ms_px, valid = pair_window(pair, xm * r, ym * r, wm * r, hm * r)
    notes: List[str] = list(pair.notes)
    note_invalid(valid, notes)
    fill_with_means(pan_px, valid)
    fill_with_means(ms_px, valid.reshape(hm, r, wm, r).all(axis=(1, 3)))
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
    cancel = cancel or CancelToken()
    req = validate_request(request, optional("report", report_path))
    start = time.perf_counter()
    progress(0.0, "degrading to the reduced scale")
    pair, guess = open_pair(req.pan, req.ms, req.sensor)
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
            settings_dict(settings, max_size, {"psnr_peak": peak, "psnr_peak_source": source,
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
    fused, _ = read_window(fused_info, 0, 0, fused_info.width, fused_info.height)
    peak, source = psnr_peak(pair.ms, guess, float(reference.max()))
    dev = resolve_device(device)
    with torch.no_grad():
        values = reduced_resolution_indices(as_tensor(fused, dev), as_tensor(reference, dev), pair.ratio,
                                            peak,
                                            settings)
    return as_floats(values), peak, source
