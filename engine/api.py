"""The engine's public API: what the QGIS faces (ui/), the CLI and the scripts call. Re-exported lazily by
engine/__init__.py (`from engine import pansharpen`), so importing `engine` loads neither torch nor GDAL.

Jobs take a request of plain values (file paths, strings, numbers), a progress callback (fraction 0..1,
message) and a CancelToken; they raise EngineError with one line for bad input (Cancelled when cancelled)
and leave no partial file behind. Orchestration lives here, not in the front ends: a run followed by its
assessment and quicklook (`pansharpen_and_assess`), SWIFT followed by the run with the adapted model
(`adapt_sensor_and_pansharpen`).
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, replace
from typing import Callable, List, Optional, Sequence, Tuple, TypeVar

from .errors import Cancelled, EngineError
from .evaluation.assess import DEFAULT_MAX_SIZE, assess_files
from .evaluation.quicklook import QuicklookSpec, quicklook_of_result, run_title, write_quicklook
from .evaluation.runs import run_reduced, run_with_report
from .jobs import validate_request
from .methods.base import Method
from .methods.registry import list_methods as _registered
from .metrics.report import AssessmentReport
from .paths import Role
from .pipeline import RunResult, run
from .progress import CancelToken, ProgressCallback, StageProgress, no_progress
from .request import PansharpenRequest
from .swift.request import SensorAdaptRequest, validate_sensor_request
from .swift.run import SensorAdaptResult
from .swift.run import adapt_sensor as _adapt_sensor
from .uncertainty import uncertainty_request, write_uncertainty
from .weights.model_file import sidecar_path

#: progress shares of a job: fusion before an assessment, the assessment before a quicklook, SWIFT before
#: a run
FUSION_SHARE, ASSESS_END, SWIFT_SHARE = 0.85, 0.95, 0.8
#: the fusion's share of a job that also writes an uncertainty raster (its samples cost 10-15 runs)
UNCERTAINTY_RUN_SHARE = 0.1
T = TypeVar("T")

# The single-step jobs, under the names front ends use (their docs: the modules named).
pansharpen = run  # engine/pipeline.py: fuse request.pan and request.ms into request.output
pansharpen_reduced = run_reduced  # engine/evaluation/runs.py: the Wald protocol on a degraded pair
pansharpen_with_report = run_with_report  # engine/evaluation/runs.py: fuse, assess, report, quicklook
assess = assess_files  # engine/evaluation/assess.py: indices of a fused raster
adapt_sensor = _adapt_sensor  # engine/swift/run.py: SWIFT into a model file


def list_methods() -> List[Method]:
    """Every fusion method, in registry order (classical, then deep backbones)."""
    return _registered()


def check_request(request: PansharpenRequest, extra_writes: Sequence[Role] = ()) -> PansharpenRequest:
    """The request checked and normalised without running it (EngineError, one line); extra_writes: other
    files the job will write, checked against the inputs and the output."""
    return validate_request(request, extra_writes)


def check_sensor_request(request: SensorAdaptRequest) -> SensorAdaptRequest:
    """A SWIFT request checked and normalised without running it (EngineError, one line)."""
    return validate_sensor_request(request)


@dataclass
class AssessedRun:
    """A finished job: the RunResult and, when asked for and finished, its assessment and quicklook.

    assessment_problem / quicklook_problem say in one line why an asked-for report / picture is missing
    (failed or cancelled); the fused raster is valid either way. trace: the tracebacks of the internal errors
    behind such problems (for a log), '' when none. swift: the SWIFT result when the job adapted first.
    uncertainty: the path of the uncertainty raster written (method sb), '' when none; uncertainty_problem
    why an asked-for one is missing.
    """

    result: RunResult
    report: Optional[AssessmentReport] = None
    assessment_problem: str = ""
    quicklook: str = ""
    quicklook_problem: str = ""
    trace: str = ""
    swift: Optional[SensorAdaptResult] = None
    uncertainty: str = ""
    uncertainty_problem: str = ""


def pansharpen_and_assess(request: PansharpenRequest, assess_output: bool = True,
                          assess_max_size: int = DEFAULT_MAX_SIZE, quicklook: str = "",
                          sensor_adapt: Optional[SensorAdaptRequest] = None,
                          progress: ProgressCallback = no_progress,
                          cancel: Optional[CancelToken] = None, uncertainty: str = "") -> AssessedRun:
    """Fuse (SWIFT first when sensor_adapt is given), write the uncertainty raster at `uncertainty` (method
    sb; '' = none), then assess the output at full resolution and render its quicklook PNG at `quicklook`
    ('' = none). The run's errors raise (a bad uncertainty request too, before any work); a failed or
    cancelled uncertainty, assessment or quicklook does not: the raster is kept and the outcome says why the
    rest is missing."""
    cancel = cancel or CancelToken()
    if uncertainty:
        uncertainty_request(request, uncertainty)  # refused up front, before the run
    share = FUSION_SHARE if assess_output else 1.0
    run_end = share * (UNCERTAINTY_RUN_SHARE if uncertainty else 1.0)
    fusion = StageProgress(progress, 0.0, run_end, "")
    swift = None
    if sensor_adapt is not None:
        swift, result = adapt_sensor_and_pansharpen(sensor_adapt, request, fusion, cancel)
    else:
        result = run(request, fusion, cancel)
    outcome = AssessedRun(result, swift=swift)
    if uncertainty:
        def spread() -> str:
            write_uncertainty(request, uncertainty, StageProgress(progress, run_end, share, "uncertainty"),
                              cancel)
            return uncertainty
        path, outcome.uncertainty_problem, trace = _kept_going("uncertainty raster", spread,
                                                               "the fused raster is kept")
        outcome.trace += trace
        outcome.uncertainty = path or ""
    if not assess_output:
        return outcome
    end = ASSESS_END if quicklook else 1.0
    def indices() -> AssessmentReport:
        return assess_files(request.pan, request.ms, result.output, None, result.sensor, assess_max_size,
                            device=request.device, progress=StageProgress(progress, share, end, "assessing"),
                            cancel=cancel)
    report, outcome.assessment_problem, trace = _kept_going("quality assessment", indices,
                                                            "the fused raster is kept")
    outcome.trace += trace
    if report is None:
        return outcome
    report.timings = {"run": result.seconds, **report.timings}
    report.sensor_reason = result.sensor_reason
    outcome.report = report
    if quicklook:
        def picture() -> str:
            shot = quicklook_of_result(request.pan, request.ms, result.output,
                                       run_title(result.method, result.adapt), result.sensor,
                                       QuicklookSpec(quicklook), request.upsampler, request.device,
                                       StageProgress(progress, ASSESS_END, 1.0, "quicklook"), cancel)
            write_quicklook(quicklook, shot.png)
            return quicklook
        path, outcome.quicklook_problem, trace = _kept_going(
            "quicklook", picture, "the fused raster and its indices are kept")
        outcome.trace += trace
        outcome.quicklook = path or ""
    return outcome


def _kept_going(what: str, job: Callable[[], T], kept: str) -> Tuple[Optional[T], str, str]:
    """(job's value, '', '') or (None, one line saying why it is missing, traceback of an internal error)."""
    try:
        return job(), "", ""
    except Cancelled:
        return None, f"{what} cancelled; {kept}", ""
    except EngineError as exc:
        return None, f"{what} failed: {exc}", ""
    except Exception as exc:  # noqa: BLE001 - the run itself succeeded; keep its output
        return None, f"{what} failed: internal error ({type(exc).__name__})", traceback.format_exc()


def adapt_sensor_and_pansharpen(swift: SensorAdaptRequest, request: PansharpenRequest,
                                progress: ProgressCallback = no_progress,
                                cancel: Optional[CancelToken] = None) -> Tuple[SensorAdaptResult, RunResult]:
    """SWIFT into swift.output, then the run with that model file as the method. A failed or cancelled run
    removes the model file and its sidecar again, so a job that does not succeed leaves nothing behind."""
    cancel = cancel or CancelToken()
    adapted = _adapt_sensor(swift, StageProgress(progress, 0.0, SWIFT_SHARE, "SWIFT"), cancel)
    try:
        result = run(replace(request, method=adapted.output),
                     StageProgress(progress, SWIFT_SHARE, 1.0, ""), cancel)
    except BaseException:
        for path in (adapted.output, sidecar_path(adapted.output)):
            if os.path.exists(path):
                os.remove(path)
        raise
    return adapted, result
