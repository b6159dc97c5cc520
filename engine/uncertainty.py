"""The uncertainty raster of the `sb` method: per-band spread of K bridge samples as a georeferenced GeoTIFF.

write_uncertainty(request, path) runs the same block-wise pipeline as a fusion (engine/pipeline.py: alignment,
statistics, blocks with the method's halo, atomic GeoTIFF on the output grid, with the output's geotransform,
CRS and band names) with SBSpread: its pixels are the standard deviations of the samples (input units,
Float32, one band per MS band), pooled over 5 x 5 px (sb.pooled_spread). With the request's own steps and
samples they are the spread of exactly the samples whose mean `sb` writes; options it does not set default
to DEFAULT_UNCERTAINTY_STEPS sde steps and DEFAULT_UNCERTAINTY_SAMPLES samples (the method's default output,
one deterministic step, has no spread: the raster then describes how the 3-step bridge samples spread around
it). The samples are drawn in a pass of their own; one pass writing both rasters is left for the wiring.
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Optional

from .devices import resolve_device
from .errors import EngineError
from .generative.sb import SBMethod, SBSpread
from .jobs import validate_request
from .pipeline import fuse_pair
from .progress import CancelToken, ProgressCallback, no_progress
from .raster.cache import bounded_gdal_cache
from .raster.pairs import open_pair
from .request import PansharpenRequest

#: the uncertainty's sampling when the request does not set it: 4 samples of 3 bridge SDE steps (one step
#: is deterministic: no spread)
DEFAULT_UNCERTAINTY_SAMPLES, DEFAULT_UNCERTAINTY_STEPS = 4, 3


def uncertainty_path(output: str) -> str:
    """The uncertainty raster's default path next to the output: out.tif -> out_uncertainty.tif."""
    stem, ext = os.path.splitext(output)
    return f"{stem}_uncertainty{ext or '.tif'}"


def uncertainty_request(request: PansharpenRequest, path: str) -> PansharpenRequest:
    """The validated request of the uncertainty raster: output `path`, Float32, sb options checked, samples
    at least 2 (DEFAULT_UNCERTAINTY_SAMPLES when not given). EngineError for bad values."""
    unknown = sorted(k for k in request.options if k.strip().lower() not in SBMethod.option_keys)
    if unknown:
        raise EngineError(f"unknown option '{unknown[0]}' for method 'sb'; its options are: "
                          f"{', '.join(SBMethod.option_keys)}")
    if os.path.abspath(path) == os.path.abspath(request.output):
        raise EngineError("the uncertainty raster needs a path of its own, not the output's")
    if request.method.strip().lower() != "sb":
        raise EngineError(f"an uncertainty raster needs method sb, not '{request.method}'")
    if request.adapt != "none":
        raise EngineError("the sb method takes no adaptation")
    options = {k.strip().lower(): v for k, v in request.options.items()}
    options.setdefault("samples", DEFAULT_UNCERTAINTY_SAMPLES)
    options.setdefault("steps", DEFAULT_UNCERTAINTY_STEPS)
    for key in ("samples", "steps"):
        if str(options[key]).strip().isdigit() and int(str(options[key]).strip()) < 2:
            raise EngineError(f"an uncertainty raster needs {key} >= 2 (one sample, or one deterministic "
                              "step, has no spread)")
    if str(options.get("sampler", "sde")).strip().lower() == "ode":
        raise EngineError("an uncertainty raster needs the sde sampler (the ode sampler is deterministic)")
    # validate paths, device, sensor, block size like any run (as a registered method without options)
    checked = validate_request(replace(request, output=path, output_dtype="float32", method="mtf_glp",
                                       options={}))
    return replace(checked, method="sb", options=options)


def write_uncertainty(request: PansharpenRequest, path: str = "", progress: ProgressCallback = no_progress,
                      cancel: Optional[CancelToken] = None, folder: Optional[str] = None) -> float:
    """Write the per-band spread of request's sb samples to `path` (GeoTIFF on the output's grid); returns
    the seconds it took. path: default uncertainty_path(request.output). request: the fusion's request (pan,
    ms, sensor, options steps/samples/seed/sampler, block size, device, upsampler); without a samples option
    the fusion wrote sample 0 alone, which is the first of the DEFAULT_UNCERTAINTY_SAMPLES samples here.
    folder: the weights folder (default resources/weights/generative)."""
    start = time.perf_counter()
    req = uncertainty_request(request, path or uncertainty_path(request.output))
    cancel = cancel or CancelToken()
    pair, guess = open_pair(req.pan, req.ms, req.sensor, req.align_resampling)
    with bounded_gdal_cache(128 * 1024 * 1024):
        fuse_pair(req, pair, SBSpread(folder), guess, resolve_device(req.device), progress, cancel, {})
    return time.perf_counter() - start
