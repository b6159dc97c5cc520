"""Pansharpening quality indices in torch: differentiable, batched (B, C, H, W) -> (B,), any device.

Reduced resolution (with a reference): q2n, sam, ergas, scc, psnr, fsds.
Full resolution (no reference): d_lambda, d_s, qnr, d_lambda_k, hqnr; Scarpa & Ciotola's d_rho and the
reprojected r_q2n, r_sam, r_ergas; the regression-based d_s_r and rqnr.
`reduced_resolution_indices` / `full_resolution_indices` compute a whole set with the toolbox settings;
`INDEX_INFO` says, for each index, whether higher or lower is better and how it is computed.
"""
from .catalogue import FULL_INDICES, INDEX_INFO, REDUCED_INDICES, IndexInfo
from .correlation import d_rho, local_correlation
from .indices import DEFAULT_SETTINGS, MetricSettings, full_resolution_indices, reduced_resolution_indices
from .no_reference import all_full_resolution, d_lambda, d_lambda_k, d_s, hqnr, pan_lowpass, qnr
from .q2n import q2n, q2n_map
from .reference import border_cut, ergas, fsds, psnr, sam, scc
from .regression import d_s_r, rqnr
from .reprojected import r_ergas, r_q2n, r_sam, reproject, reprojected_indices
from .uqi import uqi_band_pairs, uqi_bands

__all__ = [
    "FULL_INDICES", "INDEX_INFO", "REDUCED_INDICES", "IndexInfo", "DEFAULT_SETTINGS", "MetricSettings",
    "full_resolution_indices", "all_full_resolution", "reduced_resolution_indices", "d_lambda",
    "d_lambda_k", "d_s", "hqnr",
    "pan_lowpass", "qnr", "q2n", "q2n_map", "border_cut", "ergas", "fsds", "psnr", "sam", "scc",
    "uqi_band_pairs", "uqi_bands", "d_rho", "local_correlation", "d_s_r", "rqnr", "r_ergas", "r_q2n", "r_sam",
    "reproject", "reprojected_indices",
]
