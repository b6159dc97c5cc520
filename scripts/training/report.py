"""Reduced-resolution table: shipped backbones against classical methods on the held-out pairs.

    python scripts/training/report.py [--data ../shared/data] [--update-manifest]

Everything is recomputed with the shipped weights (checksums checked); prints Markdown tables (Q2n, SAM) per
band set, then the model card's table (Q2n / SAM, Landsat-7 scenes averaged, bold: beats MTF-GLP on both).
--update-manifest rewrites each model's held_out_indices (the weight files are not touched).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Dict, List

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "scripts"))

from engine.backbones import BACKBONES  # noqa: E402
from engine.weights.shipped import MANIFEST, WEIGHTS_DIR, load_backbone, read_manifest  # noqa: E402
from training.data import evaluation_pairs, training_sources  # noqa: E402
from training.evaluate import fuse_backbone, fuse_classical, score  # noqa: E402

CLASSICAL = ("gsa", "mtf_glp", "mtf_glp_hpm")


def _table(pairs: List[str], rows: Dict[str, Dict[str, dict]], key: str) -> str:
    lines = [f"| {key} | " + " | ".join(pairs) + " |", "|---" * (len(pairs) + 1) + "|"]
    for method, by_pair in rows.items():
        cells = []
        for p in pairs:
            v = by_pair.get(p, {}).get(key)
            cells.append("-" if v is None else f"{v:.4f}" if key == "Q2n" else f"{v:.3f}")
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


CARD_NAMES = {"quickbird_toulouse (held out)": "QuickBird (cross-sensor)",
              "pleiades_otb (held out)": "Pleiades", "landsat8 (held out)": "Landsat-8",
              "landsat8 (held out), 7 bands": "Landsat-8, 7 bands (groups)",
              "sentinel2 8-band simulation (held out)": "Sentinel-2 8-band simulation"}


def _group(pair: str) -> str:
    """Model-card column of a pair: Landsat-7 scenes are averaged per band set."""
    if pair.startswith("landsat7 scene"):
        six = pair.endswith("6 bands")
        return "Landsat-7 " + ("6 bands (groups), mean of 4" if six else "(mean of 4 scenes)")
    return CARD_NAMES.get(pair, pair)


def card_table(pairs: List[str], rows: Dict[str, Dict[str, dict]]) -> str:
    """The model card's table: Q2n / SAM per column (Landsat-7 scenes averaged); bold where a method beats
    MTF-GLP on both."""
    cols = list(dict.fromkeys(_group(p) for p in pairs))

    def mean(method: str, col: str, key: str) -> float:
        vals = [rows[method][p][key] for p in pairs if _group(p) == col and p in rows[method]]
        return sum(vals) / len(vals)

    lines = ["| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for method in rows:
        cells = []
        for c in cols:
            q, a = mean(method, c, "Q2n"), mean(method, c, "SAM")
            better = q > mean("mtf_glp", c, "Q2n") and a < mean("mtf_glp", c, "SAM")
            cell = f"{q:.3f} / {a:.2f}"
            cells.append(f"**{cell}**" if better and method not in CLASSICAL else cell)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--update-manifest", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    manifest = read_manifest()
    models = manifest["models"]
    for bands in (4, 8):
        pairs = evaluation_pairs(args.data, bands)
        names = [p.name for p in pairs]
        rows: Dict[str, Dict[str, dict]] = {}
        for m in CLASSICAL:
            rows[m] = {r["pair"]: r for r in score(pairs, lambda p: fuse_classical(p, m))}  # noqa: B023
        for b in BACKBONES:
            entry = models.get(f"{b}_{bands}b")
            if entry:
                net = load_backbone(b, bands, torch.device("cpu"))
                scored = score(pairs, lambda p: fuse_backbone(net, p, bands))  # noqa: B023
                rows[b] = {r["pair"]: r for r in scored}
                entry["held_out_indices"] = {"backbone": scored,
                                             "mtf_glp": list(rows["mtf_glp"].values())}
                train = entry.setdefault("training", {})
                train["data"] = training_sources(bands, train.get("band_group_share", 0.0))
        print(f"\n### {bands}-band models, held-out pairs at reduced resolution\n")
        print(_table(names, rows, "Q2n") + "\n")
        print(_table(names, rows, "SAM") + "\n")
        print(card_table(names, rows))
    if args.update_manifest:
        with open(os.path.join(WEIGHTS_DIR, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
