"""Run scripts/train_backbone.py for a 4-band backbone with some of its parts replaced (training experiments).

Each experiment script swaps module attributes of train_backbone (Sampler, build_backbone, save_weights, ...)
and hands its command line here, so training, held-out scoring and manifest writing are never written again.
"""
from __future__ import annotations

import sys
from typing import Any, List

import train_backbone


def run_variant(argv: List[str], **replace: Any) -> None:
    """train_backbone.main() on `BACKBONE --bands 4 [options]` from argv (BACKBONE first) with the named
    train_backbone attributes replaced; refuses to run without --out so the shipped weights stay untouched."""
    if "--out" not in argv:
        raise SystemExit("give --out DIR: the experiment must not replace the shipped weights")
    for name, value in replace.items():
        setattr(train_backbone, name, value)
    sys.argv = [sys.argv[0], *argv[:1], "--bands", "4", *argv[1:]]
    train_backbone.main()
