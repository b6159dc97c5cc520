"""The request of a sensor-level adaptation (`adapt-sensor`), shared by the CLI and the front ends."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Dict, Tuple

from ..errors import EngineError
from ..methods.registry import get_method
from ..options import OptionValue
from ..paths import check_job_paths, model_reads, raster_reads, sidecar_of
from ..physics import sensors
from ..request import DEVICES
from .options import parse_swift_options


@dataclass(frozen=True)
class SensorAdaptRequest:
    """What to adapt, on which scenes, and where to write the model file.

    pairs: (PAN path, MS path) per scene of one sensor, at least one.
    method: a deep backbone name, or a saved model file (.safetensors) to start from.
    output: the .safetensors model file to write (its sidecar is the same path with .json).
    sensor: preset name, or "auto" (guessed per scene; the scenes must agree).
    device: "auto", "cpu" or "cuda".
    options: SWIFT settings (engine/swift/options.py), e.g. {"top": "0.2", "steps": "40"}.
    """

    pairs: Tuple[Tuple[str, str], ...]
    method: str
    output: str
    sensor: str = "auto"
    device: str = "auto"
    options: Dict[str, OptionValue] = field(default_factory=dict)


def _check_output(path: str, pairs: Tuple[Tuple[str, str], ...], method: str) -> str:
    """The absolute model path; EngineError when it, or its sidecar, would overwrite an input (a scene's
    rasters and their VRT sources, a start model and its sidecar) or cannot be written."""
    if not path:
        raise EngineError("no output model file given")
    out = os.path.abspath(path)
    if not out.lower().endswith(".safetensors"):
        raise EngineError(f"the model file must end with .safetensors: {path}")
    reads = [r for pan, ms in pairs for r in (*raster_reads("PAN", pan), *raster_reads("MS", ms))]
    check_job_paths([*reads, *model_reads(method)],
                    [("model file", out), ("model sidecar", sidecar_of(out))])
    return out


def _check_pairs(pairs: Tuple[Tuple[str, str], ...]) -> Tuple[Tuple[str, str], ...]:
    if not pairs:
        raise EngineError("SWIFT needs at least one PAN/MS pair")
    checked = []
    for pair in pairs:
        if len(pair) != 2:
            raise EngineError(f"each scene is a (PAN, MS) pair, got {pair!r}")
        pan, ms = (os.path.abspath(p) if p and not p.startswith("/vsi") else p for p in pair)
        for path, role in ((pan, "PAN"), (ms, "MS")):
            if not path or (not os.path.isfile(path) and not path.startswith("/vsi")):
                raise EngineError(f"{role} raster not found: {path}")
        if pan == ms:
            raise EngineError(f"PAN and MS are the same file: {pan}")
        checked.append((pan, ms))
    return tuple(checked)


def validate_sensor_request(req: SensorAdaptRequest) -> SensorAdaptRequest:
    """Check every field once and return a normalised copy; raises EngineError (one line)."""
    pairs = _check_pairs(tuple(tuple(p) for p in req.pairs))  # type: ignore[misc]
    output = _check_output(req.output, pairs, req.method)
    method = get_method(req.method)
    if method.family != "deep backbone":
        raise EngineError(f"SWIFT needs a deep backbone method, not '{method.name}'")
    sensor = (req.sensor or "auto").strip().lower()
    if sensor != "auto":
        sensor = sensors.get_preset(sensor).name
    device = (req.device or "auto").strip().lower()
    if device not in DEVICES:
        raise EngineError(f"unknown device '{req.device}'; choose one of: {', '.join(DEVICES)}")
    parse_swift_options(req.options)
    return replace(req, pairs=pairs, method=method.name, output=output, sensor=sensor, device=device,
                   options=dict(req.options))
