"""The engine's methods as plain data, for front ends running without PyTorch.

engine/methods/registry.py imports torch, so without it the dock and the Processing algorithm could not even
list the methods. This copy (name, title, family, summary, in registration order) lets them list every method,
grey out what cannot run and say why; tests/ui/test_torch_missing.py keeps it equal to the registry. With
torch the live registry is used (ui/choices.py), so a method added to the engine shows up there at once.
"""
from __future__ import annotations

from typing import Tuple

DEEP_FAMILY = "deep backbone"
GENERATIVE_FAMILY = "generative"
#: families whose methods run networks (greyed without PyTorch with their own reason)
NETWORK_FAMILIES = (DEEP_FAMILY, GENERATIVE_FAMILY)
_CS, _MRA = "component substitution", "multi-resolution analysis"
_GLP = "GLP with the sensor's MTF-matched Gaussian; "
_DEEP = "; 4- and 8-band weights, other band counts by 4-band groups"

#: (name, title, family, summary) of every registered method, in the registry's order
CATALOGUE: Tuple[Tuple[str, str, str, str], ...] = (
    ("brovey", "Brovey (GDAL weighted)", _CS,
     "out = MS * PAN / sum(w * MS); weights option as in gdal_pansharpen, default 1/C"),
    ("gihs", "Generalised IHS", _CS,
     "I = mean of MS bands; PAN matched to I; detail added equally to every band"),
    ("pca", "Principal component analysis", _CS,
     "first principal component of the MS replaced by the matched PAN"),
    ("gs", "Gram-Schmidt", _CS, "I = mean of MS bands; band gains cov(MS_k, I) / var(I)"),
    ("gsa", "Gram-Schmidt adaptive", _CS,
     "I = least-squares fit of the PAN (at MS scale) on the MS bands; GS gains"),
    ("bdsd_pc", "BDSD-PC", _CS,
     "band-dependent spatial detail; per band a gain and intensity weights fitted by least squares at "
     "reduced scale, constrained non-negative (Vivone 2019)"),
    ("hpf", "High-pass filtering", _MRA,
     "detail = P_k - box(P_k) with a ratio x ratio box filter; additive injection"),
    ("mtf_glp", "MTF-GLP", _MRA, _GLP + "additive injection (unit gains)"),
    ("mtf_glp_hpm", "MTF-GLP-HPM", _MRA, _GLP + "multiplicative (high-pass modulation) injection"),
    ("mtf_glp_fs", "MTF-GLP-FS", _MRA,
     _GLP + "additive injection, gains fitted by regression at full scale (Vivone 2018)"),
    ("mtf_glp_hpm_r", "MTF-GLP-HPM-R", _MRA,
     _GLP + "high-pass modulation by the PAN equalised to each band by regression on its low-pass "
     "(Vivone 2018)"),
    ("awlp", "AWLP", _MRA,
     "a trous wavelet (B3 spline) PAN detail injected in proportion to each band's share of the MS "
     "intensity (Otazu 2005); lowpass=mtf for MTF-matched filters"),
    ("pnn", "PNN", DEEP_FAMILY, "pretrained PNN (receptive field 8 px)" + _DEEP),
    ("pannet", "PanNet", DEEP_FAMILY, "pretrained PanNet (receptive field 12 px)" + _DEEP),
    ("dicnn", "DiCNN", DEEP_FAMILY, "pretrained DiCNN (receptive field 3 px)" + _DEEP),
    ("msdcnn", "MSDCNN", DEEP_FAMILY, "pretrained MSDCNN (receptive field 12 px)" + _DEEP),
    ("fusionnet", "FusionNet", DEEP_FAMILY, "pretrained FusionNet (receptive field 12 px)" + _DEEP),
    ("lagconv", "LAGConv", DEEP_FAMILY, "pretrained LAGConv (receptive field 12 px)" + _DEEP),
    ("sb", "Schroedinger bridge", GENERATIVE_FAMILY,
     "Schroedinger-bridge matching from the upsampled MS (options steps, samples, seed, sampler); "
     "4-band net, other band counts by 4-band groups; samples > 1 give an uncertainty map"),
)
