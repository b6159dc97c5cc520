"""Adaptation modes and their options, parsed from plain values (CLI strings, dock widgets) once.

Keys of PansharpenRequest.adapt_options (all optional):
  patch (PAN px, inner patch side, a multiple of 32 for the D_s loss and of the ratio; default 0 = auto:
  the smallest such side from 64 px, 128 px for full, see patch_size), fraction
  (of the candidate patches, default 0.25, full 1), max_patches (default 8, full 16), sampler
  (diverse | random), steps (tailor 30, full 100), lr (tailor 3e-3; full 1e-5 as Z-PNN), tailor
  (light | conditional), hidden (tailor width, 8), seed (0), loss_weights
  ('spectral,spatial,consistency'; default per sensor preset), spatial_loss (xcorr | structural | ds),
  schedule (learning rate: constant | cosine), guard (on | off: keep the adapted net only when it beats
  the pretrained one on held-out patches, engine/adapt/guard.py).
Mode 'full' is the Z-PNN baseline: by default it fine-tunes on the whole image (every 128 px patch, so each
step is one pass over the image) up to 16 patches (512 x 512 PAN px), the cap keeping the baseline affordable
on large rasters.
File keys (paths, mode tailor only; engine/weights/tailor_file.py): save_tailor (write the trained tailor),
load_tailor (apply a saved tailor instead of training one).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

from ..backbones.tailor import TAILORS
from ..errors import EngineError
from ..options import option_value
from ..training.losses import DEFAULT_SPATIAL, SPATIAL_KINDS, weights_for
from ..training.patches import SAMPLERS
from .train import SCHEDULES

ADAPT_MODES = ("none", "tailor", "full")
KEYS = ("patch", "fraction", "max_patches", "sampler", "steps", "lr", "tailor", "hidden", "seed",
        "loss_weights", "spatial_loss", "schedule", "guard")
GUARD_CHOICES = ("on", "off")
FILE_KEYS = ("save_tailor", "load_tailor")


@dataclass(frozen=True)
class AdaptOptions:
    """Parsed options (see module doc); loss_weights None means the sensor preset's weights."""

    mode: str = "tailor"
    patch: int = 0
    fraction: float = 0.25
    max_patches: int = 8
    sampler: str = "diverse"
    steps: int = 30
    lr: float = 3e-3
    tailor: str = "light"
    hidden: int = 8
    seed: int = 0
    loss_weights: Optional[str] = None
    spatial_loss: str = DEFAULT_SPATIAL
    schedule: str = "constant"
    guard: bool = True
    save_tailor: Optional[str] = None
    load_tailor: Optional[str] = None


_get = option_value  # short name for the option table below


def parse_adapt_options(mode: str, values: Mapping[str, object]) -> AdaptOptions:
    """Validated options for `mode` ('tailor' or 'full'); raises EngineError naming the bad key."""
    unknown = sorted(set(values) - set(KEYS) - set(FILE_KEYS))
    if unknown:
        raise EngineError(f"unknown adapt option '{unknown[0]}'; known: {', '.join(KEYS)}")
    full = mode == "full"
    return AdaptOptions(
        mode=mode,
        patch=_get(values, "patch", int, 0, lambda v: v == 0 or (32 <= v <= 1024 and v % 32 == 0),
                   "0 (auto) or a multiple of 32 from 32 to 1024"),
        fraction=_get(values, "fraction", float, 1.0 if full else 0.25, lambda v: 0 < v <= 1, "in (0, 1]"),
        max_patches=_get(values, "max_patches", int, 16 if full else 8, lambda v: 1 <= v <= 1024,
                         "from 1 to 1024"),
        sampler=_get(values, "sampler", str, "diverse", lambda v: v in SAMPLERS, " or ".join(SAMPLERS)),
        steps=_get(values, "steps", int, 100 if full else 30, lambda v: 0 <= v <= 100000, "from 0 to 100000"),
        lr=_get(values, "lr", float, 1e-5 if full else 3e-3, lambda v: 0 < v <= 1, "in (0, 1]"),
        tailor=_get(values, "tailor", str, "light", lambda v: v in TAILORS, " or ".join(TAILORS)),
        hidden=_get(values, "hidden", int, 8, lambda v: 1 <= v <= 256, "from 1 to 256"),
        seed=_get(values, "seed", int, 0, lambda v: v >= 0, "a non-negative integer"),
        loss_weights=_get(values, "loss_weights", str, None, lambda v: True, "three numbers"),  # type: ignore[arg-type]
        spatial_loss=_get(values, "spatial_loss", str, DEFAULT_SPATIAL, lambda v: v in SPATIAL_KINDS,
                          " or ".join(SPATIAL_KINDS)),
        schedule=_get(values, "schedule", str, "constant", lambda v: v in SCHEDULES, " or ".join(SCHEDULES)),
        guard=_get(values, "guard", str, "on", lambda v: v in GUARD_CHOICES, "on or off") == "on",
        save_tailor=_path(values, "save_tailor"),
        load_tailor=_path(values, "load_tailor"),
    )


def patch_size(opts: AdaptOptions, ratio: int) -> int:
    """The inner patch side in PAN px: the option, or (auto) the smallest multiple of both 32 (the D_s
    blocks) and the ratio (whole MS cells) from 64 px (tailor) or 128 px (full); EngineError when a given
    side is not a multiple of the ratio."""
    if opts.patch:
        if opts.patch % ratio:
            raise EngineError(f"adapt option patch ({opts.patch}) must be a multiple of the ratio {ratio}")
        return opts.patch
    step = 32 * ratio // math.gcd(32, ratio)
    least = 128 if opts.mode == "full" else 64
    return -(-least // step) * step


def _path(values: Mapping[str, object], key: str) -> Optional[str]:
    """An absolute path (case kept), or None when not given."""
    raw = str(values.get(key) or "").strip()
    return os.path.abspath(raw) if raw else None


def _check_files(opts: AdaptOptions) -> None:
    """Tailor files only with mode tailor; the file to load must exist, the folder to save into too."""
    for key, path in (("save_tailor", opts.save_tailor), ("load_tailor", opts.load_tailor)):
        if path and opts.mode != "tailor":
            raise EngineError(f"{key.replace('_', ' ')} needs adaptation 'tailor', not '{opts.mode}'")
    if opts.load_tailor and not os.path.isfile(opts.load_tailor):
        raise EngineError(f"tailor file not found: {opts.load_tailor}")
    if opts.save_tailor and not os.path.isdir(os.path.dirname(opts.save_tailor)):
        raise EngineError(f"folder of the tailor file does not exist: {os.path.dirname(opts.save_tailor)}")


def check_adapt(mode: str, values: Dict[str, object]) -> str:
    """The normalised mode; EngineError for an unknown mode or bad options (options checked when not none)."""
    m = (mode or "none").strip().lower()
    if m not in ADAPT_MODES:
        raise EngineError(f"unknown adaptation '{mode}'; choose one of: {', '.join(ADAPT_MODES)}")
    if m == "none" and any(values.get(k) for k in FILE_KEYS):
        raise EngineError("a tailor file to save or load needs adaptation 'tailor'")
    if m != "none":
        opts = parse_adapt_options(m, values)
        _check_files(opts)
        if opts.loss_weights is not None:
            weights_for("generic", opts.loss_weights, opts.spatial_loss)
    return m
