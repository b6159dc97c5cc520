"""Deep backbones through engine.pipeline.run: seams, every real test pair, device report."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.backbones import BACKBONES
from engine.pipeline import run
from engine.request import PansharpenRequest
from tests.conftest import PAIRS, pair_paths

NAMES = list(BACKBONES)


def _run(tmp_path, name: str, pair: str, block: int, out: str) -> np.ndarray:
    pan, ms = pair_paths(pair)
    path = os.path.join(str(tmp_path), out)
    result = run(PansharpenRequest(pan, ms, path, method=name, output_dtype="float32", block_size=block,
                                   device="cpu"))
    assert result.device == "cpu" and result.method == name
    return gdal.Open(path).ReadAsArray().astype(np.float64)


@pytest.mark.parametrize("name", NAMES)
def test_tiled_output_equals_whole_image_output(tmp_path, name: str) -> None:
    """128 px blocks (4 tiles with halos, meeting in the middle) against one block: equal to 1e-5 in
    normalised units (/2047)."""
    tiled = _run(tmp_path, name, "quickbird", 128, "tiled.tif")
    whole = _run(tmp_path, name, "quickbird", 1024, "whole.tif")
    assert np.abs(tiled - whole).max() / 2047.0 < 1e-5


@pytest.fixture(scope="module")
def glp_outputs(tmp_path_factory) -> dict:
    """MTF-GLP output of every pair: same output grid, and its low frequencies are the MS by construction."""
    folder = tmp_path_factory.mktemp("glp")
    return {p: _run(folder, "mtf_glp", p, 1024, f"{p}.tif") for p in PAIRS}


def _low(x: np.ndarray, r: int) -> np.ndarray:
    """r x r box means at the MS cell scale (valid part), (C, H', W')."""
    t = torch.from_numpy(x)[None]
    return torch.nn.functional.avg_pool2d(t, 2 * r, stride=1)[0].numpy()


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("name", NAMES)
def test_every_backbone_fuses_every_real_pair(tmp_path, glp_outputs: dict, name: str, pair: str) -> None:
    """Same grid and band count as a classical method, finite, and each band keeps its own content: at the
    MS scale it correlates with the same band of MTF-GLP (> 0.6; measured 0.7-0.99, the lowest being a
    low-contrast Landsat-7 NIR band)."""
    fused = _run(tmp_path, name, pair, 1024, "out.tif")
    glp = glp_outputs[pair]
    assert fused.shape == glp.shape
    assert np.isfinite(fused).all()
    ms = gdal.Open(pair_paths(pair)[1])
    r = round(gdal.Open(pair_paths(pair)[0]).RasterXSize / ms.RasterXSize)
    low_f, low_g = _low(fused, r), _low(glp, r)
    for b in range(fused.shape[0]):
        assert np.corrcoef(low_f[b].ravel(), low_g[b].ravel())[0, 1] > 0.6, b


def test_cancel_is_checked_between_tile_batches_inside_a_block(tmp_path, monkeypatch) -> None:
    """A run cancelled while a block's tiles are being inferred stops after the current batch of tiles,
    not at the end of the block; the hook reaches every deep method (shipped weights and adapted)."""
    import engine.backbones.tiling as deep
    from engine.errors import Cancelled
    from engine.progress import CancelToken
    monkeypatch.setattr(deep, "CPU_TILE", 64)  # the 256 px crop becomes 16 tiles in 2 or more batches
    calls = []
    real = deep.run_tiled

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        hook = kwargs.get("after_batch")
        assert hook is not None  # the pipeline's cancel token reached the tiled inference

        def spy(done: int, total: int) -> None:
            calls.append((done, total))
            if len(calls) == 1:
                token.cancel()
            hook(done, total)
        return real(*args, **{**kwargs, "after_batch": spy})

    monkeypatch.setattr(deep, "run_tiled", counting)
    pan, ms = pair_paths("quickbird")
    out = tmp_path / "f.tif"
    token = CancelToken()
    with pytest.raises(Cancelled):
        run(PansharpenRequest(pan, ms, str(out), method="fusionnet", device="cpu"), cancel=token)
    assert len(calls) == 1 and calls[0][0] < calls[0][1]  # stopped after the first of several batches
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".partial")]


def _fusing_progress(tmp_path, pan: str, ms: str) -> list:
    seen: list = []
    run(PansharpenRequest(pan, ms, str(tmp_path / "f.tif"), method="pnn", device="cpu", block_size=4096),
        progress=lambda f, m: seen.append((f, m)))
    return [(f, m) for f, m in seen if m.startswith("fusing")]


def test_progress_moves_per_tile_inside_a_block(tmp_path, monkeypatch) -> None:
    """One block of 64 px tiles: the fusing stage reports every tile pass (a 6-band MS, two 4-band groups,
    counts twice as many in one count); its fractions never go back and stay inside the stage until the
    block is written."""
    import engine.backbones.tiling as deep
    monkeypatch.setattr(deep, "CPU_TILE", 64)
    monkeypatch.setattr(deep, "MIN_BATCH_PIXELS", 1)  # one tile per forward pass
    pan, ms = pair_paths("quickbird")
    src = gdal.Open(ms)
    ms6 = str(tmp_path / "ms6.tif")
    dst = gdal.GetDriverByName("GTiff").Create(ms6, src.RasterXSize, src.RasterYSize, 6, gdal.GDT_UInt16)
    dst.SetGeoTransform(src.GetGeoTransform())
    dst.SetProjection(src.GetProjection())
    dst.WriteArray(np.concatenate([src.ReadAsArray(), src.ReadAsArray()[:2]]))
    dst = None
    first = None
    for path, groups in ((ms, 1), (ms6, 2)):
        fusing = _fusing_progress(tmp_path, pan, path)
        tiles = [m for _, m in fusing if "tile" in m]
        first = first or len(tiles)
        total = first * groups
        assert first >= 9 and len(tiles) == total
        assert tiles[0] == f"fusing: block 1/1, tile 1/{total}"
        assert tiles[-1] == f"fusing: block 1/1, tile {total}/{total}"
        fractions = [f for f, _ in fusing]
        assert fractions == sorted(fractions) and fractions[-1] == 1.0
        assert fractions[0] < fractions[total // 2] < 1.0
