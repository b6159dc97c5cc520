"""Tiled, compressed GeoTIFF output written atomically: a hidden temporary file in the target folder,
renamed over the target only when complete; removed on any failure or cancel."""
from __future__ import annotations

import os
import tempfile
from types import TracebackType
from typing import Dict, Optional, Sequence, Type

import numpy as np
from osgeo import gdal

from ..errors import EngineError
from .dtypes import gdal_type
from .inputs import GeoTransform


def creation_options(dtype: np.dtype) -> list:
    """GTiff creation options: 256x256 tiles, DEFLATE with the predictor that suits the type."""
    predictor = "3" if np.dtype(dtype).kind == "f" else "2"
    return ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "ZLEVEL=1",
            f"PREDICTOR={predictor}", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS", "INTERLEAVE=PIXEL"]


class AtomicGeoTiff:
    """Context manager: create, write windows, and on clean exit rename into place."""

    def __init__(self, path: str, width: int, height: int, count: int, dtype: np.dtype,
                 geotransform: Optional[GeoTransform], crs_wkt: str, nodata: Optional[float],
                 descriptions: Sequence[str], metadata: Dict[str, str]) -> None:
        self.path = path
        folder = os.path.dirname(os.path.abspath(path))
        fd, self.temp_path = tempfile.mkstemp(prefix=".partial-", suffix=".tif", dir=folder)
        os.close(fd)
        driver = gdal.GetDriverByName("GTiff")
        try:
            self.ds = driver.Create(self.temp_path, width, height, count, gdal_type(dtype),
                                    options=creation_options(dtype))
        except RuntimeError as exc:
            self._remove_temp()
            raise EngineError(f"cannot create the output {path}: {str(exc).strip()}") from None
        self.dtype = np.dtype(dtype)
        self._describe(geotransform, crs_wkt, nodata, descriptions, metadata)

    def _describe(self, geotransform: Optional[GeoTransform], crs_wkt: str, nodata: Optional[float],
                  descriptions: Sequence[str], metadata: Dict[str, str]) -> None:
        if geotransform is not None:
            self.ds.SetGeoTransform(geotransform)
        if crs_wkt:
            self.ds.SetProjection(crs_wkt)
        for i, text in enumerate(descriptions):
            band = self.ds.GetRasterBand(i + 1)
            band.SetDescription(text)
            if nodata is not None:
                band.SetNoDataValue(nodata)
        self.ds.SetMetadata(metadata)

    def write(self, x: int, y: int, data: np.ndarray) -> None:
        """Write (C, h, w) data of the output type at output pixel (x, y)."""
        data = np.ascontiguousarray(data, dtype=self.dtype)
        c, h, w = data.shape
        self.ds.WriteRaster(x, y, w, h, data.tobytes(), buf_xsize=w, buf_ysize=h,
                            buf_type=gdal_type(self.dtype), band_list=list(range(1, c + 1)))

    def commit(self) -> None:
        """Flush, close and move the finished file into place."""
        self.ds.FlushCache()
        self.ds = None
        os.replace(self.temp_path, self.path)
        aux = self.temp_path + ".aux.xml"
        if os.path.exists(aux):
            os.remove(aux)

    def abort(self) -> None:
        """Close and delete the temporary file; the target path is left untouched."""
        self.ds = None
        self._remove_temp()

    def _remove_temp(self) -> None:
        for p in (self.temp_path, self.temp_path + ".aux.xml"):
            if os.path.exists(p):
                os.remove(p)

    def __enter__(self) -> AtomicGeoTiff:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()
