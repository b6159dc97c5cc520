"""Awkward inputs that must give a correct result: non-finite floats (NaN, +-inf) in the PAN or the MS, with
no nodata value declared, for every method family and adaptation; a 1e-5 m MS origin offset.

Non-finite pixels are invalid pixels, exactly like nodata: filled for the filters and networks, marked
nodata in the output (NaN for float outputs, declared only when such pixels occur), everything else as if
they were not there. One NaN pixel used to turn the whole output into zeros or NaN."""
from __future__ import annotations

import os
from typing import Dict, Optional, Tuple

import numpy as np
import pytest
from osgeo import gdal

from tests.engine.bad_inputs.kit import Kit, float_copy
from tests.engine.rasters import georef, read

R = 4  # QuickBird crop ratio
PAN_BAD = {(0, 100, 100): np.nan}
PAN_INF = {(0, 100, 100): np.inf, (0, 30, 200): -np.inf}
MS_BAD = {(1, 20, 20): np.nan}
MS_INF = {(0, 40, 10): np.inf, (1, 40, 10): np.inf, (2, 40, 10): np.inf, (3, 40, 10): np.inf}
CORRUPTIONS: Dict[str, Tuple[str, Dict[tuple, float]]] = {
    "NaN in the PAN": ("pan", PAN_BAD), "+-inf in the PAN": ("pan", PAN_INF),
    "NaN in one MS band": ("ms", MS_BAD), "inf in every MS band": ("ms", MS_INF)}
RUNS = [("mtf_glp_hpm", []), ("brovey", []), ("gsa", []), ("hpf", []), ("fusionnet", []),
        ("fusionnet", ["--adapt", "tailor", "--adapt-steps", "3"]),
        ("pannet", ["--adapt", "full", "--adapt-steps", "2"])]


def _expected_invalid(where: str, bad: Dict[tuple, float], shape: Tuple[int, int]) -> np.ndarray:
    invalid = np.zeros(shape, bool)
    for _, y, x in bad:
        if where == "pan":
            invalid[y, x] = True
        else:
            invalid[y * R:(y + 1) * R, x * R:(x + 1) * R] = True
    return invalid


