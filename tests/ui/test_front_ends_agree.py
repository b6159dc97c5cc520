"""The dock, the Processing algorithm, qgis_process and the CLI write the same georeferenced raster."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from osgeo import gdal, osr

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ALGORITHM = "pansharpen_adapt:pansharpen"
METHOD = "gsa"  # not the default, so each front end must pass the choice through


def _read(path: str) -> tuple:
    ds = gdal.Open(path)
    srs = osr.SpatialReference(wkt=ds.GetProjection())
    return ds.ReadAsArray(), ds.GetGeoTransform(), srs


def _cli(pan: str, ms: str, out: str) -> None:
    subprocess.run([sys.executable, "-m", "engine", "run", "--pan", pan, "--ms", ms, "--out", out,
                    "--method", METHOD, "--quiet"], cwd=REPO, check=True, capture_output=True, timeout=300)


def _dock(plugin, qb_layers, qtbot, out: str) -> None:
    form = plugin.dock.form
    form.pan.setLayer(qb_layers[0])
    form.ms.setLayer(qb_layers[1])
    form.method.setCurrentIndex(form.method.findData(METHOD))
    form.output.setFilePath(out)
    with qtbot.waitSignal(plugin.dock.job_done, timeout=120_000) as blocker:
        plugin.dock.run_button.click()
    assert blocker.args == ["succeeded"]


def test_all_front_ends_write_the_same_raster(plugin, qb_layers, qtbot, data_paths, qgis_process,
                                             tmp_path) -> None:
    import processing

    pan, ms = data_paths("quickbird")
    outs = {name: str(tmp_path / f"{name}.tif") for name in ("cli", "dock", "processing", "qgis_process")}
    _cli(pan, ms, outs["cli"])
    _dock(plugin, qb_layers, qtbot, outs["dock"])
    processing.run(ALGORITHM, {"PAN": pan, "MS": ms, "METHOD": METHOD, "OUTPUT": outs["processing"]})
    params = {"PAN": pan, "MS": ms, "METHOD": METHOD, "OUTPUT": outs["qgis_process"]}
    report = qgis_process(ALGORITHM, params)
    assert report["results"]["OUTPUT"] == outs["qgis_process"]
    assert any("device: cpu" in line for line in report["log"]["info"])

    ref_pixels, ref_gt, ref_srs = _read(outs["cli"])
    pan_ds = gdal.Open(pan)
    assert ref_gt == pan_ds.GetGeoTransform()
    assert ref_srs.IsSame(osr.SpatialReference(wkt=pan_ds.GetProjection()))
    assert gdal.Open(outs["cli"]).GetMetadataItem("PANSHARPEN_METHOD") == METHOD
    for name in ("dock", "processing", "qgis_process"):
        pixels, gt, srs = _read(outs[name])
        diff = np.abs(pixels.astype(np.float64) - ref_pixels)
        assert pixels.dtype == ref_pixels.dtype
        changed = int((diff > 0).sum())
        assert np.array_equal(pixels, ref_pixels), f"{name}: {changed} pixels differ, max {diff.max()}"
        assert gt == ref_gt, name
        assert srs.IsSame(ref_srs), name
