"""The dock's "SWIFT (adapt and apply)": SWIFT on the current pair into a model file in the models folder
(ui/places.py: it survives QGIS exiting and is listed at every start), then the pipeline with that file as the
method. Plain values only (no Qt): the worker thread runs it.
"""
from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Tuple

from ..engine.progress import CancelToken, ProgressCallback, StageProgress
from ..engine.request import PansharpenRequest
from .places import is_inside, models_dir, swift_model_path

if TYPE_CHECKING:  # engine.swift and engine.pipeline import torch
    from ..engine.pipeline import RunResult
    from ..engine.swift.request import SensorAdaptRequest
    from ..engine.swift.run import SensorAdaptResult

SWIFT_SHARE = 0.8  # of the job's progress: SWIFT's training outweighs one fusion of the same pair
LABEL = "SWIFT"


def swift_request(request: PansharpenRequest, options: Dict[str, str]) -> SensorAdaptRequest:
    """The validated SWIFT request of a (validated) run request: its pair, method, sensor and device,
    model file <models folder>/<output stem>_swift.safetensors; raises EngineError (one line)."""
    from ..engine.swift.request import SensorAdaptRequest, validate_sensor_request

    output = swift_model_path(request.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    return validate_sensor_request(SensorAdaptRequest(
        pairs=((request.pan, request.ms),), method=request.method, output=output,
        sensor=request.sensor, device=request.device, options=dict(options)))


def remove_model(path: str) -> None:
    """Delete a model file and its sidecar (those this job wrote), ignoring missing ones."""
    from ..engine.swift.model_file import sidecar_path

    for p in (path, sidecar_path(path)):
        if os.path.exists(p):
            os.remove(p)


def adapt_then_run(swift: SensorAdaptRequest, request: PansharpenRequest, progress: ProgressCallback,
                   cancel: CancelToken) -> Tuple[SensorAdaptResult, RunResult]:
    """SWIFT into swift.output, then the run with method = that file. A failed or cancelled run removes
    the model file again, so a job that does not succeed leaves nothing behind (the engine already
    removes its own partial outputs)."""
    from ..engine.pipeline import run
    from ..engine.swift.run import adapt_sensor

    adapted = adapt_sensor(swift, StageProgress(progress, 0.0, SWIFT_SHARE, LABEL), cancel)

    def run_progress(fraction: float, message: str) -> None:
        progress(SWIFT_SHARE + (1.0 - SWIFT_SHARE) * fraction, message)

    try:
        result = run(replace(request, method=adapted.output), run_progress, cancel)
    except BaseException:
        remove_model(adapted.output)
        raise
    return adapted, result


def swift_lines(adapted: SensorAdaptResult) -> Tuple[str, str]:
    """Two log lines: the time per stage, and where the model file (and its sidecar) is."""
    from ..engine.swift.model_file import sidecar_path

    stages = ", ".join(f"{k} {v:.1f} s" for k, v in adapted.seconds.items())
    # Only a model in the models folder is listed again at the next start; say where it is either way.
    kept = ("saved in the models folder, listed in the method picker at every start"
            if is_inside(adapted.output, models_dir()) else "in the method picker for this session")
    return (f"SWIFT took {sum(adapted.seconds.values()):.1f} s ({stages}; {adapted.patches} patches, "
            f"{adapted.kept_fraction * 100:.1f}% of weights tuned, {adapted.steps_run} steps)",
            f"SWIFT model file: {adapted.output} (sidecar {sidecar_path(adapted.output)}), {kept}")
