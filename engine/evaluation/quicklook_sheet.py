"""Layout of a quicklook: panels with titles in a grid, a heading, the detail-energy map, PNG bytes.

Plain numpy and GDAL (the PNG driver): no torch, no Qt. Images are (H, W, 3) uint8.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from osgeo import gdal

from ..errors import EngineError
from .quicklook_font import GLYPH_H, draw_text, fit_text, text_width

BACKGROUND = (32, 32, 32)
TEXT = (235, 235, 235)
SUBTEXT = (170, 170, 170)
NODATA = (90, 90, 90)  # pixels that are nodata in an input (and map cells without a valid pixel)
OUTLINE = (0, 255, 255)  # the chosen window on the detail map: cyan stands out of the magma ramp
MARGIN, GAP = 8, 8
TITLE_H = 2 * GLYPH_H + 1 + GLYPH_H + 2  # title at scale 2, subtitle at scale 1
LINE_H = GLYPH_H + 1  # heading lines, scale 1
MAX_COLUMNS = 5
# An approximation of matplotlib's 'magma' ramp (dark = little detail, light = much), in 5 stops.
RAMP = np.array([(0, 0, 4), (80, 18, 123), (182, 54, 121), (251, 136, 97), (252, 253, 191)], dtype=np.float64)


Box = Tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass
class Tile:
    """One cell of the sheet: an image (h, w, 3) uint8, its title (large) and subtitle (small)."""

    image: np.ndarray
    title: str
    subtitle: str = ""


def stretch_rgb(data: np.ndarray, valid: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(3, h, w) values -> (h, w, 3) uint8 with (v - low) / (high - low) per band clipped to [0, 1];
    invalid pixels NODATA. low, high: (3,) in data units, the same for every panel of a sheet."""
    scale = 255.0 / np.maximum(high - low, 1e-12)
    out = (data - low[:, None, None]) * scale[:, None, None]
    img = np.clip(np.rint(out), 0, 255).astype(np.uint8).transpose(1, 2, 0).copy()
    img[~valid] = NODATA
    return img


def ramp(values: np.ndarray) -> np.ndarray:
    """(h, w) values in [0, 1] -> (h, w, 3) uint8 colours of RAMP (linear between its stops)."""
    t = np.clip(values, 0.0, 1.0) * (len(RAMP) - 1)
    i = np.minimum(t.astype(int), len(RAMP) - 2)
    f = (t - i)[..., None]
    return np.rint(RAMP[i] * (1 - f) + RAMP[i + 1] * f).astype(np.uint8)


