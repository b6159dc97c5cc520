"""Feature Tailor on a large raster: adaptation cost stays constant, total = inference + a few seconds.

    python scripts/bench_tailor_large.py [--data ../shared/data] [--tiles 4] [--backbone fusionnet]
        [--threads N] [--option KEY=VALUE ...]

Builds a (tiles x 1000)^2 PAN mosaic (4000 x 4000 by default) from the real Pleiades pair, each copy of the
scene mirrored so neighbours join without seams (pixel values unchanged), then runs the pipeline in a fresh
child process per mode (adapt none, then tailor) and prints per mode: total seconds, adaptation seconds
(RunResult.adapt_seconds), seconds per PAN megapixel and the child's peak RSS. The same is printed for a
single 1000 x 1000 copy, so the adaptation cost at both sizes can be compared.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple

import numpy as np
from osgeo import gdal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import torch
if {threads}:
    torch.set_num_threads({threads})
from engine.pipeline import run
from engine.request import PansharpenRequest
req = PansharpenRequest({pan!r}, {ms!r}, {out!r}, method={method!r}, sensor="pleiades", device="cpu",
                        adapt={adapt!r}, adapt_options={options!r})
t0 = time.perf_counter()
result = run(req)
print(json.dumps({{"total": time.perf_counter() - t0, "adapt": result.adapt_seconds,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def mirrored_mosaic(src: str, dst: str, tiles: int) -> Tuple[int, int]:
    """Write a tiles x tiles mosaic of `src` (every other copy flipped) as a GeoTIFF; (width, height)."""
    ds = gdal.Open(src)
    a = ds.ReadAsArray()
    a = a[None] if a.ndim == 2 else a
    rows = []
    for i in range(tiles):
        row = [a[..., ::(-1 if i % 2 else 1), ::(-1 if j % 2 else 1)] for j in range(tiles)]
        rows.append(np.concatenate(row, axis=-1))
    big = np.concatenate(rows, axis=-2)
    drv = gdal.GetDriverByName("GTiff")
    out = drv.Create(dst, big.shape[-1], big.shape[-2], big.shape[0], ds.GetRasterBand(1).DataType,
                     ["TILED=YES", "COMPRESS=DEFLATE"])
    gt = ds.GetGeoTransform()
    out.SetGeoTransform(gt)
    for b in range(big.shape[0]):
        out.GetRasterBand(b + 1).WriteArray(big[b])
    out = None
    return big.shape[-1], big.shape[-2]


def run_child(pan: str, ms: str, out: str, method: str, adapt: str, options: Dict[str, str],
              threads: int) -> Dict[str, float]:
    """One pipeline run in a fresh interpreter: its timings and its own peak RSS (MB)."""
    code = CHILD.format(root=ROOT, pan=pan, ms=ms, out=out, method=method, adapt=adapt,
                        options=options if adapt != "none" else {}, threads=threads)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(proc.stderr.strip().splitlines()[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    ap.add_argument("--tiles", type=int, default=4)
    ap.add_argument("--backbone", default="fusionnet")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    options = dict(o.split("=", 1) for o in args.option)
    src = os.path.join(args.data, "pleiades_otb")
    rows: List[Tuple[str, str, Dict[str, float], int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for tiles in (1, args.tiles):
            pan, ms = os.path.join(tmp, f"pan{tiles}.tif"), os.path.join(tmp, f"ms{tiles}.tif")
            w, h = mirrored_mosaic(os.path.join(src, "pan.tif"), pan, tiles)
            mirrored_mosaic(os.path.join(src, "ms.tif"), ms, tiles)
            for adapt in ("none", "tailor"):
                stats = run_child(pan, ms, os.path.join(tmp, f"out{tiles}_{adapt}.tif"), args.backbone, adapt,
                                  options, args.threads)
                rows.append((f"{w}x{h}", adapt, stats, w * h))
    print(f"{args.backbone} on mirrored Pleiades mosaics, load average {os.getloadavg()[0]:.2f}; "
          f"adapt options {options or 'defaults'}")
    print("| PAN size | adapt | total s | adaptation s | s per MPix | total - plain s | peak RSS MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    plain: Dict[str, float] = {}
    for size, adapt, stats, pixels in rows:
        if adapt == "none":
            plain[size] = stats["total"]
        extra = stats["total"] - plain[size]
        print(f"| {size} | {adapt} | {stats['total']:.1f} | {stats['adapt']:.2f} | "
              f"{stats['total'] / (pixels / 1e6):.2f} | {extra:.1f} | {stats['rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
