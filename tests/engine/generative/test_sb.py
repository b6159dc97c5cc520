"""The `sb` method through engine.pipeline.run on real crops: seamless blocks with stochastic sampling,
determinism per seed, band groups, options, and the georeferenced uncertainty raster."""
from __future__ import annotations

import os
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.cli.main import main
from engine.errors import EngineError
from engine.generative.sb import SBMethod, sb_method
from engine.methods import registry
from engine.methods.base import FusionContext
from engine.pipeline import run
from engine.raster.stats import GlobalStats
from engine.request import PansharpenRequest
from engine.uncertainty import uncertainty_path, write_uncertainty
from engine.weights import shipped
from tests.conftest import pair_paths

STOCHASTIC = {"steps": "2", "samples": "2", "seed": "5"}


@pytest.fixture
def sb_registered(monkeypatch, sb_folder: str) -> SBMethod:
    """`sb` with the test weights folder in the registry, for this test only."""
    method = sb_method(sb_folder)
    monkeypatch.setitem(registry._METHODS, "sb", method)
    return method


def _run(tmp_path, pair: str, block: int, out: str, options: dict) -> np.ndarray:
    pan, ms = pair_paths(pair)
    path = os.path.join(str(tmp_path), out)
    result = run(PansharpenRequest(pan, ms, path, method="sb", output_dtype="float32", block_size=block,
                                   device="cpu", options=dict(options)))
    assert result.method == "sb"
    return gdal.Open(path).ReadAsArray().astype(np.float64)


@pytest.mark.usefixtures("sb_registered")
def test_blocks_equal_the_whole_image_for_a_fixed_seed_stochastic_sampling_included(tmp_path) -> None:
    tiled = _run(tmp_path, "quickbird", 128, "tiled.tif", STOCHASTIC)
    whole = _run(tmp_path, "quickbird", 1024, "whole.tif", STOCHASTIC)
    assert np.abs(tiled - whole).max() / 2047.0 < 1e-5
    other_seed = _run(tmp_path, "quickbird", 1024, "seed.tif", {**STOCHASTIC, "seed": "6"})
    assert np.abs(other_seed - whole).max() / 2047.0 > 1e-4, "the seed changes the samples"


def test_same_seed_same_bits_and_one_ode_step_is_deterministic(sb_folder: str) -> None:
    method = sb_method(sb_folder)
    pan, ms = torch.rand(1, 1, 48, 48) * 2047, torch.rand(1, 4, 12, 12) * 2047
    stats = GlobalStats(1, np.zeros(5), np.eye(5), 1000.0, 500.0, np.full(4, 2047.0), 2047.0)
    ctx = FusionContext(4, (0.3,) * 4, 0.15, "bicubic", stats, dict(STOCHASTIC), 11, origin=(-8, 4))
    with torch.inference_mode():
        first, again = method.fuse(pan, ms, ctx), method.fuse(pan, ms, ctx)
        assert torch.equal(first, again) and first.shape == (1, 4, 48, 48)
        mean, spread = method.mean_and_spread(pan, ms, ctx)
        assert torch.equal(mean, first) and (spread > 0).any()
        moved = method.fuse(pan, ms, replace(ctx, origin=(0, 0)))
        assert not torch.equal(moved, first), "noise follows the global position"
        one = replace(ctx, options={"steps": "1", "samples": "3", "seed": "1"})
        assert method.mean_and_spread(pan, ms, one)[1].abs().max() < 1e-3


@pytest.mark.usefixtures("sb_registered")
def test_band_groups_for_seven_bands_and_an_odd_size(tmp_path) -> None:
    out = _run(tmp_path, "landsat8", 64, "l8.tif", {"steps": "2", "sampler": "ode"})
    assert out.shape[0] == 7 and np.isfinite(out).all()
    whole = _run(tmp_path, "landsat8", 1024, "l8_whole.tif", {"steps": "2", "sampler": "ode"})
    assert np.abs(out - whole).max() / 65535.0 < 1e-5


@pytest.mark.usefixtures("sb_registered")
@pytest.mark.parametrize("options,text", [({"steps": "9"}, "steps"), ({"samples": "x"}, "integer"),
                                          ({"sampler": "ddim"}, "sampler"), ({"heat": "1"}, "unknown")])
def test_bad_options_are_one_line_errors(tmp_path, options: dict, text: str) -> None:
    with pytest.raises(EngineError, match=text):
        _run(tmp_path, "pleiades", 1024, "bad.tif", options)


