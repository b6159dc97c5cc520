"""Tailors: zero-initialised identity for every backbone, shapes, tiling exactness, receptive field."""
from __future__ import annotations

import pytest
import torch

from engine.backbones import BACKBONES, build_backbone
from engine.backbones.tailor import ConditionalTailor, TailoredBackbone, build_tailor
from engine.backbones.tiling import run_tiled
from engine.errors import EngineError


def _inputs(bands: int = 4, side: int = 40, seed: int = 1) -> tuple:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(1, bands, side, side, generator=g), torch.rand(1, 1, side, side, generator=g)


def _net(name: str, bands: int = 4) -> torch.nn.Module:
    torch.manual_seed(0)
    net = build_backbone(name, bands).eval()
    if name == "lagconv":  # its tail is zero-initialised: give it weights so the check is not trivial
        torch.nn.init.normal_(net.tail.weight, std=0.1)
    return net


@pytest.mark.parametrize("name", list(BACKBONES))
@pytest.mark.parametrize("kind", ["light", "conditional"])
def test_step_zero_reproduces_pretrained_output_exactly(name: str, kind: str) -> None:
    net = _net(name)
    lms, pan = _inputs(side=24)
    tailored = TailoredBackbone(net, kind=kind).freeze_backbone().eval()
    with torch.no_grad():
        assert torch.equal(tailored(lms, pan), net(lms, pan))
        feats = net.features(lms, pan)
        assert tailored.tailor(feats).shape == feats.shape == (1, net.feature_channels, 24, 24)


@pytest.mark.parametrize("kind", ["light", "conditional"])
def test_trained_tailor_changes_output_and_tiles_exactly(kind: str) -> None:
    net = _net("msdcnn")  # two heads concatenated into 62 feature channels
    lms, pan = _inputs(side=64)
    tailored = TailoredBackbone(net, kind=kind).freeze_backbone().eval()
    torch.nn.init.normal_(tailored.tailor.expand.weight, std=0.05)  # stands for a trained tailor
    if isinstance(tailored.tailor, ConditionalTailor):
        with torch.no_grad():
            tailored.tailor.condition(net.features(lms, pan))
    with torch.no_grad():
        whole = tailored(lms, pan)
        assert (whole - net(lms, pan)).abs().max() > 1e-4
        tiled = run_tiled(tailored, lms, pan, 24)
    assert torch.allclose(tiled, whole, atol=1e-5)
    assert tailored.receptive_field == net.receptive_field + 1


def test_conditional_modulation_uses_frozen_statistics() -> None:
    tailor = build_tailor("conditional", 8)
    assert isinstance(tailor, ConditionalTailor)
    torch.nn.init.normal_(tailor.expand.weight, std=0.1)
    a, b = torch.rand(1, 8, 10, 10), 3 * torch.rand(1, 8, 10, 10)
    with torch.no_grad():
        free = tailor(a[..., :5, :5])
        tailor.condition(a)
        fixed = tailor(a[..., :5, :5])
        assert not torch.allclose(free, fixed)  # before: statistics of the input itself
        assert torch.allclose(tailor(a)[..., 1:4, 1:4], fixed[..., 1:4, 1:4], atol=1e-6)
        tailor.condition(b)
        assert not torch.allclose(tailor(a), tailor.expand(tailor.hidden(a)))


def test_unknown_tailor_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="unknown tailor"):
        build_tailor("huge", 8)
