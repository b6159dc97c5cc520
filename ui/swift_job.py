"""The dock's "SWIFT (adapt and apply)": the SWIFT request of a run (its model file in the models folder,
ui/places.py: it survives QGIS exiting and is listed at every start) and the log lines of its result. The job
itself (SWIFT, then the run with that file as the method) is the engine's adapt_sensor_and_pansharpen.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Dict, Tuple

from ..engine import PansharpenRequest
from .places import is_inside, models_dir, swift_model_path

if TYPE_CHECKING:  # their modules import torch
    from ..engine import SensorAdaptRequest, SensorAdaptResult


def swift_request(request: PansharpenRequest, options: Dict[str, str]) -> SensorAdaptRequest:
    """The validated SWIFT request of a (validated) run request: its pair, method, sensor and device,
    model file <models folder>/<output stem>_swift.safetensors; raises EngineError (one line)."""
    from ..engine import SensorAdaptRequest, check_sensor_request

    output = swift_model_path(request.output)
    os.makedirs(os.path.dirname(output), exist_ok=True)
    return check_sensor_request(SensorAdaptRequest(
        pairs=((request.pan, request.ms),), method=request.method, output=output,
        sensor=request.sensor, device=request.device, options=dict(options)))


def swift_lines(adapted: SensorAdaptResult) -> Tuple[str, str]:
    """Two log lines: the time per stage, and where the model file (and its sidecar) is."""
    from ..engine import sidecar_path

    stages = ", ".join(f"{k} {v:.1f} s" for k, v in adapted.seconds.items())
    # Only a model in the models folder is listed again at the next start; say where it is either way.
    kept = ("saved in the models folder, listed in the method picker at every start"
            if is_inside(adapted.output, models_dir()) else "in the method picker for this session")
    return (f"SWIFT took {sum(adapted.seconds.values()):.1f} s ({stages}; {adapted.patches} patches, "
            f"{adapted.kept_fraction * 100:.1f}% of weights tuned, {adapted.steps_run} steps)",
            f"SWIFT model file: {adapted.output} (sidecar {sidecar_path(adapted.output)}), {kept}")
