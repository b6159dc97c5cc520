"""Benchmark Feature Tailor against plain inference (and optionally whole-net fine-tuning) on a real crop.

    python scripts/bench_tailor.py [--data ../shared/data] [--pair pleiades_otb] [--size 512]
        [--backbone fusionnet] [--repeats 3] [--full] [--threads N] [--device cpu|cuda|auto]
        [--option KEY=VALUE ...]   (adapt options, e.g. --option steps=30 --option tailor=conditional)
        [--classical gs,mtf_glp_hpm]   (classical methods added as rows, adapt none)
        [--precisions fp32,auto]   (each deep row once per precision, side by side)

Crops size x size PAN pixels (and the matching MS) from the centre of a pair in the shared data folder
(pixel values unchanged), runs engine.pipeline.run end to end (GeoTIFF in, GeoTIFF out) with --adapt none,
tailor and, with --full, full (100 steps by default), and prints a Markdown table: median seconds of the
whole run, seconds of the adaptation (RunResult.adapt_seconds: sample, cache, train, backbone loading) and its
cache / train stages, the ratio to plain inference in the same precision, the precision that ran, and the
full-resolution indices HQNR, D_lambda_K and D_s of each output. Prints the CPU's bf16 capability first.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Tuple

import numpy as np
import torch
from osgeo import gdal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.metrics.no_reference import all_full_resolution, pan_lowpass  # noqa: E402
from engine.physics.resample import upsample  # noqa: E402
from engine.physics.sensors import get_preset  # noqa: E402
from engine.pipeline import run  # noqa: E402
from engine.precision import cpu_capability  # noqa: E402
from engine.request import PansharpenRequest  # noqa: E402

#: pair -> (sensor preset, PAN and MS files in the data folder, ratio); the Landsat MS have 7 and 6 bands
#: (adapted through 4-band groups, engine/adapt/groups.py)
PAIRS = {"pleiades_otb": ("pleiades", "pleiades_otb/pan.tif", "pleiades_otb/ms.tif", 4),
         "quickbird_toulouse": ("quickbird", "quickbird_toulouse/pan.tif", "quickbird_toulouse/ms.tif", 4),
         "landsat8": ("landsat8", "landsat8/pan.tif", "landsat8/ms.tif", 2),
         "landsat7_fusebox": ("landsat7", "landsat7_fusebox/01_pan.tif", "landsat7_fusebox/01_ms.tif", 2)}


def make_crop(data: str, pair: str, size: int, folder: str) -> Tuple[str, str]:
    """Centre crop of the pair: (pan path, ms path) in `folder`."""
    _, pan_name, ms_name, ratio = PAIRS[pair]
    pan_src, ms_src = os.path.join(data, pan_name), os.path.join(data, ms_name)
    ds = gdal.Open(pan_src)
    if ds is None or min(ds.RasterXSize, ds.RasterYSize) < size:
        sys.exit(f"{pan_src} is missing or smaller than {size} px")
    x0 = (ds.RasterXSize - size) // 2 // ratio * ratio
    y0 = (ds.RasterYSize - size) // 2 // ratio * ratio
    pan, ms = os.path.join(folder, "pan.tif"), os.path.join(folder, "ms.tif")
    gdal.Translate(pan, pan_src, srcWin=[x0, y0, size, size])
    gdal.Translate(ms, ms_src, srcWin=[x0 // ratio, y0 // ratio, size // ratio, size // ratio])
    return pan, ms


def indices(fused: str, pan: str, ms: str, sensor: str) -> Dict[str, float]:
    """HQNR, D_lambda_K, D_s of a fused file (toolbox settings: 32 px blocks, interp23tap)."""
    preset = get_preset(sensor)
    f, p, m = (torch.from_numpy(gdal.Open(x).ReadAsArray().astype(np.float32)) for x in (fused, pan, ms))
    f, p, m = f[None], p[None, None], m[None]
    r = preset.ratio
    out = all_full_resolution(f, p, upsample(m, r, "interp23tap"), pan_lowpass(p, r), r,
                              preset.gains_for(m.shape[1]))
    return {k: float(out[k][0]) for k in ("HQNR", "D_lambda_K", "D_s")}


def timed_run(req: PansharpenRequest) -> Tuple[float, float, float, float, str]:
    """(seconds of the whole run, of the adaptation (RunResult.adapt_seconds), of its cache and train stages,
    the precision that ran)."""
    t0 = time.perf_counter()
    result = run(req)
    st = result.stage_seconds
    return (time.perf_counter() - t0, result.adapt_seconds, st.get("adapt_cache", 0.0),
            st.get("adapt_train", 0.0), result.precision.split(" (")[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--pair", default="pleiades_otb", choices=sorted(PAIRS))
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--backbone", default="fusionnet")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--full", action="store_true", help="also run whole-net fine-tuning (slow)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="adapt option")
    ap.add_argument("--classical", default="", help="comma-separated classical methods added as rows")
    ap.add_argument("--precisions", default="fp32,auto", help="precisions of the deep rows")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    opts = dict(o.split("=", 1) for o in args.option)
    sensor = PAIRS[args.pair][0]
    adapts = ["none", "tailor"] + (["full"] if args.full else [])
    modes: List[Tuple[str, str, str]] = [(args.backbone, m, p) for p in args.precisions.split(",")
                                         for m in adapts]
    modes += [(m, "none", "fp32") for m in args.classical.split(",") if m]
    with tempfile.TemporaryDirectory() as tmp:
        pan, ms = make_crop(args.data, args.pair, args.size, tmp)
        rows = []
        for method, mode, prec in modes:
            out = os.path.join(tmp, f"{method}_{mode}_{prec}.tif")
            req = PansharpenRequest(pan, ms, out, method=method, sensor=sensor, device=args.device,
                                    adapt=mode, adapt_options=opts if mode != "none" else {}, precision=prec)
            runs = [timed_run(req) for _ in range(args.repeats)]
            med = [statistics.median(r[i] for r in runs) for i in range(4)]
            rows.append((method, mode, runs[0][4] or "-", med, indices(out, pan, ms, sensor)))
    base = {r[2]: r[3][0] for r in rows if r[1] == "none" and r[0] == args.backbone}
    print(f"CPU: {cpu_capability()}")
    print(f"{args.backbone} on {args.pair} centre crop {args.size}x{args.size} PAN ({sensor}), device "
          f"{args.device}, torch threads {torch.get_num_threads()}, median of {args.repeats}, "
          f"load average before {os.getloadavg()[0]:.2f}; adapt options {opts or 'defaults'}")
    print("| method | adapt | precision | run s | adaptation s | cache s | train s | x plain | HQNR "
          "| D_lambda_K | D_s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for method, mode, prec, (total, adapt, cache, train), idx in rows:
        ratio = f"{total / base[prec]:.2f}" if prec in base else "-"
        print(f"| {method} | {mode} | {prec} | {total:.2f} | {adapt:.2f} | {cache:.2f} | {train:.2f} "
              f"| {ratio} | {idx['HQNR']:.4f} | {idx['D_lambda_K']:.4f} | {idx['D_s']:.4f} |")


if __name__ == "__main__":
    main()
