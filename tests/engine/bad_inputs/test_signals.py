"""Signals mid-run: SIGINT, SIGTERM and SIGHUP stop `python -m engine run` (and qgis_process) with nothing
left behind; partial files a killed process could not remove are cleaned up by the next run of the target."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from typing import List

import numpy as np
import pytest

from tests.conftest import pair_paths
from tests.engine.rasters import georef, read, write

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TILES = 8  # the 256 px crop tiled 8 x 8: 2048^2 PAN px, several seconds of FusionNet


def _tiled(src: str, dst: str) -> str:
    """src tiled TILES x TILES (mirrored so the seams are smooth), same origin and pixel size."""
    data = read(src)
    row = np.concatenate([data, data[:, :, ::-1]] * (TILES // 2), axis=2)
    big = np.concatenate([row, row[:, ::-1, :]] * (TILES // 2), axis=1)
    gt, wkt = georef(src)
    return write(dst, np.ascontiguousarray(big), gt, wkt)


@pytest.fixture(scope="module")
def big_pair(tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("big")
    pan, ms = pair_paths("quickbird")
    return _tiled(pan, str(folder / "big_pan.tif")), _tiled(ms, str(folder / "big_ms.tif"))


def _partials(folder: str) -> List[str]:
    return [n for n in os.listdir(folder) if n.startswith(".partial-")]


def _signal_when_writing(cmd: List[str], folder: str, sig: int, timeout: float = 120.0) -> tuple:
    """Start cmd, wait until a partial output appears in folder, send sig; (exit code, stderr)."""
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1"))
    deadline = time.monotonic() + timeout
    while not _partials(folder):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"no partial file appeared (exit {proc.returncode}): {err[-2000:]}")
        time.sleep(0.05)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_cli_signal_mid_run_leaves_nothing(tmp_path, big_pair, sig: int) -> None:
    pan, ms = big_pair
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "engine", "run", "--pan", pan, "--ms", ms, "--out", str(out / "f.tif"),
           "--method", "fusionnet", "--quiet"]
    code, err = _signal_when_writing(cmd, str(out), sig)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("cancelled:"), err
    assert os.listdir(out) == []


@pytest.mark.skipif(shutil.which("qgis_process.bin") is None, reason="QGIS is not installed")
def test_qgis_process_sigterm_leaves_nothing(tmp_path, big_pair) -> None:
    pan, ms = big_pair
    out = tmp_path / "out"
    out.mkdir()
    cmd = ["bash", os.path.join(ROOT, "scripts", "qgis_process.sh"), "run", "pansharpen_adapt:pansharpen",
           "--", f"PAN={pan}", f"MS={ms}", "METHOD=fusionnet", f"OUTPUT={out / 'f.tif'}"]
    code, err = _signal_when_writing(cmd, str(out), signal.SIGTERM)
    assert code != 0
    assert "Traceback" not in err
    assert os.listdir(out) == []


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_partials_of_the_target_are_removed_by_the_next_run(tmp_path) -> None:
    """A SIGKILLed run cannot clean up: the next run of the same target removes what dead processes left
    (and the pid-less names of earlier versions), but not the partials of a run still going, nor those of
    other targets."""
    from engine.cli.main import main

    pan, ms = pair_paths("quickbird")
    alive = subprocess.Popen(["sleep", "30"])
    try:
        names = {f".partial-{_dead_pid()}-0123456789ab-f.tif": False,
                 f".partial-{_dead_pid()}-0123456789ab-f.tif.aux.xml": False,
                 ".partial-abcdef012345-f.tif": False,
                 f".partial-{alive.pid}-0123456789ab-f.tif": True,
                 f".partial-{_dead_pid()}-0123456789ab-other.tif": True}
        for name in names:
            (tmp_path / name).write_bytes(b"x")
        assert main(["run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "f.tif"), "--quiet"]) == 0
        left = set(os.listdir(tmp_path))
        assert {n for n, keep in names.items() if keep} | {"f.tif"} == left
    finally:
        alive.kill()
