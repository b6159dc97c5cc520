"""Nodata-aware patch sampling (engine/training/raster_patches.py) on QuickBird crop copies with nodata."""
from __future__ import annotations

import os
from typing import Callable

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.errors import EngineError
from engine.pipeline import run
from engine.raster.align import AlignedPair, align
from engine.raster.fill import FillValues
from engine.raster.inputs import open_raster
from engine.request import PansharpenRequest
from engine.training.raster_patches import raster_patches
from tests.conftest import pair_paths

NODATA = -1000
SIZE, MARGIN = 64, 12  # fusionnet: margin round_up(10 + 1, 4); read halo round_up(12 + 8, 4) = 20
HALO = 20
SCALE = 2047.0


def _pan_with(tmp_path: str, paint: Callable[[np.ndarray], None]) -> str:
    """A copy of the QuickBird PAN with nodata NODATA where `paint` sets it."""
    pan, _ = pair_paths("quickbird")
    out = os.path.join(str(tmp_path), "pan_nodata.tif")
    gdal.Translate(out, pan)
    ds = gdal.Open(out, gdal.GA_Update)
    band = ds.GetRasterBand(1)
    band_data = band.ReadAsArray()
    paint(band_data)
    band.WriteArray(band_data)
    band.SetNoDataValue(NODATA)
    ds = None
    return out


def _pair(pan: str) -> AlignedPair:
    return align(open_raster(pan, "PAN"), open_raster(pair_paths("quickbird")[1], "MS"))


def _patches(pair: AlignedPair, count: int = 16, fill: FillValues | None = None):  # type: ignore[no-untyped-def]
    return raster_patches(pair, SIZE, MARGIN, 1.0, count, "diverse", SCALE, "bicubic", torch.device("cpu"),
                          np.random.default_rng(0), fill)


def _block(a: np.ndarray) -> None:
    a[:96, :96] = NODATA


def _stripes(a: np.ndarray) -> None:
    a[32::64, :] = NODATA  # a nodata row inside every candidate's 104 px window


def test_patches_touching_nodata_are_excluded(tmp_path) -> None:
    patches = _patches(_pair(_pan_with(str(tmp_path), _block)))
    # windows [y - 20, y + 84) x [x - 20, x + 84) meet the 96 px nodata corner for y, x in {0, 64}
    assert len(patches.origins) == 12
    assert all(y >= 128 or x >= 128 for y, x in patches.origins)
    assert float(patches.pan.min()) > NODATA / SCALE


def test_without_a_fully_valid_patch_the_most_valid_are_used_and_filled(tmp_path) -> None:
    pair = _pair(_pan_with(str(tmp_path), _stripes))
    fill = FillValues(500.0, np.full(4, 300.0))
    patches = _patches(pair, count=3, fill=fill)
    assert len(patches.origins) == 3
    pan = patches.pan * SCALE
    assert float(pan.min()) > NODATA and bool((pan - 500.0).abs().lt(1e-3).any())  # filled, not nodata


def test_no_valid_pixel_is_one_line(tmp_path) -> None:
    def everything(a: np.ndarray) -> None:
        a[:] = NODATA

    with pytest.raises(EngineError, match="no valid patch"):
        _patches(_pair(_pan_with(str(tmp_path), everything)))


def test_tailor_runs_on_a_pair_with_nodata(tmp_path) -> None:
    pan = _pan_with(str(tmp_path), _block)
    out = os.path.join(str(tmp_path), "tailored.tif")
    run(PansharpenRequest(pan, pair_paths("quickbird")[1], out, method="fusionnet", adapt="tailor",
                          adapt_options={"steps": "2", "max_patches": "2"}))
    ds = gdal.Open(out)
    nodata = ds.GetRasterBand(1).GetNoDataValue()
    data = ds.ReadAsArray()
    assert nodata is not None and (data[:, :96, :96] == nodata).all()
    assert (data[:, 128:, 128:] != nodata).all()
