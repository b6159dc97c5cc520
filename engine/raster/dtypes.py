"""Data types, value ranges, bit depth and conversion of fused floats to the output type."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch
from osgeo import gdal

_GDAL_TO_NUMPY = {
    gdal.GDT_Byte: np.uint8,
    gdal.GDT_UInt16: np.uint16,
    gdal.GDT_Int16: np.int16,
    gdal.GDT_UInt32: np.uint32,
    gdal.GDT_Int32: np.int32,
    gdal.GDT_Float32: np.float32,
    gdal.GDT_Float64: np.float64,
}
_NUMPY_TO_GDAL = {np.dtype(v): k for k, v in _GDAL_TO_NUMPY.items()}


def numpy_dtype(gdal_type: int) -> np.dtype:
    """numpy dtype for a GDAL data type; raises ValueError for complex or unknown types."""
    if gdal_type not in _GDAL_TO_NUMPY:
        raise ValueError(f"unsupported raster data type {gdal.GetDataTypeName(gdal_type)}")
    return np.dtype(_GDAL_TO_NUMPY[gdal_type])


def gdal_type(dtype: np.dtype) -> int:
    """GDAL data type for a numpy dtype."""
    return _NUMPY_TO_GDAL[np.dtype(dtype)]


def value_range(dtype: np.dtype) -> Tuple[float, float]:
    """(min, max) representable value; +-inf for floats."""
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    return -np.inf, np.inf


def bit_depth(dtype: np.dtype, nbits_metadata: Optional[str]) -> int:
    """Declared bit depth: the NBITS metadata when set, else the size of the integer type, 0 for floats."""
    if nbits_metadata:
        try:
            return int(nbits_metadata)
        except ValueError:
            pass
    dtype = np.dtype(dtype)
    return dtype.itemsize * 8 if dtype.kind in "ui" else 0


def default_nodata(dtype: np.dtype) -> float:
    """Nodata for an output that needs one and has none from its inputs."""
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return 0.0
    if dtype.kind == "i":
        return float(np.iinfo(dtype).min)
    return float("nan")


_TORCH_INTS = {np.dtype(np.uint8): torch.uint8, np.dtype(np.int16): torch.int16,
               np.dtype(np.uint16): torch.uint16, np.dtype(np.int32): torch.int32}


def _round_clip_cast(values: np.ndarray, lo: float, hi: float, dtype: np.dtype) -> np.ndarray:
    """Round half to even, clip to [lo, hi], cast; values (float32) are modified in place."""
    hi32 = np.float32(hi)
    if float(hi32) > hi:  # 2**31 - 1 and 2**32 - 1 round up in float32 and would wrap around
        hi = float(np.nextafter(hi32, np.float32(0)))
    target = _TORCH_INTS.get(dtype)
    if target is None:
        np.rint(values, out=values)
        np.clip(values, lo, hi, out=values)
        return values.astype(dtype)
    # torch does the same in fewer passes over memory (the cast fused with the copy)
    t = torch.from_numpy(values).round_().clamp_(lo, hi)
    return torch.empty(t.shape, dtype=target).copy_(t).numpy()


def to_output(values: np.ndarray, dtype: np.dtype, nodata: Optional[float],
              valid: Optional[np.ndarray], max_value: Optional[float] = None) -> np.ndarray:
    """Convert fused floats (C, H, W) to dtype: round and clip integers, set nodata where not valid.

    values may be modified in place. max_value caps integer outputs below the type's maximum (a
    declared bit depth, e.g. 2047 for 11-bit data, as GDAL's pansharpening does). Valid pixels that
    would round to the nodata value are nudged by one step so they stay visible.
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        lo, hi = value_range(dtype)
        if max_value is not None:
            hi = min(hi, float(max_value))
        out = _round_clip_cast(np.asarray(values, dtype=np.float32), lo, hi, dtype)
        if nodata is not None and valid is not None:
            step = 1 if nodata <= lo else -1
            collide = (out == nodata) & valid
            if collide.any():
                out[collide] = out[collide] + step
    else:
        out = values.astype(dtype, copy=False)
    if nodata is not None and valid is not None and not valid.all():
        out[:, ~valid] = nodata
    return out
