"""The product's main jobs on the bundled sample, judged by the full-resolution protocol and by a picture.

    python scripts/demo.py [OUTPUT_FOLDER]   (make demo: demo-output)

The bundled QuickBird crop (tests/data; QuickBird is held out of the backbones' training) is fused three
ways: the default method (mtf_glp_hpm, the best by the protocol on the cross-sensor pairs, see README), the
pretrained FusionNet without adaptation (direct transfer), and FusionNet adapted to the image with Feature
Tailor (the guard decides whether the adaptation is kept). Each output is scored at full resolution
(engine.evaluation.assess.assess_files: D_rho, R-Q2n, R-SAM of Scarpa & Ciotola, the regression-based
D_s_R, and HQNR,
which rewards smooth results and is not the judge) and the whole job is run again at reduced resolution
(Wald protocol, engine.evaluation.assess.run_reduced: Q2n against the MS). A table of indices and timings
is printed and
a contact sheet (one window, one stretch for every panel) is written with the fused rasters and the
tailored run's quality report into OUTPUT_FOLDER.
"""
from __future__ import annotations

import os
import sys
import tempfile
from typing import List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.cli.common import progress_bar  # noqa: E402
from engine.evaluation.assess import assess_files  # noqa: E402
from engine.evaluation.quicklook import Panel, render_quicklook, run_title  # noqa: E402
from engine.evaluation.runs import run_reduced  # noqa: E402
from engine.pipeline import run  # noqa: E402
from engine.request import DEFAULT_METHOD, PansharpenRequest  # noqa: E402

PAN = os.path.join(ROOT, "tests", "data", "quickbird_pan.tif")
MS = os.path.join(ROOT, "tests", "data", "quickbird_ms.tif")
#: (method, adaptation): the default first
RUNS: List[Tuple[str, str]] = [(DEFAULT_METHOD, "none"), ("fusionnet", "none"), ("fusionnet", "tailor")]
COLUMNS = ("D_rho", "R_Q2n", "R_SAM", "D_s_R", "HQNR")


def _reduced_q2n(method: str, adapt: str) -> float:
    """Q2n of the whole job run on the pair degraded by the ratio, against the MS."""
    with tempfile.TemporaryDirectory() as folder:
        _, report = run_reduced(PansharpenRequest(PAN, MS, os.path.join(folder, "r.tif"), method=method,
                                                  adapt=adapt))
    return report.indices["Q2n"]


def main(folder: str) -> int:
    os.makedirs(folder, exist_ok=True)
    rows, panels = [], []
    for method, adapt in RUNS:
        out = os.path.join(folder, f"quickbird_{method}_{adapt}.tif")
        print(f"{method}, adapt {adapt} -> {out}", file=sys.stderr)
        with progress_bar(False) as progress:
            result = run(PansharpenRequest(PAN, MS, out, method=method, adapt=adapt), progress)
        report = assess_files(PAN, MS, out, sensor=result.sensor)
        for note in result.notes:
            print(f"note: {note}", file=sys.stderr)
        if adapt != "none":
            report.write_json(os.path.join(folder, "quickbird_report.json"))
        kept = "-" if not result.guard else ("kept" if result.guard["kept"] else "not kept")
        rows.append((method, adapt, report.indices, _reduced_q2n(method, adapt), kept, result.adapt_seconds,
                     result.seconds))
        panels.append(Panel(run_title(method, adapt), out))
    sheet = os.path.join(folder, "quickbird_contact_sheet.png")
    render_quicklook(PAN, MS, panels[1:], sheet, reference=panels[0].path,
                     heading="make demo: the bundled QuickBird crop")
    print(f"\nQuickBird sample ({os.path.relpath(PAN, ROOT)}): full-resolution indices (D_rho, D_s_R, R-SAM "
          "lower is better; R-Q2n, HQNR higher), reduced-resolution Q2n (higher), the adaptation guard's "
          "decision, seconds:")
    print("| method | adapt | " + " | ".join(COLUMNS) + " | RR Q2n | guard | adaptation s | total s |")
    print("|---|---|" + "---:|" * (len(COLUMNS) + 1) + "---|---:|---:|")
    for method, adapt, idx, rr, kept, adapt_s, total in rows:
        values = " | ".join(f"{idx[k]:.4f}" for k in COLUMNS)
        print(f"| {method} | {adapt} | {values} | {rr:.4f} | {kept} | {adapt_s:.2f} | {total:.2f} |")
    print(f"\ncontact sheet: {sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "demo-output")))
