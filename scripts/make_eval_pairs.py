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
Pixel values are copied unchanged (gdal_translate windows); files are NAME_pan.tif / NAME_ms.tif.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--out", required=True, help="folder to write (created)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    names = quickbird(args.data, args.out) + eo1_ali(args.data, args.out)
    print(f"{len(names)} pairs in {args.out}: {', '.join(names)}")


if __name__ == "__main__":
    main()
