"""Engine progress callback that reports into a QgsProcessingFeedback."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsFeedback, QgsProcessingFeedback

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
