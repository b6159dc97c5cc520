"""The main job end to end on the bundled crops and variants made in tmp_path: every pair, data types,
nodata borders, odd sizes, seams between blocks, declared bit depth, cancel and failure leave no file."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest
from osgeo import gdal

from engine.errors import Cancelled, EngineError
from engine.methods.component_substitution import Brovey
from engine.progress import CancelToken
from tests.conftest import PAIRS, pair_paths
from tests.engine.rasters import fuse, georef, info, leftovers, read, variant, warp_to, write

CLASSICAL = ("brovey", "gihs", "pca", "gs", "gsa", "hpf", "mtf_glp", "mtf_glp_hpm")


@pytest.mark.parametrize("pair", PAIRS)
def test_every_pair_keeps_ms_type_and_pan_grid(tmp_path, pair: str) -> None:
    pan, ms = pair_paths(pair)
    result = fuse(pan, ms, str(tmp_path / "out.tif"))
    out, ms_info, pan_gt = info(result.output), info(ms), georef(pan)[0]
    assert out["dtype"] == ms_info["dtype"] and out["count"] == ms_info["count"]
    assert out["size"] == (result.width, result.height)
    assert out["gt"][1] == pytest.approx(pan_gt[1]) and out["gt"][5] == pytest.approx(pan_gt[5])
    assert out["wkt"] == georef(pan)[1]
    assert out["descriptions"] == [d or f"band {i + 1}" for i, d in enumerate(ms_info["descriptions"])]
    data = read(result.output).astype(np.float64)
    assert np.isfinite(data).all() and data.std() > 0
    assert leftovers(str(tmp_path)) == []


def test_float32_on_request(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    ints = read(fuse(pan, ms, str(tmp_path / "i.tif"), method="mtf_glp").output)
    floats = read(fuse(pan, ms, str(tmp_path / "f.tif"), method="mtf_glp", output_dtype="float32").output)
    assert ints.dtype == np.int16 and floats.dtype == np.float32
    np.testing.assert_allclose(floats, ints, atol=0.5 + 1e-3)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int16", "float32"])
@pytest.mark.parametrize("method", ["brovey", "gs", "mtf_glp_hpm"])
def test_data_types(tmp_path, dtype: str, method: str) -> None:
    """u8/u16/i16/f32 inputs: the output keeps the type, and equals the float32 result rounded."""
    pan, ms = pair_paths("quickbird")
    scale = 0.125 if dtype == "uint8" else 1.0  # QuickBird's 11-bit values scaled into a byte
    p = variant(pan, str(tmp_path / "pan.tif"), (read(pan) * scale).astype(dtype))
    m = variant(ms, str(tmp_path / "ms.tif"), (read(ms) * scale).astype(dtype))
    out = read(fuse(p, m, str(tmp_path / "out.tif"), method=method).output)
    ref = read(fuse(p, m, str(tmp_path / "ref.tif"), method=method, output_dtype="float32").output)
    assert out.dtype == np.dtype(dtype)
    if dtype == "float32":
        np.testing.assert_array_equal(out, ref)
    else:
        info_ = np.iinfo(dtype)
        np.testing.assert_allclose(out, np.clip(ref, info_.min, info_.max), atol=0.5 + 1e-3)


def _nodata_ms(tmp_path, nodata: float = 0.0) -> tuple:
    """QuickBird pair whose MS has a nodata border: 5 columns left, 3 rows at the bottom."""
    pan, ms = pair_paths("quickbird")
    data = read(ms).copy()
    data[:, :, :5] = nodata
    data[:, -3:, :] = nodata
    return pan, variant(ms, str(tmp_path / "ms_nodata.tif"), data, nodata=nodata)


@pytest.mark.parametrize("method", CLASSICAL)
def test_ms_nodata_border_becomes_output_nodata(tmp_path, method: str) -> None:
    pan, ms = _nodata_ms(tmp_path)
    out = read(fuse(pan, ms, str(tmp_path / "out.tif"), method=method).output)
    assert info(str(tmp_path / "out.tif"))["nodata"] == 0.0
    invalid = np.zeros((256, 256), bool)
    invalid[:, :20] = True
    invalid[-12:, :] = True
    assert (out[:, invalid] == 0).all()
    assert (out[:, ~invalid] != 0).all()  # no valid pixel is written as nodata


def test_pan_nodata_becomes_output_nodata(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    data = read(pan).copy()
    data[0, 100:130, 50:90] = -1
    p = variant(pan, str(tmp_path / "pan.tif"), data, nodata=-1)
    for method in ("brovey", "mtf_glp", "gsa"):
        out = read(fuse(p, ms, str(tmp_path / f"{method}.tif"), method=method).output)
        assert (out[:, 100:130, 50:90] == -1).all()
        assert (out[:, :100] != -1).all() and (out[:, 130:] != -1).all()


def test_nodata_only_changes_brovey_near_the_border(tmp_path) -> None:
    """Invalid MS pixels get an image-wide fill value; Brovey pixels beyond the bicubic reach (2 MS
    pixels) of the border are exactly those of the run without nodata."""
    pan, ms = _nodata_ms(tmp_path)
    with_nodata = read(fuse(pan, ms, str(tmp_path / "a.tif"), method="brovey", output_dtype="float32").output)
    clean = read(fuse(pan, pair_paths("quickbird")[1], str(tmp_path / "b.tif"), method="brovey",
                      output_dtype="float32").output)
    far = (slice(None), slice(0, 256 - 12 - 8), slice(20 + 8, 256))
    np.testing.assert_allclose(with_nodata[far], clean[far], rtol=1e-6)


def test_float_output_nodata_is_nan_without_input_nodata_value(tmp_path) -> None:
    """A warped MS without nodata gets an alpha mask; float32 output marks uncovered pixels with NaN."""
    pan, ms = pair_paths("landsat8")
    out = fuse(pan, ms, str(tmp_path / "out.tif"), method="hpf", output_dtype="float32").output
    assert np.isnan(info(out)["nodata"])
    assert np.isfinite(read(out)[:, 2:-2, 2:-2]).all()


@pytest.mark.parametrize("method", CLASSICAL)
def test_blocks_leave_no_seams(tmp_path, method: str) -> None:
    """64-pixel blocks and a single block give the same float32 output."""
    pan, ms = pair_paths("quickbird")
    small = read(fuse(pan, ms, str(tmp_path / "s.tif"), method=method, block_size=64,
                      output_dtype="float32").output)
    whole = read(fuse(pan, ms, str(tmp_path / "w.tif"), method=method, block_size=4096,
                      output_dtype="float32").output)
    np.testing.assert_allclose(small, whole, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("method, upsampler, pair", [
    ("brovey", "bicubic", "nodata"),
    ("gs", "interp23tap", "quickbird"),
    ("mtf_glp", "interp23tap", "quickbird"),
    ("mtf_glp_hpm", "bicubic", "landsat8"),
    ("pca", "bicubic", "landsat7"),
])
def test_no_seams_with_nodata_wide_upsamplers_and_other_ratios(tmp_path, method: str, upsampler: str,
                                                               pair: str) -> None:
    pan, ms = _nodata_ms(tmp_path) if pair == "nodata" else pair_paths(pair)
    runs = [read(fuse(pan, ms, str(tmp_path / f"{b}.tif"), method=method, block_size=b, upsampler=upsampler,
                      output_dtype="float32").output) for b in (64, 4096)]
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5, atol=1e-3)


def test_odd_pan_size(tmp_path) -> None:
    """A 255 x 253 PAN over a 64 x 64 MS: the output is the overlap; Brovey is pixel-wise in the PAN, so
    it equals the full-size result on the overlap."""
    pan, ms = pair_paths("quickbird")
    odd = variant(pan, str(tmp_path / "pan.tif"), read(pan)[:, :253, :255])
    full = read(fuse(pan, ms, str(tmp_path / "full.tif"), method="brovey").output)
    for method in CLASSICAL:
        result = fuse(odd, ms, str(tmp_path / f"{method}.tif"), method=method)
        assert (result.width, result.height) == (255, 253)
        if method == "brovey":
            np.testing.assert_array_equal(read(result.output), full[:, :253, :255])


def test_odd_ms_size(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    odd = variant(ms, str(tmp_path / "ms.tif"), read(ms)[:, :61, :63])
    result = fuse(pan, odd, str(tmp_path / "out.tif"), method="gsa", block_size=100)
    assert (result.width, result.height) == (252, 244)


def test_declared_bit_depth_caps_the_output(tmp_path) -> None:
    """An 11-bit MS (NBITS=11) never gets values above 2047, as GDAL's pansharpening clamps them."""
    pan, ms = pair_paths("quickbird")
    gt, wkt = georef(ms)
    m = write(str(tmp_path / "ms11.tif"), read(ms).astype(np.uint16), gt, wkt, nbits=11)
    bright = variant(pan, str(tmp_path / "pan.tif"), (read(pan) * 1.6).astype(np.uint16))  # overshoots 2047
    out = read(fuse(bright, m, str(tmp_path / "out.tif"), method="brovey").output)
    ref = read(fuse(bright, m, str(tmp_path / "ref.tif"), method="brovey", output_dtype="float32").output)
    assert out.max() == 2047 and ref.max() > 2047
    np.testing.assert_allclose(out, np.clip(ref, 0, 2047), atol=0.5 + 1e-3)


