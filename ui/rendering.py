"""A readable first look at a fused raster: true-colour RGB with a 2-98 % cumulative-cut stretch."""
from __future__ import annotations

from typing import List, Sequence

from osgeo import gdal
from qgis.core import (
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRectangle,
    QgsSingleBandGrayRenderer,
    QgsSingleBandPseudoColorRenderer,
    QgsStyle,
)

from ..engine import rgb_bands  # the same band choice as the engine's quicklooks

CUT_LOW, CUT_HIGH = 0.02, 0.98
SAMPLE_SIZE = 250_000  # pixels sampled for the cut, as QGIS does for its own stretches


def _stretch(layer: QgsRasterLayer, band: int) -> QgsContrastEnhancement:
    provider = layer.dataProvider()
    low, high = provider.cumulativeCut(band, CUT_LOW, CUT_HIGH, QgsRectangle(), SAMPLE_SIZE)
    enhancement = QgsContrastEnhancement(provider.dataType(band))
    enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum)
    enhancement.setMinimumValue(low)
    enhancement.setMaximumValue(high if high > low else low + 1)
    return enhancement


def band_descriptions(layer: QgsRasterLayer) -> List[str]:
    """GDAL band descriptions of a GDAL raster layer ('' where a band has none or GDAL cannot say)."""
    path = QgsProviderRegistry.instance().decodeUri("gdal", layer.source()).get("path") or layer.source()
    try:
        ds = gdal.Open(str(path))
    except RuntimeError:
        ds = None
    if ds is None:
        return [""] * layer.bandCount()
    return [ds.GetRasterBand(b).GetDescription() for b in range(1, ds.RasterCount + 1)]


def apply_rendering(layer: QgsRasterLayer, preset_bands: Sequence[str] = ()) -> None:
    """Set an RGB (or grey, for one or two bands) renderer stretched to the 2-98 % cut. preset_bands: the
    sensor preset's band names, used for bands without a description (e.g. an unnamed MS input)."""
    provider = layer.dataProvider()
    bands = rgb_bands(band_descriptions(layer), preset_bands)
    if bands is None:
        renderer = QgsSingleBandGrayRenderer(provider, 1)
        renderer.setContrastEnhancement(_stretch(layer, 1))
    else:
        renderer = QgsMultiBandColorRenderer(provider, *bands)
        renderer.setRedContrastEnhancement(_stretch(layer, bands[0]))
        renderer.setGreenContrastEnhancement(_stretch(layer, bands[1]))
        renderer.setBlueContrastEnhancement(_stretch(layer, bands[2]))
    layer.setRenderer(renderer)
    layer.triggerRepaint()


#: QGIS's default-style ramp for uncertainty (dark = sure, bright = unsure); a grey ramp when it is missing
UNCERTAINTY_RAMP = "Magma"


def apply_uncertainty_rendering(layer: QgsRasterLayer, band: int = 1) -> None:
    """A pseudo-colour renderer on `band` with the UNCERTAINTY_RAMP stretched over its 2-98 % cut, so the
    layer's legend shows what the colours mean (standard deviation in the input's units)."""
    provider = layer.dataProvider()
    low, high = provider.cumulativeCut(band, CUT_LOW, CUT_HIGH, QgsRectangle(), SAMPLE_SIZE)
    high = high if high > low else low + 1e-6
    shader_fn = QgsColorRampShader(low, high)
    ramp = QgsStyle.defaultStyle().colorRamp(UNCERTAINTY_RAMP)
    if ramp is not None:
        shader_fn.setSourceColorRamp(ramp)
    shader_fn.setColorRampType(QgsColorRampShader.Type.Interpolated)
    shader_fn.classifyColorRamp(5, band, QgsRectangle(), provider)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_fn)
    renderer = QgsSingleBandPseudoColorRenderer(provider, band, shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)
    layer.triggerRepaint()

