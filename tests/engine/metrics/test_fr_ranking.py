"""On the bundled real pairs the new full-resolution indices rank a blurry output below a sharp classical
one, through the whole assessment path (files in, JSON report out)."""
from __future__ import annotations

import json

import pytest
import torch
from osgeo import gdal

from engine.evaluation.assess import assess_files
from engine.physics.resample import upsample
from engine.pipeline import run
from engine.request import PansharpenRequest
from tests.conftest import PAIRS, pair_paths

NEW = ("D_rho", "R_Q2n", "R_SAM", "R_ERGAS", "D_s_R", "RQNR")


def _write_upsampled_ms(pan_path: str, ms_path: str, out: str) -> None:
    """The MS upsampled to the PAN grid (bicubic): what a user gets by resampling, no PAN detail."""
    pan, ms = gdal.Open(pan_path), gdal.Open(ms_path)
    r = pan.RasterXSize // ms.RasterXSize
    values = torch.from_numpy(ms.ReadAsArray().astype("float32"))[None]
    up = upsample(values, r, "bicubic")[0].numpy()
    ds = gdal.GetDriverByName("GTiff").Create(out, up.shape[2], up.shape[1], up.shape[0], gdal.GDT_Float32)
    ds.SetGeoTransform(pan.GetGeoTransform())
    ds.SetProjection(pan.GetProjection())
    for b in range(up.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(up[b])
    ds.FlushCache()
    ds = None


@pytest.mark.parametrize("name", PAIRS)
def test_blurry_output_ranks_below_mtf_glp_hpm(name: str, tmp_path) -> None:
    pan, ms = pair_paths(name)
    request = PansharpenRequest(pan=pan, ms=ms, output=str(tmp_path / "hpm.tif"), method="mtf_glp_hpm")
    sharp = run(request).output
    blurry = str(tmp_path / "up.tif")
    _write_upsampled_ms(pan, ms, blurry)
    s = assess_files(pan, ms, sharp).indices
    b_report = assess_files(pan, ms, blurry)
    b = b_report.indices
    assert all(k in s and k in b for k in NEW)
    assert b["D_rho"] > s["D_rho"] + 0.2  # the upsampled MS has no detail at the ratio scale
    assert s["D_rho"] < 0.5
    assert b["D_s_R"] > s["D_s_R"] and b["RQNR"] < s["RQNR"]
    assert 0.9 < s["R_Q2n"] <= 1 and 0.9 < b["R_Q2n"] <= 1  # both keep the MS when reprojected
    path = tmp_path / "report.json"
    b_report.write_json(str(path))
    saved = json.loads(path.read_text())
    assert all(saved["indices"][k] == b[k] for k in NEW)
    assert saved["better"]["D_rho"] == "lower" and saved["better"]["R_Q2n"] == "higher"
