"""Experiment: does co-registering the training pairs change cross-sensor (QuickBird) results?

    python scripts/training/registration_experiment.py asis|registered [--backbone dicnn] [--steps 2000]

Trains a 4-band backbone exactly like scripts/train_backbone.py (same sampler, schedule and seed) on the
training pairs either as delivered ('asis') or with each full-resolution PAN shifted onto its MS
('registered': the sub-pixel offset that best aligns the MS intensity's gradients with the PAN's block means,
searched on a 0.25 MS-pixel grid within +-1 MS pixel, bicubic interpolation), then scores it on the held-out
pairs as delivered, next to MTF-GLP. Nothing is written; the shipped weights are untouched.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import train_backbone  # noqa: E402

import training.data as data  # noqa: E402
from training.evaluate import fuse_backbone, fuse_mtf_glp, score  # noqa: E402


def shifted(img: np.ndarray, offset: Tuple[float, float]) -> np.ndarray:
    """img (h, w) moved by (dy, dx) pixels (content at p goes to p + offset), bicubic, edges clamped."""
    h, w = img.shape
    ys = torch.arange(h, dtype=torch.float64) - offset[0]
    xs = torch.arange(w, dtype=torch.float64) - offset[1]
    gy, gx = torch.meshgrid(2 * ys / (h - 1) - 1, 2 * xs / (w - 1) - 1, indexing="ij")
    grid = torch.stack([gx, gy], -1)[None]
    src = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float64))[None, None]
    out = F.grid_sample(src, grid, mode="bicubic", padding_mode="border", align_corners=True)
    return out[0, 0].numpy()


def _edges(img: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    core = img[4:-4, 4:-4]
    return np.diff(core, axis=1).ravel(), np.diff(core, axis=0).ravel()


def ms_offset(pan: np.ndarray, ms: np.ndarray, ratio: int) -> Tuple[float, float]:
    """(dy, dx) in MS pixels by which the MS mean (C, h, w) best matches the PAN (1, H, W) block means."""
    h, w = ms.shape[1:]
    low = pan[0, :h * ratio, :w * ratio].reshape(h, ratio, w, ratio).mean(axis=(1, 3)).astype(np.float64)
    gx, gy = _edges(low)
    mean = ms.mean(0).astype(np.float64)
    best = (-np.inf, 0.0, 0.0)
    for dy in np.arange(-1, 1.01, 0.25):
        for dx in np.arange(-1, 1.01, 0.25):
            sx, sy = _edges(shifted(mean, (dy, dx)))
            c = np.corrcoef(sx, gx)[0, 1] + np.corrcoef(sy, gy)[0, 1]
            if c > best[0]:
                best = (c, float(dy), float(dx))
    return best[1], best[2]


_WALD = data.wald


def _registered_wald(name, pan, ms, ratio, scale, gains, pan_gain):  # type: ignore[no-untyped-def]
    dy, dx = ms_offset(pan, ms, ratio)
    pan = shifted(pan[0], (-dy * ratio, -dx * ratio))[None].astype(np.float32)
    print(f"  {name}: MS offset {dy:+.2f} {dx:+.2f} MS px, PAN shifted onto it", flush=True)
    return _WALD(name, pan, ms, ratio, scale, gains, pan_gain)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=("asis", "registered"))
    ap.add_argument("--backbone", default="dicnn")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.mode == "registered":
        data.wald = _registered_wald  # training pairs only (the 4-band set has no simulated sensor)
    net, _, loss, _ = train_backbone.train(args.backbone, 4, args.data, args.steps, 0)
    data.wald = _WALD
    held = data.held_out_pairs(args.data, 4)
    print(f"{args.mode}: final L1 {loss:.5f}")
    for r, g in zip(score(held, lambda p: fuse_backbone(net, p, 4)), score(held, fuse_mtf_glp)):
        print(f"{args.mode} {r['pair']:35s} Q2n {r['Q2n']:.4f} (GLP {g['Q2n']:.4f})  "
              f"SAM {r['SAM']:.3f} (GLP {g['SAM']:.3f})")


if __name__ == "__main__":
    main()
