"""MTF-GLP-FS, MTF-GLP-HPM-R, BDSD-PC and AWLP on whole in-memory images: the fitted coefficients recover the
true ones when the MS is an exactly degraded PAN-scaled signal, BDSD-PC equals a brute-force constrained
least-squares fit and keeps its constraints, the NNLS solver equals scipy's, AWLP injects nothing for a flat
PAN and in proportion to the band shares otherwise, and the moments pass does not depend on the blocks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import EngineError
from engine.methods.awlp import AWLP, atrous_lowpass
from engine.methods.base import FusionContext
from engine.methods.bdsd import BDSDPC, bdsd_pc_coefficients, nnls_gram
from engine.methods.multiresolution import _match_coefficients, decimated_lowpass
from engine.methods.registry import get_method, list_methods
from engine.methods.regression import MTFGLPFS, MTFGLPHPMR, fs_gains, hpm_r_gains, positive_offsets
from engine.moments import in_memory_stats
from engine.physics.resample import upsample
from tests.conftest import pair_paths
from tests.engine.rasters import read

R = 4
GAINS = (0.34, 0.32, 0.30, 0.22)  # QuickBird: one distinct filter per band
NEW = ("mtf_glp_fs", "mtf_glp_hpm_r", "bdsd_pc", "awlp")


def _ctx(gains=GAINS, **options: str) -> FusionContext:
    return FusionContext(R, gains, 0.15, "bicubic", None, dict(options))


def _texture(size: int, seed: int = 0) -> torch.Tensor:
    """(1, 1, size, size) positive PAN with detail at every scale."""
    g = torch.Generator().manual_seed(seed)
    coarse = upsample(torch.rand(1, 1, size // 8, size // 8, generator=g), 8)
    return 300 + 200 * coarse + 60 * torch.rand(1, 1, size, size, generator=g)


def _fitted(method, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> FusionContext:
    ctx.stats = in_memory_stats(method, pan, ms, ctx)
    return ctx


def _real(name: str = "quickbird") -> tuple:
    pan, ms = pair_paths(name)
    return (torch.from_numpy(read(pan).astype(np.float32))[None],
            torch.from_numpy(read(ms).astype(np.float32))[None])


def test_registry_lists_the_new_methods() -> None:
    names = [m.name for m in list_methods()]
    for name in NEW:
        method = get_method(name.upper().replace("_", "-"))
        assert name in names and method.name == name and method.title and method.summary
        assert method.family in ("multi-resolution analysis", "component substitution")


# ---- MTF-GLP-FS and MTF-GLP-HPM-R --------------------------------------------------------------


def _glp_model() -> tuple:
    """PAN, MS with MS_k = Dec(h_k * (a_k P + b_k)) exactly, a and b."""
    pan = _texture(32 * R)
    a, b = np.array([0.4, 0.9, 1.3, 2.0]), np.array([10.0, -40.0, 5.0, 120.0])
    ms = decimated_lowpass(pan, GAINS, R) * torch.tensor(a, dtype=torch.float32).view(1, 4, 1, 1) \
        + torch.tensor(b, dtype=torch.float32).view(1, 4, 1, 1)
    return pan, ms, a, b


def test_fs_recovers_the_true_gains_and_the_pan_scaled_signal() -> None:
    """MS_k = Dec(h_k * (a_k P + b_k)): M~_k = a_k P_L,k + b_k, so cov(M~_k, P) / cov(P_L,k, P) = a_k and
    the fused band is a_k P + b_k at every pixel."""
    pan, ms, a, b = _glp_model()
    ctx = _fitted(MTFGLPFS(), pan, ms, _ctx())
    np.testing.assert_allclose(fs_gains(ctx.require_moments(), ctx), a, rtol=1e-5)
    want = pan * torch.tensor(a, dtype=torch.float32).view(1, 4, 1, 1) + torch.tensor(
        b, dtype=torch.float32).view(1, 4, 1, 1)
    torch.testing.assert_close(MTFGLPFS().fuse(pan, ms, ctx), want, rtol=1e-5, atol=0.02)


def test_hpm_r_recovers_the_true_gains() -> None:
    """Same model: cov(M~_k, P_L,k) / var(P_L,k) = a_k, and the modulated band is a_k P + b_k up to the
    difference between the image means of P and P_L (border effects only)."""
    pan, ms, a, b = _glp_model()
    ctx = _fitted(MTFGLPHPMR(), pan, ms, _ctx())
    np.testing.assert_allclose(hpm_r_gains(ctx.require_moments(), ctx), a, rtol=1e-5)
    want = pan * torch.tensor(a, dtype=torch.float32).view(1, 4, 1, 1) + torch.tensor(
        b, dtype=torch.float32).view(1, 4, 1, 1)
    torch.testing.assert_close(MTFGLPHPMR().fuse(pan, ms, ctx), want, rtol=2e-3, atol=0.5)


def test_fs_and_hpm_r_with_one_shared_gain() -> None:
    """All bands on one MTF filter (generic presets): one P_L feature serves every band."""
    pan, _, a, b = _glp_model()
    gains = (0.3,) * 4
    ms = decimated_lowpass(pan, (0.3,), R) * torch.tensor(a, dtype=torch.float32).view(1, 4, 1, 1) + 1.0
    for method, fit in ((MTFGLPFS(), fs_gains), (MTFGLPHPMR(), hpm_r_gains)):
        ctx = _fitted(method, pan, ms, _ctx(gains))
        assert ctx.require_moments().mean.shape == (1 + 4 + 1,)
        np.testing.assert_allclose(fit(ctx.require_moments(), ctx), a, rtol=1e-5)


@pytest.mark.parametrize("method", [MTFGLPFS(), MTFGLPHPMR()])
def test_regression_methods_add_nothing_for_a_flat_pan(method) -> None:
    _, ms, _, _ = _glp_model()
    pan = torch.full((1, 1, 32 * R, 32 * R), 321.0)
    ctx = _fitted(method, pan, ms, _ctx())
    torch.testing.assert_close(method.fuse(pan, ms, ctx), upsample(ms, R), rtol=1e-5, atol=1e-2)


def test_positive_offsets_leave_non_negative_data_alone() -> None:
    pan, ms = _real()
    stats = in_memory_stats(MTFGLPHPMR(), pan, ms, _ctx())
    assert (positive_offsets(stats) == 0).all()
    stats = in_memory_stats(MTFGLPHPMR(), pan, ms - 300, _ctx())
    low, std = stats.ms_min, stats.ms_std()
    assert (low < 0).all()
    np.testing.assert_allclose(positive_offsets(stats), std - low)  # minimum one std above zero


# ---- BDSD-PC ----------------------------------------------------------------------------------------


def test_nnls_gram_equals_scipy_nnls() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(0)
    for trial in range(40):
        a = rng.normal(size=(30, 1 + trial % 9))
        y = rng.normal(size=30) * 3 + a @ rng.normal(size=a.shape[1])
        want, _ = optimize.nnls(a, y)
        np.testing.assert_allclose(nnls_gram(a.T @ a, a.T @ y), want, rtol=1e-7, atol=1e-9)


def test_nnls_gram_on_a_singular_gram_reaches_the_minimum() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(1)
    a = rng.normal(size=(25, 4))
    a = np.concatenate([a, a[:, :1] * 2.0], axis=1)  # rank 4
    y = a @ np.array([1.0, -0.5, 0.3, 0.0, 0.2]) + rng.normal(size=25) * 0.1
    x = nnls_gram(a.T @ a, a.T @ y)
    assert (x >= 0).all()
    want, _ = optimize.nnls(a, y)
    assert np.sum((a @ x - y) ** 2) == pytest.approx(np.sum((a @ want - y) ** 2), rel=1e-9)


def test_bdsd_pc_reproduces_a_pan_scaled_ms() -> None:
    """MS_k = a_k P_LR (every band the degraded PAN, scaled: a singular Gram matrix): the reduced-scale fit
    is exact (gain a_k, weights summing to the band), so the fused band is a_k P."""
    pan = _texture(32 * R)
    a = torch.tensor([0.5, 0.8, 1.1, 1.7]).view(1, 4, 1, 1)
    ms = decimated_lowpass(pan, (0.15,), R) * a
    ctx = _fitted(BDSDPC(), pan, ms, _ctx())
    gamma, intercept = bdsd_pc_coefficients(ctx.require_moments(), 4)
    np.testing.assert_allclose(gamma[0], a.flatten().numpy(), rtol=1e-4)
    assert (intercept == 0).all()
    torch.testing.assert_close(BDSDPC().fuse(pan, ms, ctx), pan * a, rtol=1e-4, atol=0.05)


def _reduced_problem(pan: torch.Tensor, ms: torch.Tensor) -> tuple:
    """Explicit regressors H (n, C+1) and targets Y (n, C) of BDSD-PC's reduced-scale fit."""
    feats = BDSDPC().moment_features(pan, ms, _ctx())[0].double().reshape(9, -1).numpy()
    h = feats[:5].T
    return h, (feats[5:] - feats[1:5]).T


