"""Give layers that Processing loads after a run the plugin's rendering: RGB for results, a colour ramp for
uncertainty rasters."""
from __future__ import annotations

from typing import Callable, List

from qgis.core import (
    QgsMapLayer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
)

from .rendering import apply_rendering, apply_uncertainty_rendering

# QGIS owns the C++ side of a post-processor, but the Python subclass (and so the override) is
# garbage collected unless Python keeps a reference; the last few are kept here.
_KEEP: List[QgsProcessingLayerPostProcessorInterface] = []
_KEEP_MAX = 32


class RgbPostProcessor(QgsProcessingLayerPostProcessorInterface):
    """Applies a rendering function (default rendering.apply_rendering) to the loaded output layer (runs on
    the main thread)."""

    def __init__(self, style: Callable[[QgsRasterLayer], None] = apply_rendering) -> None:
        super().__init__()
        self.style = style

    def postProcessLayer(self, layer: QgsMapLayer, context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> None:
        if isinstance(layer, QgsRasterLayer) and layer.isValid():
            self.style(layer)


def attach_uncertainty_rendering(context: QgsProcessingContext, output: str) -> bool:
    """attach_rendering with the uncertainty colour ramp (rendering.apply_uncertainty_rendering)."""
    return attach_rendering(context, output, apply_uncertainty_rendering)


def attach_rendering(context: QgsProcessingContext, output: str,
                     style: Callable[[QgsRasterLayer], None] = apply_rendering) -> bool:
    """If Processing will load `output` when done, style it then; returns whether it will."""
    if not context.willLoadLayerOnCompletion(output):
        return False
    processor = RgbPostProcessor(style)
    _KEEP.append(processor)
    del _KEEP[:-_KEEP_MAX]
    context.layerToLoadOnCompletionDetails(output).setPostProcessor(processor)
    return True
