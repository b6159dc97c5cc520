"""The bad-input catalogue: every case is built on the fly from the bundled QuickBird crop and run through the
CLI. A refusal is exit 2 with exactly one 'error:' line (no traceback), the inputs' checksums unchanged and
nothing written to the output folder (kit.Kit.check). Cases with a correct result are in test_results.py,
signals in test_signals.py, full and read-only file systems in test_filesystems.py."""
from __future__ import annotations

import json
import os
from typing import Callable, Dict, List, Tuple

import numpy as np
import pytest
from osgeo import gdal

from engine.weights.model_file import save_model
from engine.weights.shipped import load_backbone
from tests.engine.bad_inputs.kit import Kit
from tests.engine.rasters import georef, read, write

Case = Tuple[List[str], str]  # (argv, regular expression the one error line must match)


def _run(k: Kit, *extra: str, out: str = "") -> List[str]:
    return ["run", "--pan", k.pan, "--ms", k.ms, "--out", out or k.path("o.tif", k.out), "--quiet", *extra]


def _vrt_of_ms(k: Kit) -> str:
    path = k.path("ms.vrt")
    gdal.BuildVRT(path, [k.ms])
    return path


def _symlink(k: Kit, target: str, name: str) -> str:
    link = k.path(name, k.out)
    os.symlink(target, link)
    return link


def _tailor(k: Kit) -> str:
    """A tailor file trained on the crop (2 steps: the file format is what matters here)."""
    path = k.path("t.safetensors")
    assert k.run(*_run(k, "--method", "fusionnet", "--adapt", "tailor", "--adapt-steps", "2",
                       "--save-tailor", path, out=k.path("t.tif"))).rc == 0
    os.remove(k.path("t.tif"))
    return path


def _flip(path: str, offset_from_end: int = 1) -> str:
    data = bytearray(open(path, "rb").read())
    data[-offset_from_end] ^= 0x10
    open(path, "wb").write(bytes(data))
    return path


def _swift_model(k: Kit) -> str:
    """A SWIFT model file made from the shipped FusionNet (its contents do not matter here)."""
    import torch

    path = k.path("m.safetensors")
    net = load_backbone("fusionnet", 4, torch.device("cpu"))
    save_model(path, net, {"backbone": "fusionnet", "bands": 4, "receptive_field": net.receptive_field})
    return path


def _pairs_folder(k: Kit) -> str:
    folder = k.path("pairs")
    os.makedirs(folder)
    for src, name in ((k.pan, "a_pan.tif"), (k.ms, "a_ms.tif")):
        os.link(src, os.path.join(folder, name))
    return folder


def _folder(k: Kit, name: str) -> str:
    path = k.path(name, k.out)
    os.makedirs(path)
    return path


def _shifted_ms(k: Kit, dx: float) -> str:
    gt = list(georef(k.ms)[0])
    gt[0] += dx
    return k.ms_variant("far_ms.tif", gt=gt)


def _odd_ratio_ms(k: Kit) -> str:
    gt = list(georef(k.ms)[0])
    gt[1], gt[5] = gt[1] * 2.5 / 4, gt[5] * 2.5 / 4
    return k.ms_variant("odd_ms.tif", gt=gt)


