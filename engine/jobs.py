"""Checking a request once, against everything it names: paths, method, options, sensor, adaptation.

Kept apart from engine/request.py (the plain dataclass every layer may import) because it needs the method
registry, the adaptation options and the sensor presets, which sit above the request in the layers.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Dict, Sequence

from .adapt.options import check_adapt
from .errors import EngineError
from .methods import registry
from .options import OptionValue
from .paths import Role
from .physics import sensors
from .precision import PRECISIONS
from .request import (
    ALIGN_RESAMPLINGS,
    DEVICES,
    OUTPUT_DTYPES,
    UPSAMPLERS,
    PansharpenRequest,
    _check_choice,
    _check_input,
    _check_output,
    check_request_paths,
)


def _check_option_keys(options: Dict[str, OptionValue], method: str, keys: Sequence[str]) -> None:
    """EngineError naming the valid keys when an option key is unknown to the method (a typo must not be
    ignored silently)."""
    unknown = sorted(k for k in options if k.strip().lower() not in keys)
    if not unknown:
        return
    valid = f"its options are: {', '.join(keys)}" if keys else "it takes no options"
    raise EngineError(f"unknown option '{unknown[0]}' for method '{method}'; {valid}")


def validate_request(request: PansharpenRequest, extra_writes: Sequence[Role] = ()) -> PansharpenRequest:
    """Check every field once and return a normalised copy; raises EngineError (one line). extra_writes:
    other files the job will write (reports, quicklooks), checked with the output (check_request_paths)."""
    pan = _check_input(request.pan, "PAN")
    ms = _check_input(request.ms, "MS")
    if pan == ms:
        raise EngineError("PAN and MS are the same file")
    out = _check_output(request.output)
    adapt = check_adapt(request.adapt, dict(request.adapt_options))
    check_request_paths(replace(request, pan=pan, ms=ms, output=out), extra_writes)
    method_obj = registry.get_method(request.method)
    _check_option_keys(request.options, method_obj.name, tuple(method_obj.option_keys))
    method = method_obj.name
    if adapt != "none" and method_obj.family != "deep backbone":
        raise EngineError(f"adaptation '{adapt}' needs a deep backbone method, not '{method}'")
    sensor = request.sensor.strip().lower() if request.sensor else "auto"
    if sensor != "auto":
        sensor = sensors.get_preset(sensor).name
    if not isinstance(request.block_size, int) or not 64 <= request.block_size <= 8192:
        raise EngineError(f"block size must be an integer from 64 to 8192, got {request.block_size}")
    return replace(
        request,
        pan=pan,
        ms=ms,
        output=out,
        method=method,
        sensor=sensor,
        output_dtype=_check_choice(request.output_dtype, OUTPUT_DTYPES, "output data type"),
        device=_check_choice(request.device, DEVICES, "device"),
        upsampler=_check_choice(request.upsampler, UPSAMPLERS, "upsampler"),
        align_resampling=_check_choice(request.align_resampling, ALIGN_RESAMPLINGS, "resampling"),
        options={k.strip().lower(): v for k, v in request.options.items()},
        adapt=adapt,
        adapt_options=dict(request.adapt_options),
        precision=_check_choice(request.precision, PRECISIONS, "precision"),
    )
