"""Q2n (Q4 for 4 bands, Q8 for 8): the hypercomplex universal image quality index, in torch.

Each pixel's spectrum is a hypercomplex number of 2^n components (bands padded with zero bands to a
power of two). On every 32x32 block, both images are normalised band by band with the *reference*
block's mean and (N-1) standard deviation, x -> (x - m)/s + 1, and
    q = cov(z, z') * 2 |m_z| |m_z'| / (|m_z|^2 + |m_z'|^2) * 2 / (s_z^2 + s_z'^2)
where cov(z, z') is the hypercomplex covariance E[z conj(z')] - m_z conj(m_z') (N-1 normalised) and
s_z^2 the summed band variances. The block value is |q|; Q2n is the mean over blocks (1 is ideal).
This follows the reference toolbox (Garzelli & Nencini's onion quality) including its conventions:
the Cayley-Dickson product and conjugation of its recursion, std 0 replaced by eps, no scaling of the
test block when the reference block mean is exactly 0, symmetric padding to whole blocks, and a block
with no variance scoring its mean term alone.

Rounding: the toolbox casts both images to uint16 first (rounds, clips to [0, 65535]). The default here
computes on the float values as given (rounding="none"); rounding="matlab" reproduces the cast.
Everything is computed from each block's band means and covariance matrix (blocks.block_moments: one
batched matmul), so the normalisation is applied to the moments, not to the pixels: differentiable,
batched (per-item values (B,)) and device-agnostic.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch

from ..physics.resample import symmetric_pad
from .blocks import block_moments

ROUNDINGS = ("none", "matlab")


def _conj(v: np.ndarray) -> np.ndarray:
    out = -v
    out[0] = v[0]
    return out


def _cd_product(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Product of two 2^n-component numbers by the toolbox's Cayley-Dickson recursion."""
    n = p.shape[0]
    if n == 1:
        return p * q
    h = n // 2
    a, b, c, d = p[:h], p[h:], q[:h], q[h:]
    first = _cd_product(a, c) - _cd_product(_conj(d), b)
    second = _cd_product(_conj(a), _conj(d)) + _cd_product(c, _conj(b))
    return np.concatenate([first, second])


@lru_cache(maxsize=8)
def product_table(n: int) -> np.ndarray:
    """(n, n, n) structure constants T with (p q)_k = sum_ij T[k, i, j] p_i q_j."""
    eye = np.eye(n)
    table = np.zeros((n, n, n))
    for i in range(n):
        for j in range(n):
            table[:, i, j] = _cd_product(eye[i], eye[j])
    return table


def matlab_uint16(x: torch.Tensor) -> torch.Tensor:
    """Values as MATLAB's uint16() leaves them: rounded half away from zero, saturated to [0, 65535]."""
    return torch.clamp(torch.floor(x + 0.5), 0, 65535)


def _prepare(reference: torch.Tensor, test: torch.Tensor, block: int, rounding: str) -> tuple:
    """Round as asked and pad to whole blocks (symmetric, like the toolbox)."""
    if reference.shape != test.shape:
        raise ValueError(f"Q2n needs equal shapes, got {tuple(reference.shape)} and {tuple(test.shape)}")
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, got '{rounding}'")
    if rounding == "matlab":
        reference, test = matlab_uint16(reference), matlab_uint16(test)
    h, w = reference.shape[-2:]
    ph, pw = -h % block, -w % block
    if ph or pw:
        reference, test = (symmetric_pad(t, (0, pw, 0, ph)) for t in (reference, test))
    return reference, test


def _pad_bands(x: torch.Tensor, n: int, dims: int) -> torch.Tensor:
    """Zero-pad the last `dims` dimensions of x to size n (the power-of-two band count)."""
    pad = []
    for _ in range(dims):
        pad += [0, n - x.shape[-1]]
    return torch.nn.functional.pad(x, pad)


def q2n_blocks(mean: torch.Tensor, cov: torch.Tensor, bands: int, n_pix: int) -> torch.Tensor:
    """Block values |q| (B, K) from the moments of [reference bands, test bands] (see blocks.block_moments).

    Equivalent to normalising every block as the toolbox does: x = (r - m_r)/s + 1, y = (t - m_r)/s + 1
    (y = t - m_r + 1 where m_r = 0), conjugating y, and taking the hypercomplex covariance; zero bands up
    to the power of two n have mean 1 after normalisation and no variance.
    """
    c = bands
    n = 1 << max(0, math.ceil(math.log2(c)))
    unbiased = n_pix / (n_pix - 1)
    var = torch.diagonal(cov, dim1=-2, dim2=-1) * unbiased
    var_r, var_t = var[..., :c], var[..., c:]
    m_r, m_t = mean[..., :c], mean[..., c:]
    eps = torch.finfo(mean.dtype).eps
    s = torch.where(var_r > 0, torch.sqrt(torch.clamp(var_r, min=torch.finfo(mean.dtype).tiny)),
                    torch.full_like(var_r, eps))
    d = torch.where(m_r == 0, torch.ones_like(s), s)
    sign = torch.ones(n, dtype=mean.dtype, device=mean.device)
    sign[1:] = -1
    k = cov[..., :c, c:] * unbiased / (s.unsqueeze(-1) * d.unsqueeze(-2)) * sign[:c]
    var_sum = (var_r / s.square()).sum(-1) + (var_t / d.square()).sum(-1)
    my = _pad_bands((m_t - m_r) / d, n, 1) + 1
    my = my * sign
    table = torch.as_tensor(product_table(n), dtype=mean.dtype, device=mean.device)
    qv = torch.einsum("kij,...ij->...k", table, _pad_bands(k, n, 2))
    nx = math.sqrt(n)  # every normalised reference band has mean 1
    ny = torch.linalg.vector_norm(my, dim=-1)
    mean_bias = 2 * nx * ny / (nx * nx + ny.square())
    flat = var_sum == 0
    scale = mean_bias * 2 / torch.where(flat, torch.ones_like(var_sum), var_sum)
    q = qv * scale.unsqueeze(-1)
    q_flat = torch.zeros_like(q)
    q_flat[..., -1] = mean_bias
    return torch.linalg.vector_norm(torch.where(flat.unsqueeze(-1), q_flat, q), dim=-1)


def q2n_map(reference: torch.Tensor, test: torch.Tensor, block: int = 32,
            rounding: str = "none") -> torch.Tensor:
    """Block values (B, ceil(H/block), ceil(W/block)) of Q2n for (B, C, H, W) images."""
    ref, tst = _prepare(reference, test, block, rounding)
    mean, cov = block_moments([ref, tst], block)
    values = q2n_blocks(mean, cov, ref.shape[1], block * block)
    return values.reshape(ref.shape[0], ref.shape[-2] // block, ref.shape[-1] // block)


def q2n(reference: torch.Tensor, test: torch.Tensor, block: int = 32, rounding: str = "none") -> torch.Tensor:
    """Q2n of test against reference, (B, C, H, W) each -> (B,); higher is better, 1 is ideal.

    The argument order matters: the reference's block statistics normalise both images.
    """
    return q2n_map(reference, test, block, rounding).mean(dim=(-2, -1))
