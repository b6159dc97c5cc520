"""Gaussian noise drawn from global pixel coordinates and a seed, so tiled inference equals whole-image
inference.

A counter-based generator: every value is a pure function of the integer key (seed, sample, step, band,
global row, global col), hashed by a 32-bit integer mixer (xorshift-multiply rounds, all arithmetic in
int64 with products below 2^63, so no overflow on any device) into two uniform numbers, turned into one
standard normal value by Box-Muller (float64, then the requested dtype). A block, a tile or the whole image
asks for the values of its own pixels and gets the same numbers for the same pixels.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch

MASK = 0xFFFFFFFF
# Odd multipliers below 2^31, so a 32-bit value times one stays below 2^63 in int64.
_M1, _M2 = 0x7FEB352D, 0x2C1B3C6D
_GOLDEN = 0x1E3779B9
#: added to coordinates so a halo reaching above or left of the image (negative rows/columns) hashes fine
COORD_OFFSET = 1 << 20


def mix32(x: torch.Tensor) -> torch.Tensor:
    """A 32-bit integer hash of int64 values in [0, 2^32): (...) int64 -> (...) int64 in [0, 2^32)."""
    x = x & MASK
    x = x ^ (x >> 16)
    x = (x * _M1) & MASK
    x = x ^ (x >> 15)
    x = (x * _M2) & MASK
    x = x ^ (x >> 16)
    return x


def _absorb(h: torch.Tensor, value: torch.Tensor | int) -> torch.Tensor:
    """Fold one more key component into a running hash."""
    return mix32((h + _GOLDEN) ^ (torch.as_tensor(value, dtype=torch.int64, device=h.device) & MASK))


def key_hash(seed: int, sample: int, step: int, bands: Sequence[int], origin: Tuple[int, int],
             size: Tuple[int, int], device: torch.device) -> torch.Tensor:
    """(len(bands), H, W) int64 hashes of (seed, sample, step, band, origin row + i, origin col + j)."""
    h0 = mix32(torch.tensor([seed & MASK], dtype=torch.int64, device=device))
    h0 = _absorb(_absorb(h0, sample), step)
    band = torch.as_tensor(list(bands), dtype=torch.int64, device=device).view(-1, 1, 1)
    rows = torch.arange(size[0], dtype=torch.int64, device=device).view(1, -1, 1) + origin[0] + COORD_OFFSET
    cols = torch.arange(size[1], dtype=torch.int64, device=device).view(1, 1, -1) + origin[1] + COORD_OFFSET
    h = _absorb(h0.view(1, 1, 1).expand(band.shape[0], 1, 1), band)
    h = _absorb(h, rows)
    return _absorb(h, cols)


def global_noise(seed: int, sample: int, step: int, bands: Sequence[int], origin: Tuple[int, int],
                 size: Tuple[int, int], device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Standard normal noise (1, len(bands), H, W) for the pixels [origin, origin + size) of the image grid
    (origin: (row, col) of the top-left pixel, global, may be negative in a halo), band indices `bands`
    (global band numbers, so band groups draw each band's own noise), sample index, sampler step and seed."""
    device = torch.device(device)
    h = key_hash(seed, sample, step, bands, origin, size, device)
    u1 = (mix32(h ^ 0x5BD1E995).double() + 0.5) / 2.0 ** 32  # in (0, 1): log is finite
    u2 = (mix32(h + 0x68E31DA4).double() + 0.5) / 2.0 ** 32
    z = torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(2.0 * torch.pi * u2)
    return z.to(dtype).unsqueeze(0)
