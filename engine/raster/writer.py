"""Tiled, compressed GeoTIFF output written atomically: a hidden temporary file in the target folder,
renamed over the target only when complete; removed on any failure or cancel.

Writing runs in a background thread (GDAL releases the GIL), so DEFLATE compression overlaps the fusion
of the next blocks. Finished rows of tiles are flushed as soon as they are complete, so the GDAL block
cache never holds more than about one row of blocks of dirty output, and no tile is compressed twice.
"""
from __future__ import annotations

import os
import queue
import threading
from types import TracebackType
from typing import Dict, Optional, Sequence, Type

import numpy as np
from osgeo import gdal

from ..atomic import os_error_text, remove_stale_partials, temporary_path
from ..errors import EngineError
from .dtypes import gdal_type
from .inputs import GeoTransform

TILE = 256
QUEUE_BLOCKS = 4  # blocks waiting for the writer thread: bounds memory, keeps the compressor busy


def creation_options(dtype: np.dtype) -> list:
    """GTiff creation options: 256x256 tiles, DEFLATE with the predictor that suits the type."""
    predictor = "3" if np.dtype(dtype).kind == "f" else "2"
    return ["TILED=YES", f"BLOCKXSIZE={TILE}", f"BLOCKYSIZE={TILE}", "COMPRESS=DEFLATE", "ZLEVEL=1",
            f"PREDICTOR={predictor}", "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS", "INTERLEAVE=PIXEL",
            # spectral bands, never RGB + alpha (GTiff's default for 3- and 4-band Byte images)
            "PHOTOMETRIC=MINISBLACK", "ALPHA=NO"]


class _RowTracker:
    """Knows when the output rows [0, y) are complete, from the windows written so far."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.covered: Dict[int, int] = {}
        self.heights: Dict[int, int] = {}
        self.complete = 0

    def add(self, y: int, w: int, h: int) -> bool:
        """Record a written window; True when the complete rows now end on a tile row (or the end)."""
        self.covered[y] = self.covered.get(y, 0) + w
        self.heights[y] = h
        before = self.complete
        while self.covered.get(self.complete, 0) >= self.width:
            self.complete += self.heights[self.complete]
        return self.complete > before and (self.complete % TILE == 0 or self.complete >= self.height)


class AtomicGeoTiff:
    """Context manager: create, write windows (queued), and on clean exit rename into place."""

    def __init__(self, path: str, width: int, height: int, count: int, dtype: np.dtype,
                 geotransform: Optional[GeoTransform], crs_wkt: str, nodata: Optional[float],
                 descriptions: Sequence[str], metadata: Dict[str, str]) -> None:
        self.path = path
        remove_stale_partials(path)
        self.temp_path = temporary_path(path)
        self.dtype = np.dtype(dtype)
        try:
            self.ds = gdal.GetDriverByName("GTiff").Create(self.temp_path, width, height, count,
                                                           gdal_type(dtype), options=creation_options(dtype))
            self._describe(geotransform, crs_wkt, nodata, descriptions, metadata)
        except RuntimeError as exc:
            self.ds = None
            self._remove_temp()
            raise EngineError(f"cannot create the output {path}: {os_error_text(exc, path)}") from None
        self._rows = _RowTracker(width, height)
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._drain, name="geotiff-writer", daemon=True)
        self._thread.start()

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

    def declare_nodata(self, value: float) -> None:
        """Declare every band's nodata value once the pixels are written (before commit)."""
        self._stop()
        self._raise_error()
        for i in range(self.ds.RasterCount):
            self.ds.GetRasterBand(i + 1).SetNoDataValue(value)

    def write(self, x: int, y: int, data: np.ndarray) -> None:
        """Queue (C, h, w) data of the output type for output pixel (x, y); blocks while the queue is full."""
        self._raise_error()
        self._queue.put((x, y, np.ascontiguousarray(data, dtype=self.dtype)))

    def _drain(self) -> None:
        """Writer thread: write queued windows, flush rows of tiles as they complete; None stops it."""
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # keep draining so write() never blocks forever
            try:
                self._write_now(*item)
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                self._error = exc

    def _write_now(self, x: int, y: int, data: np.ndarray) -> None:
        c, h, w = data.shape
        self.ds.WriteRaster(x, y, w, h, data, buf_xsize=w, buf_ysize=h,
                            buf_type=gdal_type(self.dtype), band_list=list(range(1, c + 1)))
        if self._rows.add(y, w, h):
            self.ds.FlushCache()

    def _raise_error(self) -> None:
        if self._error is not None:
            raise EngineError(f"cannot write the output {self.path}: {os_error_text(self._error, self.path)}")

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def commit(self) -> None:
        """Finish writing, flush, close and move the finished file into place."""
        self._stop()
        self._raise_error()
        reason = None
        try:
            self.ds.FlushCache()
        except RuntimeError as exc:
            reason = os_error_text(exc, self.path)  # exc (whose frames hold the dataset) dies here
        reason = self._close(quiet=reason is not None) or reason
        if reason:
            raise EngineError(f"cannot write the output {self.path}: {reason}")
        stale_aux = self.path + ".aux.xml"  # belonged to the file being replaced
        os.replace(self.temp_path, self.path)
        for aux in (self.temp_path + ".aux.xml", stale_aux):
            if os.path.exists(aux):
                os.remove(aux)

    def _close(self, quiet: bool) -> Optional[str]:
        """Close the dataset (GDAL writes what is left); the reason when that fails. quiet: GDAL's own
        messages are muted (the write already failed: one line says why, not a cascade)."""
        if self.ds is None:
            return None
        if quiet:
            gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            self.ds = None
        except RuntimeError as exc:
            self.ds = None
            return os_error_text(exc, self.path)
        finally:
            if quiet:
                gdal.PopErrorHandler()
        return None

    def abort(self) -> None:
        """Stop the writer, close and delete the temporary file; the target path is left untouched."""
        if self._thread.is_alive():
            self._error = self._error or RuntimeError("aborted")
            self._stop()
        self._error = None  # its traceback's frames may hold the dataset open
        self._close(quiet=True)
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
            try:
                self.commit()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()
