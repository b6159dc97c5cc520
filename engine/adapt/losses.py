"""Physics-aware unsupervised losses at full resolution (normalised units, see backbones/normalise.py).

Shapes: fused and frozen (B, C, H, W) on the PAN grid, pan (B, 1, H, W), ms (B, C, H/r, W/r) the coarse MS
of the same patch, lms (B, C, H, W) the upsampled MS; H, W multiples of r with the patch origin on a coarse
cell corner, so decimation hits the MS sample positions.

- spectral: L1 between the fused image MTF-filtered with the sensor's MS gains and decimated at cell
  centres (the Wald degradation of engine/physics/wald.py) and the MS itself (Z-PNN's spectral term).
- spatial (default, spatial_kind="ds"): the differentiable D_s of engine/metrics (Q on 32 px blocks of
  each fused band with the PAN against Q of the upsampled MS with the low-passed PAN); patches need inner
  sides that are multiples of 32. Chosen by measurement: on the bundled QuickBird and Pleiades crops with
  FusionNet it raised HQNR where the structural term lowered it. Note D_s is also half of HQNR.
- spatial_kind="structural": Z-PNN-style term. rho = local correlation (box window of 2r+1 px) of each
  fused band with the PAN; rho_max = the same correlation between the upsampled MS and the PAN
  low-passed by its MTF and brought to the MS scale and back, i.e. the correlation the data show at the
  MS scale. Loss = mean(relu(rho_max - rho)): zero wherever the fused bands follow the PAN at least as
  closely as the MS follows the low-passed PAN.
- consistency: L1 to the frozen (pretrained) model's output, keeping the adaptation small.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F

from ..errors import EngineError
from ..metrics.no_reference import d_s, pan_lowpass
from ..physics.resample import upsample
from ..physics.wald import degrade_ms, degrade_pan

EPS = 1e-6


@dataclass(frozen=True)
class LossWeights:
    """Weights of the three terms (the total is their weighted sum)."""

    spectral: float = 1.0
    spatial: float = 0.36
    consistency: float = 0.1
    spatial_kind: str = "ds"


#: per sensor preset; 0.36 is Z-PNN's structural weight for WorldView, kept for the other VHR sensors
#: until measured otherwise; ratio-2 Landsat scenes get a lighter spatial term (weaker PAN/MS overlap).
PRESET_WEIGHTS: Dict[str, LossWeights] = {
    "landsat7": LossWeights(spatial=0.2),
    "landsat8": LossWeights(spatial=0.2),
}


SPATIAL_KINDS = ("structural", "ds")


def weights_for(preset: str, override: Optional[str] = None, spatial_kind: str = "ds") -> LossWeights:
    """The preset's weights, or 'spectral,spatial,consistency' numbers from `override` (non-negative)."""
    if spatial_kind not in SPATIAL_KINDS:
        raise EngineError(f"unknown spatial loss '{spatial_kind}'; choose one of: {', '.join(SPATIAL_KINDS)}")
    if override is None or str(override).strip() == "":
        return replace(PRESET_WEIGHTS.get(preset, LossWeights()), spatial_kind=spatial_kind)
    try:
        values = [float(v) for v in str(override).split(",")]
    except ValueError:
        raise EngineError(f"loss weights must be three comma-separated numbers, got '{override}'") from None
    if len(values) != 3 or min(values) < 0 or sum(values) <= 0:
        raise EngineError(f"loss weights must be three non-negative numbers, not all zero, got '{override}'")
    return LossWeights(values[0], values[1], values[2], spatial_kind)


def spectral_loss(fused: torch.Tensor, ms: torch.Tensor, ratio: int, gains: Sequence[float]) -> torch.Tensor:
    """Mean |decimate(MTF(fused)) - ms| (scalar)."""
    return (degrade_ms(fused, ratio, gains) - ms).abs().mean()


def local_correlation(x: torch.Tensor, y: torch.Tensor, radius: int) -> torch.Tensor:
    """Per-pixel correlation of x (B, C, H, W) with y (B, 1, H, W) in a (2*radius+1)^2 box (replicate)."""
    k = 2 * radius + 1

    def box(t: torch.Tensor) -> torch.Tensor:  # separable: 2k instead of k^2 operations a pixel
        t = F.pad(t, (radius,) * 4, mode="replicate")
        return F.avg_pool2d(F.avg_pool2d(t, (k, 1), stride=1), (1, k), stride=1)

    mx, my = box(x), box(y)
    cov = box(x * y) - mx * my
    vx = (box(x * x) - mx * mx).clamp_min(0)
    vy = (box(y * y) - my * my).clamp_min(0)
    return cov / torch.sqrt(vx * vy + EPS * EPS)


def correlation_target(lms: torch.Tensor, pan: torch.Tensor, ratio: int, pan_gain: float) -> torch.Tensor:
    """rho_max (B, C, H, W): local correlation of lms with the MS-scale PAN, clipped to [0, 1], detached."""
    h, w = pan.shape[-2:]
    pan_low = upsample(degrade_pan(pan, ratio, pan_gain), ratio)[..., :h, :w]
    return local_correlation(lms, pan_low, ratio).clamp(0, 1).detach()


def spatial_loss(fused: torch.Tensor, pan: torch.Tensor, rho_max: torch.Tensor, ratio: int) -> torch.Tensor:
    """Mean relu(rho_max - rho(fused, pan)) (scalar)."""
    return F.relu(rho_max - local_correlation(fused, pan, ratio)).mean()


@dataclass
class SpatialTargets:
    """Per-patch constants of the spatial terms (inner parts, detached): rho_max (B, C, H, W) for
    'structural'; lms and pan_low (B, C or 1, H, W) for 'ds'."""

    rho_max: torch.Tensor
    lms: torch.Tensor
    pan_low: torch.Tensor


def spatial_targets(lms: torch.Tensor, pan: torch.Tensor, ratio: int, pan_gain: float) -> SpatialTargets:
    """The constants of both spatial terms for patches lms (B, C, H, W), pan (B, 1, H, W)."""
    with torch.no_grad():
        return SpatialTargets(correlation_target(lms, pan, ratio, pan_gain), lms, pan_lowpass(pan, ratio))


def consistency_loss(fused: torch.Tensor, frozen: torch.Tensor) -> torch.Tensor:
    """Mean |fused - frozen| (scalar)."""
    return (fused - frozen).abs().mean()


def total_loss(fused: torch.Tensor, frozen: torch.Tensor, pan: torch.Tensor, ms: torch.Tensor,
               targets: SpatialTargets, ratio: int, gains: Sequence[float],
               weights: LossWeights) -> Dict[str, torch.Tensor]:
    """{'spectral', 'spatial', 'consistency', 'total'} scalars for one batch of patches."""
    if weights.spatial_kind == "ds":
        spatial = d_s(fused, pan, targets.lms, targets.pan_low).mean()
    else:
        spatial = spatial_loss(fused, pan, targets.rho_max, ratio)
    terms = {"spectral": spectral_loss(fused, ms, ratio, gains),
             "spatial": spatial,
             "consistency": consistency_loss(fused, frozen)}
    terms["total"] = (weights.spectral * terms["spectral"] + weights.spatial * terms["spatial"]
                      + weights.consistency * terms["consistency"])
    return terms
