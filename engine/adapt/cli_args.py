"""Command-line flags of the adaptation (`run --adapt ...`), kept here so engine/cli.py stays small."""
from __future__ import annotations

import argparse
from typing import Dict

from ..request import OptionValue
from .options import ADAPT_MODES, FILE_KEYS, KEYS

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


def add_adapt_option_flags(p: argparse.ArgumentParser) -> None:
    """One --adapt-KEY flag per adaptation option (no --adapt: `evaluate` takes a list of modes)."""
    for key in KEYS:
        p.add_argument(f"--adapt-{key.replace('_', '-')}", dest=f"adapt_{key}", default=None, help=_HELP[key])


def add_adapt_arguments(p: argparse.ArgumentParser) -> None:
    """--adapt, one --adapt-KEY flag per adaptation option, --save-tailor and --load-tailor."""
    p.add_argument("--adapt", default="none", choices=ADAPT_MODES,
                   help="per-image adaptation of a deep method: none, tailor (Feature Tailor), full")
    add_adapt_option_flags(p)
    p.add_argument("--save-tailor", metavar="FILE", default=None,
                   help="save the trained tailor (safetensors) to apply it to other scenes")
    p.add_argument("--load-tailor", metavar="FILE", default=None,
                   help="apply a saved tailor instead of training one (implies --adapt tailor)")


def adapt_mode_from_args(args: argparse.Namespace) -> str:
    """--adapt, with 'none' turned into 'tailor' when a tailor file is given to load."""
    mode = str(getattr(args, "adapt", "none") or "none")
    return "tailor" if mode == "none" and getattr(args, "load_tailor", None) else mode


def adapt_options_from_args(args: argparse.Namespace) -> Dict[str, OptionValue]:
    """The adapt_options of the request: only the flags given (tailor files included)."""
    values = {key: getattr(args, f"adapt_{key}", None) for key in KEYS}
    values.update({key: getattr(args, key, None) for key in FILE_KEYS})
    return {k: v for k, v in values.items() if v is not None}
