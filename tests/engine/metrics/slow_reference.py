"""Slow, independent reference implementations of the indices: numpy float64 and plain loops.

Written from the published definitions and the MATLAB toolbox's structure (onions_quality, blockproc
with uqi, SAM/ERGAS/SCC loops), deliberately not sharing code or formulation with engine.metrics: Q2n
here multiplies every pixel's hypercomplex numbers by the recursive Cayley-Dickson rule and uses the
toolbox's uncentred moment formulas; the engine uses a product table and centred block matmuls.
Arrays are (C, H, W).
"""
from __future__ import annotations

import math

import numpy as np


def conj(v: np.ndarray) -> np.ndarray:
    neg = -np.ones(v.shape[0])
    neg[0] = 1
    return v * neg


def onion_product(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Toolbox cayley_dickson_property_1d for one pair of 2^n vectors."""
    n = p.shape[0]
    if n == 1:
        return p * q
    half = n // 2
    a, b, c, d = p[:half], conj(p[half:]), q[:half], conj(q[half:])
    if n == 2:
        return np.array([a[0] * c[0] - d[0] * b[0], a[0] * d[0] + c[0] * b[0]])
    left = onion_product(a, c) - onion_product(d, conj(b))
    right = onion_product(conj(a), d) + onion_product(c, b)
    return np.concatenate([left, right])


def onions_quality(ref: np.ndarray, fus: np.ndarray) -> np.ndarray:
    """Toolbox onions_quality on one block (C, S, S) -> hypercomplex q (C,)."""
    ref = ref.astype(np.float64).copy()
    fus = fus.astype(np.float64).copy()
    n_bands, size, _ = ref.shape
    for i in range(n_bands):
        mean = ref[i].mean()
        std = ref[i].std(ddof=1)
        if std == 0:
            std = np.finfo(np.float64).eps
        ref[i] = (ref[i] - mean) / std + 1
        fus[i] = fus[i] - mean + 1 if mean == 0 else (fus[i] - mean) / std + 1
        if i > 0:
            fus[i] = -fus[i]
    n = size * size
    m1 = np.array([ref[i].mean() for i in range(n_bands)])
    m2 = np.array([fus[i].mean() for i in range(n_bands)])
    mod1 = sum(ref[i] ** 2 for i in range(n_bands))
    mod2 = sum(fus[i] ** 2 for i in range(n_bands))
    term2 = math.sqrt((m1 ** 2).sum()) * math.sqrt((m2 ** 2).sum())
    term4 = (m1 ** 2).sum() + (m2 ** 2).sum()
    term3 = n / (n - 1) * (mod1.mean() + mod2.mean() - term4)
    mean_bias = 2 * term2 / term4
    if term3 == 0:
        q = np.zeros(n_bands)
        q[-1] = mean_bias
        return q
    acc = np.zeros(n_bands)
    for y in range(size):
        for x in range(size):
            acc += onion_product(ref[:, y, x], fus[:, y, x])
    qv = n / (n - 1) * acc / n
    qm = onion_product(m1, m2)
    return (qv - n / (n - 1) * qm) * mean_bias * 2 / term3


def q2n(ref: np.ndarray, fus: np.ndarray, block: int = 32) -> float:
    """Toolbox q2n(I_GT, I_F, block, block) without the uint16 cast."""
    c, h, w = ref.shape
    ph, pw = -h % block, -w % block
    ref = np.pad(ref, ((0, 0), (0, ph), (0, pw)), mode="symmetric")
    fus = np.pad(fus, ((0, 0), (0, ph), (0, pw)), mode="symmetric")
    bands = 2 ** math.ceil(math.log2(c))
    if bands != c:
        zeros = np.zeros((bands - c,) + ref.shape[1:])
        ref, fus = np.concatenate([ref, zeros]), np.concatenate([fus, zeros])
    values = []
    for by in range(ref.shape[1] // block):
        for bx in range(ref.shape[2] // block):
            win = (slice(None), slice(by * block, (by + 1) * block), slice(bx * block, (bx + 1) * block))
            values.append(math.sqrt((onions_quality(ref[win], fus[win]) ** 2).sum()))
    return float(np.mean(values))


def uqi(x: np.ndarray, y: np.ndarray) -> float:
    """Wang-Bovik Q of two equal blocks, with their degenerate-case conventions."""
    x, y = x.ravel().astype(np.float64), y.ravel().astype(np.float64)
    mx, my = x.mean(), y.mean()
    cov = np.cov(x, y)
    var_term = cov[0, 0] + cov[1, 1]
    mean_term = mx ** 2 + my ** 2
    if var_term * mean_term != 0:
        return float(4 * cov[0, 1] * mx * my / (var_term * mean_term))
    if var_term == 0 and mean_term != 0:
        return float(2 * mx * my / mean_term)
    return 1.0


def block_mean_uqi(x: np.ndarray, y: np.ndarray, block: int = 32) -> float:
    """blockproc(x, [S S], uqi) then mean2 (x, y: (H, W), multiples of block)."""
    values = []
    for by in range(x.shape[0] // block):
        for bx in range(x.shape[1] // block):
            win = (slice(by * block, (by + 1) * block), slice(bx * block, (bx + 1) * block))
            values.append(uqi(x[win], y[win]))
    return float(np.mean(values))


def d_lambda(fused: np.ndarray, ms_up: np.ndarray, block: int = 32) -> float:
    total, count = 0.0, 0
    for i in range(fused.shape[0] - 1):
        for j in range(i + 1, fused.shape[0]):
            high = block_mean_uqi(fused[i], fused[j], block)
            total += abs(high - block_mean_uqi(ms_up[i], ms_up[j], block))
            count += 1
    return total / count


def d_s(fused: np.ndarray, pan: np.ndarray, ms_up: np.ndarray, pan_low: np.ndarray, block: int = 32) -> float:
    total = 0.0
    for b in range(fused.shape[0]):
        total += abs(block_mean_uqi(fused[b], pan, block) - block_mean_uqi(ms_up[b], pan_low, block))
    return total / fused.shape[0]


def sam(fused: np.ndarray, ref: np.ndarray) -> float:
    """Degrees; pixels with a zero norm product skipped (toolbox SAM)."""
    angles = []
    for y in range(ref.shape[1]):
        for x in range(ref.shape[2]):
            a, b = ref[:, y, x].astype(np.float64), fused[:, y, x].astype(np.float64)
            norm = math.sqrt(float(a @ a) * float(b @ b))
            if norm != 0:
                angles.append(math.acos(max(-1.0, min(1.0, float(a @ b) / norm))))
    return math.degrees(float(np.mean(angles)))


def ergas(fused: np.ndarray, ref: np.ndarray, ratio: int) -> float:
    total = 0.0
    for b in range(ref.shape[0]):
        total += np.mean((ref[b] - fused[b]) ** 2) / np.mean(ref[b]) ** 2
    return float(100 / ratio * math.sqrt(total / ref.shape[0]))


def sobel_magnitude(band: np.ndarray) -> np.ndarray:
    h, w = band.shape
    out = np.zeros((h - 2, w - 2))
    for y in range(1, h - 1):
        for x in range(1, w - 1):
            p = band[y - 1:y + 2, x - 1:x + 2]
            gy = p[0, 0] + 2 * p[0, 1] + p[0, 2] - p[2, 0] - 2 * p[2, 1] - p[2, 2]
            gx = p[0, 0] + 2 * p[1, 0] + p[2, 0] - p[0, 2] - 2 * p[1, 2] - p[2, 2]
            out[y - 1, x - 1] = math.sqrt(gx * gx + gy * gy)
    return out


def scc(fused: np.ndarray, ref: np.ndarray) -> float:
    gf = np.stack([sobel_magnitude(b) for b in fused.astype(np.float64)])
    gr = np.stack([sobel_magnitude(b) for b in ref.astype(np.float64)])
    return float((gf * gr).sum() / math.sqrt((gf ** 2).sum() * (gr ** 2).sum()))


def psnr(fused: np.ndarray, ref: np.ndarray, peak: float) -> float:
    return float(10 * math.log10(peak ** 2 / np.mean((fused - ref) ** 2)))


def _cumulative_halves(img: np.ndarray) -> np.ndarray:
    img = (img - img.mean()) / img.std(ddof=1)
    if img.shape[1] % 2:
        img = np.concatenate([img, np.zeros((img.shape[0], 1, img.shape[2]))], axis=1)
    h, w = img.shape[1:]
    spec = np.fft.fft2(img)[:, :, : w // 2 + 1]  # full FFT, keep the non-negative horizontal frequencies
    halves = [spec[:, : h // 2, :], spec[:, h // 2:, :][:, ::-1, :]]
    out = []
    for half in halves:
        acc = np.zeros_like(half)
        for y in range(half.shape[1]):
            for x in range(half.shape[2]):
                up = acc[:, y - 1, x] if y else 0
                left = acc[:, y, x - 1] if x else 0
                corner = acc[:, y - 1, x - 1] if x and y else 0
                acc[:, y, x] = half[:, y, x] + up + left - corner
        out.append(acc)
    return np.stack(out)


def fsds(fused: np.ndarray, ref: np.ndarray) -> float:
    p, t = _cumulative_halves(fused.astype(np.float64)), _cumulative_halves(ref.astype(np.float64))
    return float(-10 * math.log10((np.abs(p - t) ** 2).sum() / (np.abs(t) ** 2).sum()))
