"""Up- and down-sampling between the coarse MS grid and the PAN grid, in torch.

Geometry: the grids share their top-left corner and a coarse cell covers ratio x ratio PAN pixels, so
coarse sample j sits at PAN coordinate j*r + (r-1)/2. Upsamplers and `decimate` both respect this, so
an upsample/decimate round trip introduces no shift.

interp23tap: the standard pansharpening MS upsampler is the 23-tap half-band kernel of the toolboxes,
applied as repeated x2 steps. Its odd taps are exactly the 12-point Lagrange weights at the midpoint
between samples, and the toolbox places input sample j at output 2j (or 2j+1), a shift of a quarter of a
coarse pixel per step against this grid. Here each x2 step evaluates the same 12-point Lagrange
polynomial at the two geometry-correct offsets -1/4 and +1/4 of a coarse pixel. Ratios that are not
powers of two (3, 5, 6, 7) use one step of 12-point Lagrange interpolation at offsets (i-(r-1)/2)/r.
Borders replicate the edge samples.
"""
from __future__ import annotations

from functools import lru_cache
from typing import List, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import EngineError
from .bicubic import bicubic_upsample

LAGRANGE_POINTS = 12
_HALF = LAGRANGE_POINTS // 2  # polyphase kernels span coarse offsets -6..+6 (13 taps, one of them zero)


def upsample(x: torch.Tensor, ratio: int, method: str = "bicubic") -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h*ratio, w*ratio), pixel-centre aligned."""
    if method == "bicubic":
        return bicubic_upsample(x, ratio)  # Keys a = -0.5 as GDAL (see bicubic.py), not torch's -0.75
    if method == "interp23tap":
        return interp23tap(x, ratio)
    if method == "bilinear":
        return F.interpolate(x, scale_factor=ratio, mode="bilinear", align_corners=False)
    if method == "nearest":
        return x.repeat_interleave(ratio, dim=-2).repeat_interleave(ratio, dim=-1)
    raise EngineError(f"unknown upsampler '{method}'")


def upsample_halo(method: str, ratio: int) -> int:
    """PAN pixels of context an upsampled pixel depends on (for block halos)."""
    if method == "interp23tap":
        # x2 cascades need 6 + 3 + 1.5 ... < 12 coarse pixels; one Lagrange step 6 plus the cell's half.
        return (12 if _is_power_of_two(ratio) else _HALF + 1) * ratio
    return 2 * ratio


def decimate(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/ratio, W/ratio) sampled at coarse-cell centres (H, W multiples of ratio).

    For even ratios the centre falls between four pixels, which are averaged.
    """
    if ratio % 2:
        c = (ratio - 1) // 2
        return x[..., c::ratio, c::ratio]
    off = ratio // 2 - 1
    return F.avg_pool2d(x[..., off:, off:], kernel_size=2, stride=ratio)


