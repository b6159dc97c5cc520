"""PAN/MS alignment: same grid, Landsat half-pixel offset, two CRSs, partial overlap, no georeference,
and every bad input with its one-line error."""
from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import EngineError
from engine.raster.align import AlignedPair, align
from engine.raster.blocks import Block, read_ms
from engine.raster.inputs import open_raster
from tests.conftest import pair_paths
from tests.engine.rasters import fuse, georef, info, read, variant, warp_to, write


def _align(pan: str, ms: str) -> AlignedPair:
    return align(open_raster(pan, "PAN"), open_raster(ms, "MS"))


def _coarse_ms(pair: AlignedPair) -> np.ndarray:
    """The whole aligned MS on the coarse grid, (C, ch, cw)."""
    cw, ch = pair.coarse_size
    r = pair.ratio
    return read_ms(pair, Block(0, 0, pair.width, pair.height, 0, cw * r, ch * r), with_masks=False)[0]


def test_same_grid_pair_is_read_in_place() -> None:
    pan, ms = pair_paths("quickbird")
    pair = _align(pan, ms)
    assert (pair.ratio, pair.width, pair.height, pair.warped) == (4, 256, 256, False)
    assert (pair.pan_x0, pair.pan_y0, pair.ms_x0, pair.ms_y0) == (0, 0, 0, 0)
    assert pair.geotransform == pytest.approx(georef(pan)[0])
    np.testing.assert_array_equal(_coarse_ms(pair), read(ms).astype(np.float32))


def test_integer_offset_and_partial_overlap(tmp_path) -> None:
    """An MS starting 10 MS pixels in: output is the overlap, origin moved, no warping."""
    pan, ms = pair_paths("quickbird")
    gt, _ = georef(ms)
    data = read(ms)[:, 5:, 10:]
    shifted = variant(ms, str(tmp_path / "ms.tif"), data, gt=_shifted(gt, 10, 5))
    pair = _align(pan, shifted)
    assert not pair.warped
    assert (pair.pan_x0, pair.pan_y0, pair.width, pair.height) == (40, 20, 216, 236)
    pgt = georef(pan)[0]
    assert pair.geotransform == pytest.approx(_shifted(pgt, 40, 20))
    np.testing.assert_array_equal(_coarse_ms(pair), data.astype(np.float32))


