"""Command line: `python -m engine run|list|metrics|evaluate|adapt-sensor`. Errors print one line and exit
non-zero."""
from __future__ import annotations

import argparse
import re
import sys
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List, NoReturn, Optional, TextIO

from .adapt.cli_args import adapt_mode_from_args, adapt_options_from_args, add_adapt_arguments
from .adapt.evaluate_cli import add_evaluate_parser
from .assess_cli import add_assess_arguments, add_metrics_parser, run_assessed
from .atomic import interrupt_text, terminate_as_interrupt
from .errors import Cancelled, EngineError
from .methods.registry import list_methods
from .precision import PRECISIONS
from .progress import ProgressCallback, no_progress
from .request import (
    ALIGN_RESAMPLINGS,
    DEFAULT_METHOD,
    DEVICES,
    OUTPUT_DTYPES,
    UPSAMPLERS,
    OptionValue,
    PansharpenRequest,
)
from .swift.cli import add_adapt_sensor_parser


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


def add_run_arguments(p: argparse.ArgumentParser) -> None:
    """Arguments of `run` (shared with later subcommands that run a fusion)."""
    p.add_argument("--pan", required=True, help="panchromatic raster (single band)")
    p.add_argument("--ms", required=True, help="multispectral raster")
    p.add_argument("--out", required=True, help="output GeoTIFF (written atomically)")
    p.add_argument("--method", default=DEFAULT_METHOD, help=f"fusion method (default {DEFAULT_METHOD})")
    p.add_argument("--sensor", default="auto", help="sensor preset or 'auto' (guessed and reported)")
    p.add_argument("--dtype", default="auto", choices=OUTPUT_DTYPES, help="output type (auto = MS type)")
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--precision", default="auto", choices=PRECISIONS,
                   help="deep nets: auto (bf16 where the CPU/GPU has native bf16, else fp32), "
                        "fp32 (reference), bf16, fp16 (CUDA)")
    p.add_argument("--block-size", type=int, default=1024, help="processing block side, PAN pixels")
    p.add_argument("--upsampler", default="bicubic", choices=UPSAMPLERS)
    p.add_argument("--align-resampling", default="cubic", choices=ALIGN_RESAMPLINGS)
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="method option (repeatable)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_adapt_arguments(p)


def request_from_args(args: argparse.Namespace) -> PansharpenRequest:
    """The shared request object from parsed CLI arguments."""
    return PansharpenRequest(pan=args.pan, ms=args.ms, output=args.out, method=args.method,
                             sensor=args.sensor, output_dtype=args.dtype, device=args.device,
                             block_size=args.block_size, upsampler=args.upsampler,
                             align_resampling=args.align_resampling, options=parse_options(args.option),
                             adapt=adapt_mode_from_args(args), adapt_options=adapt_options_from_args(args),
                             precision=args.precision)


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


def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run

    report = None
    with progress_bar(args.quiet) as progress:
        if args.report or args.reduced or args.quicklook:  # assessment, quicklook (engine/assess_cli.py)
            result, report = run_assessed(args, request_from_args(args), progress)
        else:
            result = run(request_from_args(args), progress=progress)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"sensor: {result.sensor} ({result.sensor_reason})", file=sys.stderr)
    if result.precision:
        print(f"precision: {result.precision}", file=sys.stderr)
    print(result.summary())
    if report is not None:
        print(report.table())
    if args.quicklook:
        print(f"wrote {args.quicklook}", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    for m in list_methods():
        print(f"{m.name:<14} {m.family:<26} {m.summary}")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line (not argparse's usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m engine", description="Pansharpen & Adapt engine")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="fuse a PAN and an MS raster into a GeoTIFF")
    add_run_arguments(run_p)
    add_assess_arguments(run_p)
    run_p.set_defaults(func=cmd_run)
    add_metrics_parser(sub)
    add_evaluate_parser(sub)
    add_adapt_sensor_parser(sub)
    sub.add_parser("list", help="list the fusion methods").set_defaults(func=cmd_list)
    return parser



def main(argv: Optional[List[str]] = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 cancelled, 2 bad input, 3 internal error)."""
    args = build_parser().parse_args(argv)
    try:
        with terminate_as_interrupt():  # SIGTERM / SIGHUP clean up like Ctrl-C
            return int(args.func(args))
    except Cancelled as exc:
        print(f"cancelled: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print(f"cancelled: {interrupt_text(exc)}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        if args.debug:
            raise
        print(f"error: internal error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 3
