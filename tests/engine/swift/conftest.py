"""A tiny folder of real scenes for SWIFT: the four 128 x 128 PAN quadrants of the bundled QuickBird crop."""
from __future__ import annotations

import os

import pytest
from osgeo import gdal

from tests.conftest import pair_paths

#: cheap settings: DiCNN (smallest receptive field), 32 px patches, few steps
FAST = {"patch": "32", "steps": "2", "batch": "4", "min_patches": "4", "max_patches": "6"}


def make_quadrants(folder: str, name: str = "quickbird", ratio: int = 4) -> str:
    """Write NAME{k}_pan.tif / NAME{k}_ms.tif for the four quadrants of a bundled pair; returns folder."""
    pan, ms = pair_paths(name)
    side = gdal.Open(pan).RasterXSize // 2
    os.makedirs(folder, exist_ok=True)
    for k, (i, j) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        gdal.Translate(os.path.join(folder, f"{name}{k}_pan.tif"), pan,
                       srcWin=[j * side, i * side, side, side])
        gdal.Translate(os.path.join(folder, f"{name}{k}_ms.tif"), ms,
                       srcWin=[j * side // ratio, i * side // ratio, side // ratio, side // ratio])
    return folder


@pytest.fixture(scope="session")
def qb_folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    return make_quadrants(str(tmp_path_factory.mktemp("swift_qb")))


@pytest.fixture(scope="session")
def swift_model(qb_folder: str, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    """(model path, result) of one SWIFT run on three of the four quadrants (the fourth stays unseen)."""
    from engine.evaluation.harness import find_pairs
    from engine.swift.request import SensorAdaptRequest
    from engine.swift.run import adapt_sensor

    pairs = find_pairs(qb_folder)[:3]
    out = str(tmp_path_factory.mktemp("swift_model") / "qb_dicnn.safetensors")
    req = SensorAdaptRequest(tuple((p.pan, p.ms) for p in pairs), "dicnn", out, device="cpu",
                             options=dict(FAST))
    return out, adapt_sensor(req)
