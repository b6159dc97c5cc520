"""The 'Set up PyTorch' window: choose the build (CPU, or CUDA when an NVIDIA GPU is present), install it in
the background with progress, a live log and Cancel, then make the plugin use it without a restart.
"""
from __future__ import annotations

import os
from typing import Callable, List, Optional

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from . import help as plugin_help
from .places import data_dir
from .runtime import activate_venv, default_venv, torch_problem, torch_summary
from .torch_setup import (
    DOWNLOAD_TEXT,
    SAFETENSORS_VERSION,
    TORCH_VERSION,
    SetupError,
    SetupPlan,
    find_python,
    free_space_problem,
    nvidia_gpu,
    plan_setup,
)
from .torch_setup_task import TorchSetupTask

LOG_NAME = "setup-pytorch.log"
#: (python, venv, variant) -> plan; tests swap it for a plan of harmless commands
Planner = Callable[[str, str, str], SetupPlan]


class TorchSetupDialog(QDialog):
    """finished_setup(problem) once an install ended well: '' when torch now works in this QGIS, else the
    one-line reason a restart is needed."""

    finished_setup = pyqtSignal(str)

    def __init__(self, parent: Optional[QWidget] = None, planner: Planner = plan_setup,
                 gpu: Optional[str] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up PyTorch")
        self.planner = planner
        self.venv = default_venv()
        self.log_path = os.path.join(data_dir(), LOG_NAME)
        self.task: Optional[TorchSetupTask] = None  # kept: the task manager does not own the Python object
        self.gpu = nvidia_gpu() if gpu is None else gpu
        self.python, python_problem = self._python()
        self._build(python_problem)

    @staticmethod
    def _python() -> tuple[str, str]:
        try:
            return find_python(QgsApplication.prefixPath()), ""
        except SetupError as exc:
            return "", str(exc)

    def _build(self, python_problem: str) -> None:
        intro = QLabel(
            f"The engine computes with PyTorch. This installs PyTorch {TORCH_VERSION} and safetensors "
            f"{SAFETENSORS_VERSION} with pip into a separate environment for QGIS's Python "
            f"({self.python or 'not found'}):<br><code>{self.venv}</code><br>QGIS's own packages stay as "
            "they are. It needs an internet connection.")
        intro.setWordWrap(True)
        self.cpu = QRadioButton(f"CPU: works on every computer ({DOWNLOAD_TEXT['cpu']})")
        gpu_text = f"found: {self.gpu}" if self.gpu else "no NVIDIA GPU found on this computer"
        self.cuda = QRadioButton(f"NVIDIA GPU (CUDA), {gpu_text} ({DOWNLOAD_TEXT['cuda']})")
        group = QButtonGroup(self)
        for button in (self.cpu, self.cuda):
            group.addButton(button)
        (self.cuda if self.gpu else self.cpu).setChecked(True)
        self.status = QLabel(python_problem)
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(2000)
        self.install_button = QPushButton("Install")
        self.cancel_button = QPushButton("Cancel")
        self.log_button = QPushButton("Open log file")
        self.help_button = QPushButton("Help")
        self.close_button = QPushButton("Close")
        self.install_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.log_button.clicked.connect(self.open_log)
        self.help_button.clicked.connect(self.show_help)
        self.close_button.clicked.connect(self.close)
        self._layout(intro)
        self._set_running(False)
        self.install_button.setEnabled(bool(self.python))

    def _layout(self, intro: QLabel) -> None:
        buttons = QHBoxLayout()
        for button in (self.install_button, self.cancel_button, self.log_button, self.help_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        for widget in (intro, self.cpu, self.cuda, self.status, self.progress):
            layout.addWidget(widget)
        layout.addWidget(self.log_view, 1)
        layout.addLayout(buttons)
        self.resize(720, 480)

    def variant(self) -> str:
        """'cuda' or 'cpu', as chosen."""
        return "cuda" if self.cuda.isChecked() else "cpu"

    def _set_running(self, running: bool) -> None:
        self.install_button.setEnabled(not running and bool(self.python))
        self.cancel_button.setEnabled(running)
        self.cpu.setEnabled(not running)
        self.cuda.setEnabled(not running)
        self.close_button.setEnabled(not running)

    def start(self) -> Optional[TorchSetupTask]:
        """Check the disk, plan and start the background task; returns it (None when it cannot start)."""
        if self.task is not None:
            return None
        problem = free_space_problem(self.venv, self.variant())
        try:
            plan = self.planner(self.python, self.venv, self.variant())
        except SetupError as exc:
            problem = str(exc)
        if problem:
            self.status.setText(problem)
            return None
        self.log_view.clear()
        self.progress.setValue(0)
        self.status.setText(f"Installing the {self.variant().upper()} build; you can keep working in QGIS.")
        task = TorchSetupTask(plan, self.log_path)
        task.line.connect(self.log_view.appendPlainText)
        task.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        task.done.connect(self._done)
        self.task = task
        self._set_running(True)
        QgsApplication.taskManager().addTask(task)
        return task

    def cancel(self) -> None:
        """Stop the running install (the commands are terminated; a new environment is removed)."""
        if self.task is not None:
            self.status.setText("Cancelling...")
            self.task.cancel()

    def _done(self, ok: bool, message: str) -> None:
        self.task = None
        self._set_running(False)
        if not ok:
            self.status.setText(f"{message}. The log has the details: {self.log_path}")
            return
        self.progress.setValue(100)
        problem = activate_venv(self.venv) if torch_problem() else None
        if problem is None:
            self.status.setText(f"Done: {torch_summary()}. Every method can run now, no restart needed.")
        else:
            self.status.setText(f"Installed; restart QGIS to load it ({problem}).")
        self.finished_setup.emit(problem or "")

    def show_help(self) -> None:
        """The README section 'Installing PyTorch' in a window."""
        self.help_window = plugin_help.show_section(plugin_help.INSTALLING_PYTORCH, self)

    def open_log(self) -> bool:
        """Open the log file in the desktop's text viewer; False when there is none yet."""
        return os.path.isfile(self.log_path) and QDesktopServices.openUrl(QUrl.fromLocalFile(self.log_path))

    def lines(self) -> List[str]:
        """The log lines shown (for tests and screenshots)."""
        return self.log_view.toPlainText().splitlines()

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        if self.task is not None:  # closing the window while installing cancels, never orphans the task
            self.cancel()
        super().closeEvent(event)  # type: ignore[arg-type]
