"""Reduced-resolution (Wald protocol) Q2n / SAM of classical methods on the bundled and the shared real pairs.

    python scripts/bench_reduced.py --data ../shared/data [--methods mtf_glp,mtf_glp_fs,...] [--bundled-only]

Each pair goes through `engine.evaluation.assess.run_reduced` (what `python -m engine run --reduced` does):
PAN and MS
degraded by the ratio with the sensor preset's MTF filters, the whole method run on the degraded pair, the
result scored against the original MS (centred window of at most 1024 MS pixels, toolbox border cut). Pairs:
the four bundled crops (tests/data), and from --data the QuickBird Toulouse, Pleiades OTB and Landsat-8
scenes, the four Landsat-7 FuseBox scenes 36-39 (mean) and the EO-1 ALI pair (9 bands, ratio 3, cut to the
PAN's extent as scripts/make_eval_pairs.py does). Prints a markdown table, one row per method, Q2n / SAM
(degrees) per pair; bold: beats MTF-GLP on both.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))

from make_eval_pairs import eo1_ali  # noqa: E402

from engine.evaluation.runs import run_reduced  # noqa: E402
from engine.request import PansharpenRequest  # noqa: E402

METHODS = "mtf_glp,mtf_glp_hpm,mtf_glp_fs,mtf_glp_hpm_r,bdsd_pc,awlp"
BUNDLED = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
Pair = Tuple[str, List[Tuple[str, str]]]  # column name, (pan, ms) scenes averaged in it


def pairs(data: str, scratch: str, bundled_only: bool) -> List[Pair]:
    out: List[Pair] = [(f"{name} crop", [(os.path.join(BUNDLED, f"{name}_pan.tif"),
                                          os.path.join(BUNDLED, f"{name}_ms.tif"))])
                       for name in ("quickbird", "pleiades", "landsat8", "landsat7")]
    if bundled_only:
        return out
    for name, folder in (("QuickBird", "quickbird_toulouse"), ("Pleiades", "pleiades_otb"),
                         ("Landsat-8", "landsat8")):
        out.append((name, [(os.path.join(data, folder, "pan.tif"), os.path.join(data, folder, "ms.tif"))]))
    l7 = os.path.join(data, "landsat7_fusebox")
    out.append(("Landsat-7 36-39", [(os.path.join(l7, f"{i}_pan.tif"), os.path.join(l7, f"{i}_ms.tif"))
                                    for i in range(36, 40)]))
    eo1_ali(data, scratch)
    out.append(("EO-1 ALI", [(os.path.join(scratch, "eo1ali_paris_pan.tif"),
                              os.path.join(scratch, "eo1ali_paris_ms.tif"))]))
    return out


def score(scenes: List[Tuple[str, str]], method: str, options: Dict[str, str],
          out: str) -> Tuple[float, float]:
    """Mean Q2n and SAM of the method over the scenes."""
    q, sam = [], []
    for pan, ms in scenes:
        request = PansharpenRequest(pan=pan, ms=ms, output=out, method=method, options=options, device="cpu")
        indices = run_reduced(request)[1].indices
        q.append(indices["Q2n"])
        sam.append(indices["SAM"])
    return sum(q) / len(q), sum(sam) / len(sam)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--methods", default=METHODS, help="comma-separated; NAME+key=value adds a method option")
    ap.add_argument("--bundled-only", action="store_true", help="only the four crops in tests/data")
    args = ap.parse_args()
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory() as scratch:
        columns = pairs(args.data, scratch, args.bundled_only)
        table: Dict[str, List[Tuple[float, float]]] = {}
        for method in methods:
            name, _, option = method.partition("+")
            options = dict([option.split("=", 1)]) if option else {}
            table[method] = [score(scenes, name, options, os.path.join(scratch, "fused.tif"))
                             for _, scenes in columns]
            print(f"done: {method}", file=sys.stderr)
    print("| method | " + " | ".join(name for name, _ in columns) + " |")
    print("|---|" + "---|" * len(columns))
    ref = table.get("mtf_glp")
    for method, cells in table.items():
        text = []
        for i, (q, sam) in enumerate(cells):
            cell = f"{q:.3f}/{sam:.2f}"
            better = ref is not None and method != "mtf_glp" and q > ref[i][0] and sam < ref[i][1]
            text.append(f"**{cell}**" if better else cell)
        print(f"| {method} | " + " | ".join(text) + " |")


if __name__ == "__main__":
    main()
