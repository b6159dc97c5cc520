"""Processing provider 'pansharpen_adapt' holding the plugin's algorithms."""
from __future__ import annotations

import os
from typing import List

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .adapt_sensor_algorithm import AdaptSensorAlgorithm
from .assess_algorithm import AssessAlgorithm
from .processing_algorithm import PansharpenAlgorithm
from .runtime import PLUGIN_DIR

ICON = os.path.join(PLUGIN_DIR, "resources", "icon.svg")


class PansharpenProvider(QgsProcessingProvider):
    """Provider id pansharpen_adapt; algorithm ids are pansharpen_adapt:<name>."""

    def id(self) -> str:
        return "pansharpen_adapt"

    def name(self) -> str:
        return "Pansharpen & Adapt"

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def loadAlgorithms(self) -> None:  # noqa: N802 - QGIS API
        # The algorithms read the engine registry when created, so methods registered later
        # (deep backbones, adaptation) show up without changes here.
        self.addAlgorithm(PansharpenAlgorithm())
        self.addAlgorithm(AssessAlgorithm())
        self.addAlgorithm(AdaptSensorAlgorithm())

    def supportedOutputRasterLayerExtensions(self) -> List[str]:  # noqa: N802 - QGIS API
        return ["tif"]

    def defaultRasterFileExtension(self) -> str:  # noqa: N802 - QGIS API
        return "tif"
