"""The one request object shared by the CLI, the dock and the Processing algorithm.

Front ends build a :class:`PansharpenRequest` from plain values and hand it to the engine's public API
(engine/api.py); engine/jobs.py :func:`validate_request` is the single place where it is checked.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, Sequence

from .errors import EngineError
from .options import OptionValue
from .paths import Role, check_job_paths, model_reads, optional, raster_reads

DEVICES = ("auto", "cpu", "cuda")
OUTPUT_DTYPES = ("auto", "float32")
UPSAMPLERS = ("bicubic", "interp23tap")
ALIGN_RESAMPLINGS = ("cubic", "bilinear", "near", "lanczos")
DEFAULT_METHOD = "mtf_glp_hpm"


@dataclass
class PansharpenRequest:
    """What to fuse, how, and where to write it.

    pan, ms: raster paths (PAN single-band; MS any band count).
    output: GeoTIFF path written atomically; never one of the inputs.
    method: a name from ``python -m engine list``, or a SWIFT model file (.safetensors; engine/swift/).
    sensor: preset name, or "auto" to guess (the guess is reported).
    output_dtype: "auto" keeps the MS data type, "float32" writes floats.
    device: "auto" (CUDA when present), "cpu" or "cuda".
    block_size: side of the square processing blocks, PAN pixels (memory bound).
    upsampler: how each method brings the MS to the PAN grid.
    align_resampling: GDAL resampling used when the MS must be warped onto the PAN grid.
    options: method-specific values, e.g. {"weights": "0.25,0.25,0.25,0.25"} for Brovey.
    adapt: per-image adaptation of a deep method: "none" (pretrained net as is), "tailor" (Feature
        Tailor) or "full" (Z-PNN-style fine-tuning of the whole net); see engine/adapt/.
    adapt_options: adaptation settings, e.g. {"steps": "30", "patch": "64"} (engine/adapt/options.py).
    precision: deep inference precision, "auto", "fp32", "bf16" or "fp16" (engine/precision.py); "fp32" is
        the reference path (the output of earlier versions, bit for bit).
    """

    pan: str
    ms: str
    output: str
    method: str = DEFAULT_METHOD
    sensor: str = "auto"
    output_dtype: str = "auto"
    device: str = "auto"
    block_size: int = 1024
    upsampler: str = "bicubic"
    align_resampling: str = "cubic"
    options: Dict[str, OptionValue] = field(default_factory=dict)
    adapt: str = "none"
    adapt_options: Dict[str, OptionValue] = field(default_factory=dict)
    precision: str = "auto"


def _check_input(path: str, role: str) -> str:
    if not path:
        raise EngineError(f"no {role} raster given")
    if os.path.isdir(path):
        raise EngineError(f"{role} raster {path} is a folder, not a raster file")
    if not os.path.isfile(path) and not path.startswith("/vsi"):
        raise EngineError(f"{role} raster not found: {path}")
    return os.path.abspath(path) if not path.startswith("/vsi") else path


def _check_output(path: str) -> str:
    if not path:
        raise EngineError("no output path given")
    out = os.path.abspath(path)
    if not out.lower().endswith((".tif", ".tiff")):
        raise EngineError(f"output must be a GeoTIFF (.tif): {path}")
    return out


def check_request_paths(request: PansharpenRequest, extra_writes: Sequence[Role] = ()) -> None:
    """EngineError (one line) when any file the run writes (the output, a tailor file, `extra_writes` such
    as a report) would overwrite a file it reads (PAN, MS and their VRT sources, a model file and its
    sidecar, a tailor file) or another output, or cannot be written. Called before any work."""
    opts = request.adapt_options
    reads = [*raster_reads("PAN", request.pan), *raster_reads("MS", request.ms), *model_reads(request.method),
             *optional("tailor file to load", str(opts.get("load_tailor") or ""))]
    writes = [("output", request.output),
              *optional("tailor file to save", str(opts.get("save_tailor") or "")), *extra_writes]
    check_job_paths(reads, writes)


def _check_choice(value: str, choices: tuple, what: str) -> str:
    v = (value or "").strip().lower()
    if v not in choices:
        raise EngineError(f"unknown {what} '{value}'; choose one of: {', '.join(choices)}")
    return v
