"""Engine progress callback that reports into a QgsProcessingFeedback."""
from __future__ import annotations

import contextlib
import traceback
from typing import Iterator, Optional

from qgis.core import QgsFeedback, QgsProcessingException, QgsProcessingFeedback

from .stages import StageLog


class FeedbackProgress:
    """progress(fraction 0..1, message) -> feedback percent; the stage text only when the stage changes.

    Stage = the message up to its first digit ('fusing: block 3/16' -> 'fusing: block'; see
    ui.stages), so the Processing log gets one line per stage (and per adaptation sub-stage) instead
    of one per block or training step. (The algorithm logs the adaptation time from the engine's RunResult.)
    """

    def __init__(self, feedback: Optional[QgsFeedback]) -> None:
        self.feedback = feedback
        self.stages = StageLog()

    def __call__(self, fraction: float, message: str) -> None:
        if self.feedback is None:
            return
        self.feedback.setProgress(100.0 * min(max(fraction, 0.0), 1.0))
        stage = self.stages.new_stage(message)
        if stage and isinstance(self.feedback, QgsProcessingFeedback):
            self.feedback.setProgressText(stage)


@contextlib.contextmanager
def engine_errors(feedback: Optional[QgsFeedback], nothing: str = "nothing was written") -> Iterator[None]:
    """Run an engine call inside a Processing algorithm: every failure becomes one QgsProcessingException
    line. Bad input and cancels say what happened; SIGTERM / SIGHUP (qgis_process on the main thread) clean
    up like a cancel; an unexpected error is one 'internal error' line, its traceback in the debug log."""
    from ..engine import Cancelled, EngineError, interrupt_text, terminate_as_interrupt

    try:
        with terminate_as_interrupt():
            yield
    except Cancelled as exc:
        raise QgsProcessingException(f"{exc}; {nothing}") from None
    except KeyboardInterrupt as exc:
        raise QgsProcessingException(f"cancelled: {interrupt_text(exc)}; {nothing}") from None
    except EngineError as exc:
        raise QgsProcessingException(str(exc)) from None
    except QgsProcessingException:
        raise
    except Exception as exc:  # noqa: BLE001 - one line for the user, the traceback for a bug report
        if feedback is not None:
            feedback.pushDebugInfo(traceback.format_exc())
        raise QgsProcessingException(f"internal error ({type(exc).__name__}): {exc}") from None
