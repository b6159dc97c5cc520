"""Quicklooks (engine/evaluation/quicklook.py): the window with the most PAN detail, one stretch for every
panel, the RGB
bands, nodata, and a plain PNG of the expected size."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.errors import EngineError
from engine.evaluation.quicklook import REFERENCE_METHOD, Panel, render_quicklook
from engine.evaluation.quicklook_font import FONT, fit_text, text_mask, text_width
from engine.evaluation.quicklook_sheet import GAP, MARGIN, TITLE_H
from engine.evaluation.quicklook_window import cell_size, detail_energy, detail_map
from engine.evaluation.rgb import rgb_bands
from engine.physics.resample import upsample
from tests.conftest import pair_paths
from tests.engine.rasters import fuse, read, variant, write

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _smooth(size: int = 128) -> np.ndarray:
    """A PAN with no detail: a gentle ramp (its high-pass is 0 away from the border)."""
    yy, xx = np.mgrid[0:size, 0:size]
    return (1000.0 + 0.5 * xx + 0.25 * yy).astype(np.float32)


def _texture(pan: np.ndarray, x: int, y: int, side: int, amplitude: float, seed: int = 0) -> None:
    pan[y:y + side, x:x + side] += np.random.default_rng(seed).normal(0, amplitude, (side, side))


def test_the_window_with_most_detail_is_chosen() -> None:
    pan = _smooth()
    _texture(pan, 64, 32, 32, 40.0)
    _texture(pan, 8, 88, 32, 10.0, seed=1)  # less detail elsewhere
    found = detail_map(pan, np.ones(pan.shape, bool), 4, (32, 32))
    assert found.window == (64, 32, 32, 32) and found.cell == cell_size(4) == 8
    assert found.cells.shape == (16, 16) and found.cells[4:8, 8:12].min() > 100 * found.cells[:2, :2].max()


def test_nodata_is_excluded_and_its_edge_is_not_detail() -> None:
    pan = _smooth()
    valid = np.ones(pan.shape, bool)
    _texture(pan, 0, 0, 40, 80.0)  # the most detail, but nodata but for a 4 px rim
    valid[:36, :36] = False
    pan[~valid] = 0.0  # a nodata value far from the data: a strong edge if it counted
    _texture(pan, 80, 80, 32, 5.0)
    found = detail_map(pan, valid, 4, (32, 32))
    assert found.window == (80, 80, 32, 32)
    x, y, w, h = found.window
    assert valid[y:y + h, x:x + w].all()
    energy = detail_energy(pan, valid, 4)
    assert energy[:40, :40].max() == 0  # nodata, or within the high-pass box of it
    assert energy[40:44, 48:56].max() < 1  # next to the nodata edge, no texture: the ramp only


def test_all_windows_with_nodata_take_the_fewest_nodata_pixels() -> None:
    pan = _smooth(64)
    valid = np.ones(pan.shape, bool)
    valid[:, ::16] = False  # every 32 px window holds nodata
    valid[:, 48] = True  # ... except that the columns 33-64 hold one nodata column fewer
    found = detail_map(pan, valid, 4, (32, 32))
    x, y, w, h = found.window
    assert (~valid[y:y + h, x:x + w]).sum() == 32


def _pixels(png_path: str, box: tuple) -> np.ndarray:
    data = gdal.Open(png_path).ReadAsArray()
    x, y, w, h = box
    return data[:, y:y + h, x:x + w].astype(np.int64)


def _stretched(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    scaled = (values.astype(np.float64) - low[:, None, None]) * (255.0 / (high - low))[:, None, None]
    return np.clip(np.rint(scaled), 0, 255).astype(np.int64)


def test_one_stretch_from_the_upsampled_ms_for_every_panel(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    a = fuse(pan, ms, str(tmp_path / "gsa.tif"), method="gsa").output
    b = variant(a, str(tmp_path / "double.tif"), data=read(a).astype(np.float32) * 2)  # much brighter
    out = str(tmp_path / "q.png")
    q = render_quicklook(pan, ms, [Panel("gsa", a), Panel("gsa x 2", b)], out, size=64)
    assert q.titles == ["upsampled MS", REFERENCE_METHOD, "gsa", "gsa x 2", "PAN detail"]
    assert q.rgb == (3, 2, 1)
    x, y, w, h = q.window
    bands = [2, 1, 0]
    up = upsample(torch.from_numpy(read(ms).astype(np.float32))[None], 4, "bicubic")[0].numpy()
    ms_window = up[bands, y:y + h, x:x + w]
    np.testing.assert_allclose(q.low, np.percentile(ms_window, 2, axis=(1, 2)), rtol=1e-4)
    np.testing.assert_allclose(q.high, np.percentile(ms_window, 98, axis=(1, 2)), rtol=1e-4)
    for box, values in ((q.boxes[0], ms_window), (q.boxes[2], read(a)[bands, y:y + h, x:x + w]),
                        (q.boxes[3], read(b)[bands, y:y + h, x:x + w])):
        assert np.abs(_pixels(out, box) - _stretched(values, q.low, q.high)).max() <= 1
    assert _pixels(out, q.boxes[3]).mean() > _pixels(out, q.boxes[2]).mean() + 60  # not re-stretched


def test_rgb_follows_band_descriptions_not_file_order(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    data = read(ms)  # blue, green, red, nir
    shuffled = write(str(tmp_path / "ms.tif"), data[[3, 2, 1, 0]], gdal.Open(ms).GetGeoTransform(),
                     gdal.Open(ms).GetProjection(), descriptions=["nir", "red", "green", "blue"])
    fused = fuse(pan, ms, str(tmp_path / "f.tif"), method="brovey").output
    fused_shuffled = variant(fused, str(tmp_path / "fs.tif"), data=read(fused)[[3, 2, 1, 0]])
    first = render_quicklook(pan, ms, [Panel("f", fused)], str(tmp_path / "a.png"), size=64,
                             with_reference=False)
    second = render_quicklook(pan, shuffled, [Panel("f", fused_shuffled)], str(tmp_path / "b.png"), size=64,
                              with_reference=False)
    assert first.rgb == (3, 2, 1) and second.rgb == (2, 3, 4) and first.window == second.window
    for box_a, box_b in zip(first.boxes, second.boxes):
        np.testing.assert_array_equal(_pixels(str(tmp_path / "a.png"), box_a),
                                      _pixels(str(tmp_path / "b.png"), box_b))


def test_rgb_band_choice() -> None:
    assert rgb_bands(["blue", "green", "red", "nir"]) == (3, 2, 1)
    assert rgb_bands(["", "", "", "", "", ""], ("red", "green", "blue", "nir", "swir1", "swir2")) == (1, 2, 3)
    assert rgb_bands(["", "", "", ""], ("blue", "green", "red", "nir")) == (3, 2, 1)
    assert rgb_bands(["Red", "green", "BLUE"], ("blue", "green", "red")) == (1, 2, 3)  # descriptions win
    assert rgb_bands(["", "", "", ""], ("a", "b")) == (3, 2, 1) and rgb_bands(["a", "b"]) is None


def test_nodata_window_excluded_in_a_real_run_and_shown_grey(tmp_path) -> None:
    pan, ms = pair_paths("pleiades")
    data = read(pan).copy()
    data[0, :128, :] = 0  # top half nodata
    pan_nd = variant(pan, str(tmp_path / "pan.tif"), data=data, nodata=0)
    fused = fuse(pan_nd, ms, str(tmp_path / "f.tif"), method="brovey").output
    q = render_quicklook(pan_nd, ms, [Panel("brovey", fused)], str(tmp_path / "q.png"), size=96)
    x, y, w, h = q.window
    assert y >= 128 and (w, h) == (96, 96)
    grey = render_quicklook(pan_nd, ms, [Panel("brovey", fused)], None, size=256, with_reference=False)
    assert grey.window == (0, 0, 256, 256)
    png = str(tmp_path / "grey.png")
    open(png, "wb").write(grey.png)
    top = _pixels(png, grey.boxes[1])[:, :128]
    assert (top == 90).all()  # nodata pixels: the same grey in every panel


def test_png_is_plain_with_the_expected_size_and_nothing_else_is_written(tmp_path) -> None:
    pan, ms = pair_paths("landsat7")  # 192 x 192 PAN px: the window is clipped to the image
    fused = fuse(pan, ms, str(tmp_path / "f.tif"), method="brovey").output
    folder = tmp_path / "out"
    folder.mkdir()
    out = str(folder / "q.png")
    q = render_quicklook(pan, ms, [Panel("brovey", fused)], out, zoom=2)
    assert q.window == (0, 0, 192, 192) and q.rgb == (1, 2, 3)  # red, green, blue described first
    ds = gdal.Open(out)
    assert ds.GetDriver().ShortName == "PNG" and ds.RasterCount == 3
    assert ds.GetGeoTransform() == (0.0, 1.0, 0.0, 0.0, 0.0, 1.0) and ds.GetProjection() == ""
    assert not ds.GetMetadata()
    assert ds.RasterXSize == 2 * MARGIN + 4 * 384 + 3 * GAP
    assert all(box[2:] == (384, 384) for box in q.boxes[:3]) and q.boxes[3][2] <= 384
    assert ds.RasterYSize == q.boxes[0][1] + 384 + MARGIN and q.boxes[0][1] >= TITLE_H
    assert os.listdir(folder) == ["q.png"]
    assert open(out, "rb").read() == q.png


def test_bad_arguments_and_grids_are_refused(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    fused = fuse(pan, ms, str(tmp_path / "f.tif"), method="brovey").output
    with pytest.raises(EngineError, match="zoom"):
        render_quicklook(pan, ms, [Panel("f", fused)], zoom=20)
    with pytest.raises(EngineError, match="window"):
        render_quicklook(pan, ms, [Panel("f", fused)], size=4)
    other = fuse(*pair_paths("pleiades"), str(tmp_path / "p.tif"), method="brovey").output
    with pytest.raises(EngineError):
        render_quicklook(pan, ms, [Panel("p", other)])  # not on this PAN grid


def test_font() -> None:
    assert len(FONT) == 95 and FONT["A"].shape == (9, 5)
    assert FONT["A"][4].all() and not FONT["A"][7:].any() and FONT["g"][7:].any()  # a descender
    assert text_mask("Hi", 2).shape == (18, 2 * text_width("Hi"))
    assert fit_text("mtf_glp_hpm", 256) == ("mtf_glp_hpm", 2)
    text, scale = fit_text("a very long title that does not fit at all", 60)
    assert scale == 1 and text.endswith("..") and text_width(text) <= 60


def test_the_drawing_modules_do_not_import_torch() -> None:
    code = ("import sys, engine, engine.evaluation.rgb, engine.evaluation.quicklook_font, "
            "engine.evaluation.quicklook_sheet; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