@pytest.mark.usefixtures("sb_registered")
def test_uncertainty_raster_is_georeferenced_on_the_output_grid(tmp_path, sb_folder: str) -> None:
    pan, ms = pair_paths("quickbird")
    out = str(tmp_path / "fused.tif")
    unc = uncertainty_path(out)
    assert unc == str(tmp_path / "fused_uncertainty.tif")
    request = PansharpenRequest(pan, ms, out, method="sb", output_dtype="float32", device="cpu",
                                options={"steps": "2", "samples": "2"})
    run(request)
    write_uncertainty(request, folder=sb_folder)
    fused, spread = gdal.Open(out), gdal.Open(unc)
    assert spread.GetGeoTransform() == fused.GetGeoTransform()
    assert spread.GetProjection() == fused.GetProjection() and spread.GetProjection()
    assert spread.RasterCount == fused.RasterCount
    assert gdal.GetDataTypeName(spread.GetRasterBand(1).DataType) == "Float32"
    values = spread.ReadAsArray()
    assert (values >= 0).all() and values.max() > 0
    for options, text in (({"samples": "1"}, "samples"), ({"steps": "1"}, "steps"),
                          ({"sampler": "ode"}, "sde")):
        with pytest.raises(EngineError, match=text):
            write_uncertainty(PansharpenRequest(pan, ms, out, method="sb", options=options), unc,
                              folder=sb_folder)
    with pytest.raises(EngineError, match="method sb"):
        write_uncertainty(PansharpenRequest(pan, ms, out, method="mtf_glp"), unc, folder=sb_folder)
    with pytest.raises(EngineError, match="its own"):
        write_uncertainty(PansharpenRequest(pan, ms, out, method="sb"), out, folder=sb_folder)


def test_cli_run_writes_the_uncertainty_raster(tmp_path, monkeypatch, sb_folder: str) -> None:
    shutil.copytree(sb_folder, tmp_path / "weights" / "generative")
    monkeypatch.setattr(shipped, "WEIGHTS_DIR", str(tmp_path / "weights"))  # sb_method() finds the test net
    monkeypatch.setitem(registry._METHODS, "sb", sb_method())
    pan, ms = pair_paths("quickbird")
    out, unc = str(tmp_path / "fused.tif"), str(tmp_path / "spread.tif")
    args = ["run", "--pan", pan, "--ms", ms, "--out", out, "--method", "sb", "--quiet", "--option", "steps=2",
            "--option", "samples=2", "--uncertainty", unc]
    assert main(args) == 0
    assert gdal.Open(unc).GetGeoTransform() == gdal.Open(out).GetGeoTransform()
    os.remove(out)
    assert main([*args[:-2], "--uncertainty", unc, "--option", "steps=1"]) == 2  # refused before fusing
    assert not os.path.exists(out)


def test_the_block_halo_follows_the_steps(sb_folder: str) -> None:
    from engine.generative.sb import SBSpread
    from engine.generative.unet import RECEPTIVE_RADIUS

    method, spread = sb_method(sb_folder), SBSpread(sb_folder)
    assert method.block_halo(4, {}) == RECEPTIVE_RADIUS + 12  # the default: one step
    assert method.block_halo(4, {"steps": "3"}) == 3 * RECEPTIVE_RADIUS + 12
    assert method.block_halo(4, {"steps": "99"}) == method.halo(4) - 2  # a bad value keeps the maximum
    assert spread.block_halo(4, {"steps": "3"}) == method.block_halo(4, {"steps": "3"}) + 2


def test_uncertainty_blocks_equal_the_whole_image(tmp_path, sb_registered: SBMethod) -> None:
    from engine.uncertainty import write_uncertainty

    pan, ms = pair_paths("quickbird")
    rasters = []
    for block in (128, 1024):
        req = PansharpenRequest(pan, ms, str(tmp_path / f"f{block}.tif"), method="sb", block_size=block,
                                device="cpu", options=dict(STOCHASTIC))
        write_uncertainty(req, str(tmp_path / f"u{block}.tif"), folder=sb_registered.folder)
        rasters.append(gdal.Open(str(tmp_path / f"u{block}.tif")).ReadAsArray().astype(np.float64))
    assert rasters[0].max() > 0 and np.abs(rasters[0] - rasters[1]).max() <= 1e-5 * rasters[1].max()
