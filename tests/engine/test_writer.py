"""Atomic GeoTIFF writer: tiled and compressed, metadata carried, temporary file only while writing,
nothing left behind on failure, an existing target untouched until the new file is complete."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from engine.errors import EngineError
from engine.raster.writer import TILE, AtomicGeoTiff, _RowTracker
from tests.engine.rasters import info, leftovers, read

GT = (500000.0, 0.6, 0.0, 4800000.0, 0.0, -0.6)


def _writer(path: str, width: int = 300, height: int = 260, count: int = 3,
            dtype: type = np.uint16, nodata: float = 0.0) -> AtomicGeoTiff:
    return AtomicGeoTiff(path, width, height, count, np.dtype(dtype), GT, "", nodata,
                         ["blue", "green", "red"][:count], {"PANSHARPEN_METHOD": "test"})


def _data(width: int = 300, height: int = 260, count: int = 3, dtype: type = np.uint16) -> np.ndarray:
    return (np.arange(count * height * width) % 5000).reshape(count, height, width).astype(dtype)


def test_writes_a_tiled_compressed_geotiff_with_metadata(tmp_path) -> None:
    out = str(tmp_path / "out.tif")
    data = _data()
    with _writer(out) as w:
        for y in range(0, 260, 100):
            for x in range(0, 300, 128):
                w.write(x, y, data[:, y:y + 100, x:x + 128])
    np.testing.assert_array_equal(read(out), data)
    meta = info(out)
    assert meta["block"] == (TILE, TILE)
    assert meta["structure"].get("COMPRESSION") == "DEFLATE"
    assert meta["gt"] == pytest.approx(GT)
    assert meta["descriptions"] == ["blue", "green", "red"]
    assert meta["nodata"] == 0.0 and meta["dtype"] == "UInt16"
    assert meta["metadata"]["PANSHARPEN_METHOD"] == "test"
    assert leftovers(str(tmp_path)) == []


def test_file_appears_only_when_complete(tmp_path) -> None:
    out = str(tmp_path / "out.tif")
    with _writer(out) as w:
        w.write(0, 0, _data()[:, :100])
        assert not os.path.exists(out)
        assert len(leftovers(str(tmp_path))) == 1  # hidden temporary sibling
        w.write(0, 100, _data()[:, 100:])
    assert os.path.exists(out) and leftovers(str(tmp_path)) == []


def test_failure_leaves_nothing_and_keeps_an_existing_target(tmp_path) -> None:
    out = tmp_path / "out.tif"
    out.write_bytes(b"previous result")
    with pytest.raises(RuntimeError, match="boom"):
        with _writer(str(out)) as w:
            w.write(0, 0, _data()[:, :100])
            raise RuntimeError("boom")
    assert out.read_bytes() == b"previous result"
    assert leftovers(str(tmp_path)) == []


def test_keyboard_interrupt_also_cleans_up(tmp_path) -> None:
    out = str(tmp_path / "out.tif")
    with pytest.raises(KeyboardInterrupt):
        with _writer(out) as w:
            w.write(0, 0, _data()[:, :100])
            raise KeyboardInterrupt
    assert not os.path.exists(out) and leftovers(str(tmp_path)) == []


def test_errors_in_the_writer_thread_reach_the_caller(tmp_path) -> None:
    out = str(tmp_path / "out.tif")
    with pytest.raises(EngineError, match="cannot write the output"):
        with _writer(out) as w:
            w.write(250, 250, _data()[:, :100, :100])  # window outside the raster
            w.write(0, 0, _data()[:, :10, :10])
            w.write(0, 10, _data()[:, :10, :10])
            w.write(0, 20, _data()[:, :10, :10])
    assert not os.path.exists(out) and leftovers(str(tmp_path)) == []


def test_replaces_an_existing_file_and_its_stale_sidecar(tmp_path) -> None:
    out = tmp_path / "out.tif"
    out.write_bytes(b"old")
    (tmp_path / "out.tif.aux.xml").write_text("<PAMDataset/>")
    with _writer(str(out)) as w:
        w.write(0, 0, _data())
    np.testing.assert_array_equal(read(str(out)), _data())
    assert not (tmp_path / "out.tif.aux.xml").exists()


def test_output_permissions_follow_the_umask(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        out = str(tmp_path / "out.tif")
        with _writer(out) as w:
            w.write(0, 0, _data())
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o644


def test_float32_and_nan_nodata(tmp_path) -> None:
    out = str(tmp_path / "out.tif")
    data = _data(dtype=np.float32) / 7
    data[:, 0, 0] = np.nan
    with _writer(out, dtype=np.float32, nodata=float("nan")) as w:
        w.write(0, 0, data)
    got = read(out)
    assert got.dtype == np.float32 and np.isnan(got[:, 0, 0]).all()
    np.testing.assert_array_equal(got[:, 1:], data[:, 1:])
    assert info(out)["structure"].get("PREDICTOR") in (None, "3")


def test_row_tracker_flushes_only_whole_tile_rows() -> None:
    rows = _RowTracker(width=300, height=600)
    assert not rows.add(0, 200, 256)  # row of blocks not complete yet
    assert rows.add(0, 100, 256)  # rows 0-255 complete: one row of tiles
    assert not rows.add(256, 300, 100)  # rows 256-355 complete, but the tile row is not
    assert rows.add(356, 300, 156)  # rows up to 512
    assert rows.add(512, 300, 88)  # the last, partial tile row ends the raster


@pytest.mark.parametrize("count", [3, 4])
def test_byte_bands_are_spectral_bands_not_rgb_alpha(tmp_path, count: int) -> None:
    """GTiff writes 3/4-band Byte images as RGB(+alpha) by default; fused MS bands must stay plain bands."""
    from osgeo import gdal
    out = str(tmp_path / "byte.tif")
    data = _data(count=count, dtype=np.uint8)
    with AtomicGeoTiff(out, 300, 260, count, np.dtype(np.uint8), GT, "", None, [""] * count, {}) as w:
        w.write(0, 0, data)
    ds = gdal.Open(out)
    assert ds.RasterCount == count
    interp = [ds.GetRasterBand(b + 1).GetColorInterpretation() for b in range(count)]
    assert gdal.GCI_AlphaBand not in interp and gdal.GCI_RedBand not in interp
    np.testing.assert_array_equal(ds.ReadAsArray(), data)
