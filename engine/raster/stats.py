"""Global statistics of the aligned pair, gathered strip by strip at the coarse (MS) scale.

Component-substitution and MRA methods need image-wide means, covariances and regression
coefficients; computing them per block would make results depend on the tiling.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import EngineError
from ..progress import CancelToken, ProgressCallback
from .align import AlignedPair
from .blocks import Block, read_block, read_ms

STRIP_PIXELS = 4_000_000  # PAN pixels per strip: bounds memory to ~100 MB for 8 bands


@dataclass
class GlobalStats:
    """Moments over valid pixels.

    mean, cov: of the vector (MS band 1..C, PAN area-averaged to the MS grid), shapes (C+1,), (C+1, C+1).
    pan_mean, pan_std: of the PAN at full resolution. ms_max, pan_max: largest values seen.
    ms_min: (C,) smallest MS values seen (None when not gathered).
    moments: image-wide moments of a method's own feature maps (filtered images for regression fits),
    from a second block-wise pass (engine/moments.py); None for methods without Method.needs_moments.
    """

    count: int
    mean: np.ndarray
    cov: np.ndarray
    pan_mean: float
    pan_std: float
    ms_max: np.ndarray
    pan_max: float
    ms_min: Optional[np.ndarray] = None
    moments: Optional[Moments] = None

    @property
    def n_bands(self) -> int:
        return int(self.mean.shape[0]) - 1

    def ms_mean(self) -> np.ndarray:
        return self.mean[:-1]

    def ms_std(self) -> np.ndarray:
        return np.sqrt(np.maximum(np.diag(self.cov)[:-1], 1e-12))

    def pan_low_std(self) -> float:
        return float(np.sqrt(max(self.cov[-1, -1], 1e-12)))


@dataclass
class Moments:
    """Image-wide moments of N feature maps over the valid pixels: count, mean (N,), population covariance
    (N, N), minimum and maximum (N,)."""

    count: int
    mean: np.ndarray
    cov: np.ndarray
    minimum: np.ndarray
    maximum: np.ndarray

    def second(self) -> np.ndarray:
        """(N, N) uncentred second moments E[x x^T] (for fits without an intercept)."""
        return self.cov + np.outer(self.mean, self.mean)


class MomentAccumulator:
    """Sums of N features and of their products, in float64 about a shift (the first chunk's mean) so
    that large offsets do not cost precision; chunks may come in any order and size."""

    def __init__(self) -> None:
        self.count = 0
        self.shift: Optional[np.ndarray] = None
        self.s1 = np.zeros(0)
        self.s2 = np.zeros((0, 0))
        self.min = np.zeros(0)
        self.max = np.zeros(0)

    def add(self, x: np.ndarray) -> None:
        """x: (N, n) samples of the N features."""
        if not x.shape[1]:
            return
        x = x.astype(np.float64, copy=False)
        if self.shift is None:
            n = x.shape[0]
            self.shift = x.mean(axis=1)
            self.s1, self.s2 = np.zeros(n), np.zeros((n, n))
            self.min, self.max = np.full(n, np.inf), np.full(n, -np.inf)
        d = x - self.shift[:, None]
        self.count += x.shape[1]
        self.s1 += d.sum(axis=1)
        self.s2 += d @ d.T
        self.min = np.minimum(self.min, x.min(axis=1))
        self.max = np.maximum(self.max, x.max(axis=1))

    def result(self) -> Moments:
        if self.count < 2 or self.shift is None:
            raise EngineError("PAN and MS have no valid pixels in common")
        m = self.s1 / self.count
        return Moments(self.count, m + self.shift, self.s2 / self.count - np.outer(m, m), self.min, self.max)


class _Accumulator:
    """The statistics pass's sums: moments of the coarse samples (MS bands and the PAN's area mean, a
    MomentAccumulator) and the full-resolution PAN's count, sum and sum of squares."""

    def __init__(self) -> None:
        self.coarse = MomentAccumulator()
        self.pan = np.zeros(3)  # count, sum, sum of squares (shifted)
        self.pan_shift: Optional[float] = None

    def add(self, x: np.ndarray) -> None:
        """x: (C+1, N) valid coarse samples (MS bands, PAN area mean)."""
        self.coarse.add(x)

    def add_pan(self, pan: np.ndarray) -> None:
        """Valid full-resolution PAN values (float32, any shape)."""
        if not pan.size:
            return
        if self.pan_shift is None:
            self.pan_shift = float(pan.mean(dtype=np.float64))
        p = pan - np.float32(self.pan_shift)  # shifted: float32 squares of small values stay accurate
        total = p.sum(dtype=np.float64)
        self.pan += (p.size, total, np.square(p, out=p).sum(dtype=np.float64))

    def result(self) -> GlobalStats:
        if self.pan_shift is None:
            raise EngineError("PAN and MS have no valid pixels in common")
        m = self.coarse.result()
        pn, ps, pss = self.pan
        pm = ps / pn
        return GlobalStats(m.count, m.mean, m.cov, pm + self.pan_shift,
                           float(np.sqrt(max(pss / pn - pm * pm, 1e-12))), m.maximum[:-1], m.maximum[-1],
                           ms_min=m.minimum[:-1])