def test_bdsd_pc_equals_a_brute_force_constrained_fit_and_keeps_its_constraints() -> None:
    """The Gram-matrix NNLS gives lsqlin's answer on the explicit problem (scipy's bounded least squares),
    gains >= 0 and weights >= 0 (gamma_j <= 0) hold, and they bind here: the unconstrained fit breaks them."""
    optimize = pytest.importorskip("scipy.optimize")
    pan, ms = _real()
    ctx = _fitted(BDSDPC(), pan, ms, _ctx())
    gamma, _ = bdsd_pc_coefficients(ctx.require_moments(), 4)
    h, y = _reduced_problem(pan, ms)
    lower, upper = np.r_[0.0, [-np.inf] * 4], np.r_[np.inf, [0.0] * 4]
    for k in range(4):
        want = optimize.lsq_linear(h, y[:, k], bounds=(lower, upper), method="bvls", tol=1e-14).x
        np.testing.assert_allclose(gamma[:, k], want, rtol=1e-6, atol=1e-7)
    assert (gamma[0] >= 0).all() and (gamma[1:] <= 0).all()
    free = np.linalg.lstsq(h, y, rcond=None)[0]
    assert (free[1:] > 0).any()


def test_bdsd_pc_on_signed_data_fits_an_intercept_and_ignores_the_offset() -> None:
    """The published fit has no intercept; on data with negative values it gets one (centred moments), so
    taking a constant off the MS changes the fused result by that constant only."""
    pan, ms = _real()
    ctx = _fitted(BDSDPC(), pan, ms, _ctx())
    signed = _fitted(BDSDPC(), pan, ms - 300, _ctx())
    assert (bdsd_pc_coefficients(ctx.require_moments(), 4)[1] == 0).all()
    gamma, intercept = bdsd_pc_coefficients(signed.require_moments(), 4)
    assert (intercept != 0).any() and (gamma[0] >= 0).all() and (gamma[1:] <= 0).all()
    out, out_signed = BDSDPC().fuse(pan, ms, ctx), BDSDPC().fuse(pan, ms - 300, signed)
    assert torch.corrcoef(torch.stack([out.flatten(), out_signed.flatten()]))[0, 1] > 0.999
    torch.testing.assert_close(out_signed.mean(), out.mean() - 300, rtol=0, atol=3.0)


