"""Conversion of fused floats to the output type: rounding, clipping, bit-depth cap, nodata."""
from __future__ import annotations

import numpy as np
import pytest

from engine.raster.dtypes import bit_depth, default_nodata, to_output


@pytest.mark.parametrize("dtype", ["uint8", "int16", "uint16", "int32", "uint32"])
def test_rounds_and_clips_to_the_type(dtype: str) -> None:
    info = np.iinfo(dtype)
    values = np.array([[[-1e10, info.min - 0.6, 0.5, 1.5, 2.49, 2.51, info.max + 0.6, 1e10]]], np.float32)
    out = to_output(values.copy(), np.dtype(dtype), None, None)
    assert out.dtype == np.dtype(dtype)
    # int32/uint32 maxima are not float32 numbers: the largest float32 below them is the cap (no wrap-around)
    hi = float(info.max) if float(np.float32(info.max)) <= info.max else float(
        np.nextafter(np.float32(info.max), np.float32(0)))
    want = np.clip(np.rint(values.astype(np.float64)), info.min, hi)
    np.testing.assert_array_equal(out.astype(np.float64), want)


def test_bit_depth_cap_and_nodata() -> None:
    values = np.array([[[0.2, 5.0, 3000.0], [0.0, 7.0, 9.0]]], np.float32)
    valid = np.array([[True, True, True], [False, True, True]])
    out = to_output(values, np.dtype(np.uint16), 0.0, valid, max_value=2047)
    np.testing.assert_array_equal(out, [[[1, 5, 2047], [0, 7, 9]]])  # 0.2 rounds to 0 = nodata: nudged


def test_float_output_keeps_values_and_marks_nodata() -> None:
    values = np.array([[[1.25, 2.5], [3.75, 4.0]]], np.float32)
    valid = np.array([[True, False], [True, True]])
    out = to_output(values.copy(), np.dtype(np.float32), float("nan"), valid)
    assert np.isnan(out[0, 0, 1]) and out[0, 0, 0] == 1.25 and out[0, 1, 0] == 3.75


def test_bit_depth_and_default_nodata() -> None:
    assert bit_depth(np.dtype(np.uint16), "11") == 11
    assert bit_depth(np.dtype(np.uint16), None) == 16
    assert bit_depth(np.dtype(np.float32), None) == 0
    assert default_nodata(np.dtype(np.uint8)) == 0 and default_nodata(np.dtype(np.int16)) == -32768
    assert np.isnan(default_nodata(np.dtype(np.float32)))
