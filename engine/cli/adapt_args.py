"""Command-line flags of the adaptation (`run --adapt ...`), kept here so engine/cli/main.py stays small."""
from __future__ import annotations

import argparse
from typing import Dict

from ..adapt.options import ADAPT_MODES, FILE_KEYS, KEYS, parse_adapt_options
from ..options import OptionValue

_T, _F = parse_adapt_options("tailor", {}), parse_adapt_options("full", {})
_HELP = {
    "patch": "patch side, PAN px (multiple of 32 and of the ratio; default auto: 64, 128 for full, or the "
             "next such multiple)",
    "fraction": f"fraction of the image's patches trained on (default {_T.fraction:g}; full {_F.fraction:g})",
    "max_patches": f"at most this many patches (default {_T.max_patches}; full {_F.max_patches})",
    "sampler": "patch sampler: diverse (farthest point) or random",
    "steps": f"Adam steps (default {_T.steps} for tailor, {_F.steps} for full)",
    "lr": f"learning rate (default {_T.lr:g} for tailor, {_F.lr:g} for full)",
    "tailor": f"tailor variant: light or conditional (default {_T.tailor})",
    "hidden": f"tailor width (default {_T.hidden})",
    "seed": f"random seed of sampling and initialisation (default {_T.seed})",
    "loss_weights": "spectral,spatial,consistency loss weights (default: per sensor preset)",
    "spatial_loss": f"spatial loss: xcorr (lambda-PNN thresholded local correlation), structural (Z-PNN) or "
                    f"ds (differentiable D_s, smooths) (default {_T.spatial_loss})",
    "schedule": "learning rate schedule: constant (default) or cosine decay",
    "guard": "on (default): keep the adaptation only when it beats the pretrained net on held-out patches "
             "(D_rho and R-ERGAS), else write the pretrained output; off: always keep it",
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
