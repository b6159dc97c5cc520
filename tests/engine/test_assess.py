"""engine.evaluation.assess: indices of files on a bounded, reported window; run with a report; reduced
run."""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.errors import EngineError
from engine.evaluation.assess import assess_files
from engine.evaluation.runs import run_reduced, run_with_report
from engine.metrics import FULL_INDICES, REDUCED_INDICES, full_resolution_indices, reduced_resolution_indices
from engine.pipeline import run
from engine.request import PansharpenRequest
from tests.conftest import pair_paths

QB_GAINS = [0.34, 0.32, 0.30, 0.22]


def _read(path: str) -> np.ndarray:
    data = gdal.Open(path).ReadAsArray().astype(np.float32)
    return data.reshape((-1,) + data.shape[-2:])


def _copy_with(src: str, dst: str, data: np.ndarray, shift: float = 0.0, nodata: float = None) -> str:
    """A GeoTIFF like src (georeference) holding data (C, H, W); origin moved by `shift` pixels."""
    ref = gdal.Open(src)
    ds = gdal.GetDriverByName("GTiff").Create(dst, data.shape[2], data.shape[1], data.shape[0],
                                              gdal.GDT_Float32)
    gt = list(ref.GetGeoTransform())
    gt[0] += shift * gt[1]
    ds.SetGeoTransform(gt)
    ds.SetProjection(ref.GetProjection())
    for i in range(data.shape[0]):
        band = ds.GetRasterBand(i + 1)
        band.WriteArray(data[i])
        if nodata is not None:
            band.SetNoDataValue(nodata)
    ds = None
    return dst


@pytest.fixture(scope="module")
def qb_fused(tmp_path_factory) -> tuple:
    pan, ms = pair_paths("quickbird")
    out = str(tmp_path_factory.mktemp("assess") / "qb_fused.tif")
    run(PansharpenRequest(pan, ms, out, method="mtf_glp_hpm"))
    return pan, ms, out


