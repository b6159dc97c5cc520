"""Block plan with a halo and windowed reads of the aligned PAN/MS pair.

Memory is bounded by the block size: nothing here reads a whole raster.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from osgeo import gdal

from ..errors import EngineError
from .align import AlignedPair


@dataclass(frozen=True)
class Block:
    """Output block [x, x+w) x [y, y+h) in output pixels, read with `halo` extra pixels on each side.

    The extended window starts at (x - halo, y - halo), a multiple of the ratio, and its size
    (ext_w, ext_h) is a multiple of the ratio, so the MS window is whole coarse cells.
    """

    x: int
    y: int
    w: int
    h: int
    halo: int
    ext_w: int
    ext_h: int


def round_up(value: int, multiple: int) -> int:
    """Smallest multiple of `multiple` that is >= value."""
    return -(-value // multiple) * multiple


def row_step(block_size: int, ratio: int, row_align: int) -> int:
    """Block height: a multiple of ratio near block_size, snapped to a multiple of row_align (the
    output's tile height, so each finished row of blocks completes whole rows of tiles) when the two
    are compatible within a factor of two; tiny blocks stay as they are."""
    step = max(ratio, block_size // ratio * ratio)
    if row_align <= 1 or step < row_align:
        return step
    unit = math.lcm(ratio, row_align)
    if unit > 2 * step:
        return step
    return max(unit, round(step / unit) * unit)


def plan_blocks(width: int, height: int, block_size: int, halo: int, ratio: int,
                row_align: int = 1) -> List[Block]:
    """Tile the output into row-major blocks of about block_size (multiples of ratio), each with the halo.

    Block heights follow row_step(block_size, ratio, row_align).
    """
    step_x = max(ratio, block_size // ratio * ratio)
    step_y = row_step(block_size, ratio, row_align)
    halo = round_up(halo, ratio)
    blocks = []
    for y in range(0, height, step_y):
        for x in range(0, width, step_x):
            w, h = min(step_x, width - x), min(step_y, height - y)
            blocks.append(Block(x, y, w, h, halo, round_up(w, ratio) + 2 * halo,
                                round_up(h, ratio) + 2 * halo))
    return blocks


def _clip(x: int, y: int, w: int, h: int, xs: int, ys: int) -> Tuple[Tuple[int, int, int, int], tuple]:
    """Part of the window inside an xs x ys raster (at least one pixel) and the edge padding around it."""
    cx0, cy0 = max(0, min(x, xs - 1)), max(0, min(y, ys - 1))
    cx1, cy1 = min(xs, max(x + w, cx0 + 1)), min(ys, max(y + h, cy0 + 1))
    pad = ((max(0, cy0 - y), max(0, y + h - cy1)), (max(0, cx0 - x), max(0, x + w - cx1)))
    return (cx0, cy0, cx1 - cx0, cy1 - cy0), pad


def read_padded(ds: gdal.Dataset, bands: List[int], x: int, y: int, w: int, h: int) -> np.ndarray:
    """Read float32 (C, h, w) at (x, y); parts outside the raster replicate the nearest edge pixel."""
    (cx, cy, cw, ch), pad = _clip(x, y, w, h, ds.RasterXSize, ds.RasterYSize)
    data = ds.ReadAsArray(cx, cy, cw, ch, band_list=bands, buf_type=gdal.GDT_Float32)
    data = np.asarray(data).reshape(len(bands), ch, cw)
    if any(p for axis in pad for p in axis):
        data = np.pad(data, ((0, 0),) + pad, mode="edge")
    return data


def read_valid(ds: gdal.Dataset, bands: List[int], x: int, y: int, w: int, h: int,
                alpha: Optional[int] = None) -> np.ndarray:
    """(h, w) bool: valid in every band (GDAL mask bands: nodata, alpha, per-dataset masks) and where the
    alpha band, if given, is not 0 (GDAL itself uses an alpha band as mask only for gray or RGB + alpha)."""
    valid = np.ones((h, w), dtype=bool)
    (cx, cy, cw, ch), pad = _clip(x, y, w, h, ds.RasterXSize, ds.RasterYSize)
    padded = any(p for a in pad for p in a)
    if alpha is not None:
        opaque = ds.GetRasterBand(alpha).ReadAsArray(cx, cy, cw, ch) > 0
        valid &= np.pad(opaque, pad, mode="edge") if padded else opaque
    seen = set()
    for b in bands:
        band = ds.GetRasterBand(b)
        flags = band.GetMaskFlags()
        key = "dataset" if flags & gdal.GMF_PER_DATASET else b
        if flags & gdal.GMF_ALL_VALID or key in seen:
            continue
        seen.add(key)
        mask = band.GetMaskBand().ReadAsArray(cx, cy, cw, ch) > 0
        valid &= np.pad(mask, pad, mode="edge") if padded else mask
    return valid


def read_checked(ds: gdal.Dataset, bands: List[int], x: int, y: int, w: int, h: int,
                 alpha: Optional[int] = None, masked: bool = True, floats: bool = False,
                 name: str = "") -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """(float32 (C, h, w) data, (h, w) validity or None when every pixel is valid) of a window.

    masked: read the GDAL masks and alpha (read_valid); floats: the source holds floats, whose NaN and
    +-inf values are invalid in every band (they would spread through any filter). Non-finite values
    left in the data are the caller's to fill (fusion.fill_invalid). A failed read (a truncated or
    corrupt file) raises EngineError naming the file (`name`, else the dataset's)."""
    try:
        data = read_padded(ds, bands, x, y, w, h)
        valid = read_valid(ds, bands, x, y, w, h, alpha=alpha) if masked else None
    except RuntimeError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        detail = detail.replace(f"{ds.GetDescription()}, ", "")  # GDAL repeats the path
        what = name or ds.GetDescription()
        raise EngineError(f"cannot read {what}: truncated or corrupt file ({detail})") from None
    if floats:
        finite = np.isfinite(data).all(axis=0)
        if not finite.all():
            valid = finite if valid is None else valid & finite
    return data, valid


@dataclass
class BlockData:
    """Inputs of one extended block: PAN (H, W), MS (C, H/r, W/r) as float32, and validity masks."""

    pan: np.ndarray
    ms: np.ndarray
    pan_valid: Optional[np.ndarray]
    ms_valid: Optional[np.ndarray]


def read_ms(pair: AlignedPair, block: Block,
            with_masks: bool = True) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """MS (C, ext_h/r, ext_w/r) float32 of the extended window of `block` on the coarse grid, and its
    validity (None when every MS pixel is valid or with_masks is False)."""
    r = pair.ratio
    ex, ey = block.x - block.halo, block.y - block.halo
    args = (pair.ms_source, pair.ms_bands, pair.ms_x0 + ex // r, pair.ms_y0 + ey // r,
            block.ext_w // r, block.ext_h // r)
    return read_checked(*args, alpha=pair.ms_alpha, masked=with_masks and pair.ms_has_mask,
                        floats=with_masks and pair.ms.dtype.kind == "f", name=f"the MS raster {pair.ms.path}")


def read_block(pair: AlignedPair, block: Block, with_masks: bool = True) -> BlockData:
    """Read the extended window of `block` from the PAN and the coarse MS source (validity: masks and
    non-finite floats, unless with_masks is False)."""
    ex, ey = block.x - block.halo, block.y - block.halo
    pan_args = (pair.pan.dataset, [pair.pan.bands[0]], pair.pan_x0 + ex, pair.pan_y0 + ey, block.ext_w,
                block.ext_h)
    pan, pan_valid = read_checked(*pan_args, alpha=pair.pan.alpha, masked=with_masks and pair.pan.has_mask,
                                  floats=with_masks and pair.pan.dtype.kind == "f",
                                  name=f"the PAN raster {pair.pan.path}")
    ms, ms_valid = read_ms(pair, block, with_masks)
    return BlockData(pan[0], ms, pan_valid, ms_valid)
