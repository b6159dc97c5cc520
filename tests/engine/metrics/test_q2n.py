"""Q2n: ideal value, agreement with a slow toolbox-structured reference, invariances, options, gradients."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.metrics import q2n, q2n_map
from engine.metrics.q2n import product_table

from . import slow_reference as slow
from .data import directional_gradient_error, reference_and_fused


@pytest.mark.parametrize("bands,size", [(1, (40, 33)), (4, (64, 64)), (6, (45, 70)), (8, (32, 96))])
def test_identity_scores_one(bands: int, size: tuple) -> None:
    torch.manual_seed(bands)
    x = torch.rand(2, bands, *size, dtype=torch.float64) * 1000 + 5
    torch.testing.assert_close(q2n(x, x), torch.ones(2, dtype=torch.float64))


CROPS = [("quickbird", (64, 64)), ("landsat7", (40, 56)), ("landsat8", (48, 44))]


@pytest.mark.parametrize("name,crop", CROPS)
def test_matches_the_slow_reference_on_real_crops(name: str, crop: tuple) -> None:
    """4 bands (Q4), 6 and 7 bands (zero-padded to Q8), sides that need symmetric padding."""
    ref, fused = reference_and_fused(name)
    ref, fused = ref[..., : crop[0], : crop[1]], fused[..., : crop[0], : crop[1]]
    expected = slow.q2n(ref[0].numpy(), fused[0].numpy())
    assert abs(q2n(ref, fused).item() - expected) < 1e-6
    assert 0.3 < expected < 1.0


def test_invariant_to_a_common_positive_gain_and_offset_per_band() -> None:
    """Both images are normalised with the reference block's mean and std, so a per-band affine map
    x -> a_b x + c_b (a_b > 0) applied to both leaves every block value unchanged."""
    ref, fused = reference_and_fused("quickbird")
    a = torch.tensor([0.5, 2.0, 3.0, 1.5], dtype=torch.float64).view(1, 4, 1, 1)
    c = torch.tensor([10.0, -20.0, 300.0, 7.0], dtype=torch.float64).view(1, 4, 1, 1)
    torch.testing.assert_close(q2n_map(ref * a + c, fused * a + c), q2n_map(ref, fused))


def test_the_reference_argument_is_not_interchangeable() -> None:
    ref, fused = reference_and_fused("quickbird", seed=3)
    assert abs(q2n(ref, fused).item() - q2n(fused, ref).item()) > 1e-4


def test_matlab_rounding_equals_scoring_the_uint16_cast() -> None:
    ref, fused = reference_and_fused("landsat7")
    cast = [torch.clamp(torch.floor(t + 0.5), 0, 65535) for t in (ref, fused - 3.0)]
    assert q2n(ref, fused - 3.0, rounding="matlab").item() == q2n(*cast).item()
    assert q2n(ref, fused - 3.0, rounding="matlab").item() != q2n(ref, fused - 3.0).item()
    with pytest.raises(ValueError, match="rounding"):
        q2n(ref, fused, rounding="floor")


def test_batch_items_are_scored_independently_and_values_stay_in_range() -> None:
    ref, fused = reference_and_fused("quickbird")
    other_ref, other = reference_and_fused("pleiades", seed=1)
    both = q2n(torch.cat([ref, other_ref]), torch.cat([fused, other]))
    torch.testing.assert_close(both, torch.cat([q2n(ref, fused), q2n(other_ref, other)]))
    assert ((q2n_map(ref, fused) >= 0) & (q2n_map(ref, fused) <= 1 + 1e-12)).all()


@pytest.mark.parametrize("n", (2, 4, 8))
def test_algebra_norm_is_multiplicative_and_conjugate_gives_the_squared_norm(n: int) -> None:
    """Complex numbers, quaternions and octonions are composition algebras: |pq| = |p||q|."""
    rng = np.random.default_rng(n)
    t = product_table(n)
    p, q = rng.normal(size=n), rng.normal(size=n)
    pq = np.einsum("kij,i,j->k", t, p, q)
    assert abs(np.linalg.norm(pq) - np.linalg.norm(p) * np.linalg.norm(q)) < 1e-12
    p_conj = np.concatenate([p[:1], -p[1:]])
    np.testing.assert_allclose(np.einsum("kij,i,j->k", t, p, p_conj), np.eye(n)[0] * (p @ p), atol=1e-12)


def test_differentiable() -> None:
    torch.manual_seed(0)
    ref = torch.rand(1, 4, 16, 16, dtype=torch.float64) + 1
    test = ref + 0.1 * torch.rand_like(ref)
    assert directional_gradient_error(lambda t: q2n(ref, t, block=8), test) < 1e-6
