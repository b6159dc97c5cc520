"""Runs one engine job on a background QThread; talks to the main thread through signals only.

The worker holds plain values (a PansharpenRequest of file paths and strings), never QGIS layers,
so nothing it touches belongs to the main thread.
"""
from __future__ import annotations

import traceback
from typing import Optional

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, QThread, pyqtSignal

from ..engine.errors import Cancelled, EngineError
from ..engine.progress import CancelToken
from ..engine.request import PansharpenRequest

LOG_TAG = "Pansharpen & Adapt"


class FusionWorker(QThread):
    """One fusion run. Connect the signals, call start(), keep a reference until a final signal.

    Exactly one of succeeded(RunResult), failed(message), cancelled(message) is emitted per run.
    """

    progressed = pyqtSignal(float, str)  # fraction 0..1, stage message
    succeeded = pyqtSignal(object)  # engine.pipeline.RunResult
    failed = pyqtSignal(str)  # one-line message
    cancelled = pyqtSignal(str)

    def __init__(self, request: PansharpenRequest, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.request = request
        self.token = CancelToken()

    def cancel(self) -> None:
        """Ask the engine to stop at its next check (thread-safe); the partial file is removed."""
        self.token.cancel()

    def _progress(self, fraction: float, message: str) -> None:
        self.progressed.emit(float(fraction), message)

    def run(self) -> None:  # noqa: D401 - QThread entry point, runs on the worker thread
        """Run the engine; never raises (errors become signals)."""
        from ..engine.pipeline import run

        try:
            result = run(self.request, progress=self._progress, cancel=self.token)
        except Cancelled as exc:
            self.cancelled.emit(str(exc))
        except EngineError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the traceback
            QgsMessageLog.logMessage(traceback.format_exc(), LOG_TAG, Qgis.Critical)
            self.failed.emit(f"internal error ({type(exc).__name__}): {exc}")
        else:
            self.succeeded.emit(result)
