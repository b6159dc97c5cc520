"""Sensor presets and the preset guess (reported with its reason, never silent)."""
from __future__ import annotations

import pytest

from engine.errors import EngineError
from engine.physics.sensors import PRESETS, get_preset, guess_preset, resolve_preset
from engine.raster.align import align
from engine.raster.inputs import open_raster
from tests.conftest import PAIRS, pair_paths

TITLES = {"QuickBird", "IKONOS", "GeoEye-1", "WorldView-2", "WorldView-3", "Pleiades", "GaoFen-2",
          "Landsat-7 ETM+", "Landsat-8 OLI", "Generic (any band count)"}


def test_the_issue_presets_exist_with_consistent_physics() -> None:
    assert {p.title for p in PRESETS.values()} == TITLES
    for p in PRESETS.values():
        assert 0 < p.pan_gain < 1
        if p.name == "generic":
            assert p.ms_gains == () and p.gains_for(5) == (0.3,) * 5
            continue
        assert len(p.band_names) == len(p.ms_gains) and all(0 < g < 1 for g in p.ms_gains)
        assert p.bits >= 8 and p.ratio in (2, 4)


def test_names_are_forgiving_and_unknown_names_list_the_choices() -> None:
    assert get_preset("WorldView-3").name == "worldview3"
    with pytest.raises(EngineError, match="quickbird"):
        get_preset("spot6")


def test_guess_by_hint_band_names_count_and_fallback() -> None:
    assert guess_preset(8, 4, hint_text="/data/WV3_scene.tif").preset.name == "worldview3"
    names = ("coastal", "blue", "green", "red", "nir", "swir1", "swir2")
    assert guess_preset(7, 2, names).preset.name == "landsat8"
    ambiguous = guess_preset(8, 4)
    assert ambiguous.preset.name == "generic" and "worldview2" in ambiguous.reason
    assert guess_preset(4, 4).preset.name == "generic"  # five 4-band presets at ratio 4
    assert "no preset" in guess_preset(3, 3).reason


def test_chosen_preset_must_fit_the_band_count() -> None:
    assert resolve_preset("quickbird", 4, 4).reason == "chosen by the user"
    with pytest.raises(EngineError, match="4 bands but the MS has 8"):
        resolve_preset("quickbird", 8, 4)


@pytest.mark.parametrize("name", PAIRS)
def test_bundled_pairs_are_recognised_with_a_reason(name: str) -> None:
    pan_path, ms_path = pair_paths(name)
    pan, ms = open_raster(pan_path, "PAN"), open_raster(ms_path, "MS")
    pair = align(pan, ms)
    guess = resolve_preset("auto", ms.count, pair.ratio, ms.descriptions, pan.hint_text + " " + ms.hint_text)
    assert guess.preset.name == name and guess.reason
