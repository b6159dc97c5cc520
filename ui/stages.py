"""Turns the engine's progress messages into one log line per stage (stage times come with the engine's
RunResult: stage_seconds, adapt_seconds, adaptation_line())."""
from __future__ import annotations

import re
from typing import Optional


def stage_of(message: str) -> str:
    """The stage part of a progress message: text before the first digit, without trailing ' :/'.

    'fusing: block 3/16' -> 'fusing: block'; 'adapting: train step 2/50' -> 'adapting: train step'.
    """
    return re.split(r"\d", message, maxsplit=1)[0].rstrip(" :/")


class StageLog:
    """Feed every progress message; says which ones start a new stage."""

    def __init__(self) -> None:
        self._stage: Optional[str] = None

    def new_stage(self, message: str) -> Optional[str]:
        """The stage text when `message` starts a new stage, else None."""
        stage = stage_of(message)
        if not stage or stage == self._stage:
            return None
        self._stage = stage
        return stage
