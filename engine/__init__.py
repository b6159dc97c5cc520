"""Pansharpen & Adapt engine: raster I/O, sensor physics, fusion methods, adaptation, quality assessment.
No QGIS or Qt imports.

The public API is re-exported here lazily (PEP 562): `from engine import pansharpen` loads engine/api.py and
what it needs (torch, GDAL) only then, so `import engine` stays light. Front ends (ui/, the CLI, scripts)
import from here and from nowhere below it; tests/engine/test_api.py keeps _EXPORTS, the TYPE_CHECKING block
and __all__ equal.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__  # noqa: F401 - part of the package's face

#: public name -> module (relative to engine) that defines it
_EXPORTS = {
    # jobs (engine/api.py)
    "pansharpen": "api", "pansharpen_reduced": "api", "pansharpen_with_report": "api",
    "pansharpen_and_assess": "api", "adapt_sensor": "api", "adapt_sensor_and_pansharpen": "api",
    "assess": "api", "list_methods": "api", "check_request": "api", "check_sensor_request": "api",
    "AssessedRun": "api", "write_uncertainty": "uncertainty", "uncertainty_path": "uncertainty",
    # requests, results, errors, progress
    "PansharpenRequest": "request", "DEFAULT_METHOD": "request", "DEVICES": "request",
    "OUTPUT_DTYPES": "request", "UPSAMPLERS": "request", "ALIGN_RESAMPLINGS": "request",
    "PRECISIONS": "precision",
    "OptionValue": "options", "SensorAdaptRequest": "swift.request", "RunResult": "pipeline",
    "SensorAdaptResult": "swift.run", "EngineError": "errors", "Cancelled": "errors",
    "CancelToken": "progress", "ProgressCallback": "progress", "StageProgress": "progress",
    "no_progress": "progress",
    # reports, quicklooks, indices
    "AssessmentReport": "metrics.report", "INDEX_INFO": "metrics.catalogue",
    "MetricSettings": "metrics.indices",
    "QuicklookSpec": "evaluation.quicklook",
    "quicklook_of_result": "evaluation.quicklook", "quicklook_writes": "evaluation.quicklook",
    "write_quicklook": "evaluation.quicklook", "panel_title": "evaluation.quicklook",
    "run_title": "evaluation.quicklook", "rgb_bands": "evaluation.rgb",
    # files and paths
    "PRESETS": "physics.sensors", "is_model_path": "methods.deep", "sidecar_path": "weights.model_file",
    "check_job_paths": "paths", "optional": "paths", "raster_reads": "paths", "write_text": "atomic",
    "interrupt_text": "atomic", "terminate_as_interrupt": "atomic",
}

__all__ = [
    "pansharpen", "pansharpen_reduced", "pansharpen_with_report", "pansharpen_and_assess", "adapt_sensor",
    "adapt_sensor_and_pansharpen", "assess", "list_methods", "check_request", "check_sensor_request",
    "AssessedRun", "write_uncertainty", "uncertainty_path",
    "PansharpenRequest", "DEFAULT_METHOD", "DEVICES", "OUTPUT_DTYPES", "UPSAMPLERS",
    "ALIGN_RESAMPLINGS", "PRECISIONS", "OptionValue", "SensorAdaptRequest", "RunResult", "SensorAdaptResult",
    "EngineError",
    "Cancelled", "CancelToken", "ProgressCallback", "StageProgress", "no_progress", "AssessmentReport",
    "INDEX_INFO", "MetricSettings", "QuicklookSpec", "quicklook_of_result",
    "quicklook_writes", "write_quicklook", "panel_title", "run_title", "rgb_bands", "PRESETS",
    "is_model_path",
    "sidecar_path", "check_job_paths", "optional", "raster_reads", "write_text", "interrupt_text",
    "terminate_as_interrupt",
]

if TYPE_CHECKING:  # the same names for type checkers and IDEs
    from .api import (
        AssessedRun,
        adapt_sensor,
        adapt_sensor_and_pansharpen,
        assess,
        check_request,
        check_sensor_request,
        list_methods,
        pansharpen,
        pansharpen_and_assess,
        pansharpen_reduced,
        pansharpen_with_report,
    )
    from .atomic import interrupt_text, terminate_as_interrupt, write_text
    from .errors import Cancelled, EngineError
    from .evaluation.quicklook import (
        QuicklookSpec,
        panel_title,
        quicklook_of_result,
        quicklook_writes,
        run_title,
        write_quicklook,
    )
    from .evaluation.rgb import rgb_bands
    from .methods.deep import is_model_path
    from .metrics.catalogue import INDEX_INFO
    from .metrics.indices import MetricSettings
    from .metrics.report import AssessmentReport
    from .options import OptionValue
    from .paths import check_job_paths, optional, raster_reads
    from .physics.sensors import PRESETS
    from .pipeline import RunResult
    from .precision import PRECISIONS
    from .progress import CancelToken, ProgressCallback, StageProgress, no_progress
    from .request import (
        ALIGN_RESAMPLINGS,
        DEFAULT_METHOD,
        DEVICES,
        OUTPUT_DTYPES,
        UPSAMPLERS,
        PansharpenRequest,
    )
    from .swift.request import SensorAdaptRequest
    from .swift.run import SensorAdaptResult
    from .uncertainty import uncertainty_path, write_uncertainty
    from .weights.model_file import sidecar_path


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (see the module doc)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'engine' has no attribute '{name}'")
    return getattr(importlib.import_module(f".{module}", __name__), name)


def __dir__() -> list:
    return sorted([*globals(), *_EXPORTS])
