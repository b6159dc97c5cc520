"""Physics-aware unsupervised losses at full resolution (normalised units, see backbones/normalise.py).

Shapes: fused and frozen (B, C, H, W) on the PAN grid, pan (B, 1, H, W), ms (B, C, H/r, W/r) the coarse MS
of the same patch, lms (B, C, H, W) the upsampled MS; H, W multiples of r with the patch origin on a coarse
cell corner, so decimation hits the MS sample positions.

- spectral: L1 between the fused image MTF-filtered with the sensor's MS gains and decimated at cell
  centres (the Wald degradation of engine/physics/wald.py) and the MS itself (Z-PNN's spectral term).
- spatial (default, spatial_kind="xcorr"): lambda-PNN's structural loss (Ciotola et al., TGRS 2023, their
  losses.StructuralLoss and utils.local_corr_mask): x = 1 - rho, rho the local correlation of each fused
  band with the PAN in the D_rho window (2 ceil(r / 2) px, engine/metrics/correlation.py); the loss is the
  mean of x where x exceeds the threshold 1 - xcorr(MTF-filtered PAN, lms) taken in a 16 x 16 window, the
  correlation the data show at the MS scale. Chosen by measurement (scripts/bench_sharpness.py, README
  "Choosing the adaptation defaults"): on the cross-sensor QuickBird quadrants it took FusionNet + tailor
  from D_rho 0.21-0.29 (the D_s loss) to 0.11-0.13 (MTF-GLP-HPM 0.04-0.06) and reduced-resolution Q2n on
  the QuickBird scene from 0.864 to 0.921 (MTF-GLP-HPM 0.946), R-Q2n within 0.01 of MTF-GLP-HPM's.
- spatial_kind="ds": the differentiable D_s of engine/metrics (Q on 32 px blocks of each fused band with
  the PAN against Q of the upsampled MS with the low-passed PAN); patches need inner sides that are
  multiples of 32. The earlier default: it raises HQNR (D_s is half of it) by smoothing the output.
- spatial_kind="structural": Z-PNN-style term with a 2r+1 box window: mean(relu(rho_max - rho)), rho_max
  the correlation of the upsampled MS with the PAN low-passed to the MS scale.
- consistency: L1 to the frozen (pretrained) model's output. Weight 0 by default: it held the adapted
  output at the pretrained net's blur.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from ..errors import EngineError
from ..metrics.correlation import half_width
from ..metrics.correlation import local_correlation as d_rho_correlation
from ..metrics.no_reference import d_s, pan_lowpass
from ..physics.mtf import mtf_filter, mtf_kernels
from ..physics.resample import upsample
from ..physics.wald import degrade_ms, degrade_pan

EPS = 1e-6


@dataclass(frozen=True)
class LossWeights:
    """Weights of the three terms (the total is their weighted sum)."""

    spectral: float = 1.0
    spatial: float = 0.36
    consistency: float = 0.0
    spatial_kind: str = "xcorr"


#: per sensor preset; 0.36 is Z-PNN's structural weight for WorldView, kept for the other VHR sensors (on
#: the QuickBird quadrants 0.6 sharpened more, D_rho 0.09-0.11, but R-Q2n fell 0.01-0.015 below
#: MTF-GLP-HPM's); ratio-2 Landsat scenes get a lighter spatial term (weaker PAN/MS overlap).
PRESET_WEIGHTS: Dict[str, LossWeights] = {
    "landsat7": LossWeights(spatial=0.2),
    "landsat8": LossWeights(spatial=0.2),
}


SPATIAL_KINDS = ("xcorr", "structural", "ds")
DEFAULT_SPATIAL = "xcorr"


def weights_for(preset: str, override: Optional[str] = None,
                spatial_kind: str = DEFAULT_SPATIAL) -> LossWeights:
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
    'structural'; lms and pan_low (B, C or 1, H, W) for 'ds'; xcorr_thr (B, C, H - 4w + 2, W - 4w + 2),
    w = ceil(r / 2), for 'xcorr'."""

    rho_max: torch.Tensor
    lms: torch.Tensor
    pan_low: torch.Tensor
    xcorr_thr: torch.Tensor

    def patches(self, part: Union[slice, torch.Tensor]) -> SpatialTargets:
        """The targets of the patches `part` (a slice or an index tensor)."""
        return SpatialTargets(self.rho_max[part], self.lms[part], self.pan_low[part], self.xcorr_thr[part])

    def bands(self, kept: Sequence[int]) -> SpatialTargets:
        """The targets of some bands (band groups, engine/adapt/groups.py); the PAN terms are shared."""
        return SpatialTargets(self.rho_max[:, kept], self.lms[:, kept], self.pan_low, self.xcorr_thr[:, kept])


