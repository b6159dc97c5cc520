"""Classical methods: Brovey against GDAL's own pansharpening, the defining property of each formula on
synthetic data, an independent whole-image numpy reference for the CS methods, and the fast building
blocks (separable bicubic, strided GLP low-pass) against their plain definitions."""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from osgeo import gdal

from engine.methods.base import FusionContext
from engine.methods.component_substitution import GIHS, GS, GSA, PCA, Brovey
from engine.methods.multiresolution import HPF, MTFGLP, MTFGLPHPM, glp_lowpass
from engine.methods.registry import get_method, list_methods
from engine.physics.bicubic import bicubic_upsample
from engine.physics.mtf import mtf_filter, mtf_kernels
from engine.physics.resample import decimate, upsample
from engine.raster.stats import GlobalStats
from tests.conftest import pair_paths
from tests.engine.rasters import fuse, read, variant

R = 4


def _gdal_brovey(pan: str, ms: str, bands: int, resampling: str,
                 weights: Optional[Sequence[float]]) -> np.ndarray:
    """GDAL's weighted Brovey (the algorithm behind gdal_pansharpen) through a pansharpened VRT."""
    w = ""
    if weights:
        w = f"<AlgorithmOptions><Weights>{','.join(map(str, weights))}</Weights></AlgorithmOptions>"
    spectral = "".join(f'<SpectralBand dstBand="{i + 1}">'
                       f'<SourceFilename relativeToVRT="0">{ms}</SourceFilename>'
                       f"<SourceBand>{i + 1}</SourceBand></SpectralBand>" for i in range(bands))
    xml = (f'<VRTDataset subClass="VRTPansharpenedDataset"><PansharpeningOptions>'
           f"<Algorithm>WeightedBrovey</Algorithm>{w}<Resampling>{resampling}</Resampling>"
           f'<PanchroBand><SourceFilename relativeToVRT="0">{pan}</SourceFilename><SourceBand>1</SourceBand>'
           f"</PanchroBand>{spectral}</PansharpeningOptions></VRTDataset>")
    return gdal.Open(xml).ReadAsArray()


def _float_pair(tmp_path, name: str = "quickbird") -> tuple:
    pan, ms = pair_paths(name)
    return (variant(pan, str(tmp_path / "pan.tif"), read(pan).astype(np.float32)),
            variant(ms, str(tmp_path / "ms.tif"), read(ms).astype(np.float32)))


def _ours_brovey(pan: str, ms: str, upsampler: str, weights: Optional[Sequence[float]] = None) -> np.ndarray:
    options = {"weights": ",".join(map(str, weights))} if weights else {}
    ctx = FusionContext(R, (0.3,) * 4, 0.15, upsampler, None, options)
    p = torch.from_numpy(read(pan).astype(np.float32))[None]
    m = torch.from_numpy(read(ms).astype(np.float32))[None]
    return Brovey().fuse(p, m, ctx)[0].numpy()


@pytest.mark.parametrize("weights", [None, (0.1, 0.2, 0.3, 0.4)])
def test_brovey_equals_gdal_with_the_same_upsampling(tmp_path, weights) -> None:
    """Nearest-neighbour upsampling on both sides: GDAL (double) and ours (float32) agree to float32
    precision; without weights both use 1/C per band."""
    pan, ms = _float_pair(tmp_path)
    gdal_out = _gdal_brovey(pan, ms, 4, "Nearest", weights)
    np.testing.assert_allclose(_ours_brovey(pan, ms, "nearest", weights), gdal_out, rtol=1e-6)


def test_brovey_equals_gdal_cubic(tmp_path) -> None:
    """Our bicubic is GDAL's cubic (Keys, a = -0.5): gdal_pansharpen's default result to float32 precision
    away from the border (GDAL treats the 2 outer MS pixels differently)."""
    pan, ms = _float_pair(tmp_path)
    gdal_out = _gdal_brovey(pan, ms, 4, "Cubic", None)
    inner = (slice(None), slice(8, -8), slice(8, -8))
    np.testing.assert_allclose(_ours_brovey(pan, ms, "bicubic")[inner], gdal_out[inner], rtol=1e-5)


