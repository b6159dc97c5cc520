"""LAConv's chunked matrix-product form against the direct definition (kept here as the slow reference)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.backbones import lagconv
from engine.backbones.lagconv import LAConv
from engine.weights.shipped import read_checked


def reference_laconv(m: LAConv, x: torch.Tensor) -> torch.Tensor:
    """y[p] = sum_k a_k[p] W_k x[p + k] + bias(avg_pool3(x))[p], tap by tap with convolutions (the
    implementation the shipped weights were first evaluated with)."""
    h, w = x.shape[-2:]
    a = m.attention(x)
    xp = F.pad(x, (1, 1, 1, 1))
    out = m.bias(F.avg_pool2d(xp, 3, stride=1))
    for k in range(9):
        dy, dx = divmod(k, 3)
        tap = F.conv2d(xp[..., dy:dy + h, dx:dx + w], m.weight[:, :, dy, dx, None, None])
        out = out + a[:, k:k + 1] * tap
    return out


def reference_net(net: torch.nn.Module, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
    """LAGConv forward with every LAConv replaced by the reference."""
    def la(m: LAConv, x: torch.Tensor) -> torch.Tensor:
        return reference_laconv(m, x)

    x = F.relu(la(net.head, torch.cat([lms, pan], 1)))
    for block in net.body:
        x = x + la(block.c2, F.relu(la(block.c1, x)))
    return lms + la(net.tail, x)


@pytest.mark.parametrize("cin,cout,shape", [(5, 32, (2, 37, 29)), (32, 32, (1, 40, 61)), (32, 8, (3, 9, 70))])
def test_laconv_equals_reference_inference_and_training(cin: int, cout: int, shape: tuple,
                                                        monkeypatch) -> None:
    monkeypatch.setattr(lagconv, "CHUNK_PIXELS", 100)  # several chunks per image, rows cut mid-image
    torch.manual_seed(cin + cout)
    m = LAConv(cin, cout)
    x = torch.rand(shape[0], cin, *shape[1:])
    with torch.no_grad():
        ref = reference_laconv(m, x)
        fast = m(x)
    assert fast.shape == ref.shape
    assert (fast - ref).abs().max() < 1e-5
    # the autograd path (one chunk, out of place) gives the same values and the reference's gradients
    xg = x.clone().requires_grad_(True)
    y = m(xg)
    assert (y.detach() - ref).abs().max() < 1e-5
    y.square().sum().backward()
    grad = [p.grad.clone() for p in m.parameters()]  # type: ignore[union-attr]
    m.zero_grad()
    reference_laconv(m, x).square().sum().backward()
    for g, p in zip(grad, m.parameters()):
        assert torch.allclose(g, p.grad, rtol=1e-4, atol=1e-5)  # type: ignore[arg-type]


@pytest.mark.parametrize("bands", [4, 8])
def test_shipped_lagconv_matches_reference(bands: int) -> None:
    """The shipped weights give the same fused image with both implementations (1e-5, normalised units)."""
    from engine.backbones import build_backbone

    state, _ = read_checked("lagconv", bands)
    net = build_backbone("lagconv", bands)
    net.load_state_dict(state)
    net.eval()
    torch.manual_seed(bands)
    lms, pan = torch.rand(1, bands, 48, 80), torch.rand(1, 1, 48, 80)
    with torch.inference_mode():
        fast = net(lms, pan)
        ref = reference_net(net, lms, pan)
    assert (fast - ref).abs().max() < 1e-5
    assert (fast - lms).abs().max() > 1e-3  # the nets are not the identity
