"""SWIFT benchmark on Landsat-7 ETM+ (FuseBox) scenes: time of adapt-sensor and HQNR on unseen scenes.

    python scripts/bench_swift.py ../shared/data [--work DIR] [--method fusionnet] [--test 8] [--seeds 3]
                                  [--compare-steps 20] [--compare-option KEY=VALUE ...] [--compare-only]

Data (see resources/weights/MODEL_CARD.md): the 4-band backbones were trained on Landsat-7 FuseBox scenes
01-35 at reduced resolution (Wald protocol) and never saw scenes 36-39. Adaptation folder: 20 scenes (16-35),
the top-left 400 x 400 PAN px (200 x 200 MS) of each, bands blue, green, red, NIR (FuseBox order is red,
green, blue, nir, swir1, swir2). Unseen test scenes: 400 x 400 crops of the held-out scenes 36-39 (corners
in turn), never used by the backbone training nor by SWIFT. So the sensor is not new to the backbone; what
SWIFT adapts to is the full-resolution statistics of this sensor (the backbone only saw it degraded).
QuickBird, the one sensor held out of training, has a single 500 x 500 scene: too little for 20 scenes.
Prints: adapt-sensor wall time with default settings; mean HQNR on the unseen scenes for direct transfer,
SWIFT, Feature Tailor, SWIFT + Feature Tailor; a sampler comparison (manifold, fps, random; same sample
size; mean over seeds) and a top-fraction comparison (0.1, 0.2, 0.3), both with --compare-steps steps.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Sequence

import numpy as np
from osgeo import gdal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.evaluation.harness import Pair, evaluate_one, find_pairs  # noqa: E402
from engine.swift.request import SensorAdaptRequest  # noqa: E402
from engine.swift.run import adapt_sensor  # noqa: E402

BANDS = [3, 2, 1, 4]  # blue, green, red, nir from FuseBox's red, green, blue, nir, swir1, swir2
SIDE = 400


def crop(src: str, scene: int, corner: int, out: str, name: str) -> None:
    """Write out/NAME_pan.tif and NAME_ms.tif: a SIDE px PAN crop at a corner (0..3) and its MS."""
    y, x = divmod(corner, 2)
    pan = os.path.join(src, f"{scene:02d}_pan.tif")
    ms = os.path.join(src, f"{scene:02d}_ms.tif")
    w = gdal.Open(pan).RasterXSize
    px, py = x * (w - SIDE), y * (w - SIDE)
    # UInt16 holding the 8-bit values unchanged (same input scale 255): a 4-band Byte output would be
    # written as RGB + alpha by GDAL's GeoTIFF defaults and read back as 3 bands
    gdal.Translate(os.path.join(out, f"{name}_pan.tif"), pan, srcWin=[px, py, SIDE, SIDE],
                   outputType=gdal.GDT_UInt16)
    gdal.Translate(os.path.join(out, f"{name}_ms.tif"), ms, bandList=BANDS, outputType=gdal.GDT_UInt16,
                   srcWin=[px // 2, py // 2, SIDE // 2, SIDE // 2])


def build(data: str, work: str, test: int) -> tuple:
    src = os.path.join(data, "landsat7_fusebox")
    adapt_dir, test_dir = os.path.join(work, "adapt"), os.path.join(work, "unseen")
    for d in (adapt_dir, test_dir):
        os.makedirs(d, exist_ok=True)
    if len(os.listdir(adapt_dir)) < 40:
        for s in range(16, 36):
            crop(src, s, 0, adapt_dir, f"l7_{s:02d}")
    if len(os.listdir(test_dir)) < 2 * test:
        for k in range(test):
            crop(src, 36 + k % 4, k // 4 % 4, test_dir, f"l7_{36 + k % 4:02d}_c{k // 4}")
    return adapt_dir, test_dir


def hqnr(pairs: Sequence[Pair], method: str, adapt: str = "none") -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return float(np.mean([evaluate_one(p, method, adapt, tmp, "auto", device="cpu")["hqnr"]
                              for p in pairs]))


def swift(adapt_dir: str, method: str, out: str, options: Dict[str, object]) -> str:
    pairs = tuple((p.pan, p.ms) for p in find_pairs(adapt_dir))
    adapt_sensor(SensorAdaptRequest(pairs, method, out, "auto", "cpu", dict(options)))  # type: ignore[arg-type]
    return out


def main(argv: List[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "bench_swift"))
    ap.add_argument("--method", default="fusionnet")
    ap.add_argument("--test", type=int, default=8, help="unseen test crops (4 held-out scenes x corners)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--compare-steps", type=int, default=20)
    ap.add_argument("--reuse", action="store_true", help="reuse an existing default model")
    ap.add_argument("--compare-option", action="append", default=[], metavar="KEY=VALUE",
                    help="SWIFT option added to every comparison run (e.g. embed=features)")
    ap.add_argument("--compare-only", action="store_true",
                    help="skip adapt-sensor and the method table: only the comparisons")
    args = ap.parse_args(argv)
    extra: Dict[str, object] = dict(o.split("=", 1) for o in args.compare_option)
    adapt_dir, test_dir = build(args.data, args.work, args.test)
    unseen = find_pairs(test_dir)
    model = os.path.join(args.work, "swift_default.safetensors")
    if not args.compare_only:
        main_table(args, adapt_dir, unseen, model)
    tag = "".join(f"_{k}{v}" for k, v in extra.items())
    print(f"\nsampler comparison (same sample size, {args.compare_steps} steps, seeds 0..{args.seeds - 1}, "
          f"options {extra or 'defaults'}):")
    print("| sampler | mean HQNR | per seed |\n|---|---:|---|")
    for sampler in ("manifold", "fps", "random"):
        scores = []
        for seed in range(args.seeds):
            path = os.path.join(args.work, f"s_{sampler}{seed}{tag}.safetensors")
            opts = {**extra, "sampler": sampler, "seed": seed, "steps": args.compare_steps}
            scores.append(hqnr(unseen, swift(adapt_dir, args.method, path, opts)))
        print(f"| {sampler} | {np.mean(scores):.4f} | {', '.join(f'{s:.4f}' for s in scores)} |", flush=True)
    print(f"\ntop fraction (manifold, seed 0, {args.compare_steps} steps, options {extra or 'defaults'}):")
    print("| top | HQNR |\n|---|---:|")
    for top in (0.1, 0.2, 0.3):
        path = swift(adapt_dir, args.method, os.path.join(args.work, f"top{top}{tag}.safetensors"),
                     {**extra, "top": top, "steps": args.compare_steps})
        print(f"| {top} | {hqnr(unseen, path):.4f} |", flush=True)


def main_table(args: argparse.Namespace, adapt_dir: str, unseen: List[Pair], model: str) -> None:
    """adapt-sensor with default settings (timed), then HQNR on the unseen crops per method."""
    if args.reuse and os.path.exists(model):
        with open(os.path.splitext(model)[0] + ".json", encoding="utf-8") as f:
            seconds = json.load(f)["seconds"]
        print(f"adapt-sensor (reused model): {sum(seconds.values()):.1f} s in its stages {seconds}")
    else:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "engine", "adapt-sensor", "--pairs", adapt_dir, "--method",
                        args.method, "--out", model, "--sensor", "auto", "--device", "cpu", "--quiet"],
                       check=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        wall = time.perf_counter() - t0
        print(f"adapt-sensor, default settings, {len(find_pairs(adapt_dir))} scenes of {SIDE}x{SIDE} PAN "
              f"(4 bands), {args.method}: {wall:.1f} s wall (CLI, process start included)", flush=True)
    print(f"\nmean HQNR on {len(unseen)} unseen 400x400 crops of held-out scenes 36-39:")
    print("| method | HQNR |\n|---|---:|")
    for label, method, adapt in (("direct transfer", args.method, "none"), ("SWIFT", model, "none"),
                                 ("Feature Tailor", args.method, "tailor"),
                                 ("SWIFT + Feature Tailor", model, "tailor")):
        print(f"| {label} | {hqnr(unseen, method, adapt):.4f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
