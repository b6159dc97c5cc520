"""Turns the engine's progress messages into one log line per stage and times the adaptation stage."""
from __future__ import annotations

import re
import time
from typing import Callable, Optional

ADAPT_LABEL = "adapting"  # engine.pipeline's StageProgress label of the adaptation stage


def stage_of(message: str) -> str:
    """The stage part of a progress message: text before the first digit, without trailing ' :/'.

    'fusing: block 3/16' -> 'fusing: block'; 'adapting: train step 2/50' -> 'adapting: train step'.
    """
    return re.split(r"\d", message, maxsplit=1)[0].rstrip(" :/")


class StageLog:
    """Feed every progress message; says which ones start a new stage, and how long adaptation took.

    clock: seconds (time.perf_counter by default; replaceable in tests).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._stage: Optional[str] = None
        self._adapt_start: Optional[float] = None
        self.adapt_seconds: Optional[float] = None

    def new_stage(self, message: str) -> Optional[str]:
        """The stage text when `message` starts a new stage, else None; updates adapt_seconds."""
        stage = stage_of(message)
        if not stage or stage == self._stage:
            return None
        self._stage = stage
        adapting = stage.split(":", 1)[0].strip() == ADAPT_LABEL
        if adapting and self._adapt_start is None:
            self._adapt_start = self._clock()
        elif not adapting and self._adapt_start is not None and self.adapt_seconds is None:
            self.adapt_seconds = self._clock() - self._adapt_start
        return stage