def energy_image(cells: np.ndarray, cell_valid: np.ndarray, window: Box,
                 fit: Tuple[int, int]) -> np.ndarray:
    """The detail map: per-cell RMS high-pass (sqrt of the mean energy), 2-98 % stretched on the magma ramp,
    cells without a valid pixel grey, scaled by an integer factor (nearest) to fit (width, height), the
    chosen window (x, y, w, h in cells) outlined."""
    rms = np.sqrt(np.maximum(cells, 0.0))
    shown = rms[cell_valid] if cell_valid.any() else np.zeros(1)
    lo, hi = np.percentile(shown, (2, 98))
    img = ramp((rms - lo) / max(hi - lo, 1e-12))
    img[~cell_valid] = NODATA
    gh, gw = cells.shape
    up = max(1, min(fit[0] // gw, fit[1] // gh))
    down = max(1, -(-gw // fit[0]), -(-gh // fit[1]))  # a search region larger than the panel: subsample
    img = img[::down, ::down].repeat(up, axis=0).repeat(up, axis=1)
    x, y, w, h = (round(v * up / down) for v in window)
    _outline(img, x, y, max(w, 3), max(h, 3), OUTLINE, 2)
    return img


def _outline(img: np.ndarray, x: int, y: int, w: int, h: int, colour: Tuple[int, int, int],
             thickness: int) -> None:
    """Draw a rectangle's border (inside [x, x+w) x [y, y+h), clipped to the image)."""
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    t = thickness
    img[y0:min(y1, y0 + t), x0:x1] = colour
    img[max(y0, y1 - t):y1, x0:x1] = colour
    img[y0:y1, x0:min(x1, x0 + t)] = colour
    img[y0:y1, max(x0, x1 - t):x1] = colour


def wrap(text: str, width: int) -> List[str]:
    """Words of text in lines of at most `width` px at scale 1 (a longer word is cut by fit_text)."""
    lines: List[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def compose(tiles: Sequence[Tile], heading: Sequence[str]) -> Tuple[np.ndarray, List[Box]]:
    """The sheet (H, W, 3) uint8: heading lines on top, then the tiles row by row (at most MAX_COLUMNS per
    row, each cell as large as the largest tile), each with its title above; and where each tile's image
    lies in it, (x, y, w, h)."""
    cols = min(len(tiles), MAX_COLUMNS)
    rows = -(-len(tiles) // cols)
    cell_w = max(t.image.shape[1] for t in tiles)
    cell_h = max(t.image.shape[0] for t in tiles)
    width = 2 * MARGIN + cols * cell_w + (cols - 1) * GAP
    lines = [line for text in heading for line in wrap(text, width - 2 * MARGIN)]
    top = MARGIN + len(lines) * LINE_H + (GAP if lines else 0)
    height = top + rows * (TITLE_H + cell_h) + (rows - 1) * GAP + MARGIN
    canvas = np.empty((height, width, 3), dtype=np.uint8)
    canvas[:] = BACKGROUND
    for i, line in enumerate(lines):
        text, scale = fit_text(line, width - 2 * MARGIN, (1,))
        draw_text(canvas, text, MARGIN, MARGIN + i * LINE_H, TEXT, scale)
    boxes = []
    for k, tile in enumerate(tiles):
        x = MARGIN + (k % cols) * (cell_w + GAP)
        y = top + (k // cols) * (TITLE_H + cell_h + GAP)
        title, scale = fit_text(tile.title, cell_w)
        draw_text(canvas, title, x, y, TEXT, scale)
        sub, _ = fit_text(tile.subtitle, cell_w, (1,))
        draw_text(canvas, sub, x, y + 2 * GLYPH_H + 1, SUBTEXT, 1)
        h, w = tile.image.shape[:2]
        canvas[y + TITLE_H:y + TITLE_H + h, x:x + w] = tile.image
        boxes.append((x, y + TITLE_H, w, h))
    return canvas, boxes


def png_bytes(image: np.ndarray) -> bytes:
    """Encode an (H, W, 3) uint8 image as PNG with GDAL's PNG driver: no georeference, no world file, no
    .aux.xml (the image is made in memory, so nothing is written next to the target)."""
    from ..raster import inputs  # noqa: F401 - sets gdal.UseExceptions()

    h, w = image.shape[:2]
    mem = gdal.GetDriverByName("MEM").Create("", w, h, 3, gdal.GDT_Byte)
    for b in range(3):
        mem.GetRasterBand(b + 1).WriteArray(image[:, :, b])
    name = f"/vsimem/quicklook-{uuid.uuid4().hex}.png"
    try:
        gdal.GetDriverByName("PNG").CreateCopy(name, mem, options=["WORLDFILE=NO"])
        f = gdal.VSIFOpenL(name, "rb")
        if f is None:
            raise EngineError("cannot encode the quicklook PNG")
        try:
            gdal.VSIFSeekL(f, 0, 2)
            size = gdal.VSIFTellL(f)
            gdal.VSIFSeekL(f, 0, 0)
            data = bytes(gdal.VSIFReadL(1, size, f))
        finally:
            gdal.VSIFCloseL(f)
    finally:
        for leftover in (name, name + ".aux.xml"):
            if gdal.VSIStatL(leftover) is not None:
                gdal.Unlink(leftover)
    return data
