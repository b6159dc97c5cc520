"""Reduced-resolution scores of the SB net against FusionNet and MTF-GLP, its speed and its uncertainty.

    python scripts/training/evaluate_generative.py [--data ../shared/data] [--weights DIR] [--json PATH]

On the held-out pairs of the 4-band models (scripts/training/data.py evaluation_pairs: QuickBird whole, the
bottom quarters of Pleiades and Landsat-8, Landsat-7 scenes 36-39, and their 6/7-band versions by band
groups), one CPU thread, Wald protocol, toolbox border cut (scripts/training/evaluate.py):
  - Q2n / SAM / ERGAS of every SB configuration (CONFIGS), the shipped fusionnet_4b and MTF-GLP;
  - Spearman rank correlation between the spread of the K-sample configuration (std over samples, RMS over
    bands; pooled over 5 x 5 px as the engine's uncertainty raster, and per pixel) and the per-pixel absolute
    error of its mean (mean over bands), per pair;
  - seconds per 512 x 512 x 4 input for each configuration and for FusionNet, in the same process (best of 3).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
from scipy.stats import spearmanr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from engine.backbones.tiling import band_groups  # noqa: E402
from engine.generative.sb import (  # noqa: E402
    MODEL_BANDS,
    SPREAD_RADIUS,
    WEIGHTS_NAME,
    bridge_samples,
    pooled_spread,
)
from engine.generative.weights import GENERATIVE_DIR, load_unet  # noqa: E402
from engine.weights.shipped import load_backbone  # noqa: E402
from training.data import Pair, evaluation_pairs  # noqa: E402
from training.evaluate import BORDER, fuse_backbone, fuse_mtf_glp, lms_of, score  # noqa: E402

#: name -> (steps, samples, sampler)
CONFIGS: Dict[str, Tuple[int, int, str]] = {"sb ode 1 step": (1, 1, "ode"), "sb sde 3 steps": (3, 1, "sde"),
                                            "sb sde 3 steps x4 (mean)": (3, 4, "sde")}
UNCERTAINTY = "sb sde 3 steps x4 (mean)"  # the uncertainty raster's default sampling
DEFAULT_OUTPUT = "sb ode 1 step"  # the method's default output


def fuse_sb(net: torch.nn.Module, pair: Pair, steps: int, samples: int, mode: str,
            seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """(mean (C, H, W), per-pixel spread (C, H, W)) of the pair, normalised, band groups as inference."""
    lms, pan = lms_of(pair), torch.from_numpy(pair.pan)[None]
    mean, spread = torch.empty_like(lms), torch.empty_like(lms)
    with torch.inference_mode():
        for idx, keep in band_groups(lms.shape[1], MODEL_BANDS):
            m, s = bridge_samples(net, pan, lms[:, idx], idx, steps, samples, seed, mode, (0, 0))
            pick = [idx.index(k) for k in keep]
            mean[:, keep], spread[:, keep] = m[:, pick], s[:, pick]
    return mean[0].numpy(), spread[0].numpy()


def rank_correlation(fused: np.ndarray, spread: np.ndarray, ref: np.ndarray, border: int,
                     radius: int = SPREAD_RADIUS) -> float:
    """Spearman correlation of the spread (pooled over `radius` as sb.pooled_spread, RMS over bands) and the
    per-pixel absolute error (mean over bands)."""
    spread = pooled_spread(torch.from_numpy(spread)[None], radius)[0].numpy()
    cut = (slice(None), slice(border, -border or None), slice(border, -border or None))
    err = np.abs(fused - ref)[cut].mean(0).ravel()
    unc = np.sqrt((spread[cut] ** 2).mean(0)).ravel()
    return float(spearmanr(unc, err).correlation)


def seconds_per_512(fn: Callable[[torch.Tensor, torch.Tensor], object]) -> float:
    """Best of 3 wall times of fn(lms (1, 4, 512, 512), pan (1, 1, 512, 512))."""
    g = torch.Generator().manual_seed(0)
    lms, pan = torch.rand(1, 4, 512, 512, generator=g) * 0.3, torch.rand(1, 1, 512, 512, generator=g) * 0.3
    best = float("inf")
    with torch.inference_mode():
        for _ in range(3):
            t0 = time.perf_counter()
            fn(lms, pan)
            best = min(best, time.perf_counter() - t0)
    return best


def evaluate(data: str, weights: str, limit: int = 0) -> dict:
    """Indices, rank correlations and timing (see module doc); limit > 0: only the first `limit` pairs."""
    torch.set_num_threads(1)
    pairs = evaluation_pairs(data, 4)[:limit or None]
    net = load_unet(WEIGHTS_NAME, MODEL_BANDS, torch.device("cpu"), weights)
    fusionnet = load_backbone("fusionnet", 4, torch.device("cpu"))
    rows: Dict[str, List[dict]] = {"fusionnet_4b": score(pairs, lambda p: fuse_backbone(fusionnet, p, 4)),
                                   "mtf_glp": score(pairs, fuse_mtf_glp)}
    caches: Dict[str, Dict[str, Tuple[np.ndarray, np.ndarray]]] = {}
    for name, (steps, samples, mode) in CONFIGS.items():
        cache = caches.setdefault(name, {})

        def fuse(p: Pair, steps: int = steps, samples: int = samples, mode: str = mode,
                 cache: Dict[str, Tuple[np.ndarray, np.ndarray]] = cache) -> np.ndarray:
            cache[p.name] = fuse_sb(net, p, steps, samples, mode)
            return cache[p.name][0]
        rows[name] = score(pairs, fuse)
    return {"indices": rows, "spread_error_spearman": _correlations(pairs, caches),
            "seconds_per_512x4": _timing(net, fusionnet)}


def _correlations(pairs: List[Pair], caches: Dict[str, Dict[str, Tuple[np.ndarray, np.ndarray]]]
                  ) -> List[dict]:
    """Per pair: Spearman of the UNCERTAINTY configuration's spread against the absolute error of its own
    mean (pooled and per pixel) and of the default output (DEFAULT_OUTPUT, pooled)."""
    corr = []
    for p in pairs:
        border = min(BORDER * p.ratio // 4, p.ref.shape[1] // 8)
        mean, spread = caches[UNCERTAINTY][p.name]
        default = caches[DEFAULT_OUTPUT][p.name][0]
        corr.append({"pair": p.name, "spearman": rank_correlation(mean, spread, p.ref, border),
                     "spearman_pixel": rank_correlation(mean, spread, p.ref, border, 0),
                     "spearman_default": rank_correlation(default, spread, p.ref, border)})
    return corr


def _timing(net: torch.nn.Module, fusionnet: torch.nn.Module) -> Dict[str, float]:
    """Seconds per 512 x 512 x 4 of FusionNet and of every configuration, this process, one thread."""
    timing = {"fusionnet_4b": seconds_per_512(lambda lms, pan: fusionnet(lms, pan))}
    for name, (steps, samples, mode) in CONFIGS.items():
        timing[name] = seconds_per_512(lambda lms, pan, s=steps, k=samples, m=mode: bridge_samples(
            net, pan, lms, [0, 1, 2, 3], s, k, 0, m, (0, 0)))
    return timing


def markdown(result: dict) -> str:
    """The model card's tables: Q2n / SAM per pair and method; rank correlations; timing."""
    rows = result["indices"]
    pairs = [r["pair"] for r in rows["mtf_glp"]]
    lines = ["| pair | " + " | ".join(rows) + " |", "|---" * (len(rows) + 1) + "|"]
    for i, p in enumerate(pairs):
        lines.append(f"| {p} | " + " | ".join(f"{rows[m][i]['Q2n']:.4f} / {rows[m][i]['SAM']:.3f}"
                                                for m in rows) + " |")
    lines.append("| mean (all but QuickBird) | " + " | ".join(
        f"{np.mean([r['Q2n'] for r in rows[m][1:]]):.4f} / {np.mean([r['SAM'] for r in rows[m][1:]]):.3f}"
        for m in rows) + " |")
    corr = result["spread_error_spearman"]
    median = np.median([c["spearman"] for c in corr])
    median_default = np.median([c["spearman_default"] for c in corr])
    lines += ["", f"Spread-error Spearman (spread of {UNCERTAINTY}; error of its mean, 5 x 5 pooled / per "
              f"pixel; error of {DEFAULT_OUTPUT}, pooled): " + ", ".join(
                  f"{c['pair']} {c['spearman']:.2f} / {c['spearman_pixel']:.2f} / {c['spearman_default']:.2f}"
                  for c in corr)
              + f"; medians (pooled) {median:.2f} / {median_default:.2f}"]
    base = result["seconds_per_512x4"]["fusionnet_4b"]
    lines += ["", "Seconds per 512 x 512 x 4 (one thread): " + ", ".join(
        f"{k} {v:.2f} s ({v / base:.1f}x)" for k, v in result["seconds_per_512x4"].items())]
    return "\n".join(lines)


