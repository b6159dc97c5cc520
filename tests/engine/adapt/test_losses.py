"""Unsupervised losses: each term vanishes in the ideal case it describes; gradients reach the tailor only."""
from __future__ import annotations

import pytest
import torch

from engine.backbones import build_backbone
from engine.backbones.tailor import TailoredBackbone
from engine.errors import EngineError
from engine.metrics.no_reference import pan_lowpass
from engine.physics.resample import upsample
from engine.physics.wald import degrade_ms
from engine.training.losses import (
    LossWeights,
    consistency_loss,
    spatial_targets,
    spectral_loss,
    total_loss,
    weights_for,
)

GAINS = (0.34, 0.32, 0.30, 0.22)


def _smooth(shape: tuple, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return upsample(torch.rand(shape[0], shape[1], shape[2] // 4, shape[3] // 4, generator=g), 4)


def test_spectral_loss_is_zero_when_the_fused_image_degrades_to_the_ms() -> None:
    fused = _smooth((2, 4, 64, 64), 0) + 0.1 * torch.rand(2, 4, 64, 64)
    ms = degrade_ms(fused, 4, GAINS)
    assert spectral_loss(fused, ms, 4, GAINS) == 0
    assert spectral_loss(fused, ms + 0.01, 4, GAINS) == pytest.approx(0.01, rel=1e-4)


@pytest.mark.parametrize("kind", ["xcorr", "structural", "ds"])
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


def test_xcorr_threshold_is_aligned_with_the_loss_field() -> None:
    """The threshold of a patch with context equals the one computed on the whole image at the same pixels,
    whatever the margin (context read, or replicated when narrower than the 16 px window needs); only the
    PAN's 41-tap MTF filter sees replicated borders with a 16 px margin. A crop shifted by one pixel
    differs far more."""
    from engine.training.losses import xcorr_threshold

    g = torch.Generator().manual_seed(5)
    pan = _smooth((1, 1, 192, 192), 6) + 0.2 * torch.rand(1, 1, 192, 192, generator=g)
    lms = pan_lowpass(pan, 4).expand(1, 4, 192, 192) + 0.05 * _smooth((1, 4, 192, 192), 7)
    whole = xcorr_threshold(lms, pan, 64, 4, 0.15)  # 64 px inner part of the image, context all around
    for margin in (16, 32):
        crop = (slice(None), slice(None), slice(64 - margin, 128 + margin), slice(64 - margin, 128 + margin))
        diff = (xcorr_threshold(lms[crop], pan[crop], margin, 4, 0.15) - whole).abs()
        assert diff.max() < 1e-3 and diff.mean() < 1e-5
    shifted = (slice(None), slice(None), slice(33, 161), slice(32, 160))
    assert (xcorr_threshold(lms[shifted], pan[shifted], 32, 4, 0.15) - whole).abs().mean() > 1e-3
    assert whole.shape[-1] == 64 - 8 + 2  # the D_rho correlation field of the 64 px inner part


def test_xcorr_loss_counts_only_pixels_below_the_data_correlation() -> None:
    """lambda-PNN: where the fused bands correlate with the PAN at least as the MS does, no penalty."""
    from engine.training.losses import xcorr_loss

    g = torch.Generator().manual_seed(8)
    pan = torch.rand(1, 1, 64, 64, generator=g)
    fused = torch.rand(1, 4, 64, 64, generator=g)
    field = (1, 4, 58, 58)
    assert xcorr_loss(fused, pan, torch.full(field, 2.0), 4) == 0  # threshold above any 1 - rho
    all_counted = xcorr_loss(fused, pan, torch.full(field, -1.0), 4)
    assert 0.5 < float(all_counted) < 1.5  # uncorrelated noise: 1 - rho about 1
    assert xcorr_loss(pan.expand(1, 4, 64, 64), pan, torch.full(field, -1.0), 4) < 1e-4


def test_the_default_does_not_hold_the_output_at_the_frozen_blur() -> None:
    w = weights_for("quickbird")
    assert (w.spatial_kind, w.consistency) == ("xcorr", 0.0)
    assert weights_for("landsat8").consistency == 0.0


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
