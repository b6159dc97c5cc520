"""The background task of 'Set up PyTorch...': runs the plan's commands with pip, streams their output to a
log file and to the dialog, maps it to progress, and stops them on Cancel.

run() executes on a QgsTaskManager thread and only touches plain values, the log file and the task's own
signals (queued to the main thread); finished() runs on the main thread.
"""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import threading
import time
from typing import IO, List, Optional

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from .torch_setup import SetupPlan, Step, explain_failure, no_window, pip_progress, pip_supports_raw_progress

POLL_S = 0.2  # how often a running command is checked for Cancel
KILL_WAIT_S = 10.0  # after asking a command to stop, how long before it is killed


class TorchSetupTask(QgsTask):
    """Runs a SetupPlan. line(text) for every output line; done(ok, message) once it is over (main thread):
    message is the one-line error, 'cancelled ...', or ''. A venv the task created is removed again when the
    setup does not succeed, so a half-made environment is never picked up."""

    line = pyqtSignal(str)
    done = pyqtSignal(bool, str)

    def __init__(self, plan: SetupPlan, log_path: str) -> None:
        super().__init__("Setting up PyTorch for Pansharpen & Adapt")
        self.plan = plan
        self.log_path = log_path
        self.error = ""
        self.stage = ""
        self._base = 0.0  # progress before the current step, 0..1

    def run(self) -> bool:  # noqa: D401 - QgsTask entry point, runs on a worker thread
        """Every step in order; False (with self.error) at the first failure or on Cancel."""
        os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
        with open(self.log_path, "w", encoding="utf-8") as log:
            try:
                for step in self.plan.steps:
                    if not self._run_step(step, log):
                        break
            except OSError as exc:  # the command itself could not start
                self.error = f"{self.stage} failed: {exc}"
            ok = not self.error and not self.isCanceled()
            if not ok and self.plan.creates_venv:
                shutil.rmtree(self.plan.venv, ignore_errors=True)
                self._emit(log, f"removed the unfinished environment {self.plan.venv}")
        return ok

    def _emit(self, log: IO[str], text: str) -> None:
        log.write(text + "\n")
        log.flush()
        self.line.emit(text)

    def _argv(self, step: Step) -> List[str]:
        """The step's command; pip installs get '--progress-bar raw' where that pip has it (progress)."""
        argv = list(step.argv)
        if step.pip:
            try:
                version = subprocess.run([argv[0], "-m", "pip", "--version"], capture_output=True, text=True,
                                         timeout=60, **no_window()).stdout
            except (OSError, subprocess.SubprocessError):
                version = ""
            bar = "raw" if pip_supports_raw_progress(version) else "off"
            at = argv.index("install") + 1
            argv[at:at] = ["--progress-bar", bar]
        return argv

    def _run_step(self, step: Step, log: IO[str]) -> bool:
        """One command, its output streamed; True when it succeeded."""
        self.stage = step.title
        argv = self._argv(step)
        self._emit(log, f"== {step.title}: {' '.join(argv)}")
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   bufsize=1, env=dict(os.environ, PYTHONUNBUFFERED="1"), **_session())
        lines = self._follow(process, step, log)
        if self.isCanceled():
            self.error = f"cancelled during {step.title}"
            self._emit(log, self.error)
            return False
        if process.returncode != 0:
            self.error = explain_failure(step, lines, process.returncode)
            self._emit(log, f"error: {self.error}")
            return False
        self._base += step.share
        self.setProgress(100.0 * self._base)
        return True

    def _follow(self, process: subprocess.Popen[str], step: Step, log: IO[str]) -> List[str]:
        """Read the command's output until it exits (stopping it on Cancel); returns its lines."""
        lines: queue.Queue[Optional[str]] = queue.Queue()
        reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
        reader.start()
        seen: List[str] = []
        while True:
            try:
                text = lines.get(timeout=POLL_S)
            except queue.Empty:
                if self.isCanceled():
                    _stop(process)
                continue
            if text is None:
                break
            seen.append(text)
            if not text.startswith("Progress "):  # raw progress lines only move the bar
                self._emit(log, text)
            fraction = pip_progress(text) if step.pip else None
            if fraction is not None:
                self.setProgress(100.0 * (self._base + step.share * fraction))
        process.wait()
        return seen

    def finished(self, result: bool) -> None:  # noqa: D401 - QgsTask API, main thread
        """Tell the dialog (done signal) how it ended."""
        if result:
            self.done.emit(True, "")
        else:
            self.done.emit(False, self.error or f"cancelled during {self.stage or 'the setup'}")


def _read_lines(process: subprocess.Popen[str], out: queue.Queue[Optional[str]]) -> None:
    """Reader thread: every output line (without its end) into `out`, then None."""
    assert process.stdout is not None
    for text in process.stdout:
        out.put(text.rstrip("\r\n"))
    out.put(None)


def _session() -> dict:
    """Start the command in its own process group, so Cancel stops pip's child processes too."""
    if os.name == "nt":
        return {"creationflags": 0x00000200 | 0x08000000}  # CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW
    return {"start_new_session": True}


def _stop(process: subprocess.Popen[str]) -> None:
    """Terminate the command's process group; kill it when it has not gone after KILL_WAIT_S."""
    if process.poll() is not None:
        return
    try:
        if os.name == "nt":
            process.terminate()
        else:
            os.killpg(process.pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + KILL_WAIT_S
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if process.poll() is None:
        process.kill()
