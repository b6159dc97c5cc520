"""MTF-matched Gaussian low-pass filters (toolbox recipe: 41 taps, Kaiser window) in torch.

For Nyquist gain G at ratio r the frequency response is a Gaussian equal to G at the MS Nyquist
frequency 1/(2r). The kernel is separable, so it is applied as two 1-D depthwise convolutions.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

TAPS = 41


def mtf_kernel_1d(gain: float, ratio: int, taps: int = TAPS) -> np.ndarray:
    """1-D taps (sum 1) of the MTF-matched filter; the 2-D kernel is their outer product."""
    if not 0.0 < gain < 1.0:
        raise ValueError(f"Nyquist gain must be in (0, 1), got {gain}")
    # Gaussian frequency response sampled on `taps` points; std in frequency samples as in the toolbox.
    sigma_f = math.sqrt(((taps - 1) * (1.0 / ratio) / 2.0) ** 2 / (-2.0 * math.log(gain)))
    n = np.arange(taps) - (taps - 1) / 2.0
    response = np.exp(-0.5 * (n / sigma_f) ** 2)
    response /= response.max()
    impulse = np.real(np.fft.fftshift(np.fft.ifft(np.fft.ifftshift(response))))
    h = impulse * np.kaiser(taps, 0.5)
    return h / h.sum()


def mtf_kernels(gains: Sequence[float], ratio: int, taps: int = TAPS) -> torch.Tensor:
    """(C, taps) float32 1-D kernels, one per band gain."""
    return torch.from_numpy(np.stack([mtf_kernel_1d(g, ratio, taps) for g in gains])).float()


def mtf_filter(x: torch.Tensor, kernels: torch.Tensor) -> torch.Tensor:
    """Low-pass (B, C, H, W) with per-band separable kernels (C, taps); borders replicate."""
    c, taps = kernels.shape
    k = kernels.to(dtype=x.dtype, device=x.device)
    pad = taps // 2
    x = F.pad(x, (pad, pad, pad, pad), mode="replicate")
    x = F.conv2d(x, k.view(c, 1, taps, 1), groups=c)
    return F.conv2d(x, k.view(c, 1, 1, taps), groups=c)
