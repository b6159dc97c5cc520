"""Training and held-out pairs at reduced resolution (Wald protocol), normalised like inference.

Each sample is (pan_lr (1, H, W), ms_lr (C, H/r, W/r), ref (C, H, W)) in normalised units: the real MS is
the reference, and PAN and MS are MTF-filtered (sensor gains) and decimated by the ratio. Sources (all read
from the shared data folder given on the command line):
  4-band: Pleiades (top 3/4), Landsat-7 FuseBox scenes 01-35 (blue, green, red, nir), Landsat-8 (top 3/4,
          blue, green, red, nir). QuickBird is never used for training (cross-sensor evaluation).
  8-band: Sentinel-2 simulation (top 3/4): 8 bands at 20 m (B02, B03, B04, B05, B06, B07, B08, B8A) and a
          synthetic PAN at 20 m (0.1 B02 + 0.3 B03 + 0.3 B04 + 0.3 B08), ratio 4 (MS decimated to 80 m).
  Band groups (optional share of the 4-band samples): the same Landsat-7 scenes 01-35 with all 6 bands and
          the Landsat-8 top 3/4 with all 7 bands, cut into the overlapping groups of four bands that inference
          feeds the 4-band model for those counts (engine.backbones.tiling.band_groups, file order).
Held out: QuickBird (whole), Pleiades, Landsat-8 and Sentinel-2 bottom quarters, Landsat-7 scenes 36-39.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
import torch
from osgeo import gdal

from engine.backbones.normalise import input_scale
from engine.backbones.tiling import band_groups
from engine.physics.mtf import mtf_filter, mtf_kernels
from engine.physics.resample import area_downsample, decimate
from engine.physics.sensors import PRESETS


@dataclass
class Pair:
    """One reduced-resolution pair, normalised; `name` says where it comes from; bands may be any count."""

    name: str
    pan: np.ndarray
    ms: np.ndarray
    ref: np.ndarray
    ratio: int
    scale: float
    gains: Tuple[float, ...]
    pan_gain: float


def _read(path: str) -> np.ndarray:
    a = gdal.Open(path).ReadAsArray().astype(np.float32)
    return a[None] if a.ndim == 2 else a


def wald(name: str, pan: np.ndarray, ms: np.ndarray, ratio: int, scale: float,
         gains: Sequence[float], pan_gain: float) -> Pair:
    """Degrade a full-resolution pair by `ratio` (MTF filter, decimate); ms becomes the reference."""
    c, h, w = ms.shape
    h, w = h // ratio * ratio, w // ratio * ratio
    ms, pan = ms[:, :h, :w] / scale, pan[:, :h * ratio, :w * ratio] / scale
    p = torch.from_numpy(np.ascontiguousarray(pan))[None]
    m = torch.from_numpy(np.ascontiguousarray(ms))[None]
    pan_lr = decimate(mtf_filter(p, mtf_kernels([pan_gain], ratio)), ratio)[0].numpy()
    ms_lr = decimate(mtf_filter(m, mtf_kernels(gains, ratio)), ratio)[0].numpy()
    return Pair(name, pan_lr, ms_lr, ms, ratio, scale, tuple(gains), pan_gain)


def _split(pan: np.ndarray, ms: np.ndarray, ratio: int, held_out: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Top 3/4 (training) or bottom 1/4 (held out) of a pair, cut on whole MS rows."""
    cut = ms.shape[1] * 3 // 4 // 4 * 4
    if held_out:
        return pan[:, cut * ratio:], ms[:, cut:]
    return pan[:, :cut * ratio], ms[:, :cut]


def _sensor_pair(root: str, folder: str, preset: str, bands: List[int], held_out: bool) -> Pair:
    p = PRESETS[preset]
    pan, ms = _read(os.path.join(root, folder, "pan.tif")), _read(os.path.join(root, folder, "ms.tif"))[bands]
    ratio = pan.shape[1] // ms.shape[1]
    if folder != "quickbird_toulouse":
        pan, ms = _split(pan, ms, ratio, held_out)
    scale = input_scale(p.bits, float(max(pan.max(), ms.max())))
    return wald(f"{folder}{' (held out)' if held_out else ''}", pan, ms, ratio, scale,
                [p.ms_gains[b] if len(p.ms_gains) > b else 0.3 for b in bands], p.pan_gain)


def landsat7_pairs(root: str, scenes: Sequence[int], bands: List[int], tag: str = "") -> List[Pair]:
    """FuseBox scenes (8-bit, ratio 2); bands index red, green, blue, nir, swir1, swir2."""
    p = PRESETS["landsat7"]
    out = []
    for s in scenes:
        pan = _read(os.path.join(root, "landsat7_fusebox", f"{s:02d}_pan.tif"))
        ms = _read(os.path.join(root, "landsat7_fusebox", f"{s:02d}_ms.tif"))[bands]
        scale = input_scale(p.bits, float(max(pan.max(), ms.max())))
        out.append(wald(f"landsat7 scene {s:02d}{tag}", pan, ms, 2, scale, [0.3] * len(bands), p.pan_gain))
    return out


