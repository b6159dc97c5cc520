"""Runs one engine job on a background QThread; talks to the main thread through signals only.

The worker holds plain values (a PansharpenRequest of file paths and strings, a flag and a window
size, the path of the quicklook PNG to render, and for the dock's SWIFT choice a SensorAdaptRequest),
never QGIS layers, so nothing it touches belongs to the main thread. The job itself (SWIFT first when asked,
the run, its assessment and quicklook) is the engine's `pansharpen_and_assess`; the main thread only shows
its AssessedRun and loads the finished PNG.
"""
from __future__ import annotations

import traceback
from typing import TYPE_CHECKING, Optional

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, QThread, pyqtSignal

from ..engine import Cancelled, CancelToken, EngineError, PansharpenRequest
from .choices import DEFAULT_ASSESS_MAX_SIZE

if TYPE_CHECKING:
    from ..engine import SensorAdaptRequest

LOG_TAG = "Pansharpen & Adapt"


class FusionWorker(QThread):
    """One fusion run, optionally followed by the full-resolution assessment of its output.

    Connect the signals, call start(), keep a reference until a final signal. Exactly one of
    succeeded(AssessedRun), failed(message), cancelled(message) is emitted per run. A cancel or an
    engine error during the assessment still ends in succeeded (the output is written and kept), with
    outcome.assessment_problem saying why there are no indices.
    """

    progressed = pyqtSignal(float, str)  # fraction 0..1, stage message
    succeeded = pyqtSignal(object)  # engine.AssessedRun
    failed = pyqtSignal(str)  # one-line message
    cancelled = pyqtSignal(str)

    def __init__(self, request: PansharpenRequest, assess: bool = False,
                 assess_max_size: int = DEFAULT_ASSESS_MAX_SIZE, parent: Optional[QObject] = None,
                 swift: Optional[SensorAdaptRequest] = None, quicklook: str = "",
                 uncertainty: str = "") -> None:
        super().__init__(parent)
        self.request = request
        self.swift = swift  # SWIFT first, then the request with the model file as method
        self.assess = assess
        self.assess_max_size = assess_max_size
        self.quicklook = quicklook  # PNG path, rendered after a successful assessment ('' = none)
        self.uncertainty = uncertainty  # uncertainty GeoTIFF path (method sb; '' = none)
        self.token = CancelToken()

    def cancel(self) -> None:
        """Ask the engine to stop at its next check (thread-safe); a partial file is removed."""
        self.token.cancel()

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(float(fraction), message)

    def run(self) -> None:  # noqa: D401 - QThread entry point, runs on the worker thread
        """Run the engine; never raises (errors become signals)."""
        from ..engine import pansharpen_and_assess

        try:
            outcome = pansharpen_and_assess(self.request, self.assess, self.assess_max_size,
                                            self.quicklook if self.assess else "", self.swift,
                                            self._progress, self.token, self.uncertainty)
        except Cancelled as exc:
            self.cancelled.emit(str(exc))
        except EngineError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the traceback
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.MessageLevel.Critical)
            self.failed.emit(f"internal error ({type(exc).__name__}): {exc}")
        else:
            if outcome.trace:  # an internal error behind a missing assessment or quicklook
                QgsMessageLog.logMessage(outcome.trace, LOG_TAG, Qgis.MessageLevel.Critical)
            self.succeeded.emit(outcome)
