"""Helpers for the screenshot sessions (scripts/screenshots.sh): a step runner on QTimer and grabs.

Runs inside QGIS (qgis --code); SHOTS is the work folder the shell script made.
"""
import os
import time
import traceback

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface, plugins  # noqa: F401 - the sessions take both from here

SHOTS = os.environ["SHOTS"]
OUT = os.path.join(SHOTS, "out")
LOG = open(os.path.join(OUT, "session.log"), "a")


def log(*args):
    print(*args, file=LOG, flush=True)


def grab_window(name):
    path = os.path.join(OUT, name + ".png")
    iface.mainWindow().grab().save(path)
    log("saved", path)


def grab_widget(widget, name):
    path = os.path.join(OUT, name + ".png")
    widget.grab().save(path)
    log("saved", path)


def grab_screen(name):
    path = os.path.join(OUT, name + ".png")
    QApplication.primaryScreen().grabWindow(0).save(path)
    log("saved", path)


def run_steps(steps):
    """steps: a generator yielding seconds to wait, or a callable condition (polled) to wait for."""
    def advance():
        try:
            wait = next(steps)
        except StopIteration:
            log("done")
            QTimer.singleShot(500, lambda: os._exit(0))
            return
        except Exception:
            log(traceback.format_exc())
            QTimer.singleShot(500, lambda: os._exit(1))
            return
        if callable(wait):
            deadline = time.time() + 300

            def poll():
                if wait() or time.time() > deadline:
                    if time.time() > deadline:
                        log("timeout waiting")
                    advance()
                else:
                    QTimer.singleShot(200, poll)
            poll()
        else:
            QTimer.singleShot(int(wait * 1000), advance)
    QTimer.singleShot(3000, advance)
