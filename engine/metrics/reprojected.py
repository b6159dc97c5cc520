"""Reprojected indices R-Q2n, R-SAM, R-ERGAS: spectral consistency of a fused image with the MS, in torch.

Scarpa & Ciotola, "Full-Resolution Quality Assessment for Pansharpening", Remote Sensing 14(8):1808, 2022
(the reprojection protocol; the spatial half is correlation.py). The fused image is brought back to the
MS scale the way the sensor would have seen it, filtered band by band with the MS MTF and decimated by the
ratio, and compared with the original MS by the reduced-resolution indices of reference.py / q2n.py:

    R_Q2n   = Q2n(reference = MS, test = reprojected fused)   higher is better, 1 ideal
    R_SAM   = SAM(reprojected fused, MS), degrees             lower is better, 0 ideal
    R_ERGAS = ERGAS(reprojected fused, MS, ratio)             lower is better, 0 ideal

Conventions, pinned on the authors' code (github.com/matciotola/fr-pansh-eval-tool: MATLAB/main.m,
resize_w_mtf.m, consistency_metrics_evaluation.m; NumPy/metrics.py ReproQ2n/ReproSAM/ReproERGAS), with
the project's own filter and grid:
- filter: the preset's MTF-matched Gaussians (engine.physics.mtf, 41 taps, replicate borders), as for
  D_lambda_K; the authors use the toolbox's fwind1 kernels of the same Gaussians.
- decimation phase: at the coarse-cell centres of this project's grid (pixel (r-1)/2 of each cell; for
  even ratios the average of the two central pixels, folded into the filter: mtf_filter_decimated). The
  authors instead pick, per band, the integer phase (0..r-1) that best correlates the MS with the
  filtered PAN, which also absorbs an MS/PAN misregistration. The engine has already placed the MS on the
  PAN grid (warping it when needed), every method assumes that grid, and a fixed phase keeps the index
  differentiable and makes a shifted result cost what it should.
- no border cut (their default: flag_cut_bounds = 0, dim_cut = 0); Q2n on 32 x 32 blocks of MS pixels
  with the toolbox's symmetric padding to whole blocks; ERGAS with 100 / ratio.
- rounding: "matlab" casts the Q2n inputs like the toolbox (as in every Q2n here); default floats.

An image whose reprojection equals the MS scores R_Q2n 1, R_SAM 0 and R_ERGAS 0. All functions are
differentiable and batched: fused (B, C, H, W) with H, W multiples of the ratio, ms (B, C, H/r, W/r) -> (B,).
"""
from __future__ import annotations

from typing import Dict, Sequence

import torch

from ..physics.mtf import mtf_filter_decimated, mtf_kernels
from ..physics.resample import decimate
from .q2n import q2n
from .reference import ergas, sam


def reproject(fused: torch.Tensor, ratio: int, gains: Sequence[float]) -> torch.Tensor:
    """Fused (B, C, H, W) filtered by the MS MTFs (one Nyquist gain per band) and decimated at cell centres:
    (B, C, H/ratio, W/ratio), in the fused image's units."""
    if len(gains) != fused.shape[1]:
        raise ValueError(f"{len(gains)} MTF gains for {fused.shape[1]} bands")
    h, w = fused.shape[-2:]
    if h % ratio or w % ratio:
        raise ValueError(f"fused size {h}x{w} is not a multiple of the ratio {ratio}")
    return mtf_filter_decimated(fused, mtf_kernels(gains, ratio), ratio)


def _check(low: torch.Tensor, ms: torch.Tensor) -> None:
    if low.shape != ms.shape:
        raise ValueError(f"reprojected fused {tuple(low.shape)} does not match the MS {tuple(ms.shape)}")


def reprojected_indices(fused: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float],
                        block: int = 32, rounding: str = "none") -> Dict[str, torch.Tensor]:
    """R_Q2n, R_SAM (degrees) and R_ERGAS of fused (B, C, H, W) against ms (B, C, H/r, W/r); each (B,)."""
    low = reproject(fused, ratio, gains)
    _check(low, ms)
    return {"R_Q2n": q2n(ms, low, block, rounding), "R_SAM": sam(low, ms), "R_ERGAS": ergas(low, ms, ratio)}


def reprojected_from_filtered(filtered: torch.Tensor, ms: torch.Tensor, ratio: int, block: int = 32,
                              rounding: str = "none") -> Dict[str, torch.Tensor]:
    """reprojected_indices from the fused image already filtered at full scale (mtf_lowpass, as D_lambda_K
    has it): only the decimation is left. Equal to reprojected_indices up to float rounding."""
    low = decimate(filtered, ratio)
    _check(low, ms)
    return {"R_Q2n": q2n(ms, low, block, rounding), "R_SAM": sam(low, ms), "R_ERGAS": ergas(low, ms, ratio)}


def r_q2n(fused: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float], block: int = 32,
          rounding: str = "none") -> torch.Tensor:
    """R-Q2n alone: Q2n(MS, reproject(fused)); higher is better, 1 ideal."""
    low = reproject(fused, ratio, gains)
    _check(low, ms)
    return q2n(ms, low, block, rounding)


def r_sam(fused: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float]) -> torch.Tensor:
    """R-SAM alone, degrees: SAM(reproject(fused), MS); lower is better, 0 ideal."""
    low = reproject(fused, ratio, gains)
    _check(low, ms)
    return sam(low, ms)


def r_ergas(fused: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float]) -> torch.Tensor:
    """R-ERGAS alone: ERGAS(reproject(fused), MS, ratio); lower is better, 0 ideal."""
    low = reproject(fused, ratio, gains)
    _check(low, ms)
    return ergas(low, ms, ratio)
