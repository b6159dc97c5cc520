"""Full-resolution indices (no reference): D_lambda, D_s, QNR, Khan's D_lambda^K and HQNR, in torch.

Inputs: fused (B, C, H, W) on the PAN grid, pan (B, 1, H, W), the MS upsampled to the PAN grid
`ms_up` (B, C, H, W) and, where a filter is needed, the ratio and the MS Nyquist gains. Settings follow
the reference toolbox (Vivone et al., toolbox 1.0 options): Q on 32 x 32 blocks, p = q = 1, and
    D_lambda   = mean over band pairs i<j of |Q(F_i, F_j) - Q(M_i, M_j)|      M = upsampled MS
    D_s        = mean over bands b of |Q(F_b, P) - Q(M_b, P_low)|             P_low = up(imresize(P, 1/r))
    QNR        = (1 - D_lambda)(1 - D_s)
    D_lambda^K = 1 - Q2n(M, MTF(F))   reference: upsampled MS; test: fused low-passed by the MS MTFs
    HQNR       = (1 - D_lambda^K)(1 - D_s)
Images are cropped to whole blocks (the toolbox refuses other sizes). Every function returns (B,) and
is differentiable; `all_full_resolution` gets all five from two passes of block moments.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch

from ..physics.mtf import mtf_lowpass
from ..physics.resample import bicubic_downsample, upsample
from .blocks import block_moments, crop_to_blocks
from .q2n import q2n, q2n_blocks
from .uqi import cross_q, pairs_q


def pan_lowpass(pan: torch.Tensor, ratio: int, upsampler: str = "interp23tap") -> torch.Tensor:
    """P_low of D_s: PAN reduced like MATLAB imresize(P, 1/r) (antialiased bicubic), upsampled back."""
    h, w = pan.shape[-2:]
    low = upsample(bicubic_downsample(pan[..., : h - h % ratio, : w - w % ratio], ratio), ratio, upsampler)
    return torch.nn.functional.pad(low, (0, w % ratio, 0, h % ratio), mode="replicate")


def _pair_distortion(qf: torch.Tensor, qm: torch.Tensor) -> torch.Tensor:
    c = qf.shape[-1]
    i, j = torch.triu_indices(c, c, offset=1, device=qf.device)
    return (qf[:, i, j] - qm[:, i, j]).abs().mean(dim=1)


def d_lambda(fused: torch.Tensor, ms_up: torch.Tensor, block: int = 32) -> torch.Tensor:
    """Spectral distortion of QNR; lower is better, 0 ideal."""
    qf = pairs_q(*block_moments([crop_to_blocks(fused, block)], block))
    qm = pairs_q(*block_moments([crop_to_blocks(ms_up, block)], block))
    return _pair_distortion(qf, qm)


def d_s(fused: torch.Tensor, pan: torch.Tensor, ms_up: torch.Tensor, pan_low: torch.Tensor,
        block: int = 32) -> torch.Tensor:
    """Spatial distortion of QNR/HQNR; lower is better, 0 ideal. pan_low: see `pan_lowpass`."""
    c = fused.shape[1]
    mean, cov = block_moments([crop_to_blocks(t, block) for t in (fused, pan, ms_up, pan_low)], block)
    high = cross_q(mean, cov, slice(0, c), slice(c, c + 1))
    low = cross_q(mean, cov, slice(c + 1, 2 * c + 1), slice(2 * c + 1, 2 * c + 2))
    return (high - low).abs().mean(dim=1)


def qnr(d_lambda_value: torch.Tensor, d_s_value: torch.Tensor) -> torch.Tensor:
    """QNR (or HQNR with D_lambda^K) = (1 - D_lambda)(1 - D_s); higher is better, 1 ideal."""
    return (1 - d_lambda_value) * (1 - d_s_value)


def _khan(mean: torch.Tensor, cov: torch.Tensor, ref: torch.Tensor, test: torch.Tensor,
          block: int) -> torch.Tensor:
    """1 - Q2n from the moments of bands `ref` (reference) and `test` of a stack."""
    idx = torch.cat([ref, test])
    values = q2n_blocks(mean[..., idx], cov[..., idx, :][..., idx], ref.numel(), block * block)
    return 1 - values.mean(dim=1)


def d_lambda_k(fused: torch.Tensor, ms_up: torch.Tensor, ratio: int, gains: Sequence[float],
               block: int = 32, rounding: str = "none") -> torch.Tensor:
    """Khan's spectral distortion 1 - Q2n(ms_up, MTF(fused)); lower is better, 0 ideal.

    rounding="matlab" casts both Q2n inputs like the toolbox's uint16 (see q2n.py); default: floats."""
    c = fused.shape[1]
    filtered = mtf_lowpass(fused, gains, ratio)
    if rounding != "none":
        return 1 - q2n(crop_to_blocks(ms_up, block), crop_to_blocks(filtered, block), block, rounding)
    mean, cov = block_moments([crop_to_blocks(ms_up, block), crop_to_blocks(filtered, block)], block)
    return _khan(mean, cov, torch.arange(c, device=fused.device), torch.arange(c, 2 * c, device=fused.device),
                 block)


def all_full_resolution(fused: torch.Tensor, pan: torch.Tensor, ms_up: torch.Tensor,
                        pan_low: torch.Tensor, ratio: int, gains: Sequence[float],
                        block: int = 32, rounding: str = "none",
                        filtered: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
    """D_lambda, D_s, QNR, D_lambda_K, HQNR from the block moments of [F, P] and [M, P_low, MTF(F)].

    rounding applies to the Q2n of D_lambda_K only (the toolbox casts there, not in D_lambda or D_s).
    filtered: mtf_lowpass(fused, gains, ratio) when the caller already has it (computed here otherwise)."""
    c = fused.shape[1]
    high_mean, high_cov = block_moments([crop_to_blocks(t, block) for t in (fused, pan)], block)
    if filtered is None:
        filtered = mtf_lowpass(fused, gains, ratio)
    low_images = (ms_up, pan_low, filtered)
    low_mean, low_cov = block_moments([crop_to_blocks(t, block) for t in low_images], block)
    bands, pan_band = slice(0, c), slice(c, c + 1)
    qf = pairs_q(high_mean[..., bands], high_cov[..., bands, bands])
    qm = pairs_q(low_mean[..., bands], low_cov[..., bands, bands])
    spectral = _pair_distortion(qf, qm)
    high = cross_q(high_mean, high_cov, bands, pan_band)
    spatial = (high - cross_q(low_mean, low_cov, bands, pan_band)).abs().mean(dim=1)
    if rounding == "none":
        ms_bands = torch.arange(c, device=fused.device)
        khan = _khan(low_mean, low_cov, ms_bands, ms_bands + c + 1, block)
    else:
        khan = 1 - q2n(crop_to_blocks(ms_up, block), crop_to_blocks(filtered, block), block, rounding)
    return {"D_lambda": spectral, "D_s": spatial, "QNR": qnr(spectral, spatial),
            "D_lambda_K": khan, "HQNR": qnr(khan, spatial)}


def hqnr(fused: torch.Tensor, pan: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float],
         upsampler: str = "interp23tap", block: int = 32) -> torch.Tensor:
    """HQNR from the fused image, the PAN and the MS at its own scale (B, C, H/r, W/r); higher is better."""
    ms_up = upsample(ms, ratio, upsampler)
    low = pan_lowpass(pan, ratio, upsampler)
    return all_full_resolution(fused, pan, ms_up, low, ratio, gains, block)["HQNR"]