def test_brovey_integer_output_within_one_count_of_gdal(tmp_path) -> None:
    """UInt16 end to end through our pipeline against gdal_pansharpen's defaults: GDAL also rounds, clamps
    and keeps the type, but it rounds the upsampled MS to integers before the ratio, so about a fifth of
    the pixels differ by one count and a handful (5 of 230 000 here) by two."""
    pan, ms = pair_paths("quickbird")
    p = variant(pan, str(tmp_path / "pan.tif"), read(pan).astype(np.uint16))
    m = variant(ms, str(tmp_path / "ms.tif"), read(ms).astype(np.uint16))
    ours = read(fuse(p, m, str(tmp_path / "out.tif"), method="brovey").output)
    theirs = _gdal_brovey(p, m, 4, "Cubic", None)
    assert ours.dtype == theirs.dtype
    inner = (slice(None), slice(8, -8), slice(8, -8))
    diff = np.abs(ours.astype(int) - theirs.astype(int))[inner]
    assert diff.max() <= 2 and (diff <= 1).mean() > 0.999


# ---- formula properties on synthetic data ------------------------------------------------------


def _synthetic(c: int = 4, h: int = 16, seed: int = 0) -> tuple:
    """Smooth positive MS (1, C, h, h), PAN (1, 1, hR, hR) and their exact GlobalStats."""
    g = torch.Generator().manual_seed(seed)
    ms = 200 + 100 * torch.rand(1, c, h, h, generator=g) + torch.arange(c).view(1, c, 1, 1) * 30.0
    detail = 20 * torch.rand(1, 1, h * R, h * R, generator=g)
    pan = upsample(ms.mean(1, keepdim=True), R) * 1.3 + 15 + detail
    low = F.avg_pool2d(pan, R)
    x = torch.cat([ms, low], 1)[0].reshape(c + 1, -1).double().numpy()
    stats = GlobalStats(x.shape[1], x.mean(1), np.cov(x, bias=True), float(pan.mean()),
                        float(pan.std(unbiased=False)), x[:-1].max(1), float(pan.max()))
    return ms, pan, stats


def _ctx(stats: Optional[GlobalStats], c: int = 4, gains: Optional[tuple] = None,
         **options: str) -> FusionContext:
    return FusionContext(R, gains or (0.3,) * c, 0.15, "bicubic", stats, dict(options))


def test_brovey_keeps_band_ratios_and_the_weighted_sum_is_the_pan() -> None:
    ms, pan, _ = _synthetic()
    w = (0.1, 0.2, 0.3, 0.4)
    out = Brovey().fuse(pan, ms, _ctx(None, weights="0.1,0.2,0.3,0.4"))
    up = upsample(ms, R)
    weighted = sum(wk * out[:, k] for k, wk in enumerate(w))
    torch.testing.assert_close(weighted, pan[:, 0], rtol=1e-5, atol=1e-3)
    torch.testing.assert_close(out[:, 1] / out[:, 0], up[:, 1] / up[:, 0], rtol=1e-5, atol=1e-6)


def test_brovey_zero_pseudo_pan_gives_zero() -> None:
    ms = torch.zeros(1, 3, 4, 4)
    out = Brovey().fuse(torch.full((1, 1, 16, 16), 5.0), ms, _ctx(None, 3))
    assert torch.equal(out, torch.zeros_like(out))


def _matched(pan: torch.Tensor, stats: GlobalStats, mean: float, std: float) -> torch.Tensor:
    return (pan - stats.pan_mean) * (std / stats.pan_std) + mean


def test_gihs_adds_the_same_detail_to_every_band() -> None:
    ms, pan, s = _synthetic()
    out, up = GIHS().fuse(pan, ms.clone(), _ctx(s)), upsample(ms, R)
    d = out - up
    intensity = up.mean(1, keepdim=True)
    i_std = float(np.sqrt(np.full(4, 0.25) @ s.cov[:4, :4] @ np.full(4, 0.25)))
    want = _matched(pan, s, float(s.mean[:4].mean()), i_std) - intensity
    torch.testing.assert_close(d, want.expand_as(d), rtol=1e-4, atol=1e-3)


def test_pca_changes_only_the_first_component() -> None:
    ms, pan, s = _synthetic()
    out, up = PCA().fuse(pan, ms.clone(), _ctx(s)), upsample(ms, R)
    vals, vecs = np.linalg.eigh(s.cov[:4, :4])
    v = torch.tensor(vecs[:, np.argmax(vals)], dtype=torch.float32).view(1, 4, 1, 1)
    d = out - up
    along = (d * v).sum(1, keepdim=True)
    torch.testing.assert_close(d, along * v, rtol=1e-4, atol=1e-3)  # d is parallel to PC1
    mean = torch.tensor(s.mean[:4], dtype=torch.float32).view(1, 4, 1, 1)
    pc1_out = ((out - mean) * v).sum(1, keepdim=True)
    sign = float(np.sign(vecs[:, np.argmax(vals)] @ s.cov[:4, 4]))
    want = _matched(pan, s, 0.0, float(np.sqrt(vals.max()))) * sign
    torch.testing.assert_close(pc1_out, want, rtol=1e-4, atol=2e-2)


