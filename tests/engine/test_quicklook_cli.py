"""`run --quicklook`, `metrics --quicklook`, `evaluate --quicklooks DIR`: written after the work, checked
before it, and nothing left behind when any part fails."""
from __future__ import annotations

import hashlib
import json
import os
import shutil

import pytest
from osgeo import gdal

import engine.evaluation.quicklook as ql
from engine.cli.main import main
from engine.errors import EngineError
from engine.evaluation.quicklook import QuicklookSpec, quicklook_of_result
from engine.evaluation.quicklook_sheet import GAP, MARGIN
from tests.conftest import pair_paths
from tests.engine.rasters import fuse


def _digest(path: str) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _one_error_line(capsys) -> str:  # type: ignore[no-untyped-def]
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return err[0]


def test_run_writes_the_quicklook_and_records_its_window(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pan, ms = pair_paths("pleiades")
    out, png, report = (str(tmp_path / n) for n in ("f.tif", "q.png", "r.json"))
    assert main(["run", "--pan", pan, "--ms", ms, "--out", out, "--method", "gsa", "--quicklook", png,
                 "--quicklook-size", "128", "--report", report, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert f"wrote {png}" in captured.err and "HQNR" in captured.out
    settings = json.load(open(report))["settings"]
    assert settings["quicklook"] == png and settings["quicklook_window"][2:] == [128, 128]
    ds = gdal.Open(png)
    assert ds.GetDriver().ShortName == "PNG" and ds.RasterXSize == 2 * MARGIN + 4 * 128 + 3 * GAP
    assert sorted(os.listdir(tmp_path)) == ["f.tif", "q.png", "r.json"]


def test_titles_show_the_reference_once(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    spec = QuicklookSpec("unused.png", 64)
    for method, titles in (("brovey", ["upsampled MS", "mtf_glp_hpm", "brovey", "PAN detail"]),
                           ("mtf_glp_hpm", ["upsampled MS", "mtf_glp_hpm", "PAN detail"])):
        fused = fuse(pan, ms, str(tmp_path / f"{method}.tif"), method=method).output
        assert quicklook_of_result(pan, ms, fused, ql.panel_title(fused), "auto", spec).titles == titles
    tailored = fuse(pan, ms, str(tmp_path / "t.tif"), method="fusionnet", adapt="tailor",
                    adapt_options={"steps": "1", "max_patches": "1"}).output
    assert ql.panel_title(tailored) == "fusionnet + tailor" == ql.run_title("fusionnet", "tailor")


def test_metrics_writes_the_quicklook(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pan, ms = pair_paths("quickbird")
    fused = fuse(pan, ms, str(tmp_path / "f.tif"), method="brovey").output
    png = str(tmp_path / "m.png")
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", fused, "--quicklook", png,
                 "--quicklook-zoom", "2", "--quicklook-size", "64", "--quiet"]) == 0
    assert "window 64x64 PAN px" in capsys.readouterr().err
    assert gdal.Open(png).RasterYSize > 128 and json.load(open(tmp_path / "f_metrics.json"))["settings"][
        "quicklook"] == png


@pytest.mark.parametrize("args, message", [
    (["--quicklook", "{pan}"], "would overwrite an input (PAN"),
    (["--quicklook", "{out}.jpg"], "must be a PNG file"),
    (["--quicklook", "{tmp}/q.png", "--reduced"], "cannot go with --reduced"),
    (["--quicklook", "{tmp}/q.png", "--quicklook-zoom", "0"], "zoom"),
    (["--quicklook", "{tmp}/missing/q.png"], "folder of the quicklook does not exist"),
    (["--quicklook", "{tmp}/q.png", "--report", "{tmp}/q.png"], "are the same file"),
])
def test_bad_quicklook_paths_are_refused_before_any_work(tmp_path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    src_pan, ms = pair_paths("quickbird")
    pan = str(tmp_path / "pan.png")  # a GeoTIFF named .png: GDAL reads it by its content
    shutil.copy(src_pan, pan)
    before = _digest(pan)
    out = str(tmp_path / "out.tif")
    filled = [a.format(pan=pan, out=out, tmp=tmp_path) for a in args]
    assert main(["run", "--pan", pan, "--ms", ms, "--out", out, "--quiet", *filled]) == 2
    assert message in _one_error_line(capsys)
    assert os.listdir(tmp_path) == ["pan.png"] and _digest(pan) == before


def test_metrics_refuses_an_input_as_quicklook(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    pan, ms = pair_paths("quickbird")
    fused = str(tmp_path / "f.png")
    fuse(pan, ms, str(tmp_path / "f.tif"), method="brovey")
    os.replace(tmp_path / "f.tif", fused)
    assert main(["metrics", "--pan", pan, "--ms", ms, "--fused", fused, "--quicklook", fused,
                 "--json", str(tmp_path / "m.json"), "--quiet"]) == 2
    assert "would overwrite an input (fused raster" in _one_error_line(capsys)
    assert os.listdir(tmp_path) == ["f.png"]


@pytest.mark.parametrize("where", ["render", "write"])
def test_a_failed_quicklook_leaves_nothing(tmp_path, capsys, monkeypatch, where) -> None:  # type: ignore[no-untyped-def]
    def fail(*args: object, **kwargs: object) -> None:
        raise EngineError("cannot write the quicklook: no space left on the device")

    monkeypatch.setattr(ql, "png_bytes" if where == "render" else "write_bytes", fail)
    pan, ms = pair_paths("quickbird")
    assert main(["run", "--pan", pan, "--ms", ms, "--out", str(tmp_path / "f.tif"), "--quicklook",
                 str(tmp_path / "q.png"), "--report", str(tmp_path / "r.json"), "--quiet"]) == 2
    assert "no space left" in _one_error_line(capsys)
    assert os.listdir(tmp_path) == []  # no raster, no report, no PNG, no hidden partial file


def _pairs(tmp_path, names):  # type: ignore[no-untyped-def]
    folder = tmp_path / "pairs"
    folder.mkdir()
    for name in names:
        pan, ms = pair_paths(name)
        shutil.copy(pan, folder / f"{name}_pan.tif")
        shutil.copy(ms, folder / f"{name}_ms.tif")
    return folder


def test_evaluate_writes_one_contact_sheet_per_pair(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _pairs(tmp_path, ["landsat7", "quickbird"])
    sheets, records = tmp_path / "sheets", tmp_path / "r.json"
    assert main(["evaluate", "--pairs", str(folder), "--methods", "brovey,mtf_glp_hpm,gsa", "--max-size",
                 "128", "--quicklooks", str(sheets), "--json", str(records), "--quiet"]) == 0
    assert sorted(os.listdir(sheets)) == ["landsat7.png", "quickbird.png"]
    for name, side in (("landsat7", 192), ("quickbird", 256)):
        ds = gdal.Open(str(sheets / f"{name}.png"))
        # upsampled MS, mtf_glp_hpm of the table as the reference, brovey, gsa, the detail map
        assert ds.RasterXSize == 2 * MARGIN + 5 * side + 4 * GAP
    assert len(json.load(open(records))) == 6 and "wrote the contact sheets" in capsys.readouterr().err


def test_evaluate_quicklook_folder_checks(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = _pairs(tmp_path, ["landsat7"])
    pan = str(folder / "landsat7_pan.tif")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    assert main(["evaluate", "--pairs", str(folder), "--methods", "brovey", "--quicklooks",
                 str(not_a_folder), "--quiet"]) == 2
    assert "must be a folder" in _one_error_line(capsys)
    made = tmp_path / "new"
    assert main(["evaluate", "--pairs", str(folder), "--methods", "brovey", "--quicklooks", str(made),
                 "--json", pan, "--quiet"]) == 2  # refused: the folder it made is removed again
    assert "would overwrite an input" in _one_error_line(capsys) and not made.exists()
    assert main(["evaluate", "--pairs", str(folder), "--methods", "brovey", "--quicklooks", str(made),
                 "--quiet"]) == 0
    assert os.listdir(made) == ["landsat7.png"]
