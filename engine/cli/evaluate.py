"""The `evaluate` subcommand (engine/evaluation/harness.py): a markdown table on stdout, records as JSON on
request."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..atomic import write_text
from ..errors import EngineError
from ..evaluation.assess import DEFAULT_MAX_SIZE
from ..evaluation.contact_sheets import check_evaluation_paths
from ..evaluation.harness import evaluate, find_pairs, markdown_table, plan_runs, split_list
from ..evaluation.quicklook import QuicklookSpec
from ..paths import optional, raster_reads
from ..request import DEVICES
from .adapt_args import adapt_options_from_args, add_adapt_option_flags
from .common import ProgressBar, parse_options, progress_bar
from .metrics import add_quicklook_arguments


def add_evaluate_parser(sub: Any) -> None:
    """`evaluate --pairs DIR --methods a,b --adapt none,tailor,full [...]`."""
    p = sub.add_parser("evaluate", help="score methods and adaptations on a folder of NAME_pan/NAME_ms pairs")
    p.add_argument("--pairs", required=True, metavar="DIR", help="folder of NAME_pan.tif / NAME_ms.tif pairs")
    p.add_argument("--methods", default="fusionnet", help="comma-separated methods (classical: adapt none)")
    p.add_argument("--adapt", default="none,tailor,full", metavar="MODES",
                   help="comma-separated adaptations: none, tailor, full, swift, swift+tailor")
    p.add_argument("--sensor", default="auto", help="sensor preset of every pair, or 'auto' (guessed)")
    p.add_argument("--json", metavar="FILE", help="write the list of records to FILE")
    p.add_argument("--max-size", type=int, default=DEFAULT_MAX_SIZE, metavar="PX",
                   help="side of the centred window assessed, PAN pixels")
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--reduced", action="store_true",
                   help="also run each job at reduced resolution (Wald protocol) and add RR Q2n and SAM")
    p.add_argument("--quiet", action="store_true", help="no per-run progress")
    p.add_argument("--swift-option", action="append", metavar="KEY=VALUE",
                   help="SWIFT setting for --adapt swift / swift+tailor (repeatable, see adapt-sensor)")
    add_adapt_option_flags(p)
    add_quicklook_arguments(p, "each pair in DIR/<pair>.png (every method and adaptation: one window, one "
                               "stretch)", "--quicklooks", "DIR")
    p.set_defaults(func=cmd_evaluate)


def cmd_evaluate(args: argparse.Namespace) -> int:

    if args.max_size < 64:
        raise EngineError(f"--max-size must be at least 64, got {args.max_size}")
    pairs = find_pairs(args.pairs)
    reads = [r for p in pairs for r in (*raster_reads("PAN", p.pan), *raster_reads("MS", p.ms))]
    plan = plan_runs(split_list(args.methods, "methods"), split_list(args.adapt, "adaptations"))
    check_evaluation_paths(reads, optional("JSON", args.json), args.quicklooks, [p.name for p in pairs])
    sheets = (QuicklookSpec(args.quicklooks, args.quicklook_size, args.quicklook_zoom)
              if args.quicklooks else None)
    with progress_bar(args.quiet) as progress:
        def announce(i: int, n: int, text: str) -> None:
            if isinstance(progress, ProgressBar):
                progress.close()
            if not args.quiet:
                print(f"[{i}/{n}] {text}", file=sys.stderr, flush=True)

        def skip(text: str, message: str) -> None:
            if isinstance(progress, ProgressBar):
                progress.close()
            print(f"skipped: {text}: {message}", file=sys.stderr, flush=True)

        records = evaluate(pairs, plan, args.sensor, adapt_options_from_args(args), args.device,
                           args.max_size, announce, progress, skip=skip,
                           swift_options=parse_options(args.swift_option), reduced=args.reduced,
                           quicklooks=sheets)
    print(markdown_table(records))
    if args.quicklooks:
        print(f"wrote the contact sheets into {args.quicklooks}", file=sys.stderr)
    if args.json:
        write_text(args.json, json.dumps(records, indent=2), "JSON")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0
