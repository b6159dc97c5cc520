"""The `run` subcommand: fuse a PAN and an MS raster into a GeoTIFF (with --report / --reduced /
--quicklook: assessed, engine/cli/metrics.py)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..precision import PRECISIONS
from ..request import ALIGN_RESAMPLINGS, DEFAULT_METHOD, DEVICES, OUTPUT_DTYPES, UPSAMPLERS, PansharpenRequest
from .adapt_args import adapt_mode_from_args, adapt_options_from_args, add_adapt_arguments
from .common import parse_options, progress_bar
from .metrics import add_assess_arguments, run_assessed


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


def cmd_run(args: argparse.Namespace) -> int:
    from ..api import pansharpen  # late: `list` and `--help` do not load torch

    report = None
    if args.uncertainty:  # checked before fusing: a bad option must not cost a whole run first
        from ..uncertainty import uncertainty_request

        uncertainty_request(request_from_args(args), args.uncertainty)
    with progress_bar(args.quiet) as progress:
        if args.report or args.reduced or args.quicklook:  # assessment, quicklook (engine/cli/metrics.py)
            result, report = run_assessed(args, request_from_args(args), progress)
        else:
            result = pansharpen(request_from_args(args), progress=progress)
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
    if args.uncertainty:
        _write_uncertainty(args)
    return 0


def _write_uncertainty(args: argparse.Namespace) -> None:
    """--uncertainty PATH: the sb samples' spread, a GeoTIFF on the output's grid (engine/uncertainty.py)."""
    from ..uncertainty import write_uncertainty  # late: torch

    with progress_bar(args.quiet) as progress:
        seconds = write_uncertainty(request_from_args(args), args.uncertainty, progress)
    print(f"wrote {args.uncertainty} (uncertainty, {seconds:.2f} s)", file=sys.stderr)


def add_run_parser(sub: Any) -> None:
    """The `run` subcommand on the main parser."""
    run_p = sub.add_parser("run", help="fuse a PAN and an MS raster into a GeoTIFF")
    add_run_arguments(run_p)
    add_assess_arguments(run_p)
    run_p.add_argument("--uncertainty", metavar="PATH", default="",
                       help="method sb: also write the per-band spread of its samples (default 4 samples of "
                            "3 steps unless --option samples/steps say otherwise) as a GeoTIFF")
    run_p.set_defaults(func=cmd_run)
