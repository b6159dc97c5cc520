"""Open a raster with GDAL and describe it (size, type, georeference, masks, band names)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from osgeo import gdal, osr

from ..errors import EngineError
from .dtypes import bit_depth, numpy_dtype

gdal.UseExceptions()
osr.UseExceptions()

GeoTransform = Tuple[float, float, float, float, float, float]


@dataclass
class RasterInfo:
    """What the engine needs to know about one input raster.

    geotransform is None when the file has no georeference; crs_wkt is "" when it has no CRS.
    count and bands: the data bands (1-based GDAL indices); alpha: the alpha band, not data but a mask
    (has_mask is then true).
    """

    path: str
    dataset: gdal.Dataset
    width: int
    height: int
    count: int
    bands: Tuple[int, ...]
    alpha: Optional[int]
    dtype: np.dtype
    geotransform: Optional[GeoTransform]
    crs_wkt: str
    nodata: Optional[float]
    has_mask: bool
    descriptions: Tuple[str, ...]
    bits: int
    hint_text: str

    @property
    def may_be_invalid(self) -> bool:
        """True when pixels can be invalid: a mask (nodata, alpha, mask band) or floats, whose NaN and
        +-inf values are invalid pixels like nodata (found per block as they are read)."""
        return self.has_mask or self.dtype.kind == "f"

    @property
    def srs(self) -> Optional[osr.SpatialReference]:
        """Spatial reference with traditional GIS axis order, or None."""
        if not self.crs_wkt:
            return None
        srs = osr.SpatialReference()
        srs.ImportFromWkt(self.crs_wkt)
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        return srs


def _mask_present(band: gdal.Band) -> bool:
    return not (band.GetMaskFlags() & gdal.GMF_ALL_VALID)


def _hint_text(path: str, ds: gdal.Dataset) -> str:
    meta = " ".join(f"{k}={v}" for k, v in (ds.GetMetadata() or {}).items())
    return f"{path} {meta}"


def open_raster(path: str, role: str) -> RasterInfo:
    """Open path read-only and describe it; raises EngineError with one line on failure."""
    try:
        ds = gdal.Open(path, gdal.GA_ReadOnly)
    except RuntimeError as exc:
        raise EngineError(f"cannot open {role} raster {path}: {str(exc).strip()}") from None
    # An alpha band is a mask, not data (GDAL turns it into every band's mask).
    bands = tuple(i + 1 for i in range(ds.RasterCount if ds is not None else 0)
                  if ds.GetRasterBand(i + 1).GetColorInterpretation() != gdal.GCI_AlphaBand)
    if ds is None or not bands:
        raise EngineError(f"{role} raster has no bands: {path}")
    band1 = ds.GetRasterBand(bands[0])
    alphas = [i + 1 for i in range(ds.RasterCount) if i + 1 not in bands]
    alpha = alphas[-1] if alphas else None
    types = {ds.GetRasterBand(b).DataType for b in bands}
    if len(types) != 1:
        raise EngineError(f"{role} raster mixes data types across bands: {path}")
    try:
        dtype = numpy_dtype(band1.DataType)
    except ValueError as exc:
        raise EngineError(f"{role} raster: {exc}") from None
    gt = ds.GetGeoTransform(can_return_null=True)
    if gt is not None and (gt[2] != 0.0 or gt[4] != 0.0):
        raise EngineError(f"{role} raster has a rotated geotransform; warp it to a north-up grid first")
    nbits = band1.GetMetadataItem("NBITS", "IMAGE_STRUCTURE")
    return RasterInfo(
        path=path,
        dataset=ds,
        width=ds.RasterXSize,
        height=ds.RasterYSize,
        count=len(bands),
        bands=bands,
        alpha=alpha,
        dtype=dtype,
        geotransform=tuple(gt) if gt is not None else None,  # type: ignore[arg-type]
        crs_wkt=ds.GetProjection() or "",
        nodata=band1.GetNoDataValue(),
        has_mask=alpha is not None or any(_mask_present(ds.GetRasterBand(b)) for b in bands),
        descriptions=tuple(ds.GetRasterBand(b).GetDescription() for b in bands),
        bits=bit_depth(dtype, nbits),
        hint_text=_hint_text(path, ds),
    )