def _area_mean(pan: np.ndarray, r: int) -> np.ndarray:
    """(n*r, cw*r) float32 -> (n, cw) float64 means of r x r cells."""
    n, cw = pan.shape[0] // r, pan.shape[1] // r
    rows = pan.reshape(n, r, cw * r).sum(axis=1, dtype=np.float64)
    return rows.reshape(n, cw, r).sum(axis=2) / (r * r)


def compute_stats(pair: AlignedPair, cancel: CancelToken, progress: ProgressCallback) -> GlobalStats:
    """One pass over the pair in horizontal strips; memory bounded by STRIP_PIXELS."""
    r = pair.ratio
    rows = max(1, STRIP_PIXELS // max(1, pair.width * r))
    acc = _Accumulator()
    cw, ch = pair.coarse_size
    for y in range(0, ch, rows):
        cancel.check()
        n = min(rows, ch - y)
        h = min(n * r, pair.height - y * r)
        data = read_block(pair, Block(0, y * r, pair.width, h, 0, cw * r, n * r))
        x = np.concatenate([data.ms.reshape(data.ms.shape[0], -1),
                            _area_mean(data.pan, r).reshape(1, -1)])
        inside = data.pan[:h, :pair.width]
        if data.pan_valid is None and data.ms_valid is None:
            acc.add(x)
            acc.add_pan(inside)
        else:
            valid = np.ones((n, cw), bool) if data.ms_valid is None else data.ms_valid.copy()
            if data.pan_valid is not None:
                valid &= data.pan_valid.reshape(n, r, cw, r).all(axis=(1, 3))
                inside = inside[data.pan_valid[:h, :pair.width]]
            acc.add(x[:, valid.ravel()])
            acc.add_pan(inside)
        progress((y + n) / ch, f"statistics {y + n}/{ch} rows")
    return acc.result()


def ms_band_means(pair: AlignedPair, cancel: CancelToken) -> np.ndarray:
    """(C,) means of the valid MS pixels on the coarse grid: a cheap pass (1/ratio^2 of the PAN's pixels)
    for methods without statistics, whose invalid MS pixels still need an image-wide fill value."""
    r = pair.ratio
    cw, ch = pair.coarse_size
    rows = max(1, STRIP_PIXELS // max(1, cw * r))
    total, count = np.zeros(len(pair.ms_bands)), 0
    for y in range(0, ch, rows):
        cancel.check()
        n = min(rows, ch - y)
        block = Block(0, y * r, pair.width, min(n * r, pair.height - y * r), 0, cw * r, n * r)
        ms, valid = read_ms(pair, block)
        if valid is None:
            total += ms.sum(axis=(1, 2), dtype=np.float64)
            count += ms.shape[1] * ms.shape[2]
        else:
            total += ms[:, valid].sum(axis=1, dtype=np.float64)
            count += int(valid.sum())
    if count == 0:
        raise EngineError("the MS has no valid pixels over the PAN")
    return total / count


def stats_of_arrays(pan: np.ndarray, ms: np.ndarray, ratio: int) -> GlobalStats:
    """What compute_stats gives for a raster pair held in memory, every pixel valid: pan (H, W), ms (C, h, w)
    with H = h * ratio and W = w * ratio. For tests and scripts."""
    acc = _Accumulator()
    pan = np.ascontiguousarray(pan, dtype=np.float32)
    acc.add(np.concatenate([ms.reshape(ms.shape[0], -1), _area_mean(pan, ratio).reshape(1, -1)]))
    acc.add_pan(pan)
    return acc.result()