def _fuse(kit: Kit, pan: str, ms: str, name: str, method: str, extra: list) -> np.ndarray:
    out = kit.path(name, kit.out)
    kit.check(["run", "--pan", pan, "--ms", ms, "--out", out, "--method", method, "--quiet", *extra], 0)
    return read(out).astype(np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
@pytest.mark.parametrize("method, extra", RUNS, ids=[f"{m}{'+' + e[1] if e else ''}" for m, e in RUNS])
def test_non_finite_pixels_become_nodata_and_nothing_else_changes(tmp_path, capfd, dtype, corruption: str,
                                                                  method: str, extra: list) -> None:
    kit = Kit(str(tmp_path), capfd)
    where, bad = CORRUPTIONS[corruption]
    clean_pan, clean_ms = (float_copy(p, kit.path(f"clean_{n}.tif"), dtype) for p, n in
                           ((kit.pan, "pan"), (kit.ms, "ms")))
    source = kit.pan if where == "pan" else kit.ms
    corrupt = float_copy(source, kit.path(f"bad_{where}.tif"), dtype, bad)
    pan, ms = (corrupt, clean_ms) if where == "pan" else (clean_pan, corrupt)
    clean = _fuse(kit, clean_pan, clean_ms, "clean.tif", method, extra)
    fused = _fuse(kit, pan, ms, "fused.tif", method, extra)
    nodata = _nodata(kit.path("fused.tif", kit.out))
    assert nodata is not None and np.isnan(nodata)
    assert _nodata(kit.path("clean.tif", kit.out)) is None
    invalid = _expected_invalid(where, bad, fused.shape[1:])
    assert np.isnan(fused[:, invalid]).all()
    assert np.isfinite(fused[:, ~invalid]).all()
    # Away from the bad pixels (beyond any method's footprint) the result is the clean one; near them it
    # stays in the clean image's range (no explosion, no zeros). An adaptation trains on other pixel values
    # (the filled ones), so its net differs a little everywhere: compared on average there.
    lo, hi = clean.min(), clean.max()
    spread = hi - lo
    diff = np.abs(fused - clean)[:, ~_dilate(invalid, 40)]
    if extra:
        assert diff.mean() <= 5e-3 * spread and diff.max() <= 0.05 * spread
    else:
        assert diff.max() <= 2e-3 * spread
    valid = fused[:, ~invalid]
    assert (valid >= lo - 0.25 * spread).all() and (valid <= hi + 0.25 * spread).all()


def _nodata(path: str) -> Optional[float]:
    ds = gdal.Open(path)  # kept alive while its band is used (GDAL's Python bindings crash otherwise)
    return ds.GetRasterBand(1).GetNoDataValue()


def _dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    out = np.zeros_like(mask)
    for y, x in zip(ys, xs):
        out[max(0, y - radius):y + radius + 1, max(0, x - radius):x + radius + 1] = True
    return out


def test_an_integer_output_gets_a_nodata_value_only_when_needed(tmp_path, capfd) -> None:
    """A float PAN with a NaN next to an integer MS: the int16 output declares nodata (the type's minimum)
    and marks the pixel; without the NaN no nodata is declared."""
    kit = Kit(str(tmp_path), capfd)
    bad = float_copy(kit.pan, kit.path("bad_pan.tif"), np.float32, PAN_BAD)
    good = float_copy(kit.pan, kit.path("good_pan.tif"), np.float32)
    out_bad, out_good = kit.path("b.tif", kit.out), kit.path("g.tif", kit.out)
    kit.check(["run", "--pan", bad, "--ms", kit.ms, "--out", out_bad, "--quiet"], 0)
    kit.check(["run", "--pan", good, "--ms", kit.ms, "--out", out_good, "--quiet"], 0)
    nodata = _nodata(out_bad)
    assert nodata == np.iinfo(np.int16).min
    assert (read(out_bad)[:, 100, 100] == nodata).all()
    assert ((read(out_bad) == nodata).sum(axis=0) > 0).sum() == 1
    assert _nodata(out_good) is None


@pytest.mark.parametrize("offset", [1e-5, -1e-5])
def test_a_tiny_ms_origin_offset_is_no_offset(tmp_path, capfd, offset: float) -> None:
    """Real products carry 1e-5 m rounding in their origins: the result equals the aligned one (no dropped
    row or column, no warp, no note)."""
    kit = Kit(str(tmp_path), capfd)
    gt = list(georef(kit.ms)[0])
    gt[0] += offset
    gt[3] -= offset
    shifted = kit.ms_variant("shifted_ms.tif", gt=gt)
    ref, out = kit.path("ref.tif", kit.out), kit.path("o.tif", kit.out)
    kit.check(["run", "--pan", kit.pan, "--ms", kit.ms, "--out", ref, "--quiet"], 0)
    outcome = kit.check(["run", "--pan", kit.pan, "--ms", shifted, "--out", out, "--quiet"], 0)
    assert "offset" not in outcome.err and "warp" not in outcome.err
    assert np.array_equal(read(out), read(ref))
    assert georef(out) == georef(ref)


def test_the_catalogue_leaves_no_file_next_to_the_inputs(tmp_path, capfd) -> None:
    kit = Kit(str(tmp_path), capfd)
    kit.check(["run", "--pan", kit.pan, "--ms", kit.ms, "--out", kit.path("o.tif", kit.out), "--quiet"], 0)
    assert sorted(os.listdir(kit.inputs)) == ["qb_ms.tif", "qb_pan.tif"]


@pytest.mark.parametrize("method, min_corr", [("mtf_glp_hpm", 0.99), ("brovey", 0.8)])
@pytest.mark.parametrize("offset", [300, 262])  # 262: the MS mean, half the pixels negative
def test_multiplicative_methods_on_a_signed_ms(tmp_path, capfd, method: str, min_corr: float,
                                               offset: int) -> None:
    """int16 MS with negative values (the crop minus an offset): the modulation ratios used to explode to
    thousands of times the MS range (correlation with the MS 0.0-0.1). Shifted to positive for the
    modulation, the result follows the unsigned run's, band by band, and stays in range."""
    kit = Kit(str(tmp_path), capfd)
    ms = read(kit.ms).astype(np.int32)
    signed = kit.ms_variant("signed_ms.tif", (ms - offset).astype(np.int16))
    ref = _fuse(kit, kit.pan, kit.ms, "ref.tif", method, ["--dtype", "float32"])
    fused = _fuse(kit, kit.pan, signed, "signed.tif", method, ["--dtype", "float32"]) + offset
    for b in range(fused.shape[0]):
        assert np.corrcoef(fused[b].ravel(), ref[b].ravel())[0, 1] > min_corr
    spread = ref.max() - ref.min()
    assert fused.min() > ref.min() - spread and fused.max() < ref.max() + spread
