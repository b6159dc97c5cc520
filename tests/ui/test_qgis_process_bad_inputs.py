"""Bad input through qgis_process: one clear ERROR line naming the problem (no traceback), the inputs
unchanged, nothing written; a good run leaves no <input>.aux.xml next to the user's files."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest

from tests.ui.conftest import QGIS_PROCESS

ALGORITHM = "pansharpen_adapt:pansharpen"


def _qgis_process(profile: str, params: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, QGIS_CUSTOM_CONFIG_PATH=profile, QT_QPA_PLATFORM="offscreen")
    args = [f"{k}={v}" for k, v in params.items()]
    return subprocess.run(["bash", QGIS_PROCESS, "run", ALGORITHM, "--", *args], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("qgis-profile-bad"))


@pytest.fixture
def inputs(tmp_path, data_paths) -> tuple:
    folder = tmp_path / "in"
    folder.mkdir()
    pan, ms = data_paths("quickbird")
    return shutil.copy(pan, folder / "pan.tif"), shutil.copy(ms, folder / "ms.tif")


def _digest(folder: str) -> dict:
    return {n: hashlib.sha256(open(os.path.join(folder, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(folder))}


@pytest.mark.parametrize("case, message", [("truncated PAN", "cannot read .*: truncated or corrupt file"),
                                           ("output is the MS", "would overwrite an input"),
                                           ("misspelt option", "unknown option 'wieghts'")])
def test_refused_with_one_error_line(profile, inputs, tmp_path, case: str, message: str) -> None:
    import re

    pan, ms = inputs
    folder = os.path.dirname(pan)
    params = {"PAN": pan, "MS": ms, "METHOD": "brovey", "OUTPUT": str(tmp_path / "o.tif")}
    if case == "truncated PAN":
        cut = os.path.join(folder, "cut.tif")
        open(cut, "wb").write(open(pan, "rb").read()[:40000])
        params["PAN"] = cut
    elif case == "output is the MS":
        params["OUTPUT"] = ms
    else:
        params["OPTIONS"] = "wieghts=1,1,1,1"
    before = _digest(folder)
    proc = _qgis_process(profile, params)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    assert proc.returncode != 0
    assert len(errors) == 1 and re.search(message, errors[0]), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    assert _digest(folder) == before
    assert not os.path.exists(tmp_path / "o.tif")


def test_a_run_leaves_no_statistics_files_next_to_the_inputs(profile, inputs, tmp_path) -> None:
    pan, ms = inputs
    proc = _qgis_process(profile, {"PAN": pan, "MS": ms, "METHOD": "gsa", "OUTPUT": str(tmp_path / "o.tif")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(os.listdir(os.path.dirname(pan))) == ["ms.tif", "pan.tif"]
