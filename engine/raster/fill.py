"""What invalid input pixels (nodata, masked, NaN / inf) are replaced with before fusion or training."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .blocks import BlockData


@dataclass(frozen=True)
class FillValues:
    """Values put in place of invalid input pixels before fusion (image-wide, so the same for every
    block and block size): PAN value and one value per MS band."""

    pan: float
    ms: np.ndarray


def fill_invalid(data: BlockData, fill: Optional[FillValues]) -> None:
    """Replace invalid pixels so nodata values do not leak through the filters (in place; also used on
    the adaptation's training patches, engine/training/raster_patches.py)."""
    if fill is None:
        return
    if data.pan_valid is not None and not data.pan_valid.all():
        data.pan[~data.pan_valid] = fill.pan
    if data.ms_valid is not None and not data.ms_valid.all():
        invalid = ~data.ms_valid
        for b in range(data.ms.shape[0]):
            data.ms[b][invalid] = fill.ms[b]
