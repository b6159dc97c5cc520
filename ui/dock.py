"""The dock widget: pick layers and a method, Run on a background QThread, watch progress, Cancel; the runs
of the project in a History tab; a set-up strip while PyTorch is missing."""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any, Optional

from qgis.core import Qgis, QgsProcessingUtils, QgsProject
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..engine import EngineError, PansharpenRequest
from .dock_form import FusionForm, request_from_form
from .dock_results import JobInfo, add_run_layers, result_lines, run_record, zoom_to_record
from .history import load_from_project, save_to_project
from .history_view import HistoryView
from .indices_view import IndicesView
from .layers import add_uncertainty_layer
from .places import quicklook_path
from .quality import log_lines
from .runtime import torch_problem, torch_summary
from .stages import StageLog
from .swift_job import swift_request
from .torch_banner import TorchBanner
from .worker import FusionWorker

if TYPE_CHECKING:  # engine.swift imports torch; the dock must load without it
    from ..engine import AssessedRun, SensorAdaptRequest

TITLE = "Pansharpen & Adapt"
NO_TORCH_TIP = "PyTorch is not set up: use 'Set up PyTorch...' above"
RUN_TIP = "Fuse the chosen layers on a background thread"


class PansharpenDock(QgsDockWidget):
    """Dock of the plugin. job_done(status) fires once a job is over and its layer (if any) is added;
    status is 'succeeded', 'failed' or 'cancelled'. setup_requested when the user asks to set up PyTorch."""

    job_done = pyqtSignal(str)
    setup_requested = pyqtSignal()

    def __init__(self, iface: Any, parent: Optional[QWidget] = None) -> None:
        super().__init__(TITLE, parent)
        self.setObjectName("PansharpenAdaptDock")
        self.iface = iface
        self.worker: Optional[FusionWorker] = None  # kept so the running QThread is never collected
        self.result_layer: Optional[Any] = None  # the last run's layer
        self.report: Optional[Any] = None  # engine AssessmentReport of the last run, when assessed
        self.quicklook = ""  # PNG of the last assessed run (next to its output)
        self.job: Optional[JobInfo] = None
        self._status = ""
        self._stages = StageLog()
        self._torch_missing = False
        self.banner = TorchBanner()
        self.banner.setup_requested.connect(self.setup_requested.emit)
        self.form = FusionForm()
        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.indices = IndicesView()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(500)
        self.history = HistoryView()
        self.tabs = QTabWidget()
        self._layout()
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.history.zoom_requested.connect(lambda record: self.log(zoom_to_record(self.iface, record)))
        self.history.changed.connect(self._history_changed)
        project = QgsProject.instance()
        project.layersAdded.connect(self._layers_added)
        project.readProject.connect(self._project_read)
        project.cleared.connect(self._project_read)
        # Saving the project (QGIS 3.22 emits no homePathChanged for it) moves the default output folder.
        project.projectSaved.connect(self.form.update_output_hint)
        project.homePathChanged.connect(self.form.update_output_hint)
        self.form.guess_layers()
        self.history.set_records(load_from_project(project))
        self.refresh_torch()
        self.log(torch_problem() or torch_summary())

    def _layout(self) -> None:
        run_page = QWidget()
        layout = QVBoxLayout(run_page)
        layout.addWidget(self.form)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.indices)
        layout.addWidget(self.log_view, 1)
        # Scrolls when the dock is short, so the form, the quality table and the log never overlap.
        scroll = QScrollArea()
        scroll.setWidget(run_page)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tabs.addTab(scroll, "Run")
        self.tabs.addTab(self.history, "History")
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.addWidget(self.banner)
        outer.addWidget(self.tabs, 1)
        self.setWidget(body)

    def refresh_torch(self) -> None:
        """Show the set-up strip and disable Run while PyTorch is missing; relist the methods (called again
        once 'Set up PyTorch...' succeeded, so no restart is needed)."""
        missing = torch_problem() is not None
        if self._torch_missing and not missing:
            self.log(torch_summary())
        self._torch_missing = missing
        self.banner.setVisible(missing)
        self.form.fill_methods()
        self.run_button.setToolTip(NO_TORCH_TIP if missing else RUN_TIP)
        self._set_running(self.worker is not None)

    def log(self, text: str) -> None:
        """Append a time-stamped line to the dock's log and show it."""
        self.log_view.appendPlainText(f"{time.strftime('%H:%M:%S')}  {text}")
        self._scroll_log_to_end()

    def _scroll_log_to_end(self) -> None:
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _error(self, text: str) -> None:
        self.log(f"error: {text}")
        self.iface.messageBar().pushMessage(TITLE, text, Qgis.MessageLevel.Critical, 0)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running and torch_problem() is None)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)
        if running:
            self.progress.setValue(0)
            self.progress.setFormat("%p%")

    def _layers_added(self, layers: list) -> None:
        if self.worker is None:
            self.form.guess_layers()

    def _project_read(self, *args: Any) -> None:
        """A project was opened (or cleared): show its runs, and where a blank Output now goes."""
        self.history.set_records(load_from_project(QgsProject.instance()))
        self.form.update_output_hint()

    def _history_changed(self) -> None:
        count = len(self.history.records)
        self.tabs.setTabText(1, f"History ({count})" if count else "History")

    def run(self) -> None:
        """Check the inputs on the main thread, then start the job on a worker thread."""
        if self.worker is not None:
            return
        problem = torch_problem()
        if problem:
            self._error(problem)
            return
        try:
            from ..engine import check_request, uncertainty_path

            request = check_request(request_from_form(self.form))
            swift_options = self.form.adapt.swift_options()
            swift = swift_request(request, swift_options) if swift_options is not None else None
            uncertainty = uncertainty_path(request.output) if self.form.wants_uncertainty() else ""
        except EngineError as exc:
            self._error(str(exc))
            return
        self.form.save()
        layer = self.form.ms.currentLayer()
        job = JobInfo(request.method, "swift" if swift is not None else request.adapt,
                      layer.id() if layer is not None else "", self.form.style_ms.isChecked())
        self.start(request, self.form.assess.isChecked(), swift, job, uncertainty)

    def start(self, request: PansharpenRequest, assess: bool = False,
              swift: Optional[SensorAdaptRequest] = None, job: Optional[JobInfo] = None,
              uncertainty: str = "") -> None:
        """Run a ready request on a new FusionWorker (plain values only cross the thread); with assess,
        the worker then computes the full-resolution indices of the output and renders its quicklook
        next to it (shown under the indices and in the history); with swift, it first adapts the method by
        SWIFT into swift.output and runs the request with that model file; with an uncertainty path (method
        sb), it also writes the samples' spread there, shown as a layer with a colour ramp."""
        self.job = job or JobInfo(request.method, "swift" if swift is not None else request.adapt)
        self.job.quicklook = quicklook_path(request.output) if assess else ""
        worker = FusionWorker(request, assess, parent=self, swift=swift, quicklook=self.job.quicklook,
                              uncertainty=uncertainty)
        worker.progressed.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_thread_finished)
        self.worker, self._status, self.result_layer, self.report = worker, "", None, None
        self.indices.clear()
        self.quicklook = ""
        self._set_running(True)
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

    def _on_succeeded(self, outcome: AssessedRun) -> None:
        result, job = outcome.result, self.job or JobInfo(outcome.result.method, outcome.result.adapt)
        self._status = "succeeded"
        self.progress.setValue(100)
        self.progress.setFormat("%p%  done")
        for line in result_lines(outcome, QgsProcessingUtils.tempFolder()):
            self.log(line)
        if outcome.swift is not None:
            self.form.add_model_file(outcome.swift.output, select=False)
            self.form.save()
        try:
            layer = add_run_layers(outcome, job)
        except EngineError as exc:
            self._status = "failed"
            self._error(str(exc))
            return
        self.result_layer = layer
        self.log(f"added layer '{layer.name()}'")
        self._show_uncertainty(outcome, layer.name())
        self._show_assessment(outcome)
        self.history.add(run_record(outcome, job, layer))
        save_to_project(QgsProject.instance(), self.history.records)
        # Short, so the message bar does not cut it; the layer's name and the details are in the log.
        done = f"done in {result.seconds:.1f} s"
        self.iface.messageBar().pushMessage(TITLE, done, Qgis.MessageLevel.Success, 5)

    def _show_uncertainty(self, outcome: AssessedRun, name: str) -> None:
        """The uncertainty raster as a layer above the result (or the line saying why there is none)."""
        if outcome.uncertainty_problem:
            self.log(outcome.uncertainty_problem)
        if not outcome.uncertainty:
            return
        try:
            layer = add_uncertainty_layer(outcome.uncertainty, f"{name} uncertainty")
        except EngineError as exc:
            self.log(str(exc))
            return
        self.log(f"added layer '{layer.name()}' ({outcome.uncertainty}: standard deviation of the samples, "
                 "input units, one band per MS band)")

    def _show_assessment(self, outcome: AssessedRun) -> None:
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

    def shutdown(self) -> None:
        """Stop listening to the project and stop a running job (called by the plugin's unload). Outputs
        and quicklooks stay: the project's history refers to them."""
        project = QgsProject.instance()
        connections = ((project.layersAdded, self._layers_added), (project.readProject, self._project_read),
                       (project.cleared, self._project_read),
                       (project.projectSaved, self.form.update_output_hint),
                       (project.homePathChanged, self.form.update_output_hint))
        for signal, slot in connections:
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()
            self.worker = None
