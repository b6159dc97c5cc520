"""Noise from global pixel coordinates: deterministic, tile-invariant, standard normal, keyed by each part."""
from __future__ import annotations

import torch

from engine.generative.noise import global_noise


def test_a_tile_draws_the_same_values_as_the_whole_image() -> None:
    whole = global_noise(7, 1, 2, [0, 1, 2, 3], (0, 0), (64, 80))
    tile = global_noise(7, 1, 2, [1, 3], (20, 33), (17, 30))
    assert torch.equal(tile[0, 0], whole[0, 1, 20:37, 33:63])
    assert torch.equal(tile[0, 1], whole[0, 3, 20:37, 33:63])


def test_deterministic_and_keyed_by_seed_sample_step_band_and_position() -> None:
    base = global_noise(3, 0, 0, [0], (5, 5), (32, 32))
    assert torch.equal(base, global_noise(3, 0, 0, [0], (5, 5), (32, 32)))
    for other in (global_noise(4, 0, 0, [0], (5, 5), (32, 32)), global_noise(3, 1, 0, [0], (5, 5), (32, 32)),
                  global_noise(3, 0, 1, [0], (5, 5), (32, 32)), global_noise(3, 0, 0, [1], (5, 5), (32, 32)),
                  global_noise(3, 0, 0, [0], (5, 6), (32, 32))):
        assert torch.corrcoef(torch.stack([base.flatten(), other.flatten()]))[0, 1].abs() < 0.1


def test_negative_coordinates_of_a_halo_and_shapes_and_dtype() -> None:
    z = global_noise(0, 0, 0, [0, 1], (-8, -3), (10, 12), dtype=torch.float64)
    assert z.shape == (1, 2, 10, 12) and z.dtype == torch.float64 and torch.isfinite(z).all()
    assert torch.equal(z[0, :, 8:, 3:].float(), global_noise(0, 0, 0, [0, 1], (0, 0), (2, 9))[0])


def test_standard_normal_statistics_without_neighbour_correlation() -> None:
    z = global_noise(11, 0, 0, [0], (0, 0), (256, 256))[0, 0].double()
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    assert abs((z[:, 1:] * z[:, :-1]).mean()) < 0.02 and abs((z[1:] * z[:-1]).mean()) < 0.02
    assert abs((z.abs() > 1.96).double().mean() - 0.05) < 0.005
