"""Progress reporting and cooperative cancellation shared by every long-running step."""
from __future__ import annotations

import threading
from typing import Callable, Optional

from .errors import Cancelled

#: progress(fraction in [0, 1], short message)
ProgressCallback = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """Progress sink that ignores everything."""


#: set by a termination signal while a job runs (engine/atomic.terminate_as_interrupt): every token then
#: reports cancelled, so the job stops at its next check and cleans up as for a user's cancel
_termination = {"signal": ""}


def request_termination(signal_name: str) -> None:
    """Make every CancelToken cancelled (a termination signal arrived)."""
    _termination["signal"] = signal_name


def termination_signal() -> str:
    """The name of the termination signal that arrived ('' when none)."""
    return _termination["signal"]


def clear_termination() -> None:
    """Forget a termination request (the job that got it has ended)."""
    _termination["signal"] = ""


class CancelToken:
    """Thread-safe cancellation flag, optionally backed by an external predicate.

    The external predicate lets front ends plug their own flag in (QgsFeedback.isCanceled)
    without the engine importing them.
    """

    def __init__(self, is_cancelled: Optional[Callable[[], bool]] = None) -> None:
        self._event = threading.Event()
        self._external = is_cancelled

    def cancel(self) -> None:
        """Ask the running job to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once cancel() was called or the external predicate says so."""
        if self._event.is_set() or _termination["signal"]:
            return True
        return bool(self._external is not None and self._external())

    def check(self) -> None:
        """Raise Cancelled if cancellation was requested (or a termination signal arrived)."""
        if self.cancelled:
            signal_name = _termination["signal"]
            raise Cancelled(f"terminated by signal {signal_name}" if signal_name else "cancelled by the user")


class StageProgress:
    """Maps the progress of one stage onto a slice [start, end] of the overall bar; messages are prefixed
    with the label ('label: message'), or passed on unchanged when the label is ''."""

    def __init__(self, callback: ProgressCallback, start: float, end: float, label: str) -> None:
        self._callback = callback
        self._start = start
        self._end = end
        self._label = label

    def __call__(self, fraction: float, message: str = "") -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        text = f"{self._label}: {message}" if message and self._label else message or self._label
        self._callback(self._start + (self._end - self._start) * fraction, text)


class BlockProgress:
    """Progress of a stage that works through `total` blocks in order, moved per tile inside the block
    in work (deep methods report their tile batches through tile(); they fuse one block at a time)."""

    def __init__(self, callback: ProgressCallback, total: int) -> None:
        self._callback = callback
        self._total = max(1, total)
        self._done = 0

    def tile(self, fraction: float, message: str) -> None:
        """fraction of the current block done; message e.g. 'tile 3/16'."""
        fraction = min(max(fraction, 0.0), 1.0)
        self._callback((self._done + fraction) / self._total,
                       f"block {self._done + 1}/{self._total}, {message}")

    def block_done(self) -> None:
        """The current block is written."""
        self._done += 1
        self._callback(self._done / self._total, f"block {self._done}/{self._total}")
