"""Command-line faces of the assessment: `metrics` subcommand, `run --report PATH`, `run --reduced` and the
`--quicklook` pictures (engine/evaluation/quicklook.py)."""
from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Optional, Tuple

from ..errors import EngineError
from ..evaluation.assess import DEFAULT_MAX_SIZE, DEFAULT_REDUCED_MAX_SIZE, assess_files
from ..evaluation.quicklook import (
    DEFAULT_SIZE,
    QuicklookSpec,
    panel_title,
    quicklook_of_result,
    quicklook_writes,
    write_quicklook,
)
from ..evaluation.runs import run_reduced, run_with_report
from ..metrics import MetricSettings
from ..metrics.q2n import ROUNDINGS
from ..metrics.report import AssessmentReport, default_json_path
from ..paths import check_job_paths, raster_reads
from ..progress import ProgressCallback, StageProgress
from ..request import DEVICES, UPSAMPLERS, PansharpenRequest
from .common import progress_bar

if TYPE_CHECKING:
    from ..pipeline import RunResult


def add_assess_arguments(p: argparse.ArgumentParser) -> None:
    """`run` options that add an assessment."""
    p.add_argument("--report", metavar="JSON",
                   help="write quality indices and timings of the run to JSON ('-': stdout)")
    p.add_argument("--reduced", action="store_true",
                   help="run at reduced resolution (Wald protocol): degrade PAN and MS by the ratio, fuse "
                        "into --out (MS grid) and score against the original MS")
    p.add_argument("--assess-max-size", type=int, default=None, metavar="PX",
                   help=f"side of the assessed window (default {DEFAULT_MAX_SIZE} fused px; "
                        f"{DEFAULT_REDUCED_MAX_SIZE} MS px with --reduced)")
    add_quicklook_arguments(p, "the run (upsampled MS | mtf_glp_hpm | the result; also assesses the run)")


def add_quicklook_arguments(p: argparse.ArgumentParser, what: str, flag: str = "--quicklook",
                            metavar: str = "PNG") -> None:
    """--quicklook PATH (or evaluate's --quicklooks DIR), --quicklook-size, --quicklook-zoom."""
    p.add_argument(flag, metavar=metavar, help=f"write a quicklook PNG of {what}")
    p.add_argument("--quicklook-size", type=int, default=DEFAULT_SIZE, metavar="PX",
                   help=f"side of the quicklook window, PAN px (default {DEFAULT_SIZE}; at most the image)")
    p.add_argument("--quicklook-zoom", type=int, default=1, metavar="N",
                   help="show each PAN pixel as N x N screen pixels (default 1: 1:1)")


def quicklook_spec(args: argparse.Namespace) -> Optional[QuicklookSpec]:
    """The quicklook asked for by --quicklook (None without it)."""
    path = getattr(args, "quicklook", None)
    return QuicklookSpec(path, args.quicklook_size, args.quicklook_zoom) if path else None


def _settings(args: argparse.Namespace) -> MetricSettings:
    return MetricSettings(rounding=getattr(args, "rounding", "none"),
                          upsampler=getattr(args, "metrics_upsampler", "interp23tap"))


def run_assessed(args: argparse.Namespace, request: PansharpenRequest,
                 progress: ProgressCallback) -> Tuple[RunResult, AssessmentReport]:
    """`run` with --report, --reduced and/or --quicklook: (RunResult, report); the JSON and the quicklook
    are written when asked."""
    if args.reduced:
        if args.quicklook:
            raise EngineError("--quicklook shows a result on the PAN grid; it cannot go with --reduced")
        size = args.assess_max_size or DEFAULT_REDUCED_MAX_SIZE
        return run_reduced(request, args.report, size, _settings(args), progress)
    size = args.assess_max_size or DEFAULT_MAX_SIZE
    return run_with_report(request, args.report, size, _settings(args), progress,
                           quicklook=quicklook_spec(args))


def add_metrics_parser(sub: Any) -> None:
    """The `metrics` subcommand."""
    p = sub.add_parser("metrics", help="quality indices of a fused raster (table and JSON)")
    p.add_argument("--pan", required=True, help="panchromatic raster the fused image was made from")
    p.add_argument("--ms", required=True, help="multispectral raster the fused image was made from")
    p.add_argument("--fused", required=True, help="fused raster on the PAN grid")
    p.add_argument("--reference", help="reference raster on the fused grid (reduced-resolution indices)")
    p.add_argument("--sensor", default="auto", help="sensor preset or 'auto' (guessed and reported)")
    p.add_argument("--json", metavar="PATH", help="JSON output (default: <fused>_metrics.json)")
    p.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE, metavar="PX",
                   help="side of the centred window assessed, fused pixels")
    p.add_argument("--rounding", default="none", choices=ROUNDINGS,
                   help="Q2n inputs as floats (none) or cast like the MATLAB toolbox's uint16 (matlab)")
    p.add_argument("--metrics-upsampler", default="interp23tap", choices=UPSAMPLERS,
                   help="MS to PAN grid for D_lambda, D_s and D_lambda_K")
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_quicklook_arguments(p, "the fused raster (upsampled MS | mtf_glp_hpm | the fused raster)")
    p.set_defaults(func=cmd_metrics)


def cmd_metrics(args: argparse.Namespace) -> int:

    path = args.json or default_json_path(args.fused)
    reads = [*raster_reads("PAN", args.pan), *raster_reads("MS", args.ms),
             *raster_reads("fused raster", args.fused), *raster_reads("reference", args.reference or "")]
    spec = quicklook_spec(args)
    check_job_paths(reads, [("metrics JSON", path), *quicklook_writes(spec.path if spec else None)])
    with progress_bar(args.quiet) as progress:
        assessing = progress if spec is None else StageProgress(progress, 0.0, 0.9, "assessing")
        report = assess_files(args.pan, args.ms, args.fused, args.reference, args.sensor, args.max_size,
                              _settings(args), args.device, assessing)
        picture = None if spec is None else quicklook_of_result(
            args.pan, args.ms, args.fused, panel_title(args.fused), report.sensor, spec, device=args.device,
            progress=StageProgress(progress, 0.9, 1.0, "quicklook"))
    if spec is not None and picture is not None:
        report.settings.update(quicklook=spec.path, quicklook_window=list(picture.window))
    report.write_json(path)
    if spec is not None and picture is not None:
        write_quicklook(spec.path, picture.png, [path])
        print(f"wrote {spec.path} (window {picture.describe()})", file=sys.stderr)
    print(report.table())
    print(f"wrote {path}", file=sys.stderr)
    return 0
