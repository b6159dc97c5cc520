"""The two index sets with the toolbox settings: reduced resolution (with reference) and full resolution."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Dict, Optional, Sequence

import torch

from ..physics.mtf import mtf_lowpass
from ..physics.resample import upsample
from .correlation import d_rho
from .no_reference import all_full_resolution, pan_lowpass
from .q2n import q2n
from .reference import border_cut, ergas, fsds, psnr, sam, scc
from .regression import d_s_r, rqnr
from .reprojected import reprojected_from_filtered


@dataclass(frozen=True)
class MetricSettings:
    """Toolbox settings. block: Q/Q2n block side; cut: reduced-resolution border cut (toolbox dim_cut);
    rounding: "none" (float values) or "matlab" (inputs of every Q2n, also in D_lambda_K, cast like uint16);
    upsampler: MS to PAN grid for the full-resolution indices."""

    block: int = 32
    cut: int = 21
    rounding: str = "none"
    upsampler: str = "interp23tap"

    def as_dict(self) -> Dict[str, object]:
        return asdict(self)


DEFAULT_SETTINGS = MetricSettings()


def reduced_resolution_indices(fused: torch.Tensor, reference: torch.Tensor, ratio: int,
                               data_range: Optional[float] = None,
                               settings: MetricSettings = DEFAULT_SETTINGS) -> Dict[str, torch.Tensor]:
    """Q2n, SAM, ERGAS, SCC, PSNR, FSDS of fused vs reference (B, C, H, W) after the border cut; each (B,)."""
    f, r = border_cut(fused, settings.cut), border_cut(reference, settings.cut)
    return {
        "Q2n": q2n(r, f, settings.block, settings.rounding),
        "SAM": sam(f, r),
        "ERGAS": ergas(f, r, ratio),
        "SCC": scc(f, r),
        "PSNR": psnr(f, r, data_range),
        "FSDS": fsds(f, r),
    }


def full_resolution_indices(fused: torch.Tensor, pan: torch.Tensor, ms: torch.Tensor, ratio: int,
                            gains: Sequence[float],
                            settings: MetricSettings = DEFAULT_SETTINGS) -> Dict[str, torch.Tensor]:
    """D_lambda, D_s, QNR, D_lambda_K, HQNR, then D_rho, R_Q2n, R_SAM, R_ERGAS, D_s_R, RQNR;
    fused (B,C,H,W), pan (B,1,H,W), ms (B,C,H/r,W/r); each (B,)."""
    if fused.shape[-2:] != pan.shape[-2:] or ms.shape[-2] * ratio != fused.shape[-2] \
            or ms.shape[-1] * ratio != fused.shape[-1]:
        raise ValueError(f"fused {tuple(fused.shape)}, PAN {tuple(pan.shape)} and MS {tuple(ms.shape)} "
                         f"do not fit ratio {ratio}")
    ms_up = upsample(ms, ratio, settings.upsampler)
    filtered = mtf_lowpass(fused, gains, ratio)  # shared by D_lambda_K and the reprojection
    values = all_full_resolution(fused, pan, ms_up, pan_lowpass(pan, ratio, settings.upsampler), ratio, gains,
                                 settings.block, settings.rounding, filtered)
    del ms_up
    reprojected = reprojected_from_filtered(filtered, ms, ratio, settings.block, settings.rounding)
    del filtered
    values["D_rho"] = d_rho(fused, pan, ratio)
    values.update(reprojected)
    values["D_s_R"] = d_s_r(fused, pan)
    values["RQNR"] = rqnr(values["D_lambda_K"], values["D_s_R"])
    return values
