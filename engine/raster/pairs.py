"""The one place that opens a PAN / MS pair: files opened, the MS aligned on the PAN grid, the sensor
preset resolved; and reading windows of the pair or of a raster on its grid (fused results, references).
Used by the fusion pipeline, the assessment, the quicklooks and SWIFT."""
from __future__ import annotations

from typing import Tuple

import numpy as np

from ..errors import EngineError
from ..physics.sensors import SensorGuess, resolve_preset
from .align import GRID_TOLERANCE, AlignedPair, align
from .blocks import Block, read_block, read_checked
from .inputs import RasterInfo, open_raster


def open_pair(pan: str, ms: str, sensor: str = "auto",
              resampling: str = "cubic") -> Tuple[AlignedPair, SensorGuess]:
    """The PAN and MS files opened, the MS aligned on the PAN grid (GDAL `resampling` when it must be warped),
    and the sensor preset resolved (`sensor` a preset name or "auto": guessed from names and metadata)."""
    pan_info, ms_info = open_raster(pan, "PAN"), open_raster(ms, "MS")
    pair = align(pan_info, ms_info, resampling)
    guess = resolve_preset(sensor, ms_info.count, pair.ratio, ms_info.descriptions,
                           pan_info.hint_text + " " + ms_info.hint_text)
    return pair, guess


def grid_offset(pair: AlignedPair, info: RasterInfo, role: str) -> Tuple[int, int]:
    """Pixel offset of the raster's origin on the pair's (PAN) grid; raises if the grids differ."""
    gt, pgt = info.geotransform, pair.geotransform
    if gt is None or pgt is None:
        if (info.width, info.height) not in ((pair.width, pair.height), (pair.pan.width, pair.pan.height)):
            raise EngineError(f"{role} raster is {info.width}x{info.height} but the PAN grid is "
                              f"{pair.width}x{pair.height}, and there is no georeference to align them")
        return 0, 0
    if abs(gt[1] / pgt[1] - 1) > 1e-3 or abs(gt[5] / pgt[5] - 1) > 1e-3:
        raise EngineError(f"{role} raster pixel size differs from the PAN's; it must be on the PAN grid")
    dx, dy = (gt[0] - pgt[0]) / pgt[1], (gt[3] - pgt[3]) / pgt[5]
    if abs(dx - round(dx)) > GRID_TOLERANCE or abs(dy - round(dy)) > GRID_TOLERANCE:
        raise EngineError(f"{role} raster is offset from the PAN grid by a fraction of a pixel")
    return round(dx), round(dy)


def read_window(info: RasterInfo, x: int, y: int, w: int, h: int) -> Tuple[np.ndarray, np.ndarray]:
    """(C, h, w) float32 values and (h, w) validity of a raster window."""
    bands = list(info.bands)  # data bands only: an alpha band is a mask, not data
    data, valid = read_checked(info.dataset, bands, x, y, w, h, alpha=info.alpha, masked=info.has_mask,
                               floats=info.dtype.kind == "f", name=info.path)
    return data, np.ones((h, w), dtype=bool) if valid is None else valid


def pair_window(pair: AlignedPair, x: int, y: int, w: int, h: int) -> Tuple[np.ndarray, np.ndarray,
                                                                              np.ndarray]:
    """PAN (1, h, w), MS (C, h/r, w/r) and the joint validity on the PAN grid of a pair window."""
    data = read_block(pair, Block(x, y, w, h, 0, w, h))
    r = pair.ratio
    valid = np.ones((h, w), dtype=bool) if data.pan_valid is None else data.pan_valid.copy()
    if data.ms_valid is not None:
        valid &= data.ms_valid.repeat(r, axis=0).repeat(r, axis=1)
    return data.pan[None], data.ms, valid


def check_bands(pair: AlignedPair, fused: RasterInfo, role: str) -> None:
    """EngineError unless a raster on the pair's grid has as many bands as the MS."""
    if fused.count != len(pair.ms_bands):
        raise EngineError(f"{role} raster has {fused.count} bands but the MS has {len(pair.ms_bands)}")