def _direct(pan: str, ms: str, fused: str, y: int, x: int, size: int) -> dict:
    """The full-resolution set computed straight from the arrays of a window (ratio 4)."""
    cut = (slice(None), slice(y, y + size), slice(x, x + size))
    coarse = (slice(None), slice(y // 4, (y + size) // 4), slice(x // 4, (x + size) // 4))
    f, p, m = (torch.from_numpy(a)[None] for a in (_read(fused)[cut], _read(pan)[cut], _read(ms)[coarse]))
    return {k: v.item() for k, v in full_resolution_indices(f, p, m, 4, QB_GAINS).items()}


def test_full_resolution_report_of_a_run_output(qb_fused: tuple) -> None:
    pan, ms, fused = qb_fused
    report = assess_files(pan, ms, fused)
    assert report.kind == "full" and tuple(report.indices) == FULL_INDICES
    assert report.region.whole and (report.region.width, report.region.height) == (256, 256)
    assert report.sensor == "quickbird" and "QuickBird" in report.sensor_reason
    for key, value in _direct(pan, ms, fused, 0, 0, 256).items():
        assert abs(report.indices[key] - value) < 1e-5


def test_window_is_centred_bounded_and_reported(qb_fused: tuple) -> None:
    pan, ms, fused = qb_fused
    report = assess_files(pan, ms, fused, max_size=100)
    region = report.region
    assert (region.x, region.y, region.width, region.height, region.whole) == (80, 80, 96, 96, False)
    for key, value in _direct(pan, ms, fused, 80, 80, 96).items():
        assert abs(report.indices[key] - value) < 1e-5


def test_reference_adds_the_reduced_resolution_set(qb_fused: tuple) -> None:
    pan, ms, fused = qb_fused
    report = assess_files(pan, ms, fused, reference=fused)
    assert report.kind == "reference" and set(REDUCED_INDICES) | set(FULL_INDICES) == set(report.indices)
    assert report.indices["Q2n"] == pytest.approx(1.0) and report.indices["ERGAS"] == 0.0
    assert report.settings["psnr_peak"] == 2047.0  # QuickBird preset, 11 bits


def test_rasters_off_the_pan_grid_or_with_other_bands_are_refused(qb_fused: tuple, tmp_path) -> None:
    pan, ms, fused = qb_fused
    shifted = _copy_with(fused, str(tmp_path / "shifted.tif"), _read(fused), shift=0.5)
    with pytest.raises(EngineError, match="fraction of a pixel"):
        assess_files(pan, ms, shifted)
    three = _copy_with(fused, str(tmp_path / "three.tif"), _read(fused)[:3])
    with pytest.raises(EngineError, match="3 bands"):
        assess_files(pan, ms, three)


def test_nodata_is_filled_and_said(qb_fused: tuple, tmp_path) -> None:
    pan, ms, fused = qb_fused
    data = _read(fused)
    data[:, :16, :] = -9999.0
    holed = _copy_with(fused, str(tmp_path / "holed.tif"), data, nodata=-9999.0)
    report = assess_files(pan, ms, holed)
    assert any("6.2% of the assessed window is nodata" in n for n in report.notes)
    assert 0.5 < report.indices["HQNR"] <= 1.0


def test_an_alpha_band_is_a_mask_not_a_band(qb_fused: tuple, tmp_path) -> None:
    pan, ms, fused = qb_fused
    data = _read(fused)
    alpha = np.full((1,) + data.shape[1:], 255.0, dtype=np.float32)
    alpha[:, :16, :] = 0.0
    with_alpha = _copy_with(fused, str(tmp_path / "alpha.tif"), np.concatenate([data, alpha]))
    ds = gdal.Open(with_alpha, gdal.GA_Update)  # keep the dataset alive while its band is used
    ds.GetRasterBand(5).SetColorInterpretation(gdal.GCI_AlphaBand)
    ds = None
    report = assess_files(pan, ms, with_alpha)
    plain = assess_files(pan, ms, fused)
    assert any("6.2% of the assessed window is nodata" in n for n in report.notes)
    assert report.indices["HQNR"] != plain.indices["HQNR"]
    assert 0.5 < report.indices["HQNR"] <= 1.0


def test_run_with_report_writes_json_with_indices_and_timings(tmp_path) -> None:
    pan, ms = pair_paths("landsat7")
    req = PansharpenRequest(pan, ms, str(tmp_path / "l7.tif"), method="gsa")
    result, report = run_with_report(req, str(tmp_path / "report.json"))
    import json

    saved = json.loads(open(tmp_path / "report.json", encoding="utf-8").read())
    assert saved["kind"] == "full" and set(saved["indices"]) == set(FULL_INDICES)
    assert saved["better"]["HQNR"] == "higher" and saved["better"]["D_s"] == "lower"
    assert saved["timings_s"]["run"] > 0 and saved["timings_s"]["assess"] > 0
    assert saved["sensor"]["reason"] == result.sensor_reason and saved["settings"]["method"] == "gsa"


def test_reduced_run_scores_the_degraded_fusion_against_the_ms(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    before = set(os.listdir(tempfile.gettempdir()))
    out = str(tmp_path / "reduced.tif")
    result, report = run_reduced(PansharpenRequest(pan, ms, out, method="mtf_glp"))
    assert not {d for d in set(os.listdir(tempfile.gettempdir())) - before if d.startswith("pansharpen-")}
    fused, reference = _read(out), _read(ms)
    assert fused.shape == reference.shape == (4, 64, 64)
    assert gdal.Open(out).GetGeoTransform() == gdal.Open(ms).GetGeoTransform()  # on the MS grid
    assert report.kind == "reduced" and tuple(report.indices) == REDUCED_INDICES
    assert "QuickBird" in report.sensor_reason and result.sensor_reason == report.sensor_reason
    direct = reduced_resolution_indices(torch.from_numpy(fused)[None], torch.from_numpy(reference)[None], 4,
                                        2047.0)
    for key, value in direct.items():
        assert abs(report.indices[key] - value.item()) < 1e-5
    assert 0.8 < report.indices["Q2n"] < 1.0 and report.indices["SAM"] < 5


def test_reduced_run_needs_room_for_the_border_cut(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    with pytest.raises(EngineError, match="too small"):
        run_reduced(PansharpenRequest(pan, ms, str(tmp_path / "r.tif")), max_size=40)