def area_downsample(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/ratio, W/ratio) by averaging each ratio x ratio cell."""
    return F.avg_pool2d(x, kernel_size=ratio, stride=ratio)


def _is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def lagrange_weights(offset: float, points: int = LAGRANGE_POINTS) -> np.ndarray:
    """Weights (2*(points//2)+1,) on samples -points//2..+points//2 interpolating at `offset` (|offset|<=0.5).

    The `points` samples nearest to the offset are used; the farthest tap on the other side is zero.
    """
    half = points // 2
    nodes = np.arange(-half + 1, half + 1) if offset >= 0 else np.arange(-half, half)
    weights = np.zeros(2 * half + 1)
    for xk in nodes:
        others = nodes[nodes != xk]
        weights[xk + half] = np.prod((offset - others) / (xk - others))
    return weights


@lru_cache(maxsize=32)
def _phase_kernels(ratio: int) -> np.ndarray:
    """(ratio, 13) polyphase kernels: fine pixel i of a cell sits at coarse offset (i - (r-1)/2) / r."""
    return np.stack([lagrange_weights((i - (ratio - 1) / 2) / ratio) for i in range(ratio)])


@lru_cache(maxsize=32)
def _band_matrix(ratio: int, tile: int) -> np.ndarray:
    """(tile*ratio, tile+12) matrix mapping tile+12 padded coarse samples to tile*ratio fine ones."""
    k = _phase_kernels(ratio)
    taps = k.shape[1]
    u = np.zeros((tile * ratio, tile + taps - 1))
    for j in range(tile):
        u[j * ratio:(j + 1) * ratio, j:j + taps] = k
    return u


def _upsample_axis(x: torch.Tensor, ratio: int, dim: int, tile: int = 32) -> torch.Tensor:
    """Polyphase Lagrange upsampling of (B, C, H, W) along dim 2 (rows) or 3 (columns).

    Computed as tiles of a banded matrix product: on CPU, BLAS runs these ~2.5x faster than a
    13-tap convolution with `ratio` output phases.
    """
    n = x.shape[dim]
    extra = -n % tile
    u = torch.as_tensor(_band_matrix(ratio, tile), dtype=x.dtype, device=x.device)
    span = u.shape[1]
    if dim == 2:
        xp = F.pad(x, (0, 0, _HALF, _HALF + extra), mode="replicate")
        windows = xp.unfold(2, span, tile).transpose(-1, -2)  # (B, C, tiles, span, W)
        y = u @ windows
        return y.reshape(x.shape[0], x.shape[1], -1, x.shape[3])[:, :, : n * ratio]
    xp = F.pad(x, (_HALF, _HALF + extra, 0, 0), mode="replicate")
    windows = xp.unfold(3, span, tile)  # (B, C, H, tiles, span)
    y = windows.reshape(-1, span) @ u.t()
    return y.view(x.shape[0], x.shape[1], x.shape[2], -1)[..., : n * ratio]


def interp23tap(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, h*ratio, w*ratio) with the 23-tap (12-point Lagrange) interpolator.

    Powers of two: repeated geometry-correct x2 steps; other ratios: one 12-point Lagrange step.
    """
    steps: List[int] = [2] * (ratio.bit_length() - 1) if _is_power_of_two(ratio) else [ratio]
    for step in steps:
        x = _upsample_axis(_upsample_axis(x, step, 2), step, 3)
    return x


def symmetric_pad(x: torch.Tensor, pads: Tuple[int, int, int, int]) -> torch.Tensor:
    """Pad (..., H, W) by (left, right, top, bottom) mirroring with the edge repeated (MATLAB 'symmetric')."""
    left, right, top, bottom = pads
    h, w = x.shape[-2:]
    if max(top, bottom) > h or max(left, right) > w:  # pads wider than the image: mirror periodically
        rows = _mirror_index(h, top, bottom, x.device)
        cols = _mirror_index(w, left, right, x.device)
        return x.index_select(-2, rows).index_select(-1, cols)
    x = torch.cat([x[..., :top, :].flip(-2), x, x[..., h - bottom:, :].flip(-2)], dim=-2)
    return torch.cat([x[..., :left].flip(-1), x, x[..., w - right:].flip(-1)], dim=-1)


def _mirror_index(n: int, before: int, after: int, device: torch.device) -> torch.Tensor:
    idx = torch.arange(-before, n + after, device=device)
    period = torch.cat([torch.arange(n, device=device), torch.arange(n - 1, -1, -1, device=device)])
    return period[idx % (2 * n)]


def _cubic(t: np.ndarray) -> np.ndarray:
    """Keys cubic kernel with a = -0.5 (MATLAB imresize 'bicubic')."""
    a = np.abs(t)
    near = (1.5 * a ** 3 - 2.5 * a ** 2 + 1.0) * (a <= 1)
    far = (-0.5 * a ** 3 + 2.5 * a ** 2 - 4.0 * a + 2.0) * ((a > 1) & (a <= 2))
    return near + far


@lru_cache(maxsize=16)
def _bicubic_down_taps(ratio: int) -> Tuple[np.ndarray, int]:
    """Normalised taps of the antialiased bicubic reduction by `ratio` and the offset of the first tap."""
    first = -2 * ratio + (ratio + 1) // 2
    m = np.arange(first, 3 * ratio)
    taps = _cubic(((ratio - 1) / 2 - m) / ratio)
    keep = np.nonzero(taps)[0]
    taps, first = taps[keep[0]:keep[-1] + 1], int(m[keep[0]])
    return taps / taps.sum(), first


def bicubic_downsample(x: torch.Tensor, ratio: int) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, H/ratio, W/ratio) like MATLAB imresize(x, 1/ratio) (bicubic, antialiased).

    Output pixel i is centred on input coordinate i*ratio + (ratio-1)/2 (this project's grid), the
    kernel is the Keys cubic stretched by `ratio`, borders mirror symmetrically as imresize does.
    """
    taps, first = _bicubic_down_taps(ratio)
    n = len(taps)
    h, w = x.shape[-2:]
    pad_before, pad_after = -first, first + n - ratio
    xp = symmetric_pad(x, (pad_before, pad_after, pad_before, pad_after))
    b, c = x.shape[:2]
    k = torch.as_tensor(taps, dtype=x.dtype, device=x.device)
    y = xp.reshape(b * c, 1, *xp.shape[-2:])
    y = F.conv2d(y, k.view(1, 1, n, 1), stride=(ratio, 1))
    y = F.conv2d(y, k.view(1, 1, 1, n), stride=(1, ratio))
    return y.reshape(b, c, h // ratio, w // ratio)