# ---- AWLP -------------------------------------------------------------------------------------------


def test_awlp_of_a_flat_pan_is_the_upsampled_ms() -> None:
    _, ms = _real()
    pan = torch.full((1, 1, 256, 256), 700.0)
    ctx = _fitted(AWLP(), pan, ms, _ctx())
    torch.testing.assert_close(AWLP().fuse(pan, ms, ctx), upsample(ms, R), rtol=0, atol=1e-3)


def test_awlp_mtf_lowpass_finds_no_detail_in_a_flat_pan() -> None:
    """The MTF-filter variant (equalisation gains from the real pair): a flat PAN carries no detail."""
    pan, ms = _real()
    ctx = _fitted(AWLP(), pan, ms, _ctx(lowpass="mtf"))
    flat = torch.full_like(pan, 700.0)
    torch.testing.assert_close(AWLP().fuse(flat, ms, ctx), upsample(ms, R), rtol=0, atol=1e-3)
    atrous = AWLP().fuse(pan, ms, _fitted(AWLP(), pan, ms, _ctx()))
    assert (AWLP().fuse(pan, ms, ctx) - atrous).abs().max() > 1


def test_awlp_injects_in_proportion_to_the_band_shares() -> None:
    """F_k - M~_k = (M~_k / mean_j M~_j) a_k (P - lowpass(P)): the same detail image for every band,
    scaled per pixel by the band's share of the intensity and per band by its equalisation gain."""
    pan, ms = _real()
    ctx = _fitted(AWLP(), pan, ms, _ctx())
    up = upsample(ms, R)
    a = torch.tensor(_match_coefficients(ctx)[0], dtype=torch.float32).view(1, 4, 1, 1)
    detail = pan - atrous_lowpass(pan, R)
    want = up / up.mean(dim=1, keepdim=True) * a * detail
    torch.testing.assert_close(AWLP().fuse(pan, ms, ctx) - up, want, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("ratio, radius", [(2, 2), (3, 6), (4, 6), (8, 14)])
def test_atrous_lowpass_is_a_unit_gain_symmetric_cascade(ratio: int, radius: int) -> None:
    """ceil(log2 r) B3-spline levels dilated 1, 2, 4...: unit DC gain, the footprint radius 2 (2^L - 1),
    symmetric, and ramps pass unchanged away from the border."""
    impulse = torch.zeros(1, 1, 41, 41, dtype=torch.float64)
    impulse[..., 20, 20] = 1.0
    k = atrous_lowpass(impulse, ratio)[0, 0]
    assert float(k.sum()) == pytest.approx(1.0)
    support = torch.nonzero(k[20] > 0).flatten()
    assert (int(support.min()), int(support.max())) == (20 - radius, 20 + radius)
    torch.testing.assert_close(k, k.flip(0).flip(1))
    ramp = torch.arange(64, dtype=torch.float64).view(1, 1, 1, 64).expand(1, 1, 64, 64) * 3.0
    inner = (..., slice(radius, -radius), slice(radius, -radius))
    torch.testing.assert_close(atrous_lowpass(ramp, ratio)[inner], ramp[inner])


def test_awlp_refuses_an_unknown_lowpass() -> None:
    pan, ms = _real()
    ctx = _fitted(AWLP(), pan, ms, _ctx(lowpass="box"))
    with pytest.raises(EngineError, match="lowpass must be one of atrous, mtf"):
        AWLP().fuse(pan, ms, ctx)


def test_awlp_shares_stay_bounded_on_signed_data() -> None:
    """MS with negative values: shares from the data shifted to positive, clamped at 0, so the injected
    detail is at most C times the equalised PAN detail."""
    pan, ms = _real()
    ctx = _fitted(AWLP(), pan, ms - 300, _ctx())
    up = upsample(ms - 300, R)
    a = torch.tensor(_match_coefficients(ctx)[0], dtype=torch.float32).view(1, 4, 1, 1)
    detail = (AWLP().fuse(pan, ms - 300, ctx) - up) / (a * (pan - atrous_lowpass(pan, R)))
    finite = torch.isfinite(detail)
    assert finite.float().mean() > 0.99 and detail[finite].abs().max() <= 4 + 1e-3
