"""Wald degradation: shapes for every ratio, geometry on the project's grid, DC gain."""
from __future__ import annotations

import pytest
import torch

from engine.physics.wald import degrade_ms, degrade_pan, reduced_pair


@pytest.mark.parametrize("ratio", range(2, 9))
def test_shapes_for_every_ratio_and_trailing_partial_cells_dropped(ratio: int) -> None:
    pan = torch.rand(2, 1, 16 * ratio * ratio + 3, 12 * ratio * ratio + 1)
    ms = torch.rand(2, 3, 16 * ratio + 1, 12 * ratio)
    pan_lr, ms_lr = reduced_pair(pan, ms, ratio, [0.3, 0.25, 0.2], 0.15)
    assert pan_lr.shape == (2, 1, 16 * ratio, 12 * ratio)
    assert ms_lr.shape == (2, 3, 16, 12)


@pytest.mark.parametrize("ratio", range(2, 9))
def test_a_ramp_is_sampled_at_coarse_cell_centres(ratio: int) -> None:
    """The MTF filter is symmetric (keeps a linear ramp); decimation samples at j*r + (r-1)/2."""
    n = 24 * ratio
    y = torch.arange(n, dtype=torch.float64).view(1, 1, n, 1).expand(1, 1, n, n)
    low = degrade_pan(y * 2.0 + 5.0, ratio, 0.15)
    centres = torch.arange(24, dtype=torch.float64) * ratio + (ratio - 1) / 2
    inner = slice(21 // ratio + 1, -(21 // ratio) - 1)
    torch.testing.assert_close(low[0, 0, inner, 5], (centres * 2.0 + 5.0)[inner])


def test_constant_bands_stay_constant() -> None:
    ms = torch.full((1, 4, 32, 32), 300.0, dtype=torch.float64)
    torch.testing.assert_close(degrade_ms(ms, 4, [0.34, 0.32, 0.3, 0.22]), torch.full((1, 4, 8, 8), 300.0,
                                                                                        dtype=torch.float64))


def test_ratio_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="ratio"):
        degrade_ms(torch.rand(1, 2, 40, 40), 9, [0.3, 0.3])


def test_strided_filter_equals_filter_then_decimate() -> None:
    """The strided form evaluates the same filter at the kept positions only (every ratio 2..8)."""
    import torch as _torch

    from engine.physics.mtf import mtf_filter, mtf_filter_decimated, mtf_kernels
    from engine.physics.resample import decimate
    gen = _torch.Generator().manual_seed(3)
    for r in range(2, 9):
        x = _torch.rand(2, 3, 6 * r, 5 * r, generator=gen, dtype=_torch.float64)
        k = mtf_kernels([0.3, 0.25, 0.28], r).double()
        fast, slow = mtf_filter_decimated(x, k, r), decimate(mtf_filter(x, k), r)
        assert fast.shape == slow.shape == (2, 3, 6, 5)
        assert _torch.allclose(fast, slow, atol=1e-12)
