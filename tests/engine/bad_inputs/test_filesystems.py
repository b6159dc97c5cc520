"""Full and read-only file systems (small tmpfs mounts: root only, skipped otherwise): one line naming the
problem, nothing left behind, nothing written before the refusal when it can be known up front."""
from __future__ import annotations

import os
import subprocess
from typing import Iterator

import pytest

from tests.engine.bad_inputs.kit import Kit


def _mount(path: str, options: str) -> None:
    os.makedirs(path, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", path], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")


@pytest.fixture
def small_fs(tmp_path) -> Iterator[str]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    path = str(tmp_path / "small")
    _mount(path, "size=256k")
    yield path
    subprocess.run(["umount", "-l", path], check=True)


@pytest.fixture
def read_only_fs(tmp_path) -> Iterator[str]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path = str(tmp_path / "ro")
    _mount(path, "size=64k,ro")
    yield path
    subprocess.run(["umount", "-l", path], check=True)


def test_output_on_a_full_file_system_says_so(tmp_path, capfd, small_fs) -> None:
    kit = Kit(str(tmp_path / "k"), capfd)
    kit.out = small_fs
    kit.check(["run", "--pan", kit.pan, "--ms", kit.ms, "--out", os.path.join(small_fs, "o.tif"),
               "--dtype", "float32", "--quiet"], 2,
              f"cannot write the output .*: no space left on the device holding {small_fs}")
    assert os.listdir(small_fs) == []


def test_report_on_a_full_file_system_is_refused_before_the_raster_is_written(tmp_path, capfd,
                                                                             small_fs) -> None:
    with open(os.path.join(small_fs, "filler"), "wb") as f:  # the disk is full before the run
        f.write(b"\0" * (256 * 1024))
    kit = Kit(str(tmp_path / "k"), capfd)
    kit.check(["run", "--pan", kit.pan, "--ms", kit.ms, "--out", kit.path("o.tif", kit.out), "--report",
               os.path.join(small_fs, "r.json"), "--quiet"], 2, "no space left on the device holding")
    assert os.listdir(small_fs) == ["filler"] and os.listdir(kit.out) == []


def test_read_only_output_folder(tmp_path, capfd, read_only_fs) -> None:
    kit = Kit(str(tmp_path / "k"), capfd)
    kit.check(["run", "--pan", kit.pan, "--ms", kit.ms, "--out", os.path.join(read_only_fs, "o.tif"),
               "--quiet"], 2, "folder of the output is not writable")


def test_a_report_that_does_not_fit_leaves_no_file(small_fs) -> None:
    """Reports, tailor and model files are written atomically: a full disk mid-write leaves no 0-byte or
    truncated file (a plain open-and-write used to leave an empty report)."""
    from engine.atomic import write_text
    from engine.errors import EngineError

    with open(os.path.join(small_fs, "filler"), "wb") as f:
        f.write(b"\0" * (150 * 1024))
    with pytest.raises(EngineError, match="cannot write the report .*no space left on the device"):
        write_text(os.path.join(small_fs, "r.json"), "x" * (200 * 1024), "report")
    assert os.listdir(small_fs) == ["filler"]
