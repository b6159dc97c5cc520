"""What each index means for a reader: direction, ideal value, unit and settings (for tables and the UI)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict


@dataclass(frozen=True)
class IndexInfo:
    """One quality index. better: "higher" or "lower"; scale: "reduced" (needs a reference) or "full"."""

    name: str
    title: str
    better: str
    ideal: float
    scale: str
    unit: str
    settings: str


def _i(name: str, title: str, better: str, ideal: float, scale: str, unit: str, settings: str) -> IndexInfo:
    return IndexInfo(name, title, better, ideal, scale, unit, settings)


INDEX_INFO: Dict[str, IndexInfo] = {i.name: i for i in (
    _i("Q2n", "Q2n (Q4 / Q8) hypercomplex quality", "higher", 1.0, "reduced", "",
       "32x32 blocks, bands zero-padded to a power of two, border cut 21, float values (no rounding)"),
    _i("SAM", "Spectral angle mapper", "lower", 0.0, "reduced", "deg",
       "mean over pixels with non-zero spectra, border cut 21"),
    _i("ERGAS", "Relative dimensionless global error", "lower", 0.0, "reduced", "",
       "(100/ratio) sqrt(mean_b MSE_b / mean_b^2), border cut 21"),
    _i("SCC", "Spatial correlation coefficient", "higher", 1.0, "reduced", "",
       "Sobel gradient magnitudes of all bands, valid interior, border cut 21"),
    _i("PSNR", "Peak signal-to-noise ratio", "higher", float("inf"), "reduced", "dB",
       "peak 2^bits - 1 (NBITS, else the preset's bit depth if the data fit, else the integer type), "
       "else the reference maximum; border cut 21"),
    _i("FSDS", "Frequency spectrum distribution similarity", "higher", 200.0, "reduced", "dB",
       "images standardised, rfft2, cumulative spectra of both vertical halves; capped at 200 dB"),
    _i("D_lambda", "Spectral distortion (QNR)", "lower", 0.0, "full", "",
       "Q on 32x32 blocks between band pairs of fused vs upsampled MS, p = 1"),
    _i("D_s", "Spatial distortion (QNR, HQNR)", "lower", 0.0, "full", "",
       "Q(F_b, PAN) vs Q(MS_up_b, PAN_low) on 32x32 blocks, PAN_low = interp23tap(imresize(PAN, 1/r)), "
       "q = 1"),
    _i("QNR", "Quality with no reference", "higher", 1.0, "full", "", "(1 - D_lambda)(1 - D_s)"),
    _i("D_lambda_K", "Khan's spectral distortion", "lower", 0.0, "full", "",
       "1 - Q2n(MS upsampled = reference, MTF-filtered fused = test), 32x32 blocks"),
    _i("HQNR", "Hybrid quality with no reference", "higher", 1.0, "full", "", "(1 - D_lambda_K)(1 - D_s)"),
    _i("D_rho", "Local-correlation spatial distortion (Scarpa-Ciotola)", "lower", 0.0, "full", "",
       "mean over bands and pixels of 1 - rho(F_b, PAN), rho in a 2ceil(r/2)-px window of box-high-passed "
       "values (authors' code), pixels whose support is inside the window"),
    _i("R_Q2n", "Reprojected Q2n (Scarpa-Ciotola)", "higher", 1.0, "full", "",
       "Q2n(MS, fused filtered by the MS MTFs and decimated at cell centres), 32x32 MS-pixel blocks, "
       "no border cut"),
    _i("R_SAM", "Reprojected spectral angle", "lower", 0.0, "full", "deg",
       "SAM(fused filtered by the MS MTFs and decimated at cell centres, MS), no border cut"),
    _i("R_ERGAS", "Reprojected ERGAS", "lower", 0.0, "full", "",
       "ERGAS(fused filtered by the MS MTFs and decimated at cell centres, MS), 100/ratio, no border cut"),
    _i("D_s_R", "Regression spatial distortion (RQNR)", "lower", 0.0, "full", "",
       "var(PAN - sum_b w_b F_b) / var(PAN), w least squares without intercept over the window, "
       "full-resolution PAN"),
    _i("RQNR", "Regression-based quality with no reference", "higher", 1.0, "full", "",
       "(1 - D_lambda_K)(1 - D_s_R)"),
)}

REDUCED_INDICES = tuple(k for k, v in INDEX_INFO.items() if v.scale == "reduced")
FULL_INDICES = tuple(k for k, v in INDEX_INFO.items() if v.scale == "full")