@pytest.mark.parametrize("method", [GS(), GSA()])
def test_gram_schmidt_gains_are_covariances_over_variance(method) -> None:
    ms, pan, s = _synthetic()
    out, up = method.fuse(pan, ms.clone(), _ctx(s)), upsample(ms, R)
    cov = s.cov[:4, :4]
    if isinstance(method, GSA):
        a = np.linalg.lstsq(cov, s.cov[:4, 4], rcond=None)[0]
    else:
        a = np.full(4, 0.25)
    gains = cov @ a / (a @ cov @ a)
    d = (out - up)[0].reshape(4, -1).numpy()
    ratios = d / d[:1]
    big = np.abs(d[0]) > 1.0
    np.testing.assert_allclose(np.median(ratios[:, big], axis=1), gains / gains[0], rtol=1e-3)


def test_gsa_recovers_the_intensity_weights() -> None:
    """When the PAN at MS scale is exactly a linear combination of the bands, GSA's intensity is it."""
    ms, _, _ = _synthetic()
    a_true = np.array([0.1, 0.5, 0.2, 0.3])
    low = (ms * torch.tensor(a_true, dtype=torch.float32).view(1, 4, 1, 1)).sum(1, keepdim=True) + 7.0
    pan = low.repeat_interleave(R, -2).repeat_interleave(R, -1)  # area average = low exactly
    x = torch.cat([ms, low], 1)[0].reshape(5, -1).double().numpy()
    cov = np.cov(x, bias=True)
    a = np.linalg.lstsq(cov[:4, :4], cov[:4, 4], rcond=None)[0]
    np.testing.assert_allclose(a, a_true, rtol=1e-4)
    s = GlobalStats(x.shape[1], x.mean(1), cov, float(pan.mean()), float(pan.std(unbiased=False)),
                    x[:-1].max(1), float(pan.max()))
    out = GSA().fuse(pan, ms.clone(), _ctx(s))
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("method", [HPF(), MTFGLP(), MTFGLPHPM()])
def test_mra_adds_nothing_for_a_flat_pan(method) -> None:
    ms, _, s = _synthetic()
    pan = torch.full((1, 1, 16 * R, 16 * R), 321.0)
    out = method.fuse(pan, ms.clone(), _ctx(s, gains=(0.34, 0.32, 0.3, 0.22)))
    torch.testing.assert_close(out, upsample(ms, R), rtol=1e-5, atol=1e-2)


@pytest.mark.parametrize("method", [MTFGLP(), MTFGLPHPM()])
def test_glp_has_no_detail_on_a_ramp(method) -> None:
    """A linear ramp survives the symmetric MTF filter, decimation at cell centres and bicubic
    upsampling unchanged: any half-pixel misalignment between them would show up as detail."""
    ms, _, s = _synthetic(h=32)
    n = 32 * R
    yy, xx = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32),
                            indexing="ij")
    pan = (300 + 2.0 * xx + 1.5 * yy)[None, None]
    out = method.fuse(pan, ms.clone(), _ctx(s))
    inner = (..., slice(32, -32), slice(32, -32))  # beyond the 20-tap filter radius + 2 MS pixels
    torch.testing.assert_close(out[inner], upsample(ms, R)[inner], rtol=1e-4, atol=0.05)


def test_hpf_detail_is_pan_minus_box_scaled_per_band() -> None:
    ms, pan, s = _synthetic()
    out, up = HPF().fuse(pan, ms.clone(), _ctx(s)), upsample(ms, R)
    box = F.avg_pool2d(F.pad(pan, (1, 2, 1, 2), mode="replicate"), R, stride=1)
    a = s.ms_std() / s.pan_low_std()
    want = torch.tensor(a, dtype=torch.float32).view(1, 4, 1, 1) * (pan - box)
    torch.testing.assert_close(out - up, want, rtol=1e-4, atol=1e-3)


# ---- independent whole-image reference on real data --------------------------------------------


