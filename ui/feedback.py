"""Engine progress callback that reports into a QgsProcessingFeedback."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsFeedback, QgsProcessingFeedback


class FeedbackProgress:
    """progress(fraction 0..1, message) -> feedback percent; the stage text only when the stage changes.

    Stage = the message up to its first ':' ('fusing: block 3/16' -> 'fusing'), so the Processing
    log gets one line per stage instead of one per block.
    """

    def __init__(self, feedback: Optional[QgsFeedback]) -> None:
        self.feedback = feedback
        self._stage: Optional[str] = None

    def __call__(self, fraction: float, message: str) -> None:
        if self.feedback is None:
            return
        self.feedback.setProgress(100.0 * min(max(fraction, 0.0), 1.0))
        stage = message.split(":", 1)[0].strip()
        if stage and stage != self._stage and isinstance(self.feedback, QgsProcessingFeedback):
            self._stage = stage
            self.feedback.setProgressText(stage)
