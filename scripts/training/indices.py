"""Reduced-resolution indices for the training reports: SAM, ERGAS, Q-average and Q2n (Q4 / Q8), computed by
the engine's own indices (engine/metrics: the same code that scores every run), on numpy arrays.

Toolbox settings: 32 x 32 blocks; the caller cuts the border. Arrays are (C, H, W) float.
"""
from __future__ import annotations

import numpy as np
import torch

from engine.metrics import ergas as ergas_torch
from engine.metrics import q2n as q2n_torch
from engine.metrics import sam as sam_torch
from engine.metrics import uqi_bands


def _t(a: np.ndarray) -> torch.Tensor:
    """(C, H, W) array -> (1, C, H, W) float64 tensor."""
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))[None]


def sam(fused: np.ndarray, ref: np.ndarray) -> float:
    """Mean spectral angle in degrees over pixels with non-zero spectra."""
    return float(sam_torch(_t(fused), _t(ref))[0])


def ergas(fused: np.ndarray, ref: np.ndarray, ratio: int) -> float:
    return float(ergas_torch(_t(fused), _t(ref), ratio)[0])


def q_avg(fused: np.ndarray, ref: np.ndarray, size: int = 32) -> float:
    """Mean over bands and blocks of the universal image quality index."""
    return float(uqi_bands(_t(fused), _t(ref), size).mean())


def q2n(fused: np.ndarray, ref: np.ndarray, size: int = 32) -> float:
    """Q2n (Q4 / Q8, toolbox conventions)."""
    return float(q2n_torch(_t(ref), _t(fused), size)[0])


def all_indices(fused: np.ndarray, ref: np.ndarray, ratio: int, border: int = 0) -> dict:
    """{'Q2n', 'Qavg', 'SAM', 'ERGAS'} after cutting `border` pixels on each side."""
    if border:
        fused, ref = fused[:, border:-border, border:-border], ref[:, border:-border, border:-border]
    return {"Q2n": q2n(fused, ref), "Qavg": q_avg(fused, ref), "SAM": sam(fused, ref),
            "ERGAS": ergas(fused, ref, ratio)}
