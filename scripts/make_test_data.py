"""Copy small crops of the real pairs in ../shared/data into tests/data (run once; outputs are committed).

Usage: python scripts/make_test_data.py [SHARED_DATA_DIR]
Pixel values are copied unchanged; georeferencing is kept (gdal.Translate srcWin).
"""
from __future__ import annotations

import os
import sys

from osgeo import gdal

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "data")
OPTS = ["COMPRESS=DEFLATE", "PREDICTOR=2", "TILED=NO"]

# name: (folder, pan file, ms file, ms window x, y, w, h in MS pixels, ratio)
CROPS = {
    "quickbird": ("quickbird_toulouse", "pan.tif", "ms.tif", 30, 30, 64, 64, 4),
    "pleiades": ("pleiades_otb", "pan.tif", "ms.tif", 100, 100, 64, 64, 4),
    "landsat7": ("landsat7_fusebox", "01_pan.tif", "01_ms.tif", 150, 150, 96, 96, 2),
}


def crop(src: str, dst: str, x: int, y: int, w: int, h: int) -> None:
    gdal.Translate(dst, src, srcWin=[x, y, w, h], creationOptions=OPTS)


def landsat8(root: str) -> None:
    """Landsat-8 keeps its real half-pixel PAN offset: PAN window starts one PAN pixel early."""
    folder = os.path.join(root, "landsat8")
    x, y, w, h = 200, 200, 80, 72
    crop(os.path.join(folder, "ms.tif"), os.path.join(OUT, "landsat8_ms.tif"), x, y, w, h)
    crop(os.path.join(folder, "pan.tif"), os.path.join(OUT, "landsat8_pan.tif"), 2 * x, 2 * y, 2 * w + 1,
         2 * h + 1)


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "data")
    os.makedirs(OUT, exist_ok=True)
    for name, (folder, pan, ms, x, y, w, h, r) in CROPS.items():
        crop(os.path.join(root, folder, ms), os.path.join(OUT, f"{name}_ms.tif"), x, y, w, h)
        pan_out = os.path.join(OUT, f"{name}_pan.tif")
        crop(os.path.join(root, folder, pan), pan_out, x * r, y * r, w * r, h * r)
    landsat8(root)


if __name__ == "__main__":
    main()
