"""Backbone interface, registry and receptive fields (random weights; no shipped files needed)."""
from __future__ import annotations

import pytest
import torch

from engine.backbones import BACKBONES, build_backbone, list_backbones
from engine.backbones.normalise import input_scale
from engine.backbones.tiling import band_groups, model_bands_for
from engine.errors import EngineError

NAMES = list(BACKBONES)


def _random_net(name: str, bands: int):  # noqa: ANN202
    """A backbone whose zero-initialised parameters (LAGConv's tail) are made random too."""
    net = build_backbone(name, bands)
    with torch.no_grad():
        for p in net.parameters():
            if not p.any():
                p.normal_(0.0, 0.05)
    return net


def test_registry_lists_the_six_backbones_with_receptive_fields() -> None:
    infos = {i.name: i for i in list_backbones()}
    assert set(infos) == {"pnn", "pannet", "dicnn", "msdcnn", "fusionnet", "lagconv"}
    assert all(i.receptive_field > 0 and i.feature_channels > 0 for i in infos.values())
    with pytest.raises(EngineError, match="unknown backbone"):
        build_backbone("nope", 4)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bands", [4, 5])
def test_fused_equals_mapper_of_features(name: str, bands: int) -> None:
    torch.manual_seed(0)
    net = _random_net(name, bands).eval()
    lms, pan = torch.rand(2, bands, 24, 20), torch.rand(2, 1, 24, 20)
    with torch.no_grad():
        feats = net.features(lms, pan)
        fused = net(lms, pan)
        assert feats.shape == (2, net.feature_channels, 24, 20)
        assert fused.shape == lms.shape
        assert torch.equal(fused, net.mapper(feats, lms))
        # a module inserted between the stages changes the output (the interface is really used)
        assert not torch.allclose(fused, net.mapper(feats + 0.1, lms))


@pytest.mark.parametrize("name", NAMES)
def test_receptive_field_is_exact(name: str) -> None:
    """The centre output depends on inputs up to exactly receptive_field px away (Chebyshev), not beyond."""
    torch.manual_seed(1)
    net = _random_net(name, 4).double()
    rf = net.receptive_field
    size = 2 * rf + 9
    lms = torch.rand(1, 4, size, size, dtype=torch.float64, requires_grad=True)
    pan = torch.rand(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    c = size // 2
    net(lms, pan)[0, :, c, c].sum().backward()
    assert lms.grad is not None and pan.grad is not None
    grad = lms.grad[0].abs().sum(0) + pan.grad[0, 0].abs()
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    dist = torch.maximum((yy - c).abs(), (xx - c).abs())
    assert grad[dist > rf].max() == 0
    assert grad[dist == rf].max() > 0


@pytest.mark.parametrize("n", range(1, 17))
def test_band_groups_cover_every_band_once(n: int) -> None:
    mb = model_bands_for(n)
    kept = []
    for idx, keep in band_groups(n, mb):
        assert len(idx) == mb and all(0 <= i < n for i in idx)
        assert set(keep) <= set(idx)
        kept += keep
    assert sorted(kept) == list(range(n))
    assert mb == (8 if n == 8 else 4)


def test_band_count_limit() -> None:
    with pytest.raises(EngineError, match="1 to 16"):
        model_bands_for(17)


@pytest.mark.parametrize("bits,data_max,expected", [
    (11, 1578.0, 2047.0), (12, 1705.0, 4095.0), (12, 30791.0, 65535.0), (0, 1078.0, 2047.0),
    (8, 255.0, 255.0), (0, 7464.0, 16383.0), (0, 1.45, 1.0), (0, 2.0e5, 2.0e5)])
def test_input_scale(bits: int, data_max: float, expected: float) -> None:
    assert input_scale(bits, data_max) == expected


@pytest.mark.parametrize("name", NAMES)
def test_sub_tiles_with_receptive_field_halo_equal_whole_block(name: str) -> None:
    """One tile per pass and several tiles per pass (batched windows) both equal the whole block."""
    from engine.backbones.tiling import run_tiled

    torch.manual_seed(2)
    net = _random_net(name, 4).eval()
    lms, pan = torch.rand(2, 4, 70, 53), torch.rand(2, 1, 70, 53)
    with torch.no_grad():
        whole = net(lms, pan)
        for batch_pixels in (1, 10 ** 6):
            tiled = run_tiled(net, lms, pan, 16, batch_pixels=batch_pixels)
            assert (whole - tiled).abs().max() < 1e-5, batch_pixels


@pytest.mark.parametrize("size,tile,halo", [(70, 16, 12), (53, 16, 3), (20, 16, 12), (16, 16, 3), (1, 8, 4),
                                            (1068, 512, 10)])
def test_tile_windows_are_equal_and_cover_kept_parts_with_halo(size: int, tile: int, halo: int) -> None:
    from engine.backbones.tiling import tile_windows

    length, tiles = tile_windows(size, tile, halo)
    assert tiles[0][0] == 0 and tiles[-1][1] == size
    assert all(a[1] == b[0] for a, b in zip(tiles, tiles[1:]))  # kept parts tile [0, size) exactly
    for y, y1, y0 in tiles:
        assert 0 < y1 - y <= tile
        assert 0 <= y0 and y0 + length <= size  # one window length, inside the block
        assert y0 <= max(0, y - halo) and y0 + length >= min(size, y1 + halo)


def test_after_batch_reports_tiles_and_can_cancel() -> None:
    from engine.backbones.tiling import run_tiled
    from engine.errors import Cancelled

    net = build_backbone("dicnn", 4).eval()
    lms, pan = torch.rand(1, 4, 64, 64), torch.rand(1, 1, 64, 64)
    calls = []
    with torch.no_grad():
        # 16 tiles of 16 px, windows of 22 px: 484 px each, so a budget of 1000 px runs them two by two
        run_tiled(net, lms, pan, 16, batch_pixels=1000, after_batch=lambda d, t: calls.append((d, t)))
        assert calls == [(2 * i, 16) for i in range(1, 9)]

        def cancel(done: int, total: int) -> None:
            if done >= 4:
                raise Cancelled("cancelled")

        calls.clear()
        with pytest.raises(Cancelled):
            run_tiled(net, lms, pan, 16, batch_pixels=1000,
                      after_batch=lambda d, t: (calls.append(d), cancel(d, t)))
        assert calls == [2, 4]


def test_out_of_memory_retries_on_smaller_tiles(monkeypatch) -> None:
    from engine.backbones import tiling as deep

    net = build_backbone("dicnn", 4).eval()
    tiles = []

    def fake(net_, lms, pan, tile, after_batch=None, precision=None):  # noqa: ANN001
        tiles.append(tile)
        if tile > 32:
            raise torch.OutOfMemoryError("simulated")
        return net_(lms, pan)

    monkeypatch.setattr(deep, "run_tiled", fake)
    lms, pan = torch.rand(1, 4, 128, 128), torch.rand(1, 1, 128, 128)
    with torch.no_grad():
        out = deep.run_with_oom_retry(net, lms, pan, min_tile=16)
    assert tiles == [128, 64, 32] and out.shape == lms.shape
    tiles.clear()
    with pytest.raises(EngineError, match="out of GPU memory"):
        deep.run_with_oom_retry(net, lms, pan, min_tile=64)
    assert tiles == [128, 64]
