"""Give layers that Processing loads after a run the plugin's RGB rendering."""
from __future__ import annotations

from typing import List

from qgis.core import (
    QgsMapLayer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
)

from .rendering import apply_rendering

# QGIS owns the C++ side of a post-processor, but the Python subclass (and so the override) is
# garbage collected unless Python keeps a reference; the last few are kept here.
_KEEP: List[QgsProcessingLayerPostProcessorInterface] = []
_KEEP_MAX = 32


class RgbPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies rendering.apply_rendering to the loaded output layer (runs on the main thread)."""

    def postProcessLayer(self, layer: QgsMapLayer, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> None:
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            apply_rendering(layer)


def attach_rendering(context: QgsProcessingContext, output: str) -> bool:
    """If Processing will load `output` when done, style it then; returns whether it will."""
    if not context.willLoadLayerOnCompletion(output):
        return False
    processor = RgbPostProcessor()
    _KEEP.append(processor)
    del _KEEP[:-_KEEP_MAX]
    context.layerToLoadOnCompletionDetails(output).setPostProcessor(processor)
    return True
