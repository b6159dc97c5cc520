"""Command line: `python -m engine run|list|metrics|evaluate|adapt-sensor` (one module per command).
Errors print one line and exit non-zero."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional

from ..atomic import interrupt_text, terminate_as_interrupt
from ..errors import Cancelled, EngineError
from ..methods.registry import list_methods
from .adapt_sensor import add_adapt_sensor_parser
from .common import OneLineParser
from .evaluate import add_evaluate_parser
from .metrics import add_metrics_parser
from .run import add_run_parser


def cmd_list(args: argparse.Namespace) -> int:
    for m in list_methods():
        print(f"{m.name:<14} {m.family:<26} {m.summary}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m engine", description="Pansharpen & Adapt engine")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", required=True)
    add_run_parser(sub)
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
