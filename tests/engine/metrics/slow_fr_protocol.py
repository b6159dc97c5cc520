"""Slow, independent references for D_rho, the reprojection and D_s_R: numpy float64, plain loops.

Written from the authors' published code, step for step, deliberately not sharing formulation with
engine.metrics: D_rho zero-pads like local_cross_correlation.m and loops over every pixel and window
(the engine uses average pooling on the valid interior only); the reprojection convolves row by row with
np.convolve on replicate-padded lines and decimates with explicit cell loops (the engine folds the
decimation into strided convolutions); D_s_R solves the regression with np.linalg.lstsq on the pixel
matrix, as LSR.m does with backslash (the engine solves normal equations built from moments).
Arrays are (C, H, W).
"""
from __future__ import annotations

import math
from typing import List, Tuple

import numpy as np

from engine.physics.mtf import mtf_kernel_1d


def authors_correlation_map(x: np.ndarray, y: np.ndarray, half: int) -> np.ndarray:
    """local_cross_correlation(I, J, half) for 2-D x, y: zero padding, windows rows i-half+1 .. i+half,
    each pixel centred on its own window's mean (divided by the full window count), sums floored at 1e-20."""
    h, w = x.shape
    side = 2 * half
    xp, yp = np.pad(x, half), np.pad(y, half)

    def window(a: np.ndarray, i: int, j: int) -> np.ndarray:  # window of output pixel (i, j) in padded a
        return a[i + 1: i + 1 + side, j + 1: j + 1 + side]

    xc, yc = np.zeros((h, w)), np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            xc[i, j] = x[i, j] - window(xp, i, j).sum() / side ** 2
            yc[i, j] = y[i, j] - window(yp, i, j).sum() / side ** 2
    xcp, ycp = np.pad(xc, half), np.pad(yc, half)
    rho = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            a, b = window(xcp, i, j), window(ycp, i, j)
            sxy, sxx, syy = (a * b).sum(), max((a * a).sum(), 1e-20), max((b * b).sum(), 1e-20)
            rho[i, j] = sxy / (math.sqrt(sxx * syy) + 1e-20)
    return rho


def d_rho(fused: np.ndarray, pan: np.ndarray, ratio: int) -> float:
    """Mean of 1 - clip(rho) over bands and the pixels whose support never touches the zero padding."""
    half = math.ceil(ratio / 2)
    values: List[float] = []
    for band in fused:
        rho = authors_correlation_map(band, pan, half)
        inner = rho[2 * half - 2: rho.shape[0] - 2 * half, 2 * half - 2: rho.shape[1] - 2 * half]
        values.append(float(np.mean(1 - np.clip(inner, -1, 1))))
    return float(np.mean(values))


def _filter_line(line: np.ndarray, taps: np.ndarray) -> np.ndarray:
    pad = len(taps) // 2
    padded = np.concatenate([np.full(pad, line[0]), line, np.full(pad, line[-1])])
    return np.convolve(padded, taps[::-1], mode="valid")


def reproject(fused: np.ndarray, ratio: int, gains: List[float]) -> np.ndarray:
    """Each band filtered by the separable MTF taps (replicate borders), then the value at every coarse
    cell's centre: pixel (r-1)/2 for odd ratios, the mean of the 2 x 2 central pixels for even ones."""
    c, h, w = fused.shape
    out = np.zeros((c, h // ratio, w // ratio))
    for b in range(c):
        taps = mtf_kernel_1d(gains[b], ratio).astype(np.float32).astype(np.float64)  # the engine's float32
        rows = np.stack([_filter_line(line, taps) for line in fused[b]])
        full = np.stack([_filter_line(col, taps) for col in rows.T]).T
        for i in range(h // ratio):
            for j in range(w // ratio):
                cell = full[i * ratio:(i + 1) * ratio, j * ratio:(j + 1) * ratio]
                lo, hi = (ratio - 1) // 2, ratio // 2
                out[b, i, j] = cell[lo:hi + 1, lo:hi + 1].mean()
    return out


def lsr_distortion(fused: np.ndarray, pan: np.ndarray) -> Tuple[float, np.ndarray]:
    """LSR.m: w = ILRc \\ IHc (no intercept), D_s_R = 1 - CD = var(residual) / var(PAN); also w."""
    design = fused.reshape(fused.shape[0], -1).T
    target = pan.reshape(-1)
    weights, *_ = np.linalg.lstsq(design, target, rcond=None)
    residual = target - design @ weights
    return float(np.var(residual, ddof=1) / np.var(target, ddof=1)), weights
