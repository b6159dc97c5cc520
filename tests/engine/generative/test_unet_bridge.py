"""The conditional dilated UNet (shapes, size, receptive radius, tile exactness) and the bridge parts."""
from __future__ import annotations

import pytest
import torch

from engine.generative.bridge import (
    MAX_STEPS,
    bridge_matching_loss,
    bridge_state,
    check_sampler,
    draw_times,
    sample_bridge,
)
from engine.generative.sb import tiled_predict
from engine.generative.unet import RECEPTIVE_RADIUS, build_unet, time_embedding


def _random_net(bands: int, width: int = 8) -> torch.nn.Module:
    torch.manual_seed(1)
    net = build_unet(bands, width)
    with torch.no_grad():
        net.tail.weight.normal_(0, 0.1)
    return net.eval()


@pytest.mark.parametrize("bands", [4, 8])
def test_shapes_and_weights_well_under_2_mb(bands: int) -> None:
    net = build_unet(bands)
    x, pan = torch.rand(2, bands, 40, 36), torch.rand(2, 1, 40, 36)
    assert net(x, torch.tensor([0.0, 0.5]), pan, x).shape == (2, bands, 40, 36)
    assert sum(p.numel() for p in net.parameters()) * 4 < 0.5 * 1024 * 1024
    assert time_embedding(torch.tensor([0.0, 1.0]), 32).shape == (2, 32)


def test_fresh_net_is_the_upsampled_ms() -> None:
    net = build_unet(4)
    x, lms, pan = torch.rand(1, 4, 20, 20), torch.rand(1, 4, 20, 20), torch.rand(1, 1, 20, 20)
    assert torch.equal(net(x, torch.tensor([0.3]), pan, lms), lms)


def test_receptive_radius_bounds_the_context() -> None:
    net = _random_net(4)
    size, r = 2 * RECEPTIVE_RADIUS + 9, RECEPTIVE_RADIUS
    x, pan = torch.rand(1, 4, size, size), torch.rand(1, 1, size, size)
    t = torch.tensor([0.4])
    with torch.no_grad():
        base = net(x, t, pan, x)
        far = x.clone()
        far[..., 0, 0] += 1.0
        moved = net(far, t, pan, far)
    centre = (..., slice(r + 1, size), slice(r + 1, size))
    assert torch.equal(base[centre], moved[centre])
    assert not torch.equal(base, moved)


def test_tiled_prediction_equals_the_whole_block() -> None:
    net = _random_net(4)
    x, pan = torch.rand(1, 4, 150, 130), torch.rand(1, 1, 150, 130)
    with torch.no_grad():
        whole = tiled_predict(net, pan, x, None)(x, 0.25)
        tiled = tiled_predict(net, pan, x, 48)(x, 0.25)
    assert (whole - tiled).abs().max() < 1e-6


def test_bridge_state_ends_and_loss() -> None:
    x0, x1, eps = torch.rand(3, 4, 8, 8), torch.rand(3, 4, 8, 8), torch.randn(3, 4, 8, 8)
    assert torch.equal(bridge_state(x0, x1, torch.zeros(3), eps), x0)
    assert torch.allclose(bridge_state(x0, x1, torch.ones(3), eps), x1)
    t = draw_times(1000, torch.Generator().manual_seed(0))
    assert 0.2 < (t == 0).float().mean() < 0.4 and t.max() < 1
    loss = bridge_matching_loss(_random_net(4), torch.rand(3, 1, 8, 8), x0, x1, torch.Generator())
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_samplers_one_step_agree_and_check_their_arguments() -> None:
    net = _random_net(4)
    x0, pan = torch.rand(1, 4, 16, 16), torch.rand(1, 1, 16, 16)
    with torch.no_grad():
        predict = tiled_predict(net, pan, x0, None)
        ode, sde = sample_bridge(predict, x0, 1, "ode"), sample_bridge(predict, x0, 1, "sde")
        assert torch.equal(ode, sde)
        noise = lambda k: torch.randn(x0.shape, generator=torch.Generator().manual_seed(k))  # noqa: E731
        assert sample_bridge(predict, x0, 3, "sde", noise).shape == x0.shape
        assert torch.isfinite(sample_bridge(predict, x0, MAX_STEPS, "ode")).all()
    for steps, mode in ((0, "sde"), (MAX_STEPS + 1, "sde"), (2, "ddim")):
        with pytest.raises(ValueError):
            check_sampler(steps, mode)
