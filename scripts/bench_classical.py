"""Benchmark: our Brovey and MTF-GLP against GDAL's gdal_pansharpen (weighted Brovey) on the same inputs.

Usage: .venv/bin/python scripts/bench_classical.py [--pan P --ms M] [--size 8000] [--methods brovey,mtf_glp]
       [--repeat N]

Cases: the source crop itself and a large synthetic pair whose PAN is size x size pixels, made by tiling
the crop (default tests/data/quickbird_*, converted to UInt16, GDAL's fastest work type). Each run is a
child process, so its peak RSS (os.wait4) is its own; with --repeat the fastest of N runs is kept.
Printed per run: seconds of the work ("work": our engine.pipeline.run call; GDAL: the whole command),
megapixels (PAN pixels) per second of it, seconds and MPix/s of the whole process (ours includes importing
torch, about 2 s), CPU seconds of the process (user + system, less sensitive to other load), peak RSS, the
work speed relative to GDAL, and the seconds our process spent importing the engine (torch included).
Output creation options are ours (engine.raster.writer.creation_options) for both. The load average before
and after is printed: other work on the machine slows every row.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
gdal.UseExceptions()

INPUT_OPTIONS = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"]


@dataclass
class Result:
    case: str
    tool: str
    mpix: float
    work_s: float
    wall_s: float
    cpu_s: float
    rss_mb: float
    import_s: float = 0.0  # ours: importing the engine (torch included) inside the process

    def row(self, gdal_rate: Optional[float]) -> str:
        rate = self.mpix / self.work_s
        vs = f"{rate / gdal_rate:5.2f}x" if gdal_rate else "    -"
        return (f"{self.case:<6} {self.tool:<16} {self.work_s:7.2f} {rate:7.1f} {self.wall_s:7.2f} "
                f"{self.mpix / self.wall_s:7.1f} {self.cpu_s:7.2f} {self.rss_mb:7.0f} {vs:>7} "
                f"{self.import_s:8.2f}")


HEADER = (f"{'case':<6} {'tool':<16} {'work s':>7} {'MPix/s':>7} {'proc s':>7} {'MPix/s':>7} {'CPU s':>7} "
          f"{'RSS MB':>7} {'vs GDAL':>7} {'import s':>8}")


def _read(path: str) -> Tuple[np.ndarray, tuple, str]:
    ds = gdal.Open(path)
    return np.asarray(ds.ReadAsArray()), ds.GetGeoTransform(), ds.GetProjection()


def _create(path: str, w: int, h: int, bands: int, gt: tuple, wkt: str) -> gdal.Dataset:
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, bands, gdal.GDT_UInt16, options=INPUT_OPTIONS)
    ds.SetGeoTransform(gt)
    if wkt:
        ds.SetProjection(wkt)
    return ds


def _tiled(src: np.ndarray, rows: np.ndarray, width: int) -> np.ndarray:
    """src (C, H, W) repeated to (C, len(rows), width), row indices `rows` taken modulo H."""
    cols = np.arange(width) % src.shape[-1]
    return src[:, rows % src.shape[1]][:, :, cols]


def make_case(pan_src: str, ms_src: str, size: int, folder: str) -> Tuple[str, str]:
    """Tile the source pair into a size x size PAN (UInt16) and its MS; returns their paths."""
    pan, pan_gt, pan_wkt = _read(pan_src)
    ms, ms_gt, ms_wkt = _read(ms_src)
    ms = ms.reshape((-1,) + ms.shape[-2:])
    ratio = round(ms_gt[1] / pan_gt[1])
    # Crop the PAN to exactly ratio x the MS so the tiles keep the PAN/MS registration.
    pan = pan.reshape((1,) + pan.shape[-2:])[:, :ms.shape[1] * ratio, :ms.shape[2] * ratio]
    pan, ms = np.clip(pan, 0, 65535), np.clip(ms, 0, 65535)
    size = size // ratio * ratio
    paths = os.path.join(folder, f"pan_{size}.tif"), os.path.join(folder, f"ms_{size}.tif")
    pan_ds = _create(paths[0], size, size, 1, pan_gt, pan_wkt)
    ms_ds = _create(paths[1], size // ratio, size // ratio, ms.shape[0], ms_gt, ms_wkt)
    step = 1024
    for y in range(0, size, step):
        rows = np.arange(y, min(size, y + step))
        pan_ds.WriteArray(_tiled(pan, rows, size)[0], 0, y)
        ms_rows = np.arange(y // ratio, min(size, y + step) // ratio)
        block = _tiled(ms, ms_rows, size // ratio)
        for b in range(ms.shape[0]):
            ms_ds.GetRasterBand(b + 1).WriteArray(block[b], 0, y // ratio)
    pan_ds, ms_ds = None, None
    return paths


def _run_measured(cmd: List[str]) -> Tuple[float, float, float, str]:
    """(wall seconds, CPU seconds, peak RSS MB of this one child from wait4, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err.strip()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def bench_gdal(case: str, pan: str, ms: str, out: str, mpix: float) -> Result:
    from engine.raster.writer import creation_options

    script = shutil.which("gdal_pansharpen.py") or shutil.which("gdal_pansharpen")
    if script is None:
        raise SystemExit("gdal_pansharpen.py not found on PATH")
    cmd = [sys.executable, script, "-q", "-threads", "ALL_CPUS", "-of", "GTiff"]
    for co in creation_options(np.dtype(np.uint16)):
        cmd += ["-co", co]
    wall, cpu, rss, _ = _run_measured(cmd + [pan, ms, out])
    return Result(case, "gdal_pansharpen", mpix, wall, wall, cpu, rss)


def bench_ours(case: str, method: str, pan: str, ms: str, out: str, mpix: float) -> Result:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", method, pan, ms, out]
    wall, cpu, rss, stdout = _run_measured(cmd)
    got = json.loads(stdout.strip().splitlines()[-1])
    return Result(case, f"ours {method}", mpix, got["seconds"], wall, cpu, rss, got["import_s"])


def child(method: str, pan: str, ms: str, out: str) -> None:
    """Runs inside the child process: one engine run; its seconds and those of importing the engine (torch
    included) as JSON on stdout."""
    t0 = time.perf_counter()
    from engine.pipeline import run
    from engine.request import PansharpenRequest

    start = time.perf_counter()
    run(PansharpenRequest(pan=pan, ms=ms, output=out, method=method, device="cpu"))
    print(json.dumps({"seconds": time.perf_counter() - start, "import_s": start - t0}))


def bench_case(case: str, pan: str, ms: str, methods: List[str], folder: str, repeat: int) -> List[Result]:
    """GDAL then each of our methods, interleaved `repeat` times; the fastest run of each is kept."""
    ds = gdal.Open(pan)
    mpix = ds.RasterXSize * ds.RasterYSize / 1e6
    out = os.path.join(folder, "out.tif")
    best: dict = {}
    for _ in range(repeat):
        runs = [lambda: bench_gdal(case, pan, ms, out, mpix)]
        runs += [lambda m=m: bench_ours(case, m, pan, ms, out, mpix) for m in methods]
        for run in runs:
            r = run()
            os.remove(out)
            if r.tool not in best or r.work_s < best[r.tool].work_s:
                best[r.tool] = r
    return list(best.values())


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pan", default=os.path.join(ROOT, "tests", "data", "quickbird_pan.tif"))
    parser.add_argument("--ms", default=os.path.join(ROOT, "tests", "data", "quickbird_ms.tif"))
    parser.add_argument("--size", type=int, default=8000, help="PAN side of the large case, pixels")
    parser.add_argument("--methods", default="brovey,mtf_glp")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool; the fastest is kept")
    parser.add_argument("--child", nargs=4, metavar=("METHOD", "PAN", "MS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-classical-") as folder:
        small = make_case(args.pan, args.ms, gdal.Open(args.pan).RasterXSize, folder)
        large = make_case(args.pan, args.ms, args.size, folder)
        results = (bench_case("crop", *small, methods, folder, args.repeat)
                   + bench_case("large", *large, methods, folder, args.repeat))
    from engine.precision import cpu_capability

    print(f"CPU: {cpu_capability()}")
    print(f"{os.cpu_count()} CPUs, GDAL {gdal.__version__}, load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; large PAN {args.size}x{args.size}; MPix = PAN megapixels")
    print(HEADER)
    for case in ("crop", "large"):
        rows = [r for r in results if r.case == case]
        gdal_rate = rows[0].mpix / rows[0].work_s
        for r in rows:
            print(r.row(gdal_rate))


if __name__ == "__main__":
    main()
