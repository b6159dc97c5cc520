"""Helpers for engine tests: read/write small rasters and make variants of the bundled crops in tmp_path."""
from __future__ import annotations

import os
from typing import Optional, Sequence, Tuple

import numpy as np
from osgeo import gdal, osr

from engine.pipeline import RunResult, run
from engine.progress import CancelToken, ProgressCallback, no_progress
from engine.request import PansharpenRequest

gdal.UseExceptions()

GDT = {np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.uint16): gdal.GDT_UInt16,
       np.dtype(np.int16): gdal.GDT_Int16, np.dtype(np.float32): gdal.GDT_Float32,
       np.dtype(np.float64): gdal.GDT_Float64}


def read(path: str) -> np.ndarray:
    """All bands as (C, H, W)."""
    data = gdal.Open(path).ReadAsArray()
    return data.reshape((-1,) + data.shape[-2:])


def info(path: str) -> dict:
    """Size, geotransform, CRS, dtype, nodata, descriptions and structure metadata of a raster."""
    ds = gdal.Open(path)
    b = ds.GetRasterBand(1)
    return {"size": (ds.RasterXSize, ds.RasterYSize), "count": ds.RasterCount,
            "gt": ds.GetGeoTransform(can_return_null=True), "wkt": ds.GetProjection(),
            "dtype": gdal.GetDataTypeName(b.DataType), "nodata": b.GetNoDataValue(),
            "block": tuple(b.GetBlockSize()),
            "descriptions": [ds.GetRasterBand(i + 1).GetDescription() for i in range(ds.RasterCount)],
            "structure": ds.GetMetadata("IMAGE_STRUCTURE"), "metadata": ds.GetMetadata()}


def write(path: str, data: np.ndarray, gt: Optional[Sequence[float]] = None, wkt: str = "",
          nodata: Optional[float] = None, descriptions: Sequence[str] = (),
          nbits: Optional[int] = None) -> str:
    """Write (C, H, W) or (H, W) as a GeoTIFF (dtype from the array); returns path."""
    data = data.reshape((-1,) + data.shape[-2:])
    opts = [f"NBITS={nbits}"] if nbits else []
    ds = gdal.GetDriverByName("GTiff").Create(path, data.shape[2], data.shape[1], data.shape[0],
                                              GDT[data.dtype], options=opts)
    if gt is not None:
        ds.SetGeoTransform(list(gt))
    if wkt:
        ds.SetProjection(wkt)
    for i in range(data.shape[0]):
        band = ds.GetRasterBand(i + 1)
        band.WriteArray(data[i])
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if i < len(descriptions):
            band.SetDescription(descriptions[i])
    ds = None
    return path


def georef(path: str) -> Tuple[Optional[tuple], str]:
    ds = gdal.Open(path)
    return ds.GetGeoTransform(can_return_null=True), ds.GetProjection()


def variant(src: str, dst: str, data: Optional[np.ndarray] = None, nodata: Optional[float] = None,
            gt: Optional[Sequence[float]] = None) -> str:
    """Copy of src with other pixel values (same georeference unless gt is given) and/or nodata."""
    sgt, wkt = georef(src)
    return write(dst, read(src) if data is None else data, gt if gt is not None else sgt, wkt, nodata)


def warp_to(src: str, dst: str, epsg: int, resampling: str = "near") -> str:
    """src reprojected to EPSG:epsg by gdal.Warp (default pixel size)."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    gdal.Warp(dst, src, dstSRS=srs.ExportToWkt(), resampleAlg=resampling)
    return dst


def fuse(pan: str, ms: str, out: str, progress: Optional[ProgressCallback] = None,
         cancel_token: Optional[CancelToken] = None, **kwargs: object) -> RunResult:
    """engine.pipeline.run with keyword fields of PansharpenRequest (device cpu)."""
    kwargs.setdefault("device", "cpu")
    request = PansharpenRequest(pan=pan, ms=ms, output=out, **kwargs)  # type: ignore[arg-type]
    return run(request, progress or no_progress, cancel_token)


def leftovers(folder: str) -> list:
    """Temporary output files left in folder."""
    return [n for n in os.listdir(folder) if n.startswith(".partial-")]
