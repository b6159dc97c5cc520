"""GDAL block cache bounded while jobs run, restored when the last one ends (runs may overlap in QGIS)."""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator, Optional

from osgeo import gdal

_lock = threading.Lock()
_users = 0
_saved: Optional[int] = None


@contextlib.contextmanager
def bounded_gdal_cache(limit: int) -> Iterator[None]:
    """Lower GDAL's block cache to `limit` bytes (never raise it) until every overlapping user is done.

    The engine reads each input block once or twice and flushes output rows as they complete, so a
    small cache loses nothing, and bounds memory whatever the machine's default (5 % of RAM)."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gdal.GetCacheMax()
            if _saved > limit:
                gdal.SetCacheMax(limit)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                gdal.SetCacheMax(_saved)
                _saved = None
