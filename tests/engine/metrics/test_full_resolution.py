"""D_lambda, D_s, QNR, D_lambda^K, HQNR and the block Q index: slow reference, ideal values, conventions."""
from __future__ import annotations

import pytest
import torch

from engine.metrics import (
    all_full_resolution,
    d_lambda,
    d_lambda_k,
    d_s,
    full_resolution_indices,
    hqnr,
    pan_lowpass,
    q2n,
    uqi_band_pairs,
    uqi_bands,
)
from engine.physics.mtf import mtf_lowpass
from engine.physics.resample import upsample

from . import slow_reference as slow
from .data import RATIO, directional_gradient_error, real_pair

GAINS = {"quickbird": [0.34, 0.32, 0.30, 0.22], "landsat7": [0.3] * 6}


def _case(name: str, side: int = 96) -> tuple:
    """Fused = upsampled MS plus a fraction of the PAN's detail, on a side x side crop (32-px blocks)."""
    pan, ms = (torch.from_numpy(a)[None] for a in real_pair(name))
    r = RATIO[name]
    pan, ms = pan[..., :side, :side], ms[..., : side // r, : side // r]
    ms_up = upsample(ms, r, "interp23tap")
    fused = ms_up + 0.3 * (pan - pan_lowpass(pan, r))
    return fused, pan, ms, ms_up, r


@pytest.mark.parametrize("name", ("quickbird", "landsat7"))
def test_match_the_slow_reference_on_real_pairs(name: str) -> None:
    fused, pan, ms, ms_up, r = _case(name)
    low = pan_lowpass(pan, r)
    values = full_resolution_indices(fused, pan, ms, r, GAINS[name])
    f, p, m, pl = fused[0].numpy(), pan[0, 0].numpy(), ms_up[0].numpy(), low[0, 0].numpy()
    dl, ds = slow.d_lambda(f, m), slow.d_s(f, p, m, pl)
    dk = 1 - slow.q2n(m, mtf_lowpass(fused, GAINS[name], r)[0].numpy())
    expected = {"D_lambda": dl, "D_s": ds, "QNR": (1 - dl) * (1 - ds), "D_lambda_K": dk,
                "HQNR": (1 - dk) * (1 - ds)}
    for key, value in expected.items():
        assert abs(values[key].item() - value) < 1e-6, key
    assert 0 < ds < 0.5 and 0 < dl < 0.5


def test_separate_functions_equal_the_one_pass_set() -> None:
    fused, pan, ms, ms_up, r = _case("quickbird")
    low = pan_lowpass(pan, r)
    together = all_full_resolution(fused, pan, ms_up, low, r, GAINS["quickbird"])
    torch.testing.assert_close(together["D_lambda"], d_lambda(fused, ms_up))
    torch.testing.assert_close(together["D_s"], d_s(fused, pan, ms_up, low))
    torch.testing.assert_close(together["D_lambda_K"], d_lambda_k(fused, ms_up, r, GAINS["quickbird"]))
    torch.testing.assert_close(together["HQNR"], hqnr(fused, pan, ms, r, GAINS["quickbird"]))


def test_d_lambda_k_takes_the_upsampled_ms_as_reference() -> None:
    fused, _, _, ms_up, r = _case("quickbird")
    filtered = mtf_lowpass(fused, GAINS["quickbird"], r)
    value = d_lambda_k(fused, ms_up, r, GAINS["quickbird"])
    torch.testing.assert_close(value, 1 - q2n(ms_up, filtered))
    assert abs(value.item() - (1 - q2n(filtered, ms_up)).item()) > 1e-5


def test_ideal_values() -> None:
    _, pan, _, ms_up, r = _case("landsat7")
    low = pan_lowpass(pan, r)
    assert d_lambda(ms_up, ms_up).item() < 1e-12
    assert d_s(ms_up, low, ms_up, low).item() < 1e-12


def test_q_index_conventions() -> None:
    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 64, dtype=torch.float64) + 1
    pairs = uqi_band_pairs(x)
    torch.testing.assert_close(torch.diagonal(pairs, dim1=-2, dim2=-1), torch.ones(1, 3, dtype=torch.float64))
    torch.testing.assert_close(pairs, pairs.transpose(-1, -2))
    torch.testing.assert_close(uqi_bands(5 * x, 5 * x[:, :1]), uqi_bands(x, x[:, :1]))  # common gain
    flat = torch.full((1, 2, 32, 32), 3.0, dtype=torch.float64)
    flat[:, 1] = 1.0
    q = uqi_band_pairs(flat)[0, 0, 1].item()  # no variance: mean term only, 2*3*1 / (9 + 1)
    assert abs(q - 0.6) < 1e-12
    assert uqi_band_pairs(torch.zeros(1, 2, 32, 32))[0, 0, 1].item() == 1.0


def test_differentiable() -> None:
    torch.manual_seed(2)
    pan = torch.rand(1, 1, 32, 32, dtype=torch.float64) + 1
    ms = torch.rand(1, 2, 8, 8, dtype=torch.float64) + 1
    fused = upsample(ms, 4, "interp23tap") + 0.1 * pan
    assert directional_gradient_error(lambda f: hqnr(f, pan, ms, 4, [0.3, 0.3], block=8), fused) < 1e-6
    ms_up = upsample(ms, 4, "interp23tap")
    assert directional_gradient_error(lambda f: d_lambda(f, ms_up, block=8), fused) < 1e-6