#: half width of the window of lambda-PNN's threshold (their local_corr_mask kernel 8: 16 x 16 px)
THRESHOLD_HALF = 8


def xcorr_threshold(lms: torch.Tensor, pan: torch.Tensor, margin: int, ratio: int,
                    pan_gain: float) -> torch.Tensor:
    """lambda-PNN's per-pixel threshold 1 - xcorr(MTF(PAN), lms) (16 x 16 window), on whole patches lms
    (B, C, H + 2m, W + 2m), pan (B, 1, ...) with margin m, cropped to the pixels of the loss's
    correlation field on the inner part (see xcorr_loss); detached."""
    half = half_width(ratio)
    need = THRESHOLD_HALF * 2 - 2 - half * 2 + 2  # threshold field offset minus the loss field's
    pad = max(0, need - margin)
    with torch.no_grad():
        pan_mtf = mtf_filter(pan, mtf_kernels([pan_gain], ratio))
        if pad:
            lms, pan_mtf = (F.pad(t, (pad,) * 4, mode="replicate") for t in (lms, pan_mtf))
        thr = 1 - d_rho_correlation(lms, pan_mtf, THRESHOLD_HALF).clamp(-1, 1)
    start = margin + pad - need
    n = lms.shape[-2] - 2 * (margin + pad) - 4 * half + 2
    m = lms.shape[-1] - 2 * (margin + pad) - 4 * half + 2
    return thr[..., start:start + n, start:start + m]


def xcorr_loss(fused: torch.Tensor, pan: torch.Tensor, threshold: torch.Tensor, ratio: int) -> torch.Tensor:
    """lambda-PNN structural loss: mean of (1 - rho) where 1 - rho exceeds the threshold, rho the D_rho
    correlation (window 2 ceil(r / 2)) of each fused band with the PAN."""
    x = 1 - d_rho_correlation(fused, pan, half_width(ratio)).clamp(-1, 1)
    return (x * (x > threshold).to(x.dtype)).mean()


def spatial_targets(lms: torch.Tensor, pan: torch.Tensor, ratio: int, pan_gain: float,
                    margin: int = 0) -> SpatialTargets:
    """The constants of every spatial term for patches lms (B, C, H, W), pan (B, 1, H, W) that carry
    `margin` px of context on each side (the targets cover the inner part; xcorr's 16 px threshold window
    reads the context, replicated where the margin is narrower)."""
    inner_lms = lms[..., margin:lms.shape[-2] - margin, margin:lms.shape[-1] - margin]
    inner_pan = pan[..., margin:pan.shape[-2] - margin, margin:pan.shape[-1] - margin]
    with torch.no_grad():
        return SpatialTargets(correlation_target(inner_lms, inner_pan, ratio, pan_gain), inner_lms,
                              pan_lowpass(inner_pan, ratio),
                              xcorr_threshold(lms, pan, margin, ratio, pan_gain))


def consistency_loss(fused: torch.Tensor, frozen: torch.Tensor) -> torch.Tensor:
    """Mean |fused - frozen| (scalar)."""
    return (fused - frozen).abs().mean()


def total_loss(fused: torch.Tensor, frozen: torch.Tensor, pan: torch.Tensor, ms: torch.Tensor,
               targets: SpatialTargets, ratio: int, gains: Sequence[float],
               weights: LossWeights) -> Dict[str, torch.Tensor]:
    """{'spectral', 'spatial', 'consistency', 'total'} scalars for one batch of patches."""
    if weights.spatial_kind == "ds":
        spatial = d_s(fused, pan, targets.lms, targets.pan_low).mean()
    elif weights.spatial_kind == "xcorr":
        spatial = xcorr_loss(fused, pan, targets.xcorr_thr, ratio)
    else:
        spatial = spatial_loss(fused, pan, targets.rho_max, ratio)
    terms = {"spectral": spectral_loss(fused, ms, ratio, gains),
             "spatial": spatial,
             "consistency": consistency_loss(fused, frozen)}
    terms["total"] = (weights.spectral * terms["spectral"] + weights.spatial * terms["spatial"]
                      + weights.consistency * terms["consistency"])
    return terms
