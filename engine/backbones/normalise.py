"""The one input normalisation of the deep backbones, shared by training, adaptation and inference.

PAN and MS are divided by the same per-image scale s = 2^bits - 1 (float reflectance: s = 1), so a net sees
values in about [0, 1] whatever the sensor's bit depth, and PAN/MS radiometric ratios are untouched.
bits: the sensor preset's bit depth when the data fit in it, else the smallest common depth
(8, 10, 11, 12, 14, 16) covering the largest PAN or MS value; data whose maximum is at most 4 are taken as
reflectance (s = 1). The output is multiplied back by s.
"""
from __future__ import annotations

COMMON_BITS = (8, 10, 11, 12, 14, 16)
REFLECTANCE_MAX = 4.0


def input_scale(preset_bits: int, data_max: float) -> float:
    """The scale s (see module doc) for a preset bit depth (0: unknown) and the data maximum."""
    if data_max <= REFLECTANCE_MAX:
        return 1.0
    if preset_bits > 0 and data_max <= 2 ** preset_bits - 1:
        return float(2 ** preset_bits - 1)
    for bits in COMMON_BITS:
        if data_max <= 2 ** bits - 1:
            return float(2 ** bits - 1)
    return float(data_max)  # wider than 16 bits (e.g. float radiance): the data maximum itself
