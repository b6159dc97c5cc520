"""SWIFT settings, parsed once from plain values (CLI strings, Processing parameters, dicts).

Keys (all optional): fraction (of the candidate patches, 0.03), min_patches (16), max_patches (64),
patch (inner side, PAN px, multiple of 32: 64), sampler (manifold | fps | random), embed (features | stats;
default features: with it the manifold sampler beat random and plain FPS, with stats it did not), knn
(neighbours of the sampler's graph, 8), top (fraction of parameters fine-tuned, 0.3), score (taylor |w * g|
or fisher g^2), steps (40), batch (patches a step, 8), lr (5e-4), patience (epochs without improvement
before stopping, 3), seed (0), loss (full | wald), loss_weights ('spectral,spatial,consistency', default
per sensor preset), spatial_loss (xcorr | structural | ds).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional, TypeVar

from ..errors import EngineError
from ..options import option_value
from ..training.losses import DEFAULT_SPATIAL, SPATIAL_KINDS, weights_for

SAMPLERS = ("manifold", "fps", "random")
EMBEDDINGS = ("stats", "features")
SCORES = ("taylor", "fisher")
LOSSES = ("full", "wald")
T = TypeVar("T")


@dataclass(frozen=True)
class SwiftOptions:
    """Parsed settings (see module doc); loss_weights None means the sensor preset's weights."""

    fraction: float = 0.03
    min_patches: int = 16
    max_patches: int = 64
    patch: int = 64
    sampler: str = "manifold"
    embed: str = "features"
    knn: int = 8
    top: float = 0.3  # measured: 0.1 / 0.2 / 0.3 gave HQNR 0.9273 / 0.9275 / 0.9305 (scripts/bench_swift.py)
    score: str = "taylor"
    steps: int = 40
    batch: int = 8
    lr: float = 5e-4
    patience: int = 3
    seed: int = 0
    loss: str = "full"
    loss_weights: Optional[str] = None
    spatial_loss: str = DEFAULT_SPATIAL


def _get(values: Mapping[str, object], key: str, cast: Callable[[str], T], default: T,
         ok: Callable[[T], bool], rule: str) -> T:
    return option_value(values, key, cast, default, ok, rule, what="SWIFT option")


def _choice(values: Mapping[str, object], key: str, choices: tuple, default: str) -> str:
    return _get(values, key, str, default, lambda v: v in choices, " or ".join(choices))


def parse_swift_options(values: Mapping[str, object]) -> SwiftOptions:
    """Validated options; EngineError (one line) naming an unknown key or a bad value."""
    known = SwiftOptions.__dataclass_fields__
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise EngineError(f"unknown SWIFT option '{unknown[0]}'; known: {', '.join(known)}")
    d = SwiftOptions()
    opts = SwiftOptions(
        fraction=_get(values, "fraction", float, d.fraction, lambda v: 0 < v <= 1, "in (0, 1]"),
        min_patches=_get(values, "min_patches", int, d.min_patches, lambda v: 1 <= v <= 4096,
                          "from 1 to 4096"),
        max_patches=_get(values, "max_patches", int, d.max_patches, lambda v: 1 <= v <= 4096,
                          "from 1 to 4096"),
        patch=_get(values, "patch", int, d.patch, lambda v: 32 <= v <= 512 and v % 32 == 0,
                   "a multiple of 32 from 32 to 512"),
        sampler=_choice(values, "sampler", SAMPLERS, d.sampler),
        embed=_choice(values, "embed", EMBEDDINGS, d.embed),
        knn=_get(values, "knn", int, d.knn, lambda v: 1 <= v <= 64, "from 1 to 64"),
        top=_get(values, "top", float, d.top, lambda v: 0 < v <= 1, "in (0, 1]"),
        score=_choice(values, "score", SCORES, d.score),
        steps=_get(values, "steps", int, d.steps, lambda v: 0 <= v <= 100000, "from 0 to 100000"),
        batch=_get(values, "batch", int, d.batch, lambda v: 1 <= v <= 1024, "from 1 to 1024"),
        lr=_get(values, "lr", float, d.lr, lambda v: 0 < v <= 1, "in (0, 1]"),
        patience=_get(values, "patience", int, d.patience, lambda v: 0 <= v <= 100000,
                      "a non-negative integer (0: no early stop)"),
        seed=_get(values, "seed", int, d.seed, lambda v: v >= 0, "a non-negative integer"),
        loss=_choice(values, "loss", LOSSES, d.loss),
        loss_weights=_get(values, "loss_weights", str, None, lambda v: True, "three numbers"),  # type: ignore[arg-type]
        spatial_loss=_choice(values, "spatial_loss", SPATIAL_KINDS, d.spatial_loss),
    )
    if opts.min_patches > opts.max_patches:
        raise EngineError(f"SWIFT option min_patches ({opts.min_patches}) exceeds max_patches "
                          f"({opts.max_patches})")
    if opts.loss_weights is not None:
        weights_for("generic", opts.loss_weights, opts.spatial_loss)
    return opts


def sample_count(candidates: int, opts: SwiftOptions) -> int:
    """Patches to choose: fraction of the candidates, at least min_patches, at most max_patches and the
    candidates themselves."""
    return max(1, min(candidates, opts.max_patches, max(opts.min_patches, round(opts.fraction * candidates))))
