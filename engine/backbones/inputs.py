"""The MS on the PAN grid exactly as the deep methods feed it to a net (training and adaptation too)."""
from __future__ import annotations

import torch

from ..physics.bicubic import bicubic_upsample
from ..physics.resample import upsample


def net_upsample(ms: torch.Tensor, ratio: int, upsampler: str) -> torch.Tensor:
    """The MS (B, C, h, w) on the PAN grid as the deep methods feed it to a net (and adaptation trains on it).

    Bicubic takes the multiply-add path, not matrix products: inside QGIS a system BLAS loaded by QGIS
    takes over the `sgemm_` symbol torch calls, and the last-bit differences of another BLAS, small for
    classical methods, become 1 DN differences once a deep net has amplified them; the multiply-add path
    gives the same bits in every process, for about 1 % of a block's inference time.
    """
    if upsampler == "bicubic":
        return bicubic_upsample(ms, ratio, matrix_products=False)
    return upsample(ms, ratio, upsampler)
