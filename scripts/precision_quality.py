"""Quality of `--precision auto` (or another) against fp32 on the bundled real pairs (issue 17 item 3).

Per backbone and pair: reduced-resolution Q2n / SAM and full-resolution D_rho / D_lambda_K of both runs
and their differences. Usage: python scripts/precision_quality.py [--pairs pleiades,landsat7]
[--backbones pnn,...] [--precision auto]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from engine.backbones import BACKBONES  # noqa: E402
from engine.evaluation.runs import run_reduced, run_with_report  # noqa: E402
from engine.request import PansharpenRequest  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
INDICES = ("Q2n", "SAM", "D_rho", "D_lambda_K")


def indices(pair: str, backbone: str, precision: str, folder: str) -> Dict[str, float]:
    """Q2n, SAM (reduced resolution) and D_rho, D_lambda_K (full resolution) of one run."""
    pan, ms = (os.path.join(DATA, f"{pair}_{r}.tif") for r in ("pan", "ms"))
    out = os.path.join(folder, f"{pair}_{backbone}_{precision}")
    req = PansharpenRequest(pan, ms, out + "_rr.tif", method=backbone, device="cpu", precision=precision)
    _, reduced = run_reduced(req)
    _, full = run_with_report(PansharpenRequest(pan, ms, out + "_fr.tif", method=backbone, device="cpu",
                                                precision=precision))
    return {"Q2n": reduced.indices["Q2n"], "SAM": reduced.indices["SAM"], "D_rho": full.indices["D_rho"],
            "D_lambda_K": full.indices["D_lambda_K"]}


def differences(pair: str, backbone: str, precision: str) -> Tuple[Dict[str, float], Dict[str, float]]:
    """(fp32 indices, |precision - fp32| per index)."""
    with tempfile.TemporaryDirectory() as folder:
        ref = indices(pair, backbone, "fp32", folder)
        other = indices(pair, backbone, precision, folder)
    return ref, {k: abs(other[k] - ref[k]) for k in INDICES}


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", default="pleiades,quickbird,landsat7,landsat8")
    ap.add_argument("--backbones", default=",".join(BACKBONES))
    ap.add_argument("--precision", default="auto")
    args = ap.parse_args(argv)
    print(f"| pair | backbone | fp32 Q2n / SAM / D_rho / D_lambda_K "
          f"| abs({args.precision} - fp32), same order |")
    print("|---|---|---|---|")
    for pair in args.pairs.split(","):
        for backbone in args.backbones.split(","):
            ref, diff = differences(pair, backbone, args.precision)
            print(f"| {pair} | {backbone} | " + " / ".join(f"{ref[k]:.4f}" for k in INDICES) + " | "
                  + " / ".join(f"{diff[k]:.1e}" for k in INDICES) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
