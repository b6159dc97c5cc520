"""What every command of the CLI shares: the stderr progress bar, KEY=VALUE options, one-line usage errors."""
from __future__ import annotations

import argparse
import re
import sys
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, NoReturn, Optional, TextIO

from ..errors import EngineError
from ..options import OptionValue
from ..progress import ProgressCallback, no_progress


class ProgressBar:
    """A one-line progress bar on a stream (stderr), redrawn at most every 0.1 s, and always when the stage
    changes (the message without its numbers), so every stage shows however fast it runs."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width, self._last, self._drawn = stream, width, 0.0, 0
        self._stage = ""

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        stage = re.sub(r"[0-9./%]+", "", message).strip()
        if fraction < 1.0 and now - self._last < 0.1 and stage == self._stage:
            return
        self._last, self._stage = now, stage
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"[{bar}] {fraction * 100:5.1f}% {message[:60]:<60}"
        self.stream.write("\r" + line)
        self.stream.flush()
        self._drawn = len(line)

    def close(self, keep: bool = True) -> None:
        """End the bar's line (keep) or erase it, so an error message stays the only line."""
        if self._drawn:
            self.stream.write("\n" if keep else "\r" + " " * self._drawn + "\r")
            self.stream.flush()
        self._drawn = 0


def parse_options(items: Optional[List[str]]) -> Dict[str, OptionValue]:
    """['key=value', ...] -> dict; raises EngineError for items without '='."""
    options: Dict[str, OptionValue] = {}
    for item in items or []:
        if "=" not in item:
            raise EngineError(f"option '{item}' must look like key=value")
        key, value = item.split("=", 1)
        options[key.strip()] = value.strip()
    return options


@contextmanager
def progress_bar(quiet: bool) -> Iterator[ProgressCallback]:
    """A stderr progress bar as a progress callback; erased when the body fails, ended with a newline."""
    bar = None if quiet else ProgressBar(sys.stderr)
    try:
        yield bar or no_progress
    except BaseException:
        if bar:
            bar.close(keep=False)
        raise
    if bar:
        bar.close()


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (not argparse's usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")