def _reference_cs(method: str, pan: np.ndarray, ms: np.ndarray) -> np.ndarray:
    """Component substitution written from the formulas, on the whole image at once (no blocks)."""
    c = ms.shape[0]
    low = pan.reshape(pan.shape[0] // R, R, pan.shape[1] // R, R).mean(axis=(1, 3))
    x = np.concatenate([ms.reshape(c, -1), low.reshape(1, -1)]).astype(np.float64)
    mean, cov = x.mean(1), np.cov(x, bias=True)
    up = bicubic_upsample(torch.from_numpy(ms)[None], R)[0].double().numpy()
    if method == "pca":
        vals, vecs = np.linalg.eigh(cov[:c, :c])
        v = vecs[:, np.argmax(vals)] * np.sign(vecs[:, np.argmax(vals)] @ cov[:c, c])
        a, b, gains, i_mean, i_var = v, -v @ mean[:c], v, 0.0, vals.max()
    else:
        a = np.linalg.lstsq(cov[:c, :c], cov[:c, c], rcond=None)[0] if method == "gsa" else np.full(c, 1 / c)
        b = mean[c] - a @ mean[:c] if method == "gsa" else 0.0
        i_mean, i_var = a @ mean[:c] + b, a @ cov[:c, :c] @ a
        gains = np.ones(c) if method == "gihs" else cov[:c, :c] @ a / i_var
    intensity = np.tensordot(a, up, 1) + b
    p = (pan - pan.mean()) * np.sqrt(i_var) / pan.std() + i_mean
    return up + gains[:, None, None] * (p - intensity)[None]


@pytest.mark.parametrize("method", ["gihs", "pca", "gs", "gsa"])
def test_component_substitution_matches_a_whole_image_reference(tmp_path, method: str) -> None:
    pan, ms = pair_paths("quickbird")
    out = read(fuse(pan, ms, str(tmp_path / "out.tif"), method=method, block_size=64,
                    output_dtype="float32").output)
    want = _reference_cs(method, read(pan)[0].astype(np.float32), read(ms).astype(np.float32))
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=0.05)


# ---- fast building blocks ---------------------------------------------------------------------


@pytest.mark.parametrize("ratio", [2, 3, 4, 5, 8])
@pytest.mark.parametrize("size", [(1, 1), (3, 7), (33, 20)])
@pytest.mark.parametrize("matrix_products", [True, False])
def test_separable_bicubic_with_torch_kernel_equals_torch(ratio: int, size: tuple,
                                                          matrix_products: bool) -> None:
    """Same geometry and borders as F.interpolate: with torch's a = -0.75 the values are torch's, on the
    CPU (banded matrix products) and the GPU path (multiply-adds) alike."""
    x = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(ratio)) * 2000
    want = F.interpolate(x, scale_factor=ratio, mode="bicubic", align_corners=False)
    got = bicubic_upsample(x, ratio, a=-0.75, matrix_products=matrix_products)
    torch.testing.assert_close(got, want, rtol=0, atol=0.05)


@pytest.mark.parametrize("ratio", [2, 3, 4, 7])
def test_bicubic_reproduces_ramps(ratio: int) -> None:
    """Fine pixel i sits at coarse coordinate (i + 0.5) / r - 0.5; a ramp stays a ramp (a = -0.5)."""
    n = 20
    x = (5.0 + 3.0 * torch.arange(n, dtype=torch.float64)).view(1, 1, 1, n).expand(1, 1, 4, n)
    fine = torch.arange(n * ratio, dtype=torch.float64)
    want = 5.0 + 3.0 * ((fine + 0.5) / ratio - 0.5)
    inner = slice(2 * ratio, -2 * ratio)
    torch.testing.assert_close(bicubic_upsample(x, ratio)[0, 0, 1, inner], want[inner])


@pytest.mark.parametrize("ratio", [2, 3, 4])
def test_strided_glp_lowpass_equals_filter_decimate_upsample(ratio: int) -> None:
    pan = torch.rand(1, 1, 24 * ratio, 20 * ratio, generator=torch.Generator().manual_seed(1)) * 1000
    ctx = FusionContext(ratio, (0.3,), 0.15, "bicubic")
    want = upsample(decimate(mtf_filter(pan, mtf_kernels((0.27,), ratio)), ratio), ratio)
    torch.testing.assert_close(glp_lowpass(pan, 0.27, ctx), want, rtol=1e-5, atol=1e-2)


def test_registry_lists_every_classical_method() -> None:
    names = [m.name for m in list_methods()]
    for name in ("brovey", "gihs", "pca", "gs", "gsa", "hpf", "mtf_glp", "mtf_glp_hpm"):
        assert name in names
        assert get_method(name.upper().replace("_", "-")).name == name
