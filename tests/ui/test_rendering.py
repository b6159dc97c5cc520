"""Band choice and stretch of the result rendering."""
from __future__ import annotations

import pytest
from pansharpen_adapt.ui.rendering import apply_rendering, band_descriptions, rgb_bands
from qgis.core import QgsMultiBandColorRenderer, QgsRasterLayer, QgsSingleBandGrayRenderer


@pytest.mark.parametrize("descriptions, expected", [
    (["blue", "green", "red", "nir"], (3, 2, 1)),
    (["Red", "GREEN", "Blue", "nir", "swir1", "swir2"], (1, 2, 3)),
    (["coastal", "blue", "green", "red", "nir", "swir1", "swir2"], (4, 3, 2)),
    (["", "", "", ""], (3, 2, 1)),
    (["band 1", "band 2", "band 3"], (3, 2, 1)),
    (["red", "nir", "swir"], (3, 2, 1)),  # no green/blue: fall back to 3, 2, 1
    (["a", "b"], None),
    ([""], None),
])
def test_rgb_bands(descriptions, expected) -> None:
    assert rgb_bands(descriptions) == expected


def test_landsat8_ms_layer_renders_red_green_blue(data_paths) -> None:
    layer = QgsRasterLayer(data_paths("landsat8")[1], "l8", "gdal")
    assert band_descriptions(layer)[3] == "red"
    apply_rendering(layer)
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (4, 3, 2)
    pairs = ((4, renderer.redContrastEnhancement()), (2, renderer.blueContrastEnhancement()))
    for band, enhancement in pairs:
        low, high = layer.dataProvider().cumulativeCut(band, 0.02, 0.98)
        assert low < high
        assert (enhancement.minimumValue(), enhancement.maximumValue()) == pytest.approx((low, high))


def test_single_band_layer_renders_grey_stretched(data_paths) -> None:
    layer = QgsRasterLayer(data_paths("pleiades")[0], "pan", "gdal")
    apply_rendering(layer)
    renderer = layer.renderer()
    assert isinstance(renderer, QgsSingleBandGrayRenderer)
    low, high = layer.dataProvider().cumulativeCut(1, 0.02, 0.98)
    assert renderer.contrastEnhancement().minimumValue() == pytest.approx(low)
    assert renderer.contrastEnhancement().maximumValue() == pytest.approx(high)
