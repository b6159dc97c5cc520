"""qgis_process runs SWIFT (pansharpen_adapt:adapt_sensor over two scenes), then fuses with the model file."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from osgeo import gdal

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_qgis_process_adapt_sensor_then_model_file(qgis_process, swift_crops, data_paths, tmp_path) -> None:
    model = str(tmp_path / "qb_dicnn.safetensors")
    report = qgis_process("pansharpen_adapt:adapt_sensor", {
        "PAN": [p for p, _ in swift_crops], "MS": [m for _, m in swift_crops], "METHOD": "dicnn",
        "DEVICE": "cpu", "SWIFT_STEPS": 2, "SWIFT_PATCH": 32,
        "SWIFT_OPTIONS": "batch=4;min_patches=4;max_patches=6", "OUTPUT": model})
    results = report["results"]
    assert results["OUTPUT"] == model and results["SIDECAR"] == str(tmp_path / "qb_dicnn.json")
    assert results["STEPS_RUN"] == 2 and results["PATCHES"] >= 1 and 0 < results["KEPT_FRACTION"] < 1
    assert any(line.startswith("SWIFT took ") for line in report["log"]["info"])
    meta = json.load(open(results["SIDECAR"], encoding="utf-8"))
    assert [s["pan"] for s in meta["scenes"]] == [p for p, _ in swift_crops]  # the order given

    pan, ms = data_paths("quickbird")
    qp, cli = str(tmp_path / "qgis_process.tif"), str(tmp_path / "cli.tif")
    qgis_process("pansharpen_adapt:pansharpen", {"PAN": pan, "MS": ms, "MODEL_FILE": model, "OUTPUT": qp})
    subprocess.run([sys.executable, "-m", "engine", "run", "--pan", pan, "--ms", ms, "--out", cli,
                    "--method", model, "--quiet"], cwd=REPO, check=True, capture_output=True, timeout=300)
    assert gdal.Open(qp).GetMetadataItem("PANSHARPEN_METHOD") == model
    assert np.array_equal(gdal.Open(qp).ReadAsArray(), gdal.Open(cli).ReadAsArray())
