"""A built-in 5 x 7 bitmap font for the quicklooks' titles (printable ASCII), drawn with numpy.

Why built in: GDAL and torch cannot draw text, Qt is not allowed in engine/, and Pillow is not a dependency
of QGIS (on Debian it comes only with matplotlib), so using it would mean one more package to install in
the Python QGIS runs, for a few lines of labels. 95 glyphs of 7 rows are 2 kB of source. The shapes follow
the classic HD44780 character-LCD font. Characters outside printable ASCII are drawn as '?'.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

GLYPH_W, GLYPH_H = 5, 9  # 7 rows above the baseline, 2 for descenders
ADVANCE = GLYPH_W + 1  # one column of space between characters

# 14 hex digits per glyph: 7 rows, top to bottom, bit 4 = leftmost column. Order: ' ' (32) to '~' (126).
# Letters with descenders are redrawn on 9 rows in _DESCENDERS (the LCD font squeezes them into 7).
_GLYPHS = (
    "00000000000000 04040404000004 0A0A0A00000000 0A0A1F0A1F0A0A 040F140E051E04 18190204081303 "
    "0C12140815120D 0C040800000000 02040808080402 08040202020408 0004150E150400 0004041F040400 "
    "000000000C0408 0000001F000000 00000000000C0C 00010204081000 0E11131519110E 040C040404040E "
    "0E11010204081F 1F02040201110E 02060A121F0202 1F101E0101110E 0608101E11110E 1F010204080808 "
    "0E11110E11110E 0E11110F01020C 000C0C000C0C00 000C0C000C0408 02040810080402 00001F001F0000 "
    "08040201020408 0E110102040004 0E11010D15150E 0E1111111F1111 1E11111E11111E 0E11101010110E "
    "1C12111111121C 1F10101E10101F 1F10101E101010 0E11101711110F 1111111F111111 0E04040404040E "
    "0702020202120C 11121418141211 1010101010101F 111B1515111111 11111915131111 0E11111111110E "
    "1E11111E101010 0E11111115120D 1E11111E141211 0F10100E01011E 1F040404040404 1111111111110E "
    "11111111110A04 1111111515150A 11110A040A1111 1111110A040404 1F01020408101F 0E08080808080E "
    "00100804020100 0E02020202020E 040A1100000000 0000000000001F 08040200000000 00000E010F110F "
    "1010161911111E 00000E1010110E 01010D1311110F 00000E111F100E 0609081C080808 000F11110F010E "
    "10101619111111 04000C0404040E 0200060202120C 10101214181412 0C04040404040E 00001A15151111 "
    "00001619111111 00000E1111110E 00001E111E1010 00000D130F0101 00001619101010 00000E100E011E "
    "08081C08080906 0000111111130D 00001111110A04 0000111115150A 0000110A040A11 000011110F010E "
    "00001F0204081F 02040408040402 04040404040404 08040402040408 00000815020000"
)


_DESCENDERS = {"g": "00000F1111110F010E", "j": "02000602020202120C", "p": "00001E1111111E1010",
               "q": "00000F1111110F0101", "y": "0000111111110F010E"}


def _bits(code: str) -> np.ndarray:
    """(9, 5) bool of a glyph given as 7 or 9 rows of two hex digits (7 rows: 2 empty rows added)."""
    rows = [int(code[2 * r:2 * r + 2], 16) for r in range(len(code) // 2)] + [0, 0]
    return np.array([[(row >> (GLYPH_W - 1 - c)) & 1 for c in range(GLYPH_W)] for row in rows[:GLYPH_H]],
                    dtype=bool)


def _table() -> Dict[str, np.ndarray]:
    codes = _GLYPHS.replace(" ", "")
    table = {chr(32 + i): _bits(codes[i * 14:(i + 1) * 14]) for i in range(len(codes) // 14)}
    table.update({ch: _bits(code.replace(" ", "")) for ch, code in _DESCENDERS.items()})
    return table


FONT = _table()


def text_width(text: str, scale: int = 1) -> int:
    """Width in pixels of `text` drawn at `scale` (no trailing space)."""
    return max(0, len(text) * ADVANCE - 1) * scale


def text_mask(text: str, scale: int = 1) -> np.ndarray:
    """(9 * scale, text_width) bool: True where the text's pixels are."""
    mask = np.zeros((GLYPH_H, max(1, len(text) * ADVANCE - 1)), dtype=bool)
    for i, ch in enumerate(text):
        mask[:, i * ADVANCE:i * ADVANCE + GLYPH_W] = FONT.get(ch, FONT["?"])
    return mask.repeat(scale, axis=0).repeat(scale, axis=1)


def fit_text(text: str, width: int, scales: Tuple[int, ...] = (2, 1)) -> Tuple[str, int]:
    """(text, scale): the largest scale at which `text` fits in `width` px, else the smallest scale with the
    text cut and ending in '..'."""
    for scale in scales:
        if text_width(text, scale) <= width:
            return text, scale
    scale = scales[-1]
    keep = max(0, (width // scale + 1) // ADVANCE - 2)
    return text[:keep] + "..", scale


def draw_text(canvas: np.ndarray, text: str, x: int, y: int, colour: Tuple[int, int, int],
              scale: int = 1) -> None:
    """Draw `text` into an (H, W, 3) uint8 canvas, the top-left corner of its 9-row cells at (x, y) (clipped
    at the canvas edges)."""
    mask = text_mask(text, scale)
    h, w = canvas.shape[:2]
    mh, mw = min(mask.shape[0], h - y), min(mask.shape[1], w - x)
    if mh <= 0 or mw <= 0 or x < 0 or y < 0:
        return
    region = canvas[y:y + mh, x:x + mw]
    region[mask[:mh, :mw]] = colour
