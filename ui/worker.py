"""Runs one engine job on a background QThread; talks to the main thread through signals only.

The worker holds plain values (a PansharpenRequest of file paths and strings, a flag and a window
size, the path of the quicklook PNG to render, and for the dock's SWIFT choice a SensorAdaptRequest),
never QGIS layers, so nothing it touches belongs to the main thread. The quicklook is rendered here by
the engine; the main thread only loads the finished PNG.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Tuple

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, QThread, pyqtSignal

from ..engine.errors import Cancelled, EngineError
from ..engine.progress import CancelToken, StageProgress
from ..engine.request import PansharpenRequest
from .choices import DEFAULT_ASSESS_MAX_SIZE

if TYPE_CHECKING:
    from ..engine.metrics.report import AssessmentReport
    from ..engine.pipeline import RunResult
    from ..engine.swift.request import SensorAdaptRequest
    from ..engine.swift.run import SensorAdaptResult

LOG_TAG = "Pansharpen & Adapt"
FUSION_SHARE = 0.85  # of the progress bar when an assessment follows (as engine.assess.run_with_report)
ASSESS_END = 0.95  # the assessment's end when a quicklook follows it


@dataclass
class FusionOutcome:
    """A finished run: the engine's RunResult, and its assessment when one was asked for and finished.

    assessment_problem says in one line why an asked-for assessment is missing (failed or cancelled);
    the fused raster is valid either way. swift is the SWIFT result when the job adapted first.
    quicklook is the path of the rendered quicklook PNG ('' when none), quicklook_problem why an
    asked-for one is missing.
    """

    result: RunResult
    report: Optional[AssessmentReport] = None
    assessment_problem: str = ""
    swift: Optional[SensorAdaptResult] = None
    quicklook: str = ""
    quicklook_problem: str = ""


class FusionWorker(QThread):
    """One fusion run, optionally followed by the full-resolution assessment of its output.

    Connect the signals, call start(), keep a reference until a final signal. Exactly one of
    succeeded(FusionOutcome), failed(message), cancelled(message) is emitted per run. A cancel or an
    engine error during the assessment still ends in succeeded (the output is written and kept), with
    outcome.assessment_problem saying why there are no indices.
    """

    progressed = pyqtSignal(float, str)  # fraction 0..1, stage message
    succeeded = pyqtSignal(object)  # FusionOutcome
    failed = pyqtSignal(str)  # one-line message
    cancelled = pyqtSignal(str)

    def __init__(self, request: PansharpenRequest, assess: bool = False,
                 assess_max_size: int = DEFAULT_ASSESS_MAX_SIZE, parent: Optional[QObject] = None,
                 swift: Optional[SensorAdaptRequest] = None, quicklook: str = "") -> None:
        super().__init__(parent)
        self.request = request
        self.swift = swift  # SWIFT first (ui/swift_job.py), then the request with the model file as method
        self.assess = assess
        self.assess_max_size = assess_max_size
        self.quicklook = quicklook  # PNG path, rendered after a successful assessment ('' = none)
        self.token = CancelToken()

    def cancel(self) -> None:
        """Ask the engine to stop at its next check (thread-safe); a partial file is removed."""
        self.token.cancel()

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(float(fraction), message)

    def _assess(self, result: Any) -> FusionOutcome:
        """Indices of the written output, as engine.assess.run_with_report computes them."""
        from ..engine.assess import assess_files

        outcome = FusionOutcome(result)
        end = ASSESS_END if self.quicklook else 1.0
        try:
            report = assess_files(self.request.pan, self.request.ms, result.output, None, result.sensor,
                                  self.assess_max_size, device=self.request.device,
                                  progress=StageProgress(self._progress, FUSION_SHARE, end, "assessing"),
                                  cancel=self.token)
        except Cancelled:
            outcome.assessment_problem = "quality assessment cancelled; the fused raster is kept"
        except EngineError as exc:
            outcome.assessment_problem = f"quality assessment failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - the run itself succeeded; keep its output
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Critical)
            outcome.assessment_problem = f"quality assessment failed: internal error ({type(exc).__name__})"
        else:
            report.timings = {"run": result.seconds, **report.timings}
            report.sensor_reason = result.sensor_reason
            outcome.report = report
            if self.quicklook:
                outcome.quicklook, outcome.quicklook_problem = self._quicklook(result)
        return outcome

    def _quicklook(self, result: Any) -> Tuple[str, str]:
        """(PNG path, '') once the engine wrote the quicklook of the output, else ('', why not)."""
        from ..engine.quicklook import QuicklookSpec, quicklook_of_result, run_title, write_quicklook

        try:
            shot = quicklook_of_result(self.request.pan, self.request.ms, result.output,
                                       run_title(result.method, result.adapt), result.sensor,
                                       QuicklookSpec(self.quicklook), self.request.upsampler,
                                       self.request.device,
                                       StageProgress(self._progress, ASSESS_END, 1.0, "quicklook"),
                                       self.token)
            write_quicklook(self.quicklook, shot.png)
        except Cancelled:
            return "", "quicklook cancelled; the fused raster and its indices are kept"
        except EngineError as exc:
            return "", f"quicklook failed: {exc}"
        except Exception as exc:  # noqa: BLE001 - the run and its indices are fine; keep them
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Critical)
            return "", f"quicklook failed: internal error ({type(exc).__name__})"
        return self.quicklook, ""

    def run(self) -> None:  # noqa: D401 - QThread entry point, runs on the worker thread
        """Run the engine; never raises (errors become signals)."""
        from ..engine.pipeline import run

        share = FUSION_SHARE if self.assess else 1.0

        def fusion_progress(fraction: float, message: str) -> None:
            self._progress(share * fraction, message)

        try:
            adapted = None
            if self.swift is not None:
                from .swift_job import adapt_then_run

                adapted, result = adapt_then_run(self.swift, self.request, fusion_progress, self.token)
            else:
                result = run(self.request, fusion_progress, self.token)
            outcome = self._assess(result) if self.assess else FusionOutcome(result)
            outcome.swift = adapted
        except Cancelled as exc:
            self.cancelled.emit(str(exc))
        except EngineError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the traceback
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Critical)
            self.failed.emit(f"internal error ({type(exc).__name__}): {exc}")
        else:
            self.succeeded.emit(outcome)
