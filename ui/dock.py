"""The dock widget: pick layers and a method, Run on a background QThread, watch progress, Cancel."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from typing import TYPE_CHECKING, Any, Optional

from qgis.core import Qgis, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..engine.errors import EngineError
from ..engine.request import PansharpenRequest
from .dock_form import FusionForm, request_from_form
from .indices_view import IndicesView
from .layers import add_result_layer
from .quality import log_lines
from .runtime import torch_problem, torch_summary
from .stages import StageLog
from .swift_job import swift_lines, swift_request
from .worker import FusionOutcome, FusionWorker

if TYPE_CHECKING:  # engine.swift imports torch; the dock must load without it
    from ..engine.swift.request import SensorAdaptRequest

TITLE = "Pansharpen & Adapt"


class PansharpenDock(QgsDockWidget):
    """Dock of the plugin. job_done(status) fires once a job is over and its layer (if any) is added.

    status is 'succeeded', 'failed' or 'cancelled'.
    """

    job_done = pyqtSignal(str)

    def __init__(self, iface: Any, parent: Optional[QWidget] = None) -> None:
        super().__init__(TITLE, parent)
        self.setObjectName("PansharpenAdaptDock")
        self.iface = iface
        self.worker: Optional[FusionWorker] = None  # kept so the running QThread is never collected
        self.result_layer = None
        self.report: Optional[Any] = None  # engine AssessmentReport of the last run, when assessed
        self.quicklook = ""  # PNG of the last assessed run (in _quicklook_dir, removed at shutdown)
        self._quicklook_dir = ""
        self._quicklook_count = 0
        self._status = ""
        self._started = 0.0
        self._stages = StageLog()
        self.form = FusionForm()
        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.indices = IndicesView()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(500)
        self._layout()
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        QgsProject.instance().layersAdded.connect(self._layers_added)
        self._set_running(False)
        self.form.guess_layers()
        self.log(torch_problem() or torch_summary())

    def _layout(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.indices)
        layout.addWidget(self.log_view, 1)
        self.setWidget(body)

    def log(self, text: str) -> None:
        """Append a time-stamped line to the dock's log and show it."""
        self.log_view.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")
        self._scroll_log_to_end()

    def _scroll_log_to_end(self) -> None:
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _error(self, text: str) -> None:
        self.log(f"error: {text}")
        self.iface.messageBar().pushMessage(TITLE, text, Qgis.Critical, 0)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)
        if running:
            self.progress.setValue(0)
            self.progress.setFormat("%p%")

    def _layers_added(self, layers: list) -> None:
        if self.worker is None:
            self.form.guess_layers()

    def run(self) -> None:
        """Check the inputs on the main thread, then start the job on a worker thread."""
        if self.worker is not None:
            return
        problem = torch_problem()
        if problem:
            self._error(problem)
            return
        try:
            from ..engine.request import validate_request

            request = validate_request(request_from_form(self.form))
            swift_options = self.form.adapt.swift_options()
            swift = swift_request(request, swift_options) if swift_options is not None else None
        except EngineError as exc:
            self._error(str(exc))
            return
        self.form.save()
        self.start(request, self.form.assess.isChecked(), swift)

    def start(self, request: PansharpenRequest, assess: bool = False,
              swift: Optional[SensorAdaptRequest] = None) -> None:
        """Run a ready request on a new FusionWorker (plain values only cross the thread); with assess,
        the worker then computes the full-resolution indices of the output and renders its quicklook
        (a PNG in a temporary folder, shown under the indices); with swift, it first adapts
        the method by SWIFT into swift.output and runs the request with that model file."""
        quicklook = self._next_quicklook(assess)
        worker = FusionWorker(request, assess, parent=self, swift=swift, quicklook=quicklook)
        worker.progressed.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_thread_finished)
        self.worker, self._status, self.result_layer, self.report = worker, "", None, None
        self.indices.clear()
        self.quicklook = ""
        self._set_running(True)
        self._started = time.perf_counter()
        self._stages = StageLog()
        adapt = f" + {request.adapt} adaptation" if request.adapt != "none" else ""
        if swift is not None:
            adapt = f" + SWIFT (adapt and apply, model file {swift.output})"
        self.log(f"running {request.method}{adapt}: {os.path.basename(request.pan)} + "
                 f"{os.path.basename(request.ms)} -> {request.output}")
        worker.start()

    def cancel(self) -> None:
        """Ask the running job to stop; the engine removes its partial output."""
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.log("cancelling...")

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(round(100 * fraction)))
        self.progress.setFormat(f"%p%  {message}")
        stage = self._stages.new_stage(message)
        if stage:
            self.log(stage)

    def _on_succeeded(self, outcome: FusionOutcome) -> None:
        result = outcome.result
        self._status = "succeeded"
        self.progress.setValue(100)
        self.progress.setFormat("%p%  done")
        for note in result.notes:
            self.log(f"note: {note}")
        self.log(f"sensor {result.sensor}: {result.sensor_reason}")
        self.log(f"device: {result.device}")
        if outcome.swift is not None:
            for line in swift_lines(outcome.swift):
                self.log(line)
            self.form.add_model_file(outcome.swift.output, select=False)
            self.form.save()
        if result.adapt != "none":
            self.log(result.adaptation_line())
        self.log(result.summary())
        name = os.path.splitext(os.path.basename(result.output))[0]
        try:
            self.result_layer = add_result_layer(result.output, name)
        except EngineError as exc:
            self._status = "failed"
            self._error(str(exc))
            return
        if outcome.report is not None:
            self.report, self.quicklook = outcome.report, outcome.quicklook
            self.indices.show_report(outcome.report, outcome.quicklook)
            for line in log_lines(outcome.report):
                self.log(line)
            self.log(outcome.quicklook_problem or f"quicklook: {outcome.quicklook} (click the picture)")
            # The panel appearing shrinks the log once the layout updates; keep its last lines in view.
            QTimer.singleShot(0, self._scroll_log_to_end)
        elif outcome.assessment_problem:
            self.log(outcome.assessment_problem)
        self.iface.messageBar().pushMessage(
            TITLE, f"{result.method} done in {result.seconds:.1f} s ({result.device})", Qgis.Success, 5)

    def _on_failed(self, message: str) -> None:
        self._status = "failed"
        self._error(message)

    def _on_cancelled(self, message: str) -> None:
        self._status = "cancelled"
        self.progress.setFormat("%p%  cancelled")
        self.log(f"{message}; nothing was written")

    def _on_thread_finished(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.deleteLater()
        self._set_running(False)
        self.job_done.emit(self._status or "failed")

    def _next_quicklook(self, assess: bool) -> str:
        """The previous run's picture deleted (a new run clears the panel), and with assess a fresh PNG path
        for the next run's quicklook in a private temporary folder made on first use ('' without)."""
        if self._quicklook_dir and os.path.isdir(self._quicklook_dir):
            for name in os.listdir(self._quicklook_dir):
                os.remove(os.path.join(self._quicklook_dir, name))
        if not assess:
            return ""
        if not self._quicklook_dir or not os.path.isdir(self._quicklook_dir):
            self._quicklook_dir = tempfile.mkdtemp(prefix="pansharpen-adapt-quicklooks-")
        self._quicklook_count += 1
        return os.path.join(self._quicklook_dir, f"quicklook-{self._quicklook_count}.png")

    def shutdown(self) -> None:
        """Stop listening to the project, stop a running job and delete the quicklooks (called by the
        plugin's unload)."""
        try:
            QgsProject.instance().layersAdded.disconnect(self._layers_added)
        except TypeError:
            pass
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()
            self.worker = None
        if self._quicklook_dir:
            shutil.rmtree(self._quicklook_dir, ignore_errors=True)
            self._quicklook_dir = ""