CASES: Dict[str, Callable[[Kit], Case]] = {
    # outputs that would overwrite an input, or each other
    "out is the PAN": lambda k: (_run(k, out=k.pan), "would overwrite an input"),
    "out is a symlink to the MS": lambda k: (_run(k, out=_symlink(k, k.ms, "l.tif")),
                                             "would overwrite an input"),
    "out reaches the MS through ..": lambda k: (
        _run(k, out=os.path.join(k.out, "..", "in", "qb_ms.tif")), "would overwrite an input"),
    "out is the source of a VRT MS": lambda k: (
        ["run", "--pan", k.pan, "--ms", _vrt_of_ms(k), "--out", k.ms, "--quiet"], "would overwrite an input"),
    "report is the PAN": lambda k: (_run(k, "--report", k.pan), "report .* would overwrite an input"),
    "report is the output": lambda k: (
        _run(k, "--report", k.path("o.tif", k.out)), "the report and the output are the same file"),
    "save-tailor is the MS": lambda k: (
        _run(k, "--method", "fusionnet", "--adapt", "tailor", "--save-tailor", k.ms), "would overwrite"),
    "save-tailor is the output": lambda k: (
        _run(k, "--method", "fusionnet", "--adapt", "tailor", "--save-tailor", k.path("o.tif", k.out)),
        "same file"),
    "metrics JSON is the fused raster": lambda k: (
        ["metrics", "--pan", k.pan, "--ms", k.pan, "--fused", k.ms, "--json", k.ms, "--quiet"],
        "would overwrite an input"),
    "SWIFT model overwrites its start model": lambda k: (
        ["adapt-sensor", "--pairs", _pairs_folder(k), "--method", (m := _swift_model(k)), "--out", m,
         "--quiet"], "would overwrite an input"),
    "evaluate JSON is an input": lambda k: (
        ["evaluate", "--pairs", (f := _pairs_folder(k)), "--methods", "gsa", "--adapt", "none", "--json",
         os.path.join(f, "a_pan.tif"), "--quiet"], "would overwrite an input"),
    # inputs that are not what they claim
    "truncated GeoTIFF": lambda k: (
        ["run", "--pan", k.raw("cut.tif", open(k.pan, "rb").read()[:40000]), "--ms", k.ms, "--out",
         k.path("o.tif", k.out), "--quiet"], "cannot read .*cut.tif: truncated or corrupt"),
    "text file named .tif": lambda k: (
        ["run", "--pan", k.raw("text.tif", b"hello\n"), "--ms", k.ms, "--out", k.path("o.tif", k.out),
         "--quiet"], "cannot open PAN raster .*text.tif"),
    "zero-size file": lambda k: (
        ["run", "--pan", k.pan, "--ms", k.raw("empty.tif", b""), "--out", k.path("o.tif", k.out), "--quiet"],
        "cannot open MS raster .*empty.tif"),
    "directory as input": lambda k: (
        ["run", "--pan", k.inputs, "--ms", k.ms, "--out", k.path("o.tif", k.out), "--quiet"], "is a folder"),
    "missing input": lambda k: (
        ["run", "--pan", k.path("nope.tif"), "--ms", k.ms, "--out", k.path("o.tif", k.out), "--quiet"],
        "not found"),
    "3-band PAN": lambda k: (
        ["run", "--pan", k.ms_variant("three.tif", read(k.ms)[:3]), "--ms", k.ms, "--out",
         k.path("o.tif", k.out), "--quiet"], "PAN must be single-band"),
    "1-band MS": lambda k: (
        ["run", "--pan", k.pan, "--ms", k.ms_variant("one.tif", read(k.ms)[:1]), "--out",
         k.path("o.tif", k.out), "--quiet"], "at least 2 bands"),
    "ratio 2.5": lambda k: (
        ["run", "--pan", k.pan, "--ms", _odd_ratio_ms(k), "--out", k.path("o.tif", k.out), "--quiet"],
        "not close to an integer"),
    "rasters do not overlap": lambda k: (
        ["run", "--pan", k.pan, "--ms", _shifted_ms(k, 1e5), "--out", k.path("o.tif", k.out), "--quiet"],
        "do not overlap"),
    "all-nodata MS": lambda k: (
        ["run", "--pan", k.pan, "--ms", k.ms_variant("nd.tif", np.full_like(read(k.ms), 7), nodata=7),
         "--out", k.path("o.tif", k.out), "--quiet"], "no valid pixels"),
    "all-NaN PAN": lambda k: (
        ["run", "--pan", k.pan_variant("nan.tif", np.full(read(k.pan).shape, np.nan, np.float32)), "--ms",
         k.ms, "--method", "brovey", "--out", k.path("o.tif", k.out), "--quiet"], "no valid .*pixel"),
    "all-NaN PAN, unsigned MS (Brovey: no statistics pass)": lambda k: (
        ["run", "--pan", k.pan_variant("nan.tif", np.full(read(k.pan).shape, np.nan, np.float32)), "--ms",
         k.ms_variant("u16.tif", read(k.ms).astype(np.uint16)), "--method", "brovey", "--out",
         k.path("o.tif", k.out), "--quiet"], "no valid output pixel"),
    "output folder missing": lambda k: (_run(k, out=os.path.join(k.out, "no", "o.tif")), "does not exist"),
    "output is a folder": lambda k: (_run(k, out=_folder(k, "sub.tif")), "is a folder"),
    "report folder missing": lambda k: (_run(k, "--report", os.path.join(k.out, "no", "r.json")),
                                        "folder of the report does not exist"),
    # options
    "misspelt option key": lambda k: (_run(k, "--method", "brovey", "--option", "wieghts=1,1,1,1"),
                                      "unknown option 'wieghts' for method 'brovey'; its options are: "
                                      "weights"),
    "option the method does not take": lambda k: (_run(k, "--option", "foo=bar"), "takes no options"),
    # damaged or misused model files
    "tailor file with a flipped bit": lambda k: (
        _run(k, "--method", "fusionnet", "--load-tailor", _flip(_tailor(k))), "fails its sha256 check"),
    "tailor file given as the method": lambda k: (
        _run(k, "--method", _tailor(k)), "is a saved Feature Tailor, not a model file: use it with "
                                         "--load-tailor"),
    "SWIFT model with a flipped bit": lambda k: (_run(k, "--method", _flip(_swift_model(k))),
                                                 "fails its sha256 check"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_in_one_line_with_nothing_written(tmp_path, capfd, case: str) -> None:
    kit = Kit(str(tmp_path), capfd)
    argv, message = CASES[case](kit)
    kit.check(argv, 2, message)


def test_tampered_shipped_weights_are_refused(tmp_path, capfd, monkeypatch) -> None:
    """A weight file that fails its manifest sha256 is refused in one line (the engine pointed at a copy)."""
    import shutil

    import engine.weights.shipped as weights

    folder = str(tmp_path / "weights")
    shutil.copytree(weights.WEIGHTS_DIR, folder)
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    _flip(os.path.join(folder, manifest["models"]["fusionnet_4b"]["file"]))
    monkeypatch.setattr(weights, "WEIGHTS_DIR", folder)
    weights.clear_cache()
    try:
        kit = Kit(str(tmp_path / "w"), capfd)
        kit.check(_run(kit, "--method", "fusionnet"), 2, "fails its sha256 check.*refusing")
    finally:
        weights.clear_cache()


def test_every_case_is_refused_before_any_file_is_written(tmp_path, capfd) -> None:
    """The refusal of a report path comes before the GeoTIFF: its folder is checked up front (it used to
    fail after the fused raster had been written)."""
    kit = Kit(str(tmp_path), capfd)
    kit.check(_run(kit, "--report", os.path.join(kit.out, "missing", "r.json")), 2, "report")
    assert not os.path.exists(kit.path("o.tif", kit.out))


def test_pan_without_georeference_keeps_the_ms_georeference(tmp_path, capfd) -> None:
    kit = Kit(str(tmp_path), capfd)
    pan = write(kit.path("bare_pan.tif"), read(kit.pan))  # no geotransform, no CRS
    out = kit.path("o.tif", kit.out)
    kit.check(["run", "--pan", pan, "--ms", kit.ms, "--out", out, "--quiet"], 0)
    gt, wkt = georef(out)
    ms_gt, ms_wkt = georef(kit.ms)
    assert gt is not None and wkt == ms_wkt
    assert np.allclose(gt, (ms_gt[0], ms_gt[1] / 4, 0, ms_gt[3], 0, ms_gt[5] / 4))