def record(result: dict, folder: str) -> None:
    """Write the figures into the sb_4b entry of folder/manifest.json: held-out indices of the default output,
    FusionNet and MTF-GLP, every configuration's indices, the rank correlations and the timing."""
    path = os.path.join(folder, "manifest.json")
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
    entry = manifest["models"][f"{WEIGHTS_NAME}_{MODEL_BANDS}b"]
    rows = result["indices"]
    entry["held_out_indices"] = {"sb": rows[DEFAULT_OUTPUT], "fusionnet_4b": rows["fusionnet_4b"],
                                 "mtf_glp": rows["mtf_glp"],
                                 "configurations": {k: v for k, v in rows.items() if k in CONFIGS}}
    entry["uncertainty_spearman"] = result["spread_error_spearman"]
    entry["seconds_per_512x4"] = result["seconds_per_512x4"]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--weights", default=GENERATIVE_DIR)
    ap.add_argument("--json", default="")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pairs (a quick check)")
    ap.add_argument("--from-json", default="", help="print (and record) a result saved by --json")
    ap.add_argument("--update-manifest", action="store_true",
                    help="record the figures in the weights folder's manifest (the weight file is untouched)")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            result = json.load(f)
    else:
        result = evaluate(args.data, args.weights, args.limit)
    if args.update_manifest:
        record(result, args.weights)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    print(markdown(result))


if __name__ == "__main__":
    main()
