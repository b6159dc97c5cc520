"""Benchmark of the quality indices on the CPU (or a GPU): prints measured wall and CPU times.

    .venv/bin/python scripts/bench_metrics.py [--repeat 5] [--device cpu] [--threads N]

Cases (float32, synthetic data: the cost does not depend on the content):
  Q2n    1024 x 1024 x 8 (32 x 32 blocks)
  HQNR   fused 2048 x 2048 x 8, PAN 2048 x 2048, MS 512 x 512 x 8 (ratio 4), including the MS upsampling
         (interp23tap), the PAN low-pass (imresize + interp23tap) and the MTF filtering of the fused image
  the QNR/HQNR part alone (D_lambda, D_s, QNR, D_lambda_K, HQNR: the whole set before D_rho and the rest)
  D_rho, the reprojected R-Q2n/R-SAM/R-ERGAS and D_s_R alone on the same 2048 case
  full-resolution set (the five above plus D_rho, R_Q2n, R_SAM, R_ERGAS, D_s_R, RQNR) on the same case
  reduced-resolution set (Q2n, SAM, ERGAS, SCC, PSNR, FSDS) on 1024 x 1024 x 8 with the border cut
The machine's load average is printed too: on a shared machine other processes slow the wall time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from typing import Callable, List, Tuple

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine.metrics import (  # noqa: E402
    all_full_resolution,
    d_rho,
    d_s_r,
    full_resolution_indices,
    hqnr,
    pan_lowpass,
    q2n,
    reduced_resolution_indices,
    reprojected_indices,
)
from engine.physics.resample import upsample  # noqa: E402

GAINS = [0.325, 0.355, 0.360, 0.350, 0.365, 0.360, 0.335, 0.315]  # WorldView-3


def _time(fn: Callable[[], object], repeat: int, device: torch.device) -> Tuple[List[float], List[float]]:
    fn()  # warm-up: caches, kernels, allocator
    walls, cpus = [], []
    for _ in range(repeat):
        if device.type == "cuda":
            torch.cuda.synchronize()
        w, c = time.perf_counter(), time.process_time()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return walls, cpus


def _data(device: torch.device) -> dict:
    gen = torch.Generator().manual_seed(0)

    def rand(*shape: int) -> torch.Tensor:
        return (torch.rand(shape, generator=gen) * 1500 + 100).to(device)

    ref = rand(1, 8, 1024, 1024)
    return {"ref": ref, "test": ref + torch.randn(ref.shape, generator=gen).to(device) * 40,
            "fused": rand(1, 8, 2048, 2048), "pan": rand(1, 1, 2048, 2048), "ms": rand(1, 8, 512, 512)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    d = _data(device)
    cases = [
        ("Q2n 1024x1024x8", lambda: q2n(d["ref"], d["test"])),
        ("HQNR 2048x2048x8", lambda: hqnr(d["fused"], d["pan"], d["ms"], 4, GAINS)),
        ("QNR/HQNR part 2048x2048x8", lambda: all_full_resolution(
            d["fused"], d["pan"], upsample(d["ms"], 4, "interp23tap"), pan_lowpass(d["pan"], 4), 4, GAINS)),
        ("D_rho 2048x2048x8", lambda: d_rho(d["fused"], d["pan"], 4)),
        ("R-Q2n/R-SAM/R-ERGAS 2048x2048x8", lambda: reprojected_indices(d["fused"], d["ms"], 4, GAINS)),
        ("D_s_R 2048x2048x8", lambda: d_s_r(d["fused"], d["pan"])),
        ("full-resolution set 2048x2048x8", lambda: full_resolution_indices(d["fused"], d["pan"], d["ms"], 4,
                                                                              GAINS)),
        ("reduced-resolution set 1024x1024x8", lambda: reduced_resolution_indices(d["test"], d["ref"], 4)),
    ]
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (before)")
    with torch.no_grad():
        for name, fn in cases:
            walls, cpus = _time(fn, args.repeat, device)
            print(f"{name:<36} wall min {min(walls):6.3f} s  median {statistics.median(walls):6.3f} s  "
                  f"cpu median {statistics.median(cpus):6.3f} s  ({args.repeat} runs)")
    print(f"load average {os.getloadavg()[0]:.2f} (after)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
