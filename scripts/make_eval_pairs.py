"""Write the cross-sensor evaluation folder: real pairs of sensors held out of backbone training.

    python scripts/make_eval_pairs.py --data ../shared/data --out /tmp/cross_pairs
    python -m engine evaluate --pairs /tmp/cross_pairs --methods fusionnet,pnn,... --adapt none,tailor

The shipped 4-band backbones never saw these sensors (resources/weights/MODEL_CARD.md):
- QuickBird (OTB Toulouse, 11-bit, ratio 4): the 500 x 500 PAN scene cut into four non-overlapping
  248 x 248 quadrants (quickbird_q1..q4), so each quadrant is a separate scene for the statistics.
- EO-1 ALI (HySure Paris, float reflectance, 9 bands, ratio 3): the PAN (174 x 216) with the MS cropped to the
  58 x 72 cells the PAN covers (eo1ali_paris); both files carry a unit pixel grid, so the MS copy gets a
  pixel size of 3 (the ratio) for the pair to align. Nine bands go through the 4-band model in band groups; no
  sensor preset exists, so generic MTF gains are used.
- 8-bit copies of all five (eightbit_<name>, unless --no-eight-bit): each file rescaled linearly from its
  own minimum and maximum (all MS bands with one map, so band ratios keep their offsets' shape) to 0-255
  and stored as Byte, as 8-bit display products are. Their names match no sensor preset, so 'auto' takes
  the generic preset and the input scale comes from the data (2^8 - 1): the case where the earlier tailor
  default made every backbone worse.
Pixel values are copied unchanged (gdal_translate windows) except in the 8-bit copies; files are
NAME_pan.tif / NAME_ms.tif.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Tuple

from osgeo import gdal

QB_SIDE = 248  # two quadrants fit the 500 px scene; a multiple of the ratio 4


def _window(src: str, dst: str, win: List[int]) -> None:
    out = gdal.Translate(dst, src, srcWin=win, creationOptions=["COMPRESS=DEFLATE", "TILED=YES"])
    if out is None:
        sys.exit(f"could not write {dst}")
    out = None


def quickbird(data: str, out: str) -> List[str]:
    """Four quadrant pairs of the QuickBird scene; their names."""
    src = os.path.join(data, "quickbird_toulouse")
    names = []
    for i, (y, x) in enumerate([(0, 0), (0, QB_SIDE), (QB_SIDE, 0), (QB_SIDE, QB_SIDE)], start=1):
        name = f"quickbird_q{i}"
        _window(os.path.join(src, "pan.tif"), os.path.join(out, f"{name}_pan.tif"), [x, y, QB_SIDE, QB_SIDE])
        _window(os.path.join(src, "ms.tif"), os.path.join(out, f"{name}_ms.tif"),
                [x // 4, y // 4, QB_SIDE // 4, QB_SIDE // 4])
        names.append(name)
    return names


def eo1_ali(data: str, out: str) -> List[str]:
    """The ALI pair with the MS cut to the PAN's extent (ratio 3)."""
    src = os.path.join(data, "eo1_paris")
    pan = gdal.Open(os.path.join(src, "ali_pan.tif"))
    w, h = pan.RasterXSize, pan.RasterYSize
    cells: Tuple[int, int] = (w // 3, h // 3)
    _window(os.path.join(src, "ali_pan.tif"), os.path.join(out, "eo1ali_paris_pan.tif"),
            [0, 0, cells[0] * 3, cells[1] * 3])
    ms_path = os.path.join(out, "eo1ali_paris_ms.tif")
    _window(os.path.join(src, "ali_ms.tif"), ms_path, [0, 0, *cells])
    ds = gdal.Open(ms_path, gdal.GA_Update)  # both files carry a unit pixel grid: give the MS its 3 px cells
    x0, dx, rx, y0, ry, dy = pan.GetGeoTransform()
    ds.SetGeoTransform((x0, 3 * dx, rx, y0, ry, 3 * dy))
    ds = None
    return ["eo1ali_paris"]


def eight_bit(out: str, name: str) -> str:
    """eightbit_<name>: PAN and MS of pair `name` in `out` rescaled linearly to Byte (see module doc)."""
    import numpy as np

    new = f"eightbit_{name}"
    for role in ("pan", "ms"):
        src = gdal.Open(os.path.join(out, f"{name}_{role}.tif"))
        data = src.ReadAsArray().astype(np.float64)
        lo, hi = float(data.min()), float(data.max())
        scaled = np.rint((data - lo) / max(hi - lo, 1e-12) * 255).astype(np.uint8)
        scaled = scaled.reshape((-1,) + scaled.shape[-2:])
        options = ["COMPRESS=DEFLATE", "TILED=YES", "PHOTOMETRIC=MINISBLACK", "ALPHA=NO"]  # bands, not RGBA
        dst = gdal.GetDriverByName("GTiff").Create(os.path.join(out, f"{new}_{role}.tif"), src.RasterXSize,
                                                    src.RasterYSize, scaled.shape[0], gdal.GDT_Byte,
                                                    options=options)
        dst.SetGeoTransform(src.GetGeoTransform())
        dst.SetProjection(src.GetProjection())
        for b in range(scaled.shape[0]):
            dst.GetRasterBand(b + 1).WriteArray(scaled[b])
        dst = None
    return new


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--out", required=True, help="folder to write (created)")
    ap.add_argument("--no-eight-bit", action="store_true", help="leave out the 8-bit copies")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = quickbird(args.data, args.out) + eo1_ali(args.data, args.out)
    if not args.no_eight_bit:
        names += [eight_bit(args.out, n) for n in list(names)]
    print(f"{len(names)} pairs in {args.out}: {', '.join(names)}")


if __name__ == "__main__":
    main()
