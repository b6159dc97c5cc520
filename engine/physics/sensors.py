"""Sensor presets (band order, MTF Nyquist gains, bit depth, ratio) and the preset guess.

Gains are the values of the MS/PAN modulation transfer functions at the MS Nyquist frequency,
as used by the pansharpening toolboxes (see README, "Sensor presets").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

from ..errors import EngineError

DEFAULT_MS_GAIN = 0.3
DEFAULT_PAN_GAIN = 0.15


@dataclass(frozen=True)
class SensorPreset:
    """One sensor's physics. ms_gains is empty for presets that accept any band count."""

    name: str
    title: str
    band_names: Tuple[str, ...]
    ms_gains: Tuple[float, ...]
    pan_gain: float
    bits: int
    ratio: int
    keywords: Tuple[str, ...] = ()

    def gains_for(self, n_bands: int) -> Tuple[float, ...]:
        """MS Nyquist gains for n_bands bands; raises EngineError when the count does not fit."""
        if not self.ms_gains:
            return (DEFAULT_MS_GAIN,) * n_bands
        if len(self.ms_gains) != n_bands:
            raise EngineError(
                f"sensor preset '{self.name}' has {len(self.ms_gains)} bands but the MS has {n_bands}; "
                "pick another preset or 'generic'"
            )
        return self.ms_gains


def _p(name: str, title: str, bands: str, gains: Sequence[float], pan: float, bits: int,
       ratio: int, keywords: Sequence[str]) -> SensorPreset:
    return SensorPreset(name, title, tuple(bands.split(",")) if bands else (), tuple(gains), pan,
                        bits, ratio, tuple(keywords))


PRESETS: Dict[str, SensorPreset] = {p.name: p for p in (
    _p("quickbird", "QuickBird", "blue,green,red,nir", (0.34, 0.32, 0.30, 0.22), 0.15, 11, 4,
       ("quickbird", "qb02", "qb")),
    _p("ikonos", "IKONOS", "blue,green,red,nir", (0.26, 0.28, 0.29, 0.28), 0.17, 11, 4, ("ikonos",)),
    _p("geoeye1", "GeoEye-1", "blue,green,red,nir", (0.23,) * 4, 0.16, 11, 4, ("geoeye", "ge01")),
    _p("worldview2", "WorldView-2", "coastal,blue,green,yellow,red,rededge,nir1,nir2",
       (0.35,) * 7 + (0.27,), 0.11, 11, 4, ("worldview-2", "worldview2", "wv02", "wv2")),
    _p("worldview3", "WorldView-3", "coastal,blue,green,yellow,red,rededge,nir1,nir2",
       (0.325, 0.355, 0.360, 0.350, 0.365, 0.360, 0.335, 0.315), 0.14, 11, 4,
       ("worldview-3", "worldview3", "wv03", "wv3")),
    _p("pleiades", "Pleiades", "blue,green,red,nir", (0.3,) * 4, 0.15, 12, 4, ("pleiades", "phr1")),
    _p("gaofen2", "GaoFen-2", "blue,green,red,nir", (0.3,) * 4, 0.15, 10, 4, ("gaofen", "gf2")),
    _p("landsat7", "Landsat-7 ETM+", "red,green,blue,nir,swir1,swir2", (0.3,) * 6, 0.15, 8, 2,
       ("landsat7", "landsat-7", "etm+", "le07", "fusebox")),
    _p("landsat8", "Landsat-8 OLI", "coastal,blue,green,red,nir,swir1,swir2", (0.3,) * 7, 0.15, 12, 2,
       ("landsat8", "landsat-8", "oli", "lc08")),
    _p("generic", "Generic (any band count)", "", (), DEFAULT_PAN_GAIN, 0, 0, ()),
)}


def get_preset(name: str) -> SensorPreset:
    """Preset by name (case-insensitive); raises EngineError listing the valid names."""
    key = name.strip().lower().replace("-", "").replace(" ", "").replace("_", "")
    if key not in PRESETS:
        raise EngineError(f"unknown sensor '{name}'; choose one of: auto, {', '.join(PRESETS)}")
    return PRESETS[key]


@dataclass(frozen=True)
class SensorGuess:
    """A guessed preset and the reason, shown to the user."""

    preset: SensorPreset
    reason: str


def _keyword_hit(preset: SensorPreset, text: str) -> bool:
    return any(re.search(rf"(^|[^a-z0-9]){re.escape(k)}([^a-z0-9]|$)", text) for k in preset.keywords)


def guess_preset(n_bands: int, ratio: int, band_names: Sequence[str] = (),
                 hint_text: str = "") -> SensorGuess:
    """Guess a preset from band count, ratio, band descriptions and free text (metadata, file names).

    Returns 'generic' when nothing singles out one sensor; the reason says why.
    """
    names = tuple(n.strip().lower() for n in band_names)
    fits = [p for p in PRESETS.values() if p.ms_gains and len(p.ms_gains) == n_bands and p.ratio == ratio]
    text = hint_text.lower()
    named = [p for p in fits if text and _keyword_hit(p, text)]
    if len(named) == 1:
        return SensorGuess(named[0], f"'{named[0].title}' named in the file names or metadata")
    if any(names):
        by_bands = [p for p in fits if p.band_names == names]
        if len(by_bands) == 1:
            return SensorGuess(by_bands[0], "band descriptions, band count and ratio match it")
        fits = by_bands or fits
    if len(fits) == 1:
        return SensorGuess(fits[0], f"only preset with {n_bands} bands at ratio {ratio}")
    if fits:
        options = ", ".join(p.name for p in fits)
        why = f"{n_bands} bands at ratio {ratio} fit several presets ({options}); using generic gains"
    else:
        why = f"no preset has {n_bands} bands at ratio {ratio}; using generic gains"
    return SensorGuess(PRESETS["generic"], why)


def resolve_preset(choice: str, n_bands: int, ratio: int, band_names: Sequence[str] = (),
                   hint_text: str = "") -> SensorGuess:
    """The user's preset (checked against the band count) or, for 'auto', the guess."""
    if choice and choice != "auto":
        preset = get_preset(choice)
        preset.gains_for(n_bands)
        return SensorGuess(preset, "chosen by the user")
    return guess_preset(n_bands, ratio, band_names, hint_text)


def mtf_gains(preset: SensorPreset, n_bands: int) -> Tuple[Tuple[float, ...], float]:
    """(MS gains per band, PAN gain) for this preset and band count."""
    return preset.gains_for(n_bands), preset.pan_gain


def optional_preset(name: Optional[str]) -> Optional[SensorPreset]:
    """get_preset, passing None and 'auto' through as None."""
    if not name or name == "auto":
        return None
    return get_preset(name)
