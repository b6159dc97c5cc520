"""Unsupervised losses: each term vanishes in the ideal case it describes; gradients reach the tailor only."""
from __future__ import annotations

import pytest
import torch

from engine.adapt.losses import (
    LossWeights,
    consistency_loss,
    spatial_targets,
    spectral_loss,
    total_loss,
    weights_for,
)
from engine.adapt.tailor import TailoredBackbone
from engine.backbones import build_backbone
from engine.errors import EngineError
from engine.metrics.no_reference import pan_lowpass
from engine.physics.resample import upsample
from engine.physics.wald import degrade_ms

GAINS = (0.34, 0.32, 0.30, 0.22)


def _smooth(shape: tuple, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return upsample(torch.rand(shape[0], shape[1], shape[2] // 4, shape[3] // 4, generator=g), 4)


def test_spectral_loss_is_zero_when_the_fused_image_degrades_to_the_ms() -> None:
    fused = _smooth((2, 4, 64, 64), 0) + 0.1 * torch.rand(2, 4, 64, 64)
    ms = degrade_ms(fused, 4, GAINS)
    assert spectral_loss(fused, ms, 4, GAINS) == 0
    assert spectral_loss(fused, ms + 0.01, 4, GAINS) == pytest.approx(0.01, rel=1e-4)


@pytest.mark.parametrize("kind", ["structural", "ds"])
def test_spatial_loss_vanishes_when_fused_bands_are_the_pan_of_an_ms_made_from_it(kind: str) -> None:
    # Ideal case: every MS band is the PAN seen at the MS scale, so the fused bands should be the PAN.
    g = torch.Generator().manual_seed(2)
    pan = _smooth((1, 1, 64, 64), 1) + 0.2 * torch.rand(1, 1, 64, 64, generator=g)
    lms = pan_lowpass(pan, 4).expand(1, 4, 64, 64)
    targets = spatial_targets(lms, pan, 4, 0.15)
    w = weights_for("quickbird", "0,1,0", kind)
    ms = degrade_ms(lms, 4, GAINS)
    ideal = pan.expand(1, 4, 64, 64)
    noise = torch.rand(1, 4, 64, 64, generator=torch.Generator().manual_seed(4))
    good = total_loss(ideal, ideal, pan, ms, targets, 4, GAINS, w)["spatial"]
    bad = total_loss(noise, noise, pan, ms, targets, 4, GAINS, w)["spatial"]
    assert good < 1e-4
    assert bad > 0.1


def test_consistency_loss_is_zero_for_the_frozen_output() -> None:
    x = torch.rand(1, 4, 16, 16)
    assert consistency_loss(x, x) == 0
    assert consistency_loss(x + 0.5, x) == pytest.approx(0.5)


def test_gradients_reach_the_tailor_only() -> None:
    torch.manual_seed(0)
    net = build_backbone("fusionnet", 4).eval()
    tailored = TailoredBackbone(net).freeze_backbone()
    torch.nn.init.normal_(tailored.tailor.expand.weight, std=0.01)  # past step 0 (zero last layer)
    lms, pan = _smooth((2, 4, 64, 64), 5), _smooth((2, 1, 64, 64), 6)
    ms = degrade_ms(lms, 4, GAINS)
    with torch.no_grad():
        frozen = net(lms, pan)
    fused = tailored(lms, pan)
    total_loss(fused, frozen, pan, ms, spatial_targets(lms, pan, 4, 0.15), 4, GAINS, LossWeights())[
        "total"].backward()
    assert all(p.grad is None for p in net.parameters())
    grads = [p.grad for p in tailored.tailor.parameters()]
    assert all(g is not None for g in grads) and all(g.abs().sum() > 0 for g in grads if g is not None)


def test_weights_per_preset_and_override() -> None:
    assert weights_for("landsat8").spatial < weights_for("quickbird").spatial
    w = weights_for("quickbird", "1, 0.5, 0", "structural")
    assert (w.spectral, w.spatial, w.consistency, w.spatial_kind) == (1.0, 0.5, 0.0, "structural")
    for bad in ("1,2", "a,b,c", "-1,0,0", "0,0,0"):
        with pytest.raises(EngineError, match="loss weights"):
            weights_for("quickbird", bad)
    with pytest.raises(EngineError, match="spatial loss"):
        weights_for("quickbird", None, "sobel")