def sentinel2_pair(root: str, held_out: bool) -> Pair:
    """8-band simulation at ratio 4 from Sentinel-2 (reflectance x 10000, normalised by 10000)."""
    b10 = torch.from_numpy(_read(os.path.join(root, "sentinel2", "bands_10m.tif")))[None]
    b20 = _read(os.path.join(root, "sentinel2", "bands_20m.tif"))
    h, w = b20.shape[1] // 4 * 4, b20.shape[2] // 4 * 4
    low10 = area_downsample(b10[..., :2 * h, :2 * w], 2)[0].numpy()
    ms = np.concatenate([low10[:3], b20[:3, :h, :w], low10[3:4], b20[3:4, :h, :w]])
    pan = (0.1 * low10[0] + 0.3 * low10[1] + 0.3 * low10[2] + 0.3 * low10[3])[None]
    # The simulated PAN is at the reference resolution: decimate the MS only (Wald protocol at ratio 4).
    ms4 = torch.from_numpy(np.ascontiguousarray(ms[:, :h, :w]))[None]
    pan, ms = _split(pan, ms4[0].numpy(), 1, held_out)
    ms_lr = decimate(mtf_filter(torch.from_numpy(np.ascontiguousarray(ms))[None],
                                mtf_kernels([0.3] * 8, 4)), 4)[0].numpy()
    cut_h = ms.shape[1] // 4 * 4
    name = "sentinel2 8-band simulation" + (" (held out)" if held_out else "")
    return Pair(name, pan[:, :cut_h] / 1e4, ms_lr[:, :cut_h // 4] / 1e4, ms[:, :cut_h] / 1e4, 4, 1e4,
                (0.3,) * 8, 0.15)


BGRN_L7, BGRN_L8 = [2, 1, 0, 3], [1, 2, 3, 4]


def training_pairs(root: str, bands: int) -> List[Pair]:
    """The training set for a 4-band or an 8-band model."""
    if bands == 8:
        return [sentinel2_pair(root, False)]
    return ([_sensor_pair(root, "pleiades_otb", "pleiades", [0, 1, 2, 3], False),
             _sensor_pair(root, "landsat8", "landsat8", BGRN_L8, False)]
            + landsat7_pairs(root, range(1, 36), BGRN_L7))


def group_training_pairs(root: str) -> List[Pair]:
    """4-band training pairs cut from the 6-band Landsat-7 and 7-band Landsat-8 training parts, grouped the
    way inference groups those counts (so the 4-band model learns the inputs it is given for them)."""
    out = []
    for p in [*landsat7_pairs(root, range(1, 36), list(range(6))),
              _sensor_pair(root, "landsat8", "landsat8", list(range(7)), False)]:
        for idx, _ in band_groups(p.ms.shape[0], 4):
            out.append(Pair(f"{p.name} bands {idx}", p.pan, p.ms[idx], p.ref[idx], p.ratio, p.scale,
                            tuple(p.gains[i] for i in idx), p.pan_gain))
    return out


def training_sources(bands: int, group_share: float = 0.0) -> List[str]:
    """What a model of `bands` bands was trained on, for its manifest entry (`training.data`)."""
    if bands == 8:
        return ["Sentinel-2 L1C simulation, top 3/4: bands B02 B03 B04 B05 B06 B07 B08 B8A at 20 m, PAN = "
                "0.1 B02 + 0.3 B03 + 0.3 B04 + 0.3 B08, ratio 4", "held out: Sentinel-2 bottom 1/4"]
    out = ["Pleiades-1A (OTB), top 3/4, ratio 4", "Landsat-8 OLI blue green red nir, top 3/4, ratio 2",
           "Landsat-7 ETM+ FuseBox scenes 01-35 blue green red nir, ratio 2"]
    if group_share > 0:
        out.append(f"{group_share:.0%} of patches: 4-band groups (file order) of Landsat-7 scenes 01-35 "
                   "(6 bands) and the Landsat-8 top 3/4 (7 bands)")
    return out + ["held out: QuickBird (whole), Pleiades and Landsat-8 bottom 1/4, Landsat-7 scenes 36-39"]


def held_out_pairs(root: str, bands: int) -> List[Pair]:
    """Held-out evaluation pairs: 4/8 bands as trained, plus 6- and 7-band Landsat for other counts."""
    if bands == 8:
        return [sentinel2_pair(root, True)]
    return [_sensor_pair(root, "quickbird_toulouse", "quickbird", [0, 1, 2, 3], True),
            _sensor_pair(root, "pleiades_otb", "pleiades", [0, 1, 2, 3], True),
            _sensor_pair(root, "landsat8", "landsat8", BGRN_L8, True),
            *landsat7_pairs(root, range(36, 40), BGRN_L7)]


def other_count_pairs(root: str) -> List[Pair]:
    """Held-out 6-band Landsat-7 and 7-band Landsat-8 pairs, for the band-group mapping."""
    l8 = _sensor_pair(root, "landsat8", "landsat8", list(range(7)), True)
    l8.name += ", 7 bands"
    return [*landsat7_pairs(root, range(36, 40), list(range(6)), ", 6 bands"), l8]


def evaluation_pairs(root: str, bands: int) -> List[Pair]:
    """Every held-out pair a model of `bands` bands is scored on: held_out_pairs, plus for 4-band models the
    other-count pairs (band groups)."""
    return held_out_pairs(root, bands) + (other_count_pairs(root) if bands == 4 else [])
