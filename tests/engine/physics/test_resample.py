"""interp23tap (12-point Lagrange, geometry-correct), the MATLAB-like bicubic reduction and padding."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.physics.resample import (
    bicubic_downsample,
    decimate,
    interp23tap,
    lagrange_weights,
    symmetric_pad,
    upsample,
    upsample_halo,
)

RATIOS = (2, 3, 4, 5, 6, 7, 8)
# Odd taps of the toolboxes' 23-tap interpolator (CDF23 = 2 * [...]); the even taps are 0 except the centre.
TOOLBOX_23TAP_HALF = 2 * np.array([0.305334091185, -0.072698593239, 0.021809577942, -0.005192756653,
                                   0.000807762146, -0.000060081482])


def test_23tap_kernel_is_12_point_lagrange_at_the_midpoint() -> None:
    w = lagrange_weights(0.5)  # samples -6..6; nodes -5..6 for a non-negative offset
    np.testing.assert_allclose(w[7:], TOOLBOX_23TAP_HALF, atol=1e-11)  # samples 1..6, nearest first
    np.testing.assert_allclose(w[1:7][::-1], TOOLBOX_23TAP_HALF, atol=1e-11)  # samples 0..-5
    assert w[0] == 0.0 and abs(w.sum() - 1) < 1e-12


def _slow_lagrange_1d(x: np.ndarray, ratio: int) -> np.ndarray:
    """Fine sample i at coarse coordinate (i - (r-1)/2)/r; 12 nearest samples, edges replicated."""
    n = len(x)
    out = np.zeros(n * ratio)
    for i in range(n * ratio):
        t = (i - (ratio - 1) / 2) / ratio
        j = math.floor(t + 0.5)
        d = t - j
        nodes = range(j - 5, j + 7) if d >= 0 else range(j - 6, j + 6)
        total = 0.0
        for k in nodes:
            weight = 1.0
            for m in nodes:
                if m != k:
                    weight *= (t - m) / (k - m)
            total += weight * x[min(max(k, 0), n - 1)]
        out[i] = total
    return out


def _slow_interp(img: np.ndarray, ratio: int) -> np.ndarray:
    steps = [2] * int(math.log2(ratio)) if ratio & (ratio - 1) == 0 else [ratio]
    for s in steps:
        img = np.stack([_slow_lagrange_1d(col, s) for col in img.T], axis=1)
        img = np.stack([_slow_lagrange_1d(row, s) for row in img])
    return img


@pytest.mark.parametrize("ratio", (2, 3, 4, 5, 8))
def test_interp23tap_matches_a_slow_lagrange_reference(ratio: int) -> None:
    rng = np.random.default_rng(ratio)
    img = rng.random((7, 9)) * 100
    ours = interp23tap(torch.from_numpy(img)[None, None], ratio)[0, 0].numpy()
    np.testing.assert_allclose(ours, _slow_interp(img, ratio), atol=1e-9)


@pytest.mark.parametrize("ratio", RATIOS)
def test_interp23tap_puts_coarse_samples_at_cell_centres(ratio: int) -> None:
    """A smooth signal sampled at PAN coordinates j*r + (r-1)/2 is reproduced on the PAN pixels; half a
    PAN pixel of shift would cost two orders of magnitude more."""
    period = 9.0 * ratio
    f = lambda u: torch.sin(2 * math.pi * u / period)  # noqa: E731
    n = 40
    coarse = f(torch.arange(n, dtype=torch.float64) * ratio + (ratio - 1) / 2)
    up = interp23tap(coarse.view(1, 1, n, 1).expand(1, 1, n, n).contiguous(), ratio)[0, 0, :, 0]
    fine = torch.arange(n * ratio, dtype=torch.float64)
    inner = slice(12 * ratio, -12 * ratio)
    err = (up - f(fine))[inner].abs().max().item()
    err_shifted = (up - f(fine + 0.5))[inner].abs().max().item()
    assert err < 1e-5 and err_shifted > 100 * err


@pytest.mark.parametrize("ratio", RATIOS)
def test_upsample_then_decimate_keeps_a_ramp_in_place(ratio: int) -> None:
    ramp = torch.arange(30, dtype=torch.float64).view(1, 1, 30, 1) * 3.0 + torch.arange(30) * 0.5
    back = decimate(interp23tap(ramp, ratio), ratio)
    np.testing.assert_allclose(back[..., 12:-12, 12:-12], ramp[..., 12:-12, 12:-12], atol=1e-9)


@pytest.mark.parametrize("ratio", (2, 3, 4, 8))
def test_halo_is_enough_for_block_processing(ratio: int) -> None:
    torch.manual_seed(0)
    img = torch.rand(1, 2, 48, 48, dtype=torch.float64)
    whole = upsample(img, ratio, "interp23tap")
    halo = -(-upsample_halo("interp23tap", ratio) // ratio)  # coarse pixels
    lo, hi = 16, 32
    part = upsample(img[..., lo - halo:hi + halo, lo - halo:hi + halo], ratio, "interp23tap")
    inner = part[..., halo * ratio:(halo + hi - lo) * ratio, halo * ratio:(halo + hi - lo) * ratio]
    torch.testing.assert_close(inner, whole[..., lo * ratio:hi * ratio, lo * ratio:hi * ratio], atol=1e-12,
                               rtol=0)


def _cubic(t: float) -> float:
    a = abs(t)
    if a <= 1:
        return 1.5 * a ** 3 - 2.5 * a ** 2 + 1
    if a <= 2:
        return -0.5 * a ** 3 + 2.5 * a ** 2 - 4 * a + 2
    return 0.0


def _slow_imresize_1d(x: np.ndarray, ratio: int) -> np.ndarray:
    """MATLAB imresize(x, 1/r, 'bicubic') along one axis: contributions(), mirrored indices."""
    n = len(x)
    out = np.zeros(n // ratio)
    for i in range(n // ratio):
        u = (i + 1) * ratio + 0.5 * (1 - ratio)  # 1-based input coordinate of output i+1
        left = math.floor(u - 2 * ratio)
        idx = [left + p for p in range(4 * ratio + 2)]
        w = np.array([_cubic((u - k) / ratio) / ratio for k in idx])
        w /= w.sum()
        mirror = list(range(1, n + 1)) + list(range(n, 0, -1))
        out[i] = sum(wk * x[mirror[(k - 1) % (2 * n)] - 1] for wk, k in zip(w, idx))
    return out


@pytest.mark.parametrize("ratio", (2, 3, 4))
def test_bicubic_downsample_matches_a_slow_imresize(ratio: int) -> None:
    rng = np.random.default_rng(1)
    img = rng.random((4 * ratio, 5 * ratio))
    slow = np.stack([_slow_imresize_1d(col, ratio) for col in img.T], axis=1)
    slow = np.stack([_slow_imresize_1d(row, ratio) for row in slow])
    ours = bicubic_downsample(torch.from_numpy(img)[None, None], ratio)[0, 0].numpy()
    np.testing.assert_allclose(ours, slow, atol=1e-12)


@pytest.mark.parametrize("pads", [(1, 2, 3, 0), (0, 5, 5, 0), (9, 12, 11, 8)])
def test_symmetric_pad_equals_numpy(pads: tuple) -> None:
    x = np.arange(6 * 7, dtype=float).reshape(1, 1, 6, 7)
    left, right, top, bottom = pads
    expected = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="symmetric")
    np.testing.assert_array_equal(symmetric_pad(torch.from_numpy(x), pads).numpy(), expected)
