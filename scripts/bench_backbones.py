"""Benchmark the deep backbones: throughput, fraction of the matmul peak, time and peak RSS vs raster size.

    python scripts/bench_backbones.py [--device auto|cpu|cuda] [--threads N] [--tile 256] [--precision auto]
        [--sizes 1000,2000] [--skip-rasters] [--skip-tiled] [--skip-throughput]

Prints the CPU's capability (AMX-BF16 / AVX512-BF16 / AVX2) and the fp32 and bf16 matrix-multiply peaks
measured in the same run, then three tables (Markdown):
1. per backbone: megapixels/s of the network on a tile through the engine's forward
   (engine.precision.run_backbone), the fp32 reference path and --precision side by side, achieved GFLOP/s
   (FLOPs counted by torch.utils.flop_counter) and that divided by the peak of the precision it ran in;
2. tiled inference of one block (engine.backbones.tiling.run_tiled) at several tile sizes, one tile per
   forward pass against batched tiles (--tiled-sizes; --skip-tiled to leave it out);
3. FusionNet end to end through engine.pipeline.run (GeoTIFF in, GeoTIFF out) on synthetic rasters of
   each size, fp32 and --precision side by side: seconds, seconds per megapixel (flat = linear growth) and
   the peak RSS of the run (one subprocess per run).
Weights are random for table 1 (speed does not depend on them); table 2 uses the shipped weights.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from engine.backbones import BACKBONES, build_backbone  # noqa: E402
from engine.devices import resolve_device  # noqa: E402
from engine.precision import cpu_capability, resolve_precision, run_backbone  # noqa: E402


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _timed(fn, device: torch.device, min_s: float = 1.0) -> float:
    """Seconds per call (after a warm-up call), averaged over at least min_s."""
    fn()
    _sync(device)
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        _sync(device)
        if time.perf_counter() - start >= min_s:
            return (time.perf_counter() - start) / n


def matmul_peak(device: torch.device, dtype: torch.dtype) -> float:
    """GFLOP/s of a 2048^2 matrix product."""
    a = torch.rand(2048, 2048, device=device, dtype=dtype)
    b = torch.rand(2048, 2048, device=device, dtype=dtype)
    return 2 * 2048 ** 3 / _timed(lambda: a @ b, device) / 1e9


def net_flops(name: str, bands: int, tile: int) -> int:
    from torch.utils.flop_counter import FlopCounterMode

    net = build_backbone(name, bands).eval()
    lms, pan = torch.rand(1, bands, tile, tile), torch.rand(1, 1, tile, tile)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        net(lms, pan)
    return int(counter.get_total_flops())


def peaks(device: torch.device) -> dict:
    """{precision name: GFLOP/s of a 2048^2 matrix product} measured now (fp16 on a GPU only)."""
    names = ("fp32", "bf16", "fp16") if device.type == "cuda" else ("fp32", "bf16")
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    return {n: matmul_peak(device, dtypes[n]) for n in names}


def _net_rate(name: str, bands: int, tile: int, device: torch.device, prec) -> float:
    """Seconds per forward of `name` on one tile through engine.precision.run_backbone (the engine's path)."""
    net = build_backbone(name, bands).eval().to(device)
    for p in net.parameters():
        p.requires_grad_(False)
    lms = torch.rand(1, bands, tile, tile, device=device)
    pan = torch.rand(1, 1, tile, tile, device=device)
    with torch.inference_mode():
        return _timed(lambda: run_backbone(net, lms, pan, prec), device, 1.0)


def throughput_table(device: torch.device, tile: int, bands: int, precision: str, names: list) -> None:
    """Per backbone: the fp32 reference path and `precision` side by side, each with its GFLOP/s and the
    fraction of the matmul peak of the precision it ran in."""
    peak = peaks(device)
    print(f"\nmatmul peaks (2048^2, {device}, {torch.get_num_threads()} threads): "
          + ", ".join(f"{k} {v:.1f} GFLOP/s" for k, v in peak.items()) + "\n")
    print(f"| backbone ({tile}x{tile}, {bands} bands) | MFLOP/px | fp32 MP/s | fp32 GFLOP/s (of fp32 peak) "
          f"| {precision}: ran as | MP/s | GFLOP/s (of its peak) | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for name in names:
        flops = net_flops(name, bands, tile)
        ref = _net_rate(name, bands, tile, device, None)
        prec = resolve_precision(precision, device, backbone=name)
        sec = _net_rate(name, bands, tile, device, prec)
        g_ref, g = flops / ref / 1e9, flops / sec / 1e9
        print(f"| {name} | {flops / tile ** 2 / 1e6:.3f} | {tile * tile / ref / 1e6:.3f} | {g_ref:.1f} "
              f"({g_ref / peak['fp32']:.2f}) | {prec.label} | {tile * tile / sec / 1e6:.3f} | {g:.1f} "
              f"({g / peak[prec.name]:.2f}) | {ref / sec:.2f}x |", flush=True)


def tiled_table(device: torch.device, block: int, tiles: list, bands: int, names: list) -> None:
    """MPix/s of run_tiled on one block: one tile per pass against batched passes (same exact output)."""
    from engine.backbones.tiling import run_tiled

    print(f"\n| backbone | tile (block {block}x{block}) | MP/s one tile per pass | MP/s batched | speed-up |")
    print("|---|---|---|---|---|")
    lms = torch.rand(1, bands, block, block, device=device)
    pan = torch.rand(1, 1, block, block, device=device)
    for name in names:
        net = build_backbone(name, bands).eval().to(device)
        for tile in tiles:
            with torch.inference_mode():
                one = _timed(lambda: run_tiled(net, lms, pan, tile, batch_pixels=1), device)  # noqa: B023
                many = _timed(lambda: run_tiled(net, lms, pan, tile), device)  # noqa: B023
            mp = block * block / 1e6
            print(f"| {name} | {tile} | {mp / one:.2f} | {mp / many:.2f} | {one / many:.2f} |", flush=True)


def _make_raster(folder: str, size: int, ratio: int = 4, bands: int = 4) -> tuple:
    """Smooth random 11-bit PAN (size^2) and MS ((size/ratio)^2 x bands) GeoTIFFs, written in strips."""
    from osgeo import gdal

    rng = np.random.default_rng(size)
    paths = []
    for name, side, count in (("pan", size, 1), ("ms", size // ratio, bands)):
        path = os.path.join(folder, f"{name}_{size}.tif")
        ds = gdal.GetDriverByName("GTiff").Create(path, side, side, count, gdal.GDT_UInt16,
                                                  ["TILED=YES", "COMPRESS=NONE"])
        ds.SetGeoTransform((0, ratio if name == "ms" else 1, 0, 0, 0, -(ratio if name == "ms" else 1)))
        for y in range(0, side, 512):
            h = min(512, side - y)
            block = 300 + 1200 * rng.random((count, h, side)) ** 2
            for b in range(count):
                ds.GetRasterBand(b + 1).WriteArray(block[b].astype(np.uint16), 0, y)
        ds = None
        paths.append(path)
    return paths[0], paths[1]


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import torch
torch.set_num_threads({threads})
from engine.pipeline import run
from engine.request import PansharpenRequest
t = time.perf_counter()
res = run(PansharpenRequest({pan!r}, {ms!r}, {out!r}, method={method!r}, device={device!r},
                            block_size={block}, sensor='quickbird', precision={precision!r}))
print(json.dumps({{"seconds": time.perf_counter() - t, "device": res.device, "precision": res.precision,
                   "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def _run_child(pan: str, ms: str, out: str, args: argparse.Namespace, precision: str) -> dict:
    code = CHILD.format(root=ROOT, threads=torch.get_num_threads(), pan=pan, ms=ms, out=out,
                        method=args.method, device=args.device, block=args.block, precision=precision)
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                     text=True).stdout.strip().splitlines()[-1])


def raster_table(sizes: list, args: argparse.Namespace) -> None:
    """End to end (GeoTIFF in and out, one subprocess per run): fp32 and args.precision side by side."""
    p = args.precision
    print(f"\n| PAN size | {args.method} fp32 s | s/MP | peak RSS MB | {p} s | s/MP | peak RSS MB | speed-up "
          f"| {p} ran as |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            pan, ms = _make_raster(folder, size)
            out = os.path.join(folder, f"out_{size}.tif")
            runs = [(_run_child(pan, ms, out, args, "fp32"), _run_child(pan, ms, out, args, p))
                    for _ in range(args.repeat)]  # alternated; the fastest of each kept
            ref = min((r[0] for r in runs), key=lambda r: r["seconds"])
            res = min((r[1] for r in runs), key=lambda r: r["seconds"])
            mp = size * size / 1e6
            print(f"| {size}x{size} | {ref['seconds']:.1f} | {ref['seconds'] / mp:.3f} | {ref['rss_mb']:.0f} "
                  f"| {res['seconds']:.1f} | {res['seconds'] / mp:.3f} | {res['rss_mb']:.0f} "
                  f"| {ref['seconds'] / res['seconds']:.2f}x | {res['precision']} |", flush=True)
            for path in (pan, ms, out):
                os.remove(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--tile", type=int, default=256)
    ap.add_argument("--backbones", default=",".join(BACKBONES), help="rows of table 1")
    ap.add_argument("--bands", type=int, default=4)
    ap.add_argument("--sizes", default="1000,2000", help="end-to-end PAN sides (e.g. 1000,2000,4000,8000)")
    ap.add_argument("--repeat", type=int, default=1, help="end-to-end runs per precision, fastest kept")
    ap.add_argument("--precision", default="auto", help="compared with fp32: auto, bf16, fp16 (CUDA)")
    ap.add_argument("--method", default="fusionnet")
    ap.add_argument("--block", type=int, default=1024)
    ap.add_argument("--skip-rasters", action="store_true")
    ap.add_argument("--skip-tiled", action="store_true")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--tiled-sizes", default="64,128,256", help="tile sides for table 2")
    ap.add_argument("--tiled-block", type=int, default=512, help="block side for table 2")
    ap.add_argument("--tiled-methods", default="fusionnet,dicnn")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    print(f"device {device}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"CPU: {cpu_capability()}")
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}, bf16 {torch.cuda.is_bf16_supported()}")
    if not args.skip_throughput:
        throughput_table(device, args.tile, args.bands, args.precision, args.backbones.split(","))
    if not args.skip_tiled:
        tiled_table(device, args.tiled_block, [int(t) for t in args.tiled_sizes.split(",")], args.bands,
                    args.tiled_methods.split(","))
    if not args.skip_rasters:
        raster_table([int(s) for s in args.sizes.split(",")], args)


if __name__ == "__main__":
    main()
