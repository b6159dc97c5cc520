"""QGIS layers in and out: input layers to plain file paths, results back to layers (main thread only)."""
from __future__ import annotations

from typing import Optional

from qgis.core import QgsMapLayer, QgsProject, QgsProviderRegistry, QgsRasterLayer

from ..engine.errors import EngineError
from .rendering import apply_rendering


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


def add_result_layer(path: str, name: str) -> QgsRasterLayer:
    """Load a fused GeoTIFF, give it an RGB stretched rendering, add it to the project (main thread)."""
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        raise EngineError(f"the output was written but QGIS cannot open it: {path}")
    apply_rendering(layer)
    QgsProject.instance().addMapLayer(layer)
    return layer
