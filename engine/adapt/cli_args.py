"""Command-line flags of the adaptation (`run --adapt ...`), kept here so engine/cli.py stays small."""
from __future__ import annotations

import argparse
from typing import Dict

from ..request import OptionValue
from .options import ADAPT_MODES, KEYS

_HELP = {
    "patch": "tailor patch side, PAN px (multiple of 32; default 64)",
    "fraction": "fraction of the image's patches trained on (default 0.25)",
    "max_patches": "at most this many patches (default 8)",
    "sampler": "patch sampler: diverse (farthest point) or random",
    "steps": "Adam steps (default 50 for tailor, 100 for full)",
    "lr": "learning rate (default 2e-3 for tailor, 1e-5 for full)",
    "tailor": "tailor variant: light or conditional",
    "hidden": "tailor width (default 16)",
    "seed": "random seed of sampling and initialisation (default 0)",
    "loss_weights": "spectral,spatial,consistency loss weights (default: per sensor preset)",
    "spatial_loss": "spatial loss: ds (differentiable D_s) or structural (Z-PNN)",
}


def add_adapt_arguments(p: argparse.ArgumentParser) -> None:
    """--adapt and one --adapt-KEY flag per adaptation option."""
    p.add_argument("--adapt", default="none", choices=ADAPT_MODES,
                   help="per-image adaptation of a deep method: none, tailor (Feature Tailor), full")
    for key in KEYS:
        p.add_argument(f"--adapt-{key.replace('_', '-')}", dest=f"adapt_{key}", default=None, help=_HELP[key])


def adapt_options_from_args(args: argparse.Namespace) -> Dict[str, OptionValue]:
    """The adapt_options of the request: only the flags given."""
    values = {key: getattr(args, f"adapt_{key}", None) for key in KEYS}
    return {k: v for k, v in values.items() if v is not None}
