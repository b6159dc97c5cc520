"""Reduced-resolution indices for the training reports: SAM, ERGAS, Q-average and Q2n (Q4 / Q8).

Toolbox settings: 32 x 32 blocks; the caller cuts the border. Arrays are (C, H, W) float.
Q2n is the project's implementation (engine/metrics/q2n.py, toolbox conventions).
"""
from __future__ import annotations

import numpy as np
import torch


def sam(fused: np.ndarray, ref: np.ndarray) -> float:
    """Mean spectral angle in degrees over pixels with non-zero spectra."""
    f, r = fused.reshape(fused.shape[0], -1), ref.reshape(ref.shape[0], -1)
    num = (f * r).sum(0)
    den = np.linalg.norm(f, axis=0) * np.linalg.norm(r, axis=0)
    ok = den > 0
    return float(np.degrees(np.arccos(np.clip(num[ok] / den[ok], -1, 1))).mean())


def ergas(fused: np.ndarray, ref: np.ndarray, ratio: int) -> float:
    mse = ((fused - ref) ** 2).reshape(ref.shape[0], -1).mean(1)
    mean = ref.reshape(ref.shape[0], -1).mean(1)
    return float(100.0 / ratio * np.sqrt(np.mean(mse / mean ** 2)))


def _blocks(x: np.ndarray, size: int) -> np.ndarray:
    """(C, H, W) -> (N, C, size*size) non-overlapping blocks."""
    c, h, w = x.shape
    nh, nw = h // size, w // size
    x = x[:, :nh * size, :nw * size].reshape(c, nh, size, nw, size)
    return x.transpose(1, 3, 0, 2, 4).reshape(nh * nw, c, size * size)


def q_avg(fused: np.ndarray, ref: np.ndarray, size: int = 32) -> float:
    """Mean over bands and blocks of the universal image quality index."""
    f, r = _blocks(fused.astype(np.float64), size), _blocks(ref.astype(np.float64), size)
    mf, mr = f.mean(-1), r.mean(-1)
    vf, vr = f.var(-1), r.var(-1)
    cov = ((f - mf[..., None]) * (r - mr[..., None])).mean(-1)
    q = 4 * cov * mf * mr / np.maximum((vf + vr) * (mf ** 2 + mr ** 2), 1e-12)
    return float(q.mean())


def q2n(fused: np.ndarray, ref: np.ndarray, size: int = 32) -> float:
    """Q2n (Q4 / Q8, toolbox conventions) from engine.metrics."""
    from engine.metrics.q2n import q2n as q2n_torch

    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))[None]  # noqa: E731
    return float(q2n_torch(t(ref), t(fused), size)[0])


def all_indices(fused: np.ndarray, ref: np.ndarray, ratio: int, border: int = 0) -> dict:
    """{'Q2n', 'Qavg', 'SAM', 'ERGAS'} after cutting `border` pixels on each side."""
    if border:
        fused, ref = fused[:, border:-border, border:-border], ref[:, border:-border, border:-border]
    return {"Q2n": q2n(fused, ref), "Qavg": q_avg(fused, ref), "SAM": sam(fused, ref),
            "ERGAS": ergas(fused, ref, ratio)}
