"""Put PAN and MS on one grid: the PAN grid over the common extent, the MS on that grid coarsened by
the ratio (same origin, pixel = ratio x PAN pixel), warped by GDAL only when the grids disagree."""
from __future__ import annotations

import math
import os
import uuid
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from osgeo import gdal, osr

from ..errors import EngineError
from .inputs import GeoTransform, RasterInfo

SAME_CRS_TOLERANCE = 0.02  # relative deviation of the ratio from an integer
REPROJECTED_TOLERANCE = 0.05
MAX_RATIO = 8
#: grid positions closer than this (in PAN pixels) are the same position: origins of real products carry
#: rounding artefacts (1e-5 m) that must neither drop a row nor cause a warp
GRID_TOLERANCE = 1e-3


def snap(value: float) -> float:
    """value rounded to the nearest integer when within GRID_TOLERANCE of it (PAN pixel units)."""
    nearest = round(value)
    return float(nearest) if abs(value - nearest) <= GRID_TOLERANCE else value


@dataclass
class AlignedPair:
    """PAN window and the MS source on the coarse grid.

    The output covers PAN pixels [pan_x0, pan_x0 + width) x [pan_y0, pan_y0 + height). Coarse-grid cell
    (i, j) is MS source pixel (ms_x0 + i, ms_y0 + j) and covers ratio x ratio output pixels.
    """

    pan: RasterInfo
    ms: RasterInfo
    ms_source: gdal.Dataset
    ms_bands: List[int]
    ratio: int
    pan_x0: int
    pan_y0: int
    width: int
    height: int
    ms_x0: int
    ms_y0: int
    geotransform: Optional[GeoTransform]
    crs_wkt: str
    warped: bool
    notes: List[str] = field(default_factory=list)
    ms_alpha: Optional[int] = None  # alpha band of ms_source (GDAL uses it as a mask only for 2 or 4 bands)

    @property
    def coarse_size(self) -> Tuple[int, int]:
        """(width, height) of the coarse MS grid covering the output."""
        return -(-self.width // self.ratio), -(-self.height // self.ratio)

    @property
    def ms_has_mask(self) -> bool:
        """True when MS pixels can be invalid (nodata, mask, or outside the warped source)."""
        return self.ms.has_mask or (self.warped and self.ms.nodata is None) or self.ms.nodata is not None

    @property
    def may_be_invalid(self) -> bool:
        """True when any input pixel can be invalid: masks, or float data (NaN and +-inf are invalid)."""
        return self.pan.may_be_invalid or self.ms_has_mask or self.ms.dtype.kind == "f"

    @property
    def nonfinite_only(self) -> bool:
        """True when the only possible invalid pixels are non-finite floats (no declared nodata or mask):
        the output then declares nodata only if such pixels were found."""
        return self.may_be_invalid and not (self.pan.has_mask or self.ms_has_mask)


def integer_ratio(value: float, tolerance: float) -> int:
    """Round a resolution ratio to an integer in 2..MAX_RATIO or raise EngineError."""
    nearest = round(value)
    if nearest < 1 or abs(value - nearest) > tolerance * nearest:
        raise EngineError(f"MS/PAN resolution ratio is {value:.3f}, not close to an integer")
    if nearest == 1:
        raise EngineError("PAN and MS have the same resolution; nothing to sharpen")
    if nearest > MAX_RATIO:
        raise EngineError(f"MS/PAN resolution ratio {nearest} is above the supported maximum {MAX_RATIO}")
    return int(nearest)


def _check_bands(pan: RasterInfo, ms: RasterInfo) -> None:
    if pan.count != 1:
        raise EngineError(f"PAN must be single-band, but {pan.path} has {pan.count} bands")
    if ms.count < 2:
        raise EngineError(f"MS must have at least 2 bands, but {ms.path} has {ms.count}")


def _same_crs(pan: RasterInfo, ms: RasterInfo) -> bool:
    a, b = pan.srs, ms.srs
    if a is None or b is None:
        return True
    return bool(a.IsSame(b))


def align(pan: RasterInfo, ms: RasterInfo, resampling: str = "cubic") -> AlignedPair:
    """Compute the shared grid; raises EngineError for bands, ratio or overlap problems."""
    _check_bands(pan, ms)
    if pan.geotransform is None or ms.geotransform is None:
        return _align_by_size(pan, ms)
    if not _same_crs(pan, ms):
        return _align_reprojected(pan, ms, resampling)
    return _align_same_crs(pan, ms, resampling)


def _pair(pan: RasterInfo, ms: RasterInfo, ratio: int, window: Tuple[int, int, int, int],
          ms_origin: Tuple[int, int], notes: List[str]) -> AlignedPair:
    x0, y0, x1, y1 = window
    gt = pan.geotransform
    out_gt = None if gt is None else (gt[0] + x0 * gt[1], gt[1], 0.0, gt[3] + y0 * gt[5], 0.0, gt[5])
    return AlignedPair(pan, ms, ms.dataset, list(ms.bands), ratio, x0, y0, x1 - x0,
                       y1 - y0, ms_origin[0], ms_origin[1], out_gt, pan.crs_wkt, False, notes, ms.alpha)


def _align_by_size(pan: RasterInfo, ms: RasterInfo) -> AlignedPair:
    rx, ry = pan.width / ms.width, pan.height / ms.height
    ratio = integer_ratio(rx, SAME_CRS_TOLERANCE)
    if integer_ratio(ry, SAME_CRS_TOLERANCE) != ratio:
        raise EngineError(f"MS/PAN size ratios differ between x ({rx:.3f}) and y ({ry:.3f})")
    notes = ["no georeference on an input: ratio taken from the raster sizes, grids assumed to share "
             "their top-left corner"]
    width, height = min(pan.width, ms.width * ratio), min(pan.height, ms.height * ratio)
    pair = _pair(pan, ms, ratio, (0, 0, width, height), (0, 0), notes)
    if pan.geotransform is None and ms.geotransform is not None:
        # The MS grid refined by the ratio places the output; dropping the MS georeference would hand the
        # user an image that no longer lies anywhere on the map.
        g = ms.geotransform
        pair.geotransform = (g[0], g[1] / ratio, 0.0, g[3], 0.0, g[5] / ratio)
        pair.crs_wkt = ms.crs_wkt
        notes[0] = ("the PAN has no georeference: output placed with the MS's, PAN assumed to share the "
                    "MS's top-left corner (ratio from the raster sizes)")
    return pair


def _overlap_1d(offset: float, ms_len: int, ratio: int, pan_len: int) -> Tuple[int, int]:
    """PAN pixel range [start, end) covered by an MS starting at `offset` PAN px (already snapped)."""
    start = max(0, math.ceil(snap(offset)))
    end = min(pan_len, math.floor(snap(offset + ratio * ms_len)))
    return start, end


def _align_same_crs(pan: RasterInfo, ms: RasterInfo, resampling: str) -> AlignedPair:
    pgt, mgt = pan.geotransform, ms.geotransform
    assert pgt is not None and mgt is not None
    if (pgt[5] > 0) != (mgt[5] > 0) or (pgt[1] > 0) != (mgt[1] > 0):
        raise EngineError("PAN and MS geotransforms have opposite axis directions")
    ratio = integer_ratio(mgt[1] / pgt[1], SAME_CRS_TOLERANCE)
    if integer_ratio(mgt[5] / pgt[5], SAME_CRS_TOLERANCE) != ratio:
        raise EngineError("MS/PAN resolution ratios differ between x and y")
    px, py = snap((mgt[0] - pgt[0]) / pgt[1]), snap((mgt[3] - pgt[3]) / pgt[5])
    x0, x1 = _overlap_1d(px, ms.width, ratio, pan.width)
    y0, y1 = _overlap_1d(py, ms.height, ratio, pan.height)
    if x1 - x0 < ratio or y1 - y0 < ratio:
        raise EngineError("PAN and MS do not overlap")
    fx, fy = (x0 - px) / ratio, (y0 - py) / ratio
    notes: List[str] = []
    if not pan.crs_wkt or not ms.crs_wkt:
        notes.append("an input has no CRS: both assumed to share one")
    tol = GRID_TOLERANCE / ratio  # fx, fy are in MS pixels
    if abs(fx - round(fx)) <= tol and abs(fy - round(fy)) <= tol:
        return _pair(pan, ms, ratio, (x0, y0, x1, y1), (round(fx), round(fy)), notes)
    if not pan.crs_wkt or pgt[5] > 0:
        notes.append(f"MS grid offset by a fraction of a pixel ({fx:.2f}, {fy:.2f}); rounded, not warped")
        return _pair(pan, ms, ratio, (x0, y0, x1, y1), (math.floor(fx + 0.5), math.floor(fy + 0.5)), notes)
    notes.append(f"MS grid offset by ({fx % 1:.2f}, {fy % 1:.2f}) MS pixels from the PAN grid: warped")
    return _warp_pair(pan, ms, ratio, (x0, y0, x1, y1), resampling, notes)


def _footprint_in(ms: RasterInfo, target: osr.SpatialReference) -> Tuple[float, float, float, float, float]:
    """Bounding box of the MS footprint in the target CRS, and the MS pixel size there."""
    src = ms.srs
    assert src is not None and ms.geotransform is not None
    tr = osr.CoordinateTransformation(src, target)
    gt = ms.geotransform
    steps = 20
    pts = []
    for i in range(steps + 1):
        for (u, v) in ((i / steps, 0.0), (i / steps, 1.0), (0.0, i / steps), (1.0, i / steps)):
            pts.append((gt[0] + u * ms.width * gt[1], gt[3] + v * ms.height * gt[5]))
    xy = [tr.TransformPoint(x, y)[:2] for x, y in pts]
    cx, cy = gt[0] + ms.width / 2 * gt[1], gt[3] + ms.height / 2 * gt[5]
    c0, c1, c2 = (tr.TransformPoint(*p)[:2] for p in ((cx, cy), (cx + gt[1], cy), (cx, cy + gt[5])))
    size = (math.dist(c0, c1) + math.dist(c0, c2)) / 2
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    return min(xs), min(ys), max(xs), max(ys), size


def _align_reprojected(pan: RasterInfo, ms: RasterInfo, resampling: str) -> AlignedPair:
    target = pan.srs
    pgt = pan.geotransform
    assert target is not None and pgt is not None
    try:
        minx, miny, maxx, maxy, ms_px = _footprint_in(ms, target)
    except RuntimeError as exc:
        raise EngineError(f"cannot transform the MS footprint into the PAN CRS: {exc}") from None
    ratio = integer_ratio(ms_px / abs(pgt[1]), REPROJECTED_TOLERANCE)
    if pgt[5] > 0:
        raise EngineError("PAN geotransform is not north-up; warp it to a north-up grid first")
    x0 = max(0, math.ceil(snap((minx - pgt[0]) / pgt[1])))
    x1 = min(pan.width, math.floor(snap((maxx - pgt[0]) / pgt[1])))
    y0 = max(0, math.ceil(snap((maxy - pgt[3]) / pgt[5])))
    y1 = min(pan.height, math.floor(snap((miny - pgt[3]) / pgt[5])))
    if x1 - x0 < ratio or y1 - y0 < ratio:
        raise EngineError("PAN and MS do not overlap")
    notes = ["MS and PAN have different CRSs: MS warped onto the PAN grid"]
    return _warp_pair(pan, ms, ratio, (x0, y0, x1, y1), resampling, notes)


def _independent_warped_vrt(path: str, options: gdal.WarpOptions) -> gdal.Dataset:
    """A warped VRT (pixels computed lazily, block by block) that opens its own source dataset.

    A VRT made directly from an open dataset points at that dataset without owning it; closing the two
    in the wrong order (garbage collection decides) is a use-after-free in GDAL 3.6. Going through XML
    in /vsimem/ makes the VRT open and own its source.
    """
    source = path if path.startswith("/vsi") else os.path.abspath(path)
    name = f"/vsimem/pansharpen-{uuid.uuid4().hex}.vrt"
    try:
        src = gdal.Open(source)
        vrt = gdal.Warp(name, src, options=options)
        del vrt  # close the VRT (writing its XML) before its source
        del src
        return gdal.Open(name)
    finally:
        gdal.Unlink(name)


def _warp_pair(pan: RasterInfo, ms: RasterInfo, ratio: int, window: Tuple[int, int, int, int],
               resampling: str, notes: List[str]) -> AlignedPair:
    """Warp the MS (lazily, as a VRT) onto the coarse grid anchored at the window's origin."""
    x0, y0, x1, y1 = window
    pgt = pan.geotransform
    assert pgt is not None
    cw, ch = -(-(x1 - x0) // ratio), -(-(y1 - y0) // ratio)
    ox, oy = pgt[0] + x0 * pgt[1], pgt[3] + y0 * pgt[5]
    ex, ey = ox + cw * ratio * pgt[1], oy + ch * ratio * pgt[5]
    kwargs = dict(format="VRT", outputBounds=(ox, min(oy, ey), ex, max(oy, ey)), width=cw, height=ch,
                  resampleAlg=resampling, dstSRS=pan.crs_wkt or None)
    if ms.nodata is not None:
        kwargs.update(srcNodata=ms.nodata, dstNodata=ms.nodata)
    else:
        kwargs.update(dstAlpha=True)
    if ms.alpha is not None:
        kwargs.update(srcAlpha=True)  # GDAL takes the last band as the source alpha
    try:
        warped = _independent_warped_vrt(ms.path, gdal.WarpOptions(**kwargs))
    except RuntimeError as exc:
        raise EngineError(f"cannot warp the MS onto the PAN grid: {str(exc).strip()}") from None
    pair = _pair(pan, ms, ratio, window, (0, 0), notes)
    pair.ms_source, pair.warped = warped, True
    # Warped data bands keep their order; the alpha band (source alpha or dstAlpha) comes last.
    pair.ms_bands = list(range(1, ms.count + 1))
    pair.ms_alpha = warped.RasterCount if ms.nodata is None else None
    return pair
