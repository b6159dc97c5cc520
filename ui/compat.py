"""QGIS 3.22 ... 4.x differences in one place: QAction's module and the enums QGIS moved to ``Qgis``.

Everywhere else ui/ and plugin.py use scoped enums that exist on both (``Qt.AlignmentFlag.AlignLeft``,
``Qgis.MessageLevel.Warning``); tests/ui/test_qt6_idioms.py keeps it that way. Each name below prefers the
QGIS 4 spelling and falls back to the 3.22 one, so the same code runs on both:

- ``QAction`` lives in QtGui on Qt6 but in QtWidgets on Qt5 (QGIS 3.22's ``qgis.PyQt.QtGui`` does not
  re-export it, so ``from qgis.PyQt.QtGui import QAction`` fails there);
- processing parameter types and flags moved from their classes to ``Qgis`` in QGIS 3.36, the layer
  filter of the layer combo boxes in 3.34; QGIS 4 only has the new names.
"""
from __future__ import annotations

from typing import Any, Tuple

from qgis.core import (
    Qgis,
    QgsMapLayerProxyModel,
    QgsProcessing,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

try:  # Qt6 (QGIS 4)
    from qgis.PyQt.QtGui import QAction
except ImportError:  # Qt5 (QGIS 3)
    from qgis.PyQt.QtWidgets import QAction  # noqa: F401 - re-exported


def resolve(what: str, *candidates: Tuple[Any, str]) -> Any:
    """The first of (object, 'Dotted.Path') candidates that exists; ImportError naming `what` otherwise."""
    for obj, path in candidates:
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    raise ImportError(f"this QGIS has none of the names tried for {what}")


LAYER_FILTER_RASTER = resolve("the raster layer filter", (Qgis, "LayerFilter.RasterLayer"),
                              (QgsMapLayerProxyModel, "Filter.RasterLayer"))
NUMBER_INTEGER = resolve("the integer number parameter type", (Qgis, "ProcessingNumberParameterType.Integer"),
                         (QgsProcessingParameterNumber, "Type.Integer"))
NUMBER_DOUBLE = resolve("the double number parameter type", (Qgis, "ProcessingNumberParameterType.Double"),
                        (QgsProcessingParameterNumber, "Type.Double"))
FILE_BEHAVIOR_FILE = resolve("the file parameter behaviour", (Qgis, "ProcessingFileParameterBehavior.File"),
                             (QgsProcessingParameterFile, "Behavior.File"))
SOURCE_RASTER = resolve("the raster source type", (Qgis, "ProcessingSourceType.Raster"),
                        (QgsProcessing, "SourceType.TypeRaster"))
PARAMETER_ADVANCED = resolve("the advanced parameter flag", (Qgis, "ProcessingParameterFlag.Advanced"),
                             (QgsProcessingParameterDefinition, "Flag.FlagAdvanced"))
PARAMETER_OPTIONAL = resolve("the optional parameter flag", (Qgis, "ProcessingParameterFlag.Optional"),
                             (QgsProcessingParameterDefinition, "Flag.FlagOptional"))
