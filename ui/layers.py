"""QGIS layers in and out: input layers to plain file paths, results back to layers (main thread only)."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional

from qgis.core import (
    QgsMapLayer,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProject,
    QgsProviderRegistry,
    QgsRasterLayer,
)

from ..engine import EngineError
from .rendering import apply_rendering, apply_uncertainty_rendering


def raster_path(layer: Optional[QgsMapLayer], role: str) -> str:
    """File path of a GDAL raster layer; raises EngineError (one line) for anything else.

    role: 'PAN' or 'MS', used in the message.
    """
    if layer is None:
        raise EngineError(f"choose a {role} raster layer")
    if not isinstance(layer, QgsRasterLayer):
        raise EngineError(f"{role} layer '{layer.name()}' is not a raster layer")
    if layer.providerType() != "gdal":
        raise EngineError(f"{role} layer '{layer.name()}' comes from the '{layer.providerType()}' provider; "
                          "the engine reads files through GDAL: save it as a GeoTIFF first")
    parts = QgsProviderRegistry.instance().decodeUri("gdal", layer.source())
    if parts.get("layerName"):
        raise EngineError(f"{role} layer '{layer.name()}' is one table of a container file; "
                          "export it to a GeoTIFF first")
    return str(parts.get("path") or layer.source())


def raster_parameter_path(alg: QgsProcessingAlgorithm, parameters: Dict[str, Any], name: str,
                          context: QgsProcessingContext, role: str) -> str:
    """File path of a raster parameter. A plain path to a file is used as it is: loading it as a
    QgsRasterLayer would compute its statistics and leave a .aux.xml next to the user's input. Layer ids,
    names and anything else go through QGIS (raster_path)."""
    value = parameters.get(name)
    if isinstance(value, str) and value and os.path.isfile(value):
        return value
    return raster_path(alg.parameterAsRasterLayer(parameters, name, context), role)


def raster_list_parameter_paths(alg: QgsProcessingAlgorithm, parameters: Dict[str, Any], name: str,
                                context: QgsProcessingContext, role: str) -> List[str]:
    """File paths of a multiple-layer parameter, plain file paths used as they are (raster_parameter_path)."""
    value = parameters.get(name)
    items = value if isinstance(value, (list, tuple)) else [value] if value else []
    if items and all(isinstance(v, str) and os.path.isfile(v) for v in items):
        return [str(v) for v in items]
    layers = alg.parameterAsLayerList(parameters, name, context)
    return [raster_path(layer, f"{role} {k + 1}") for k, layer in enumerate(layers)]


def add_uncertainty_layer(path: str, name: str) -> QgsRasterLayer:
    """Load an uncertainty raster (per-band spread of a generative method's samples) with a colour ramp on
    its first band and a legend, and add it to the project (main thread)."""
    return _add_layer(path, name, apply_uncertainty_rendering, "the uncertainty raster")


def add_result_layer(path: str, name: str) -> QgsRasterLayer:
    """Load a fused GeoTIFF, give it an RGB stretched rendering, add it to the project (main thread)."""
    return _add_layer(path, name, apply_rendering, "the output")


def _add_layer(path: str, name: str, style: Callable[[QgsRasterLayer], None], what: str) -> QgsRasterLayer:
    """A GDAL raster layer of `path`, styled and added to the project; EngineError when QGIS cannot open
    it."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise EngineError(f"{what} was written but QGIS cannot open it: {path}")
    style(layer)
    QgsProject.instance().addMapLayer(layer)
    return layer
