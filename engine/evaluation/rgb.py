"""Which MS bands show as red, green and blue: shared by the dock's result layer and the quicklooks.

No torch or QGIS here (ui/rendering.py imports it on the main thread).
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

COLOURS = ("red", "green", "blue")


def _named(names: Sequence[str]) -> Optional[Tuple[int, int, int]]:
    low = [n.strip().lower() for n in names]
    if all(colour in low for colour in COLOURS):
        return low.index("red") + 1, low.index("green") + 1, low.index("blue") + 1
    return None


def rgb_bands(descriptions: Sequence[str],
              preset_bands: Sequence[str] = ()) -> Optional[Tuple[int, int, int]]:
    """1-based (red, green, blue) band numbers.

    Bands described red/green/blue (case-insensitive) win; then the sensor preset's band order
    (`preset_bands`, e.g. Landsat-7's red,green,blue,...) when it has one name per band; otherwise bands
    3, 2, 1 when there are at least three bands (the common blue-green-red-NIR order); None for one or two
    bands.
    """
    named = _named(descriptions)
    if named is None and len(preset_bands) == len(descriptions):
        named = _named(preset_bands)
    if named is not None:
        return named
    if len(descriptions) >= 3:
        return 3, 2, 1
    return None
