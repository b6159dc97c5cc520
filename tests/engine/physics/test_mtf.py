"""MTF-matched filters: against the toolbox's fwind1 construction, response at Nyquist, DC gain."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.physics.mtf import mtf_kernel_1d, mtf_lowpass
from engine.physics.sensors import PRESETS

GAINS = sorted({g for p in PRESETS.values() for g in p.ms_gains + (p.pan_gain,)})


def _fwind1_kernel(gain: float, ratio: int, n: int = 41) -> np.ndarray:
    """The toolbox's genMTF: Gaussian response (fspecial, max 1) windowed by fwind1's rotated Kaiser."""
    alpha = np.sqrt(((n - 1) * (1 / ratio) / 2) ** 2 / (-2 * np.log(gain)))
    g = np.arange(n) - (n - 1) / 2
    response = np.exp(-(g[:, None] ** 2 + g[None, :] ** 2) / (2 * alpha ** 2))
    response /= response.max()
    h = np.real(np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(response))))
    t = np.linspace(-1, 1, n)
    radius = np.sqrt(t[:, None] ** 2 + t[None, :] ** 2)
    window = np.interp(radius.ravel(), t, np.kaiser(n, 0.5)).reshape(n, n)
    window[radius > 1] = 0
    return h * window


@pytest.mark.parametrize("ratio,tolerance", [(2, 5e-5), (3, 5e-5), (4, 5e-5), (8, 3e-3)])
def test_separable_kernel_matches_the_toolbox_shape(ratio: int, tolerance: float) -> None:
    for gain in GAINS:
        toolbox = _fwind1_kernel(gain, ratio)
        assert 0.985 < toolbox.sum() <= 1.0  # the toolbox does not renormalise: slight darkening
        ours = np.outer(mtf_kernel_1d(gain, ratio), mtf_kernel_1d(gain, ratio))
        assert abs(ours.sum() - 1) < 1e-12
        assert np.abs(ours - toolbox / toolbox.sum()).max() < tolerance * ours.max()


@pytest.mark.parametrize("ratio", (2, 4, 8))
def test_response_at_the_ms_nyquist_frequency_is_close_below_the_gain(ratio: int) -> None:
    """The recipe puts the gain at 40/41 of Nyquist, so at Nyquist the response is 0.85-1.0 of it."""
    n = np.arange(41) - 20
    for gain in GAINS:
        response = abs((mtf_kernel_1d(gain, ratio) * np.exp(-2j * np.pi * n / (2 * ratio))).sum())
        assert 0.85 * gain < response < gain


def test_lowpass_keeps_constants_and_uses_each_band_gain() -> None:
    flat = torch.full((1, 2, 64, 64), 7.0, dtype=torch.float64)
    torch.testing.assert_close(mtf_lowpass(flat, [0.1, 0.4], 4), flat)
    torch.manual_seed(0)
    noise = torch.rand(1, 1, 64, 64, dtype=torch.float64).expand(1, 2, 64, 64)
    out = mtf_lowpass(noise, [0.1, 0.4], 4)
    assert out[0, 0].std() < out[0, 1].std()  # lower gain = stronger smoothing
    with pytest.raises(ValueError):
        mtf_lowpass(noise, [0.3], 4)
