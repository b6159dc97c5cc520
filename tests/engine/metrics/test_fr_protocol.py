"""D_rho, R-Q2n / R-SAM / R-ERGAS, D_s_R and RQNR: slow references, closed forms, invariances, gradients."""
from __future__ import annotations

import pytest
import torch

from engine.metrics import (
    d_lambda_k,
    d_rho,
    d_s_r,
    full_resolution_indices,
    local_correlation,
    pan_lowpass,
    r_ergas,
    r_q2n,
    r_sam,
    reproject,
    reprojected_indices,
    rqnr,
)
from engine.metrics.correlation import half_width
from engine.physics.resample import upsample

from . import slow_fr_protocol as slow_fr
from . import slow_reference as slow
from .data import RATIO, directional_gradient_error, real_pair

GAINS = {"quickbird": [0.34, 0.32, 0.30, 0.22], "landsat7": [0.3] * 6, "pleiades": [0.3] * 4}


def _case(name: str, side: int) -> tuple:
    """Fused = upsampled MS plus some of the PAN's detail on a side x side crop; float64 tensors."""
    pan, ms = (torch.from_numpy(a)[None] for a in real_pair(name))
    r = RATIO[name]
    pan, ms = pan[..., :side, :side], ms[..., : side // r, : side // r]
    fused = upsample(ms, r, "interp23tap") + 0.4 * (pan - pan_lowpass(pan, r))
    return fused, pan, ms, r


@pytest.mark.parametrize("name", ("quickbird", "landsat7"))
def test_d_rho_matches_the_authors_algorithm(name: str) -> None:
    fused, pan, _, r = _case(name, 40)
    expected = slow_fr.d_rho(fused[0].numpy(), pan[0, 0].numpy(), r)
    assert abs(d_rho(fused, pan, r).item() - expected) < 1e-10
    assert 0.05 < expected < 0.95
    assert abs(d_rho(fused.float(), pan.float(), r).item() - expected) < 1e-5


def test_correlation_window_follows_the_ratio() -> None:
    assert [half_width(r) for r in (2, 3, 4, 8)] == [1, 2, 2, 4]  # window side 2, 4, 4, 8
    torch.manual_seed(0)
    x = torch.rand(1, 2, 30, 30, dtype=torch.float64)
    rho = local_correlation(x, x[:, :1], 2)
    assert rho.shape == (1, 2, 24, 24)  # support: windows of windows inside the image
    torch.testing.assert_close(rho[:, 0], torch.ones_like(rho[:, 0]))
    import numpy as np
    full = slow_fr.authors_correlation_map(x[0, 1].numpy(), x[0, 0].numpy(), 2)
    np.testing.assert_allclose(rho[0, 1].numpy(), full[2:-4, 2:-4], atol=1e-12)


def test_d_rho_closed_forms_and_invariances() -> None:
    _, pan, _, r = _case("quickbird", 64)
    replicated = pan.repeat(1, 4, 1, 1)
    assert d_rho(replicated, pan, r).item() < 1e-12
    gains = torch.tensor([0.5, 2.0, 3.0, 7.0], dtype=pan.dtype).view(1, 4, 1, 1)
    offsets = torch.tensor([-100.0, 0.0, 50.0, 1e4], dtype=pan.dtype).view(1, 4, 1, 1)
    assert d_rho(replicated * gains + offsets, pan, r).item() < 1e-12
    fused, pan, _, r = _case("quickbird", 64)
    base = d_rho(fused, pan, r)
    torch.testing.assert_close(d_rho(fused * gains + offsets, 3 * pan - 20, r), base)
    assert abs(d_rho(-fused, pan, r).item() - (2 - base.item())) < 1e-9  # anti-correlated: 2 - D_rho
    assert d_rho(upsample(fused[..., ::r, ::r], r, "bicubic"), pan, r).item() > base.item() + 0.2


def test_reprojection_matches_loops_and_reference_indices() -> None:
    fused, _, ms, r = _case("quickbird", 96)
    gains = GAINS["quickbird"]
    low = slow_fr.reproject(fused[0].numpy(), r, gains)
    torch.testing.assert_close(reproject(fused, r, gains)[0], torch.from_numpy(low), atol=1e-9, rtol=1e-12)
    m = ms[0].numpy()
    values = reprojected_indices(fused, ms, r, gains)
    assert abs(values["R_Q2n"].item() - slow.q2n(m, low)) < 1e-9  # 24 px: symmetric padding to 32
    assert abs(values["R_SAM"].item() - slow.sam(low, m)) < 1e-9
    assert abs(values["R_ERGAS"].item() - slow.ergas(low, m, r)) < 1e-9
    torch.testing.assert_close(values["R_Q2n"], r_q2n(fused, ms, r, gains))
    torch.testing.assert_close(values["R_SAM"], r_sam(fused, ms, r, gains))
    torch.testing.assert_close(values["R_ERGAS"], r_ergas(fused, ms, r, gains))


@pytest.mark.parametrize("ratio", (2, 3, 4))
def test_reprojection_phase_is_the_cell_centre(ratio: int) -> None:
    torch.manual_seed(ratio)
    x = torch.rand(1, 2, 12 * ratio, 12 * ratio, dtype=torch.float64)
    expected = slow_fr.reproject(x[0].numpy(), ratio, [0.3, 0.25])
    torch.testing.assert_close(reproject(x, ratio, [0.3, 0.25])[0], torch.from_numpy(expected))


def test_reprojection_consistent_image_is_ideal() -> None:
    fused, _, _, r = _case("pleiades", 128)
    ms = reproject(fused, r, GAINS["pleiades"])  # an MS this fused image is exactly consistent with
    values = reprojected_indices(fused, ms, r, GAINS["pleiades"])
    assert abs(values["R_Q2n"].item() - 1) < 1e-12
    assert values["R_SAM"].item() < 1e-6 and values["R_ERGAS"].item() < 1e-12
    scaled = reprojected_indices(2.5 * fused, 2.5 * ms, r, GAINS["pleiades"])  # units do not matter
    moved = reprojected_indices(fused + 40.0, ms, r, GAINS["pleiades"])
    real = reprojected_indices(*_case("pleiades", 128)[:1], _case("pleiades", 128)[2], r, GAINS["pleiades"])
    for key in ("R_SAM", "R_ERGAS"):
        torch.testing.assert_close(scaled[key], values[key], atol=1e-9, rtol=1e-9)
    assert moved["R_Q2n"].item() < 0.999 and moved["R_ERGAS"].item() > 0.1
    assert real["R_Q2n"].item() < 0.999 and real["R_SAM"].item() > 0.1


def test_d_s_r_matches_the_toolbox_regression() -> None:
    fused, pan, _, _ = _case("landsat7", 64)
    expected, _ = slow_fr.lsr_distortion(fused[0].numpy(), pan[0].numpy())
    assert abs(d_s_r(fused, pan).item() - expected) < 1e-9
    assert 0.01 < expected < 0.9
    assert abs(d_s_r(fused.float(), pan.float()).item() - expected) < 1e-5


def test_strips_and_band_chunks_give_the_same_values(monkeypatch) -> None:
    import engine.metrics.correlation as correlation
    import engine.metrics.regression as regression

    fused, pan, _, r = _case("quickbird", 64)
    whole_rho, whole_r = d_rho(fused, pan, r), d_s_r(fused, pan)
    monkeypatch.setattr(correlation, "_CHUNK_PIXELS", 1)  # one band per pass
    monkeypatch.setattr(regression, "_CHUNK_PIXELS", 300)  # strips of 4 rows
    torch.testing.assert_close(d_rho(fused, pan, r), whole_rho)
    torch.testing.assert_close(d_s_r(fused, pan), whole_r)


def test_d_s_r_closed_forms_and_invariances() -> None:
    fused, pan, _, _ = _case("quickbird", 64)
    weights = torch.tensor([0.2, -0.5, 1.5, 0.7], dtype=fused.dtype).view(1, 4, 1, 1)
    combination = (fused * weights).sum(dim=1, keepdim=True)
    assert d_s_r(fused, combination).item() < 1e-9
    assert d_s_r(pan.repeat(1, 4, 1, 1), pan).item() < 1e-9  # repeated bands: singular fit, still 0
    assert d_s_r(fused, torch.full_like(pan, 7.0)).item() == 0.0
    base = d_s_r(fused, pan)
    gains = torch.tensor([3.0, -0.5, 10.0, 0.1], dtype=fused.dtype).view(1, 4, 1, 1)
    torch.testing.assert_close(d_s_r(fused * gains, 4 * pan), base)
    offsets = torch.tensor([0.0, 500.0, 0.0, 0.0], dtype=fused.dtype).view(1, 4, 1, 1)
    assert abs(d_s_r(fused + offsets, pan).item() - base.item()) > 1e-4  # no intercept (toolbox LSR.m)
    noisy = combination + torch.randn(combination.shape, generator=torch.Generator().manual_seed(0),
                                      dtype=fused.dtype) * combination.std() * 0.1
    assert 0.005 < d_s_r(fused, noisy).item() < 0.02  # about var(noise) / var(PAN) = 0.01


def test_full_set_has_the_new_indices() -> None:
    fused, pan, ms, r = _case("quickbird", 128)
    gains = GAINS["quickbird"]
    values = full_resolution_indices(fused.float(), pan.float(), ms.float(), r, gains)
    assert list(values)[5:] == ["D_rho", "R_Q2n", "R_SAM", "R_ERGAS", "D_s_R", "RQNR"]
    torch.testing.assert_close(values["D_rho"], d_rho(fused, pan, r).float(), atol=1e-5, rtol=0)
    separate = reprojected_indices(fused, ms, r, gains)  # the set decimates D_lambda_K's filtered image
    for key in ("R_Q2n", "R_SAM", "R_ERGAS"):
        torch.testing.assert_close(values[key], separate[key].float(), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(values["RQNR"], rqnr(values["D_lambda_K"], values["D_s_R"]))
    ms_up = upsample(ms, r, "interp23tap")
    dk = d_lambda_k(fused, ms_up, r, gains)
    expected = (1 - dk) * (1 - d_s_r(fused, pan))
    torch.testing.assert_close(values["RQNR"], expected.float(), atol=1e-5, rtol=0)


def test_batch_items_are_independent() -> None:
    a, pan_a, ms_a, r = _case("quickbird", 64)
    b, pan_b, ms_b, _ = _case("pleiades", 64)
    fused, pan, ms = torch.cat([a, b]), torch.cat([pan_a, pan_b]), torch.cat([ms_a, ms_b])
    gains = [0.3] * 4
    together = full_resolution_indices(fused, pan, ms, r, gains)
    alone = full_resolution_indices(b, pan_b, ms_b, r, gains)
    for key in ("D_rho", "R_Q2n", "R_SAM", "R_ERGAS", "D_s_R", "RQNR"):
        torch.testing.assert_close(together[key][1:], alone[key])


def test_differentiable() -> None:
    torch.manual_seed(3)
    pan = torch.rand(1, 1, 32, 32, dtype=torch.float64) + 1
    ms = torch.rand(1, 3, 8, 8, dtype=torch.float64) + 1
    fused = upsample(ms, 4, "interp23tap") + 0.3 * pan
    gains = [0.3, 0.3, 0.3]
    checks = {
        "D_rho": lambda f: d_rho(f, pan, 4),
        "R_Q2n": lambda f: r_q2n(f, ms, 4, gains, block=8),
        "R_SAM": lambda f: r_sam(f, ms, 4, gains),
        "R_ERGAS": lambda f: r_ergas(f, ms, 4, gains),
        "D_s_R": lambda f: d_s_r(f, pan),
    }
    for name, fn in checks.items():
        x = fused.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(fn(x).sum(), x)
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0, name
        assert directional_gradient_error(fn, fused) < 1e-5, name
    f32 = fused.float().requires_grad_(True)
    d_rho(f32, f32[:, :1].detach(), 4).sum().backward()  # perfect correlation: clipped, still finite
    assert f32.grad is not None and torch.isfinite(f32.grad).all()
