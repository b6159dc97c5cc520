"""The adaptation guard: an adapted net is kept only when it is not worse than the pretrained one where it
was not trained, by the full-resolution protocol and at reduced resolution; otherwise the pretrained output
is written and the run says so.

Two checks, each on both nets, neither on the training loss:
- held-out patches (raster_patches.held_out_patches: grid patches not trained on), scored with the
  full-resolution protocol of Scarpa & Ciotola (engine/metrics): D_rho (local correlation with the PAN,
  lower is better) and R-Q2n (the output MTF-filtered and decimated against the MS, higher is better;
  Q2n blocks of the patch's MS side up to 32);
- reduced resolution on a centred window of the image (up to 384 PAN px): PAN and MS are degraded by the
  ratio with the sensor's MTFs (Wald), both nets fuse the degraded pair and their Q2n against the window's
  MS is compared. This is the one check with a reference: the full-resolution indices alone kept a
  sharpening adaptation that lost accuracy on the training sensors (scripts/bench_guard.py: 8 false keeps
  in 10 keeps on 18 runs; with this check added 3 in 5, no false reject).

Kept when D_rho is not worse, R-Q2n at most SPECTRAL_TOLERANCE lower (the tolerance the product's quality
target allows against MTF-GLP-HPM), the reduced-resolution Q2n not lower, and at least one of them better.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Sequence

import torch

from ..backbones.base import Backbone
from ..backbones.inputs import net_upsample
from ..backbones.tiling import fuse_band_groups
from ..metrics.correlation import d_rho
from ..metrics.q2n import q2n
from ..metrics.reprojected import r_q2n
from ..physics.wald import degrade_ms, degrade_pan
from ..training.patches import Patches

HELD_OUT_PATCHES = 4
SPECTRAL_TOLERANCE = 0.01  # R-Q2n may drop this much (absolute)
REDUCED_WINDOW = 384  # PAN px side of the reduced-resolution check's window (at most; 96 px when reduced)


@dataclass(frozen=True)
class GuardVerdict:
    """kept: the adapted net is used; before / after: the indices of the starting and the adapted net
    ({'D_rho', 'R_Q2n'} on held-out patches, 'RR_Q2n' at reduced resolution; each when it could be
    computed); patches: how many held-out patches were scored."""

    kept: bool
    before: Dict[str, float] = field(default_factory=dict)
    after: Dict[str, float] = field(default_factory=dict)
    patches: int = 0

    def describe(self, what: str) -> str:
        """One line for the log and the report, e.g. 'Feature Tailor kept: D_rho 0.249 -> 0.112, ...'."""
        names = {"D_rho": "held-out D_rho", "R_Q2n": "R-Q2n", "RR_Q2n": "reduced-resolution Q2n"}
        change = ", ".join(f"{names[k]} {self.before[k]:.4f} -> {self.after[k]:.4f}" for k in names
                           if k in self.before)
        if self.kept:
            return f"{what} kept ({change})"
        return f"{what} not kept, the pretrained output is written ({change})"

    def as_dict(self) -> Dict[str, object]:
        """Plain values for reports and front ends."""
        return {"kept": self.kept, "patches": self.patches, "before": dict(self.before),
                "after": dict(self.after)}


def held_out_scores(net: Backbone, patches: Patches, model_bands: int, ratio: int,
                    gains: Sequence[float]) -> Dict[str, float]:
    """Mean D_rho and R-Q2n of net's output on the patches' inner parts (any band count: band groups)."""
    with torch.no_grad():
        fused = patches.inner(fuse_band_groups(net, patches.lms, patches.pan, model_bands))
        pan, ms = patches.inner(patches.pan), patches.inner(patches.ms, ratio)
        block = min(32, ms.shape[-2], ms.shape[-1])
        return {"D_rho": float(d_rho(fused, pan, ratio).mean()),
                "R_Q2n": float(r_q2n(fused, ms, ratio, gains, block).mean())}


def reduced_score(net: Backbone, window: Patches, model_bands: int, ratio: int, gains: Sequence[float],
                  pan_gain: float, upsampler: str) -> float:
    """Q2n of net on the Wald-degraded window (its margin a multiple of ratio^2) against the window's MS."""
    with torch.no_grad():
        pan_lr = degrade_pan(window.pan, ratio, pan_gain)
        lms_lr = net_upsample(degrade_ms(window.ms, ratio, gains), ratio, upsampler)
        fused = fuse_band_groups(net, lms_lr, pan_lr, model_bands)
        m = window.margin // ratio
        ref = window.ms[..., m:window.ms.shape[-2] - m, m:window.ms.shape[-1] - m]
        out = fused[..., m:fused.shape[-2] - m, m:fused.shape[-1] - m]
        return float(q2n(ref, out, min(32, ref.shape[-2], ref.shape[-1])).mean())


def judge(before: Dict[str, float], after: Dict[str, float]) -> bool:
    """Keep: no check worse beyond its tolerance (D_rho 0, R-Q2n SPECTRAL_TOLERANCE, reduced-resolution
    Q2n 0) and at least one better."""
    ok = True
    if "D_rho" in before:
        ok = after["D_rho"] <= before["D_rho"] and after["R_Q2n"] >= before["R_Q2n"] - SPECTRAL_TOLERANCE
    if "RR_Q2n" in before:
        ok = ok and after["RR_Q2n"] >= before["RR_Q2n"]
    better = any(after[k] < before[k] if k == "D_rho" else after[k] > before[k] for k in before)
    return ok and better


def guard(start: Backbone, adapted: Backbone, model_bands: int, ratio: int, gains: Sequence[float],
          pan_gain: float, upsampler: str, held_out: Optional[Patches],
          window: Optional[Patches]) -> Optional[GuardVerdict]:
    """Score both nets on the held-out patches and the reduced-resolution window (either may be None) and
    decide; None when neither is available."""
    before: Dict[str, float] = {}
    after: Dict[str, float] = {}
    if held_out is not None:
        before.update(held_out_scores(start, held_out, model_bands, ratio, gains))
        after.update(held_out_scores(adapted, held_out, model_bands, ratio, gains))
    if window is not None:
        before["RR_Q2n"] = reduced_score(start, window, model_bands, ratio, gains, pan_gain, upsampler)
        after["RR_Q2n"] = reduced_score(adapted, window, model_bands, ratio, gains, pan_gain, upsampler)
    if not before:
        return None
    count = 0 if held_out is None else int(held_out.pan.shape[0])
    return GuardVerdict(judge(before, after), before, after, count)