def test_ms_larger_than_pan_starts_inside_the_ms(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    pan_small = variant(pan, str(tmp_path / "pan.tif"), read(pan)[:, 40:200, 8:200],
                        gt=_shifted(georef(pan)[0], 8, 40))
    pair = _align(pan_small, ms)
    assert (pair.ms_x0, pair.ms_y0, pair.width, pair.height, pair.warped) == (2, 10, 192, 160, False)


def _shifted(gt: tuple, dx: float, dy: float) -> tuple:
    """Geotransform moved by (dx, dy) pixels."""
    return (gt[0] + dx * gt[1], gt[1], 0.0, gt[3] + dy * gt[5], 0.0, gt[5])


def test_landsat_half_pixel_offset_is_warped_onto_the_pan_grid(tmp_path) -> None:
    """Landsat PAN grids are offset by half a PAN pixel (a quarter MS pixel): the MS is warped onto the PAN
    grid coarsened by 2. A linear ramp in map coordinates must come out exactly at the coarse-cell centres."""
    pan, ms = pair_paths("landsat8")
    mgt, _ = georef(ms)
    c, h, w = read(ms).shape
    x = mgt[0] + (np.arange(w) + 0.5) * mgt[1] - mgt[0]
    y = mgt[3] + (np.arange(h) + 0.5) * mgt[5] - mgt[3]
    ramp = np.stack([100 + 3 * k + 0.7 * x[None, :] - 0.4 * y[:, None] for k in range(c)]).astype(np.float32)
    pair = _align(pan, variant(ms, str(tmp_path / "ramp.tif"), ramp))
    pgt = georef(pan)[0]
    assert pair.warped and pair.ratio == 2
    ox, oy = pair.geotransform[0], pair.geotransform[3]
    assert (ox - pgt[0]) / pgt[1] == pytest.approx(round((ox - pgt[0]) / pgt[1]))  # on the PAN grid
    assert (oy - pgt[3]) / pgt[5] == pytest.approx(round((oy - pgt[3]) / pgt[5]))
    got = _coarse_ms(pair)
    cw, ch = pair.coarse_size
    cx = ox + (np.arange(cw) + 0.5) * 2 * pgt[1] - mgt[0]
    cy = oy + (np.arange(ch) + 0.5) * 2 * pgt[5] - mgt[3]
    want = np.stack([100 + 3 * k + 0.7 * cx[None, :] - 0.4 * cy[:, None] for k in range(c)])
    inner = (slice(None), slice(2, -2), slice(2, -2))  # cubic needs 2 source pixels of context
    np.testing.assert_allclose(got[inner], want[inner], atol=0.05)
    assert abs((cx[0] - (mgt[1] / 2)) % mgt[1]) == pytest.approx(7.5)  # a quarter MS pixel off its grid


def test_landsat_pair_runs_on_the_pan_grid(tmp_path) -> None:
    pan, ms = pair_paths("landsat8")
    result = fuse(pan, ms, str(tmp_path / "out.tif"), method="brovey")
    meta = info(result.output)
    pgt = georef(pan)[0]
    assert meta["size"] == (159, 143) and meta["count"] == 7
    assert meta["gt"] == pytest.approx(_shifted(pgt, 1, 1))
    assert any("warped" in n for n in result.notes)


@pytest.mark.parametrize("epsg", [4326, 32630])
def test_ms_in_another_crs_is_warped_back(tmp_path, epsg: int) -> None:
    """MS reprojected to WGS84 or the neighbouring UTM zone: aligned back onto the PAN grid, ratio kept,
    values match the original MS (two bilinear/cubic resamplings apart) far better than a one-pixel shift."""
    pan, ms = pair_paths("quickbird")
    other = warp_to(ms, str(tmp_path / f"ms_{epsg}.tif"), epsg, "bilinear")
    pair = _align(pan, other)
    assert pair.warped and pair.ratio == 4
    assert pair.crs_wkt == georef(pan)[1]
    got = _coarse_ms(pair)
    ref = read(ms).astype(np.float32)
    cw, ch = pair.coarse_size
    sx, sy = pair.pan_x0 // 4, pair.pan_y0 // 4
    ref = ref[:, sy:sy + ch, sx:sx + cw]
    inner = (slice(None), slice(3, -3), slice(3, -3))
    err = np.abs(got[inner] - ref[inner]).mean()
    shift_err = np.abs(ref[:, 4:-2, 3:-3] - ref[:, 3:-3, 3:-3]).mean()
    assert err < 0.5 * shift_err
    assert np.corrcoef(got[inner].ravel(), ref[inner].ravel())[0, 1] > 0.95


def test_reprojected_run_writes_the_pan_crs(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    other = warp_to(ms, str(tmp_path / "ms_4326.tif"), 4326, "bilinear")
    result = fuse(pan, other, str(tmp_path / "out.tif"), method="mtf_glp")
    meta = info(result.output)
    assert meta["wkt"] == georef(pan)[1]
    assert result.ratio == 4 and any("different CRS" in n for n in result.notes)
    assert meta["nodata"] is not None  # pixels outside the warped MS footprint are nodata


def test_no_georeference_uses_raster_sizes(tmp_path) -> None:
    pan, ms = pair_paths("landsat7")
    p = write(str(tmp_path / "pan.tif"), read(pan))
    m = write(str(tmp_path / "ms.tif"), read(ms))
    pair = _align(p, m)
    assert (pair.ratio, pair.width, pair.height, pair.geotransform) == (2, 192, 192, None)
    assert any("raster sizes" in n for n in pair.notes)
    result = fuse(p, m, str(tmp_path / "out.tif"), method="gs")
    assert info(result.output)["size"] == (192, 192)


def test_georeference_on_one_input_only_falls_back_to_sizes(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    m = write(str(tmp_path / "ms.tif"), read(ms))
    assert _align(pan, m).ratio == 4


def _bad(tmp_path, name: str, data: np.ndarray, gt: tuple) -> str:
    _, wkt = georef(pair_paths("quickbird")[1])
    return write(str(tmp_path / name), data, gt, wkt)


@pytest.mark.parametrize("case, message", [
    ("no_overlap", "do not overlap"),
    ("ratio_2_5", "not close to an integer"),
    ("ratio_1", "same resolution"),
    ("ratio_16", "above the supported maximum"),
    ("xy_ratios_differ", "differ between x and y"),
    ("opposite_axes", "opposite axis directions"),
])
def test_bad_geometry_is_one_line_error(tmp_path, case: str, message: str) -> None:
    pan, ms = pair_paths("quickbird")
    gt = georef(ms)[0]
    data = read(ms)
    gts = {
        "no_overlap": _shifted(gt, 1000, 0),
        "ratio_2_5": (gt[0], gt[1] * 2.5 / 4, 0, gt[3], 0, gt[5] * 2.5 / 4),
        "ratio_1": (gt[0], gt[1] / 4, 0, gt[3], 0, gt[5] / 4),
        "ratio_16": (gt[0], gt[1] * 4, 0, gt[3], 0, gt[5] * 4),
        "xy_ratios_differ": (gt[0], gt[1], 0, gt[3], 0, gt[5] * 2),
        "opposite_axes": (gt[0], gt[1], 0, gt[3] - 64 * gt[5], 0, -gt[5]),
    }
    with pytest.raises(EngineError, match=message) as err:
        _align(pan, _bad(tmp_path, "ms.tif", data, gts[case]))
    assert "\n" not in str(err.value)


def test_sizes_not_in_integer_ratio_without_georeference(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    p = write(str(tmp_path / "pan.tif"), read(pan))
    m = write(str(tmp_path / "ms.tif"), read(ms)[:, :, :50])  # 256 / 50 = 5.12 in x, 4 in y
    with pytest.raises(EngineError, match="not close to an integer|differ between x"):
        _align(p, m)


def test_multiband_pan_and_single_band_ms_are_refused(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    with pytest.raises(EngineError, match="PAN must be single-band"):
        _align(ms, ms)
    one = variant(ms, str(tmp_path / "one.tif"), read(ms)[:1])
    with pytest.raises(EngineError, match="at least 2 bands"):
        _align(pan, one)


def test_rotated_geotransform_is_refused(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    gt = georef(ms)[0]
    rotated = _bad(tmp_path, "rot.tif", read(ms), (gt[0], gt[1], 0.1, gt[3], 0.1, gt[5]))
    with pytest.raises(EngineError, match="rotated"):
        open_raster(rotated, "MS")


def test_reprojected_without_overlap(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    gt = georef(ms)[0]
    far = _bad(tmp_path, "far.tif", read(ms), _shifted(gt, 5000, 0))
    with pytest.raises(EngineError, match="do not overlap"):
        _align(pan, warp_to(far, str(tmp_path / "far_4326.tif"), 4326))


def test_fractional_offset_without_crs_is_rounded_not_warped(tmp_path) -> None:
    """Pleiades crops are in sensor geometry (no CRS): a fractional MS offset is rounded, with a note."""
    pan, ms = pair_paths("pleiades")
    gt = georef(ms)[0]
    off = variant(ms, str(tmp_path / "ms.tif"), gt=(gt[0] + 0.5, gt[1], 0, gt[3] + 0.5, 0, gt[5]))
    pair = _align(pan, off)
    assert not pair.warped and any("rounded" in n for n in pair.notes)
    assert math.isclose(pair.ratio, 4)
