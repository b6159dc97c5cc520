"""Real crops for the index tests (bundled pairs) and simple 'fused' variants of them."""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
from osgeo import gdal

from engine.physics.resample import interp23tap
from engine.physics.wald import degrade_ms
from tests.conftest import pair_paths

RATIO = {"quickbird": 4, "pleiades": 4, "landsat8": 2, "landsat7": 2}


def read(path: str) -> np.ndarray:
    """(C, H, W) float64 of a raster."""
    data = gdal.Open(path).ReadAsArray().astype(np.float64)
    return data[None] if data.ndim == 2 else data


def real_pair(name: str) -> Tuple[np.ndarray, np.ndarray]:
    """(PAN (1, H, W), MS (C, H/r, W/r)) float64, cropped to whole MS cells."""
    pan_path, ms_path = pair_paths(name)
    pan, ms = read(pan_path), read(ms_path)
    r = RATIO[name]
    h, w = min(pan.shape[1] // r, ms.shape[1]), min(pan.shape[2] // r, ms.shape[2])
    return pan[:, : h * r, : w * r], ms[:, :h, :w]


def reference_and_fused(name: str, seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Reduced-resolution pair on a real MS: reference = the MS, fused = its Wald-degraded version
    upsampled back (interp23tap) plus a little noise. Both (1, C, H, W) float64."""
    _, ms = real_pair(name)
    r = RATIO[name]
    c, h, w = ms.shape
    ref = torch.from_numpy(ms[:, : h - h % r, : w - w % r])[None]
    gen = torch.Generator().manual_seed(seed)
    fused = interp23tap(degrade_ms(ref, r, [0.3] * c), r)
    return ref, fused + torch.randn(fused.shape, generator=gen, dtype=fused.dtype) * ref.std() * 0.02


def directional_gradient_error(fn, x: torch.Tensor, eps: float = 1e-6, seed: int = 0) -> float:
    """Relative error between autograd's derivative of sum(fn(x)) along a random direction and a central
    finite difference (float64); a cheap check that the function is differentiable and the graph right."""
    gen = torch.Generator().manual_seed(seed)
    direction = torch.randn(x.shape, generator=gen, dtype=x.dtype)
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn(x).sum(), x)
    with torch.no_grad():
        numeric = (fn(x + eps * direction).sum() - fn(x - eps * direction).sum()) / (2 * eps)
    analytic = (grad * direction).sum()
    return abs(analytic.item() - numeric.item()) / max(abs(numeric.item()), 1e-12)