def _digest(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.mark.parametrize("method", ["brovey", "gs"])
def test_cancel_mid_run_leaves_no_file_and_keeps_the_old_one(tmp_path, method: str) -> None:
    pan, ms = pair_paths("quickbird")
    out = tmp_path / "out.tif"
    out.write_bytes(b"result of an earlier run")
    token = CancelToken()
    seen = []

    def progress(fraction: float, message: str) -> None:
        seen.append(message)
        if "fusing" in message and "block 3/" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        fuse(pan, ms, str(out), method=method, block_size=64, cancel_token=token, progress=progress)
    assert any("block 3/" in m for m in seen) and not any("block 16/16" in m for m in seen)
    assert out.read_bytes() == b"result of an earlier run"
    assert leftovers(str(tmp_path)) == []


def test_cancel_during_statistics(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    token = CancelToken()

    def progress(fraction: float, message: str) -> None:
        if "statistics" in message:
            token.cancel()

    with pytest.raises(Cancelled):
        fuse(pan, ms, str(tmp_path / "out.tif"), method="pca", cancel_token=token, progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_failure_inside_a_method_leaves_no_file(tmp_path, monkeypatch) -> None:
    pan, ms = pair_paths("quickbird")
    calls = []
    original = Brovey.fuse

    def failing(self, pan_t, ms_t, ctx):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("method failed")
        return original(self, pan_t, ms_t, ctx)

    monkeypatch.setattr(Brovey, "fuse", failing)
    with pytest.raises(RuntimeError, match="method failed"):
        fuse(pan, ms, str(tmp_path / "out.tif"), method="brovey", block_size=64)
    assert list(tmp_path.iterdir()) == []


def test_an_input_is_never_overwritten(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    m = variant(ms, str(tmp_path / "ms.tif"))
    before = _digest(m)
    with pytest.raises(EngineError, match="overwrite an input"):
        fuse(pan, m, m)
    assert _digest(m) == before


def test_gdal_cache_and_torch_threads_are_restored(tmp_path) -> None:
    """During a run GDAL's block cache is bounded and block-parallel methods use torch's intra-op
    threads 1; both settings come back afterwards, also when runs overlap."""
    import torch
    from osgeo import gdal

    from engine.pipeline import GDAL_CACHE_BYTES
    from engine.raster.cache import bounded_gdal_cache

    pan, ms = pair_paths("quickbird")
    before_cache, before_threads = gdal.GetCacheMax(), torch.get_num_threads()
    gdal.SetCacheMax(max(before_cache, 4 * GDAL_CACHE_BYTES))
    try:
        seen = []
        with bounded_gdal_cache(GDAL_CACHE_BYTES):  # an overlapping run
            fuse(pan, ms, str(tmp_path / "a.tif"), method="brovey", block_size=64,
                 progress=lambda f, m: seen.append((gdal.GetCacheMax(), torch.get_num_threads())))
            assert gdal.GetCacheMax() <= GDAL_CACHE_BYTES
        assert max(c for c, _ in seen) <= GDAL_CACHE_BYTES
        assert gdal.GetCacheMax() == max(before_cache, 4 * GDAL_CACHE_BYTES)
        assert torch.get_num_threads() == before_threads
    finally:
        gdal.SetCacheMax(before_cache)


def test_reads_stay_bounded_by_the_block_and_strip_sizes(tmp_path, monkeypatch) -> None:
    """Memory is bounded whatever the raster size: no read covers more than one block with its halo
    (fusion) or one strip of STRIP_PIXELS (statistics), here on a 1024 x 1024 PAN with 128-pixel blocks."""
    import engine.fusion
    import engine.raster.stats

    pan, ms = pair_paths("quickbird")
    big_pan = variant(pan, str(tmp_path / "pan.tif"), np.tile(read(pan), (1, 4, 4)))
    big_ms = variant(ms, str(tmp_path / "ms.tif"), np.tile(read(ms), (1, 4, 4)))
    areas: dict = {"fusion": [], "stats": []}
    for module, key in ((engine.fusion, "fusion"), (engine.raster.stats, "stats")):
        original = module.read_block

        def spy(pair, block, *args, _original=original, _key=key, **kwargs):  # type: ignore[no-untyped-def]
            areas[_key].append(block.ext_w * block.ext_h)
            return _original(pair, block, *args, **kwargs)

        monkeypatch.setattr(module, "read_block", spy)
    monkeypatch.setattr(engine.raster.stats, "STRIP_PIXELS", 200_000)
    result = fuse(big_pan, big_ms, str(tmp_path / "out.tif"), method="mtf_glp", block_size=128)
    assert (result.width, result.height) == (1024, 1024)
    halo = 20 + 6 * 4  # MTF-GLP: filter radius + 6 MS pixels
    assert len(areas["fusion"]) == 64 and max(areas["fusion"]) == (128 + 2 * halo) ** 2
    assert len(areas["stats"]) > 1 and max(areas["stats"]) <= 200_000 + 1024 * 4


def _with_alpha(src: str, dst: str, alpha: np.ndarray) -> str:
    """UInt16 copy of src with an extra alpha band (255 valid, 0 invalid); GDAL honours alpha bands of
    Byte and UInt16 rasters only."""
    gt, wkt = georef(src)
    data = read(src).astype(np.uint16)
    write(dst, np.concatenate([data, alpha[None].astype(np.uint16)]), gt, wkt)
    ds = gdal.Open(dst, gdal.GA_Update)
    ds.GetRasterBand(data.shape[0] + 1).SetColorInterpretation(gdal.GCI_AlphaBand)
    ds = None
    return dst


def test_alpha_bands_are_masks_not_data(tmp_path) -> None:
    """An MS (or PAN) with an alpha band: the alpha band is not fused, its zeros become output nodata."""
    pan, ms = pair_paths("quickbird")
    ms_alpha = np.full((64, 64), 255)
    ms_alpha[:, :4] = 0
    pan_alpha = np.full((256, 256), 255)
    pan_alpha[200:, 200:] = 0
    m = _with_alpha(ms, str(tmp_path / "ms_a.tif"), ms_alpha)
    p = _with_alpha(pan, str(tmp_path / "pan_a.tif"), pan_alpha)
    result = fuse(p, m, str(tmp_path / "out.tif"), method="gs")
    out = read(result.output)
    assert out.shape == (4, 256, 256) and result.bands == 4
    nodata = info(result.output)["nodata"]
    invalid = np.zeros((256, 256), bool)
    invalid[:, :16] = True
    invalid[200:, 200:] = True
    assert (out[:, invalid] == nodata).all() and (out[:, ~invalid] != nodata).all()
    plain_ms = variant(ms, str(tmp_path / "ms_u16.tif"), read(ms).astype(np.uint16))
    plain = read(fuse(pan, plain_ms, str(tmp_path / "plain.tif"), method="brovey").output)
    with_alpha = read(fuse(pan, m, str(tmp_path / "alpha.tif"), method="brovey").output)
    np.testing.assert_array_equal(with_alpha[:, :, 24:], plain[:, :, 24:])  # beyond the fill's reach


def test_warped_ms_with_alpha(tmp_path) -> None:
    pan, ms = pair_paths("quickbird")
    alpha = np.full((64, 64), 255)
    alpha[:8] = 0
    m = warp_to(_with_alpha(ms, str(tmp_path / "ms_a.tif"), alpha), str(tmp_path / "ms_4326.tif"), 4326,
                "bilinear")
    out = read(fuse(pan, m, str(tmp_path / "out.tif"), method="hpf").output)
    assert out.shape[0] == 4
    nodata = info(str(tmp_path / "out.tif"))["nodata"]
    assert (out[:, :28] == nodata).all() and (out[:, 40:-8, 8:-8] != nodata).all()


def test_block_workers_are_capped_by_memory(monkeypatch) -> None:
    import torch

    from engine.fusion import block_workers
    from engine.methods.registry import get_method

    monkeypatch.setattr(torch, "get_num_threads", lambda: 64)
    cpu = torch.device("cpu")
    assert block_workers(get_method("brovey"), cpu, 1040 * 1040) == 7  # 512 MB / (1040^2 * 64 B)
    assert block_workers(get_method("brovey"), cpu, 4200 * 4200) == 1
    assert block_workers(get_method("brovey"), cpu, 100 * 100) == 64
    assert block_workers(get_method("fusionnet"), cpu, 100 * 100) == 1  # not block-parallel


@pytest.mark.parametrize("pair, sensor, rgb", [("landsat8", "auto", (4, 3, 2)),
                                             ("landsat7", "landsat7", (1, 2, 3))])
def test_unnamed_bands_take_the_sensor_presets_names(tmp_path, pair: str, sensor: str, rgb: tuple) -> None:
    """An MS without band descriptions: the output's bands carry the preset's names, so viewers (and
    engine.evaluation.rgb) pick the true-colour bands (Landsat-8: red is band 4, not 3)."""
    from engine.evaluation.rgb import rgb_bands
    from engine.physics.sensors import PRESETS

    pan, ms = pair_paths(pair)
    unnamed = str(tmp_path / "unnamed_ms.tif")
    gdal.Translate(unnamed, ms)
    ds = gdal.Open(unnamed, gdal.GA_Update)
    for b in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(b).SetDescription("")
    ds = None
    result = fuse(pan, unnamed, str(tmp_path / "out.tif"), sensor=sensor)
    assert result.sensor == pair
    names = info(result.output)["descriptions"]
    assert names == list(PRESETS[pair].band_names)
    assert rgb_bands(names) == rgb
