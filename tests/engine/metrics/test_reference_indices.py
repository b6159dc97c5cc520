"""SAM, ERGAS, SCC, PSNR, FSDS and the border cut: ideal values, closed forms, slow reference, invariances."""
from __future__ import annotations

import math

import pytest
import torch

from engine.metrics import border_cut, ergas, fsds, psnr, reduced_resolution_indices, sam, scc
from engine.metrics.reference import FSDS_CAP_DB

from . import slow_reference as slow
from .data import RATIO, directional_gradient_error, reference_and_fused

NAMES = ("quickbird", "landsat7", "landsat8")


def test_identity_gives_the_ideal_values() -> None:
    ref, _ = reference_and_fused("quickbird")
    assert sam(ref, ref).item() < 1e-6
    assert ergas(ref, ref, 4).item() == 0.0
    assert abs(scc(ref, ref).item() - 1) < 1e-12
    assert psnr(ref, ref, 2047.0).item() == math.inf
    assert fsds(ref, ref).item() == FSDS_CAP_DB


def test_sam_of_a_constant_spectral_angle() -> None:
    """Every fused spectrum is its reference spectrum turned by 7 degrees (and rescaled): SAM = 7."""
    ref, _ = reference_and_fused("landsat8")
    torch.manual_seed(0)
    other = torch.rand_like(ref)
    u = ref / torch.linalg.vector_norm(ref, dim=1, keepdim=True)
    v = other - (other * u).sum(1, keepdim=True) * u
    v = v / torch.linalg.vector_norm(v, dim=1, keepdim=True)
    theta = math.radians(7.0)
    fused = (math.cos(theta) * u + math.sin(theta) * v) * torch.rand_like(ref[:, :1]) * 50
    assert abs(sam(fused, ref).item() - 7.0) < 1e-9


def test_ergas_of_a_pure_gain_error() -> None:
    """fused = g * ref: ERGAS = (100/r)|g - 1| sqrt(mean_b E[ref_b^2] / E[ref_b]^2)."""
    ref, _ = reference_and_fused("quickbird")
    g, r = 1.07, 4
    moments = (ref.square().mean((-2, -1)) / ref.mean((-2, -1)).square()).mean()
    expected = 100 / r * abs(g - 1) * math.sqrt(moments.item())
    assert abs(ergas(g * ref, ref, r).item() - expected) < 1e-10
    flat = torch.full((1, 3, 8, 8), 40.0, dtype=torch.float64)
    assert abs(ergas(0.9 * flat, flat, 2).item() - 5.0) < 1e-12  # constant bands: (100/r)|g - 1|


def test_psnr_of_a_constant_offset() -> None:
    ref, _ = reference_and_fused("landsat7")
    assert abs(psnr(ref + 3.0, ref, 255.0).item() - 20 * math.log10(255.0 / 3.0)) < 1e-9
    assert abs(psnr(ref + 3.0, ref).item() - 20 * math.log10(ref.max().item() / 3.0)) < 1e-9


def test_invariances_promised_by_the_definitions() -> None:
    ref, fused = reference_and_fused("quickbird")
    scale = torch.rand_like(fused[:, :1]) + 0.5
    assert abs(sam(fused * scale, ref).item() - sam(fused, ref).item()) < 1e-9  # per-pixel spectrum scale
    assert abs(scc(fused * 3 + 100, ref).item() - scc(fused, ref).item()) < 1e-12  # gain and offset
    assert abs(fsds(fused * 0.2 - 9, ref).item() - fsds(fused, ref).item()) < 1e-9  # standardised
    assert abs(ergas(fused, ref, 2).item() - 2 * ergas(fused, ref, 4).item()) < 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_match_the_slow_reference_on_real_crops(name: str) -> None:
    ref, fused = reference_and_fused(name)
    ref, fused = ref[..., :40, :44], fused[..., :40, :44]
    a, b = fused[0].numpy(), ref[0].numpy()
    assert abs(sam(fused, ref).item() - slow.sam(a, b)) < 1e-6
    assert abs(ergas(fused, ref, RATIO[name]).item() - slow.ergas(a, b, RATIO[name])) < 1e-6
    assert abs(scc(fused, ref).item() - slow.scc(a, b)) < 1e-6
    assert abs(psnr(fused, ref, 4095.0).item() - slow.psnr(a, b, 4095.0)) < 1e-6
    assert abs(fsds(fused, ref).item() - slow.fsds(a, b)) < 1e-6
    odd = (slice(None), slice(None), slice(0, 39), slice(0, 44))  # odd height: FSDS pads a row
    assert abs(fsds(fused[odd], ref[odd]).item() - slow.fsds(a[:, :39], b[:, :39])) < 1e-6


def test_border_cut_follows_matlab_indexing() -> None:
    """I(21:end-21) keeps 1-based rows 21..H-21: 20 leading and 21 trailing pixels go."""
    x = torch.arange(100.0).view(1, 1, 100, 1).expand(1, 1, 100, 60)
    cut = border_cut(x, 21)
    assert cut.shape[-2:] == (59, 19) and cut[0, 0, 0, 0] == 20 and cut[0, 0, -1, 0] == 78
    with pytest.raises(ValueError):
        border_cut(torch.zeros(1, 1, 30, 30), 21)


def test_set_applies_the_cut_and_scores_items_independently() -> None:
    ref, fused = reference_and_fused("landsat7")
    both = reduced_resolution_indices(torch.cat([fused, ref]), torch.cat([ref, ref]), 2, 255.0)
    single = reduced_resolution_indices(fused, ref, 2, 255.0)
    for key, value in single.items():
        assert abs(both[key][0].item() - value.item()) < 1e-9
    assert both["Q2n"][1].item() == pytest.approx(1.0) and both["SAM"][1].item() < 1e-6
    cut = (..., slice(20, -21), slice(20, -21))
    assert abs(single["SCC"].item() - scc(fused[cut], ref[cut]).item()) < 1e-12


def test_differentiable() -> None:
    torch.manual_seed(1)
    ref = torch.rand(2, 3, 9, 8, dtype=torch.float64) + 0.5
    fused = ref + 0.2 * torch.rand_like(ref)
    for fn in (lambda f: sam(f, ref), lambda f: ergas(f, ref, 4), lambda f: scc(f, ref),
               lambda f: psnr(f, ref, 2.0), lambda f: fsds(f, ref)):
        assert directional_gradient_error(fn, fused) < 1e-6
