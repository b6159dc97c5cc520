"""Deep methods give the same pixels whichever BLAS serves torch's `sgemm_` (QGIS loads the system OpenBLAS
before torch, so inside QGIS torch's matrix products run on it; see tests/ui/test_qgis_process_adapt.py)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from osgeo import gdal

from tests.conftest import pair_paths

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEM_BLAS = "/usr/lib/x86_64-linux-gnu/libblas.so.3"


def _cli(out: str, preload: str = "") -> np.ndarray:
    pan, ms = pair_paths("quickbird")
    env = dict(os.environ, LD_PRELOAD=preload) if preload else dict(os.environ)
    subprocess.run([sys.executable, "-m", "engine", "run", "--pan", pan, "--ms", ms, "--out", out,
                    "--method", "fusionnet", "--quiet"], cwd=REPO, env=env, check=True, capture_output=True,
                   timeout=300)
    return gdal.Open(out).ReadAsArray()


@pytest.mark.skipif(not os.path.exists(SYSTEM_BLAS), reason="no system BLAS to preload")
def test_fusionnet_output_does_not_depend_on_the_blas(tmp_path) -> None:
    own = _cli(str(tmp_path / "own.tif"))
    system = _cli(str(tmp_path / "system.tif"), SYSTEM_BLAS)
    assert np.array_equal(own, system), f"{int((own != system).sum())} pixels differ"
