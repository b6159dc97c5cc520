"""The `adapt-sensor` subcommand: SWIFT on a folder of NAME_pan.tif / NAME_ms.tif pairs into a model file."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..evaluation.harness import find_pairs
from ..request import DEVICES
from ..swift.request import SensorAdaptRequest
from ..swift.run import adapt_sensor
from .common import parse_options, progress_bar


def add_adapt_sensor_parser(sub: Any) -> None:
    """`adapt-sensor --pairs DIR --method fusionnet --out model.safetensors [...]`."""
    p = sub.add_parser("adapt-sensor", help="adapt a deep method to a sensor (SWIFT) and save a model file")
    p.add_argument("--pairs", required=True, metavar="DIR",
                   help="folder of NAME_pan.tif / NAME_ms.tif pairs of one sensor")
    p.add_argument("--method", default="fusionnet", help="deep backbone, or a model file to start from")
    p.add_argument("--out", required=True, help="model file to write (.safetensors; sidecar .json)")
    p.add_argument("--sensor", default="auto", help="sensor preset of every pair, or 'auto' (guessed)")
    p.add_argument("--device", default="auto", choices=DEVICES)
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="SWIFT setting (repeatable): fraction, min_patches, max_patches, patch, sampler, "
                        "embed, knn, top, score, steps, batch, lr, patience, seed, loss, loss_weights, "
                        "spatial_loss")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_adapt_sensor)


def cmd_adapt_sensor(args: argparse.Namespace) -> int:

    pairs = tuple((p.pan, p.ms) for p in find_pairs(args.pairs))
    request = SensorAdaptRequest(pairs, args.method, args.out, args.sensor, args.device,
                                 parse_options(args.option))
    with progress_bar(args.quiet) as progress:
        result = adapt_sensor(request, progress)
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result.seconds.items()), file=sys.stderr)
    print(result.summary())
    return 0
