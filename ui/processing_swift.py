"""The SWIFT settings of pansharpen_adapt:adapt_sensor: advanced parameters mapped to engine SWIFT options.

Blank values mean the engine's defaults (engine/swift/options.py), so only the values the user gave reach
SensorAdaptRequest.options; SWIFT_OPTIONS carries any other option as key=value;key=value (the explicit
parameters win over the same key there).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterString,
)

from . import choices
from .processing_adapt import given_options, number_param
from .processing_params import advanced, enum_param, helped

FREE_OPTIONS = "SWIFT_OPTIONS"
# Parameter name -> (SWIFT option key, kind): kind is int, float or an enum's options.
OPTION_PARAMS: Dict[str, Tuple[str, Any]] = {
    "SWIFT_FRACTION": ("fraction", float),
    "SWIFT_TOP": ("top", float),
    "SWIFT_STEPS": ("steps", int),
    "SWIFT_LR": ("lr", float),
    "SWIFT_SAMPLER": ("sampler", choices.SWIFT_SAMPLERS),
    "SWIFT_SEED": ("seed", int),
    "SWIFT_PATCH": ("patch", int),
}

OTHER_OPTIONS = ("batch, min_patches, max_patches, embed, knn, score, patience, loss (full|wald), "
                 "loss_weights, spatial_loss")


def swift_parameters() -> List[QgsProcessingParameterDefinition]:
    """The advanced SWIFT option parameters, all optional (blank = the engine's default, in the help)."""
    c = choices
    return [advanced(p) for p in (
        number_param("SWIFT_FRACTION", "SWIFT: fraction of the candidate patches", float, 1e-6, 1.0,
                     f"Share of all the scenes' candidate patches used; blank = {c.SWIFT_FRACTION:g} (at "
                     "least 16, at most 64 patches)."),
        number_param("SWIFT_TOP", "SWIFT: fraction of the weights fine-tuned", float, 1e-6, 1.0,
                     f"The most sensitive weights that are trained; blank = {c.SWIFT_TOP:g}."),
        number_param("SWIFT_STEPS", "SWIFT: training steps", int, 0, 100000,
                     f"Training steps (with early stop); blank = {c.SWIFT_STEPS}."),
        number_param("SWIFT_LR", "SWIFT: learning rate", float, 1e-12, 1.0,
                     f"Learning rate; blank = {c.SWIFT_LR:g}."),
        enum_param("SWIFT_SAMPLER", "SWIFT: patch sampler", c.SWIFT_SAMPLERS, c.SWIFT_SAMPLERS[0],
                   "manifold: farthest points on a kNN graph of the patches' embeddings; fps: farthest "
                   "points; random: a random subset."),
        number_param("SWIFT_SEED", "SWIFT: random seed", int, 0, 2**31 - 1,
                     "Seed of the patch choice and the training; blank = 0."),
        number_param("SWIFT_PATCH", "SWIFT: patch side, PAN px (multiple of 32)", int, 32, 512,
                     f"Side of the patches; blank = {c.SWIFT_PATCH} (a multiple of 32 and of the ratio)."),
        helped(QgsProcessingParameterString(FREE_OPTIONS, "SWIFT: other options (key=value;key=value)", "",
                                            False, True),
               f"Any other SWIFT option ({OTHER_OPTIONS}); the parameters above win over the same key here."),
    )]


def swift_options_from_parameters(alg: QgsProcessingAlgorithm, parameters: Dict[str, Any],
                                  context: QgsProcessingContext) -> Dict[str, str]:
    """SensorAdaptRequest.options from the parameter values; only given values are passed on.

    Raises EngineError (one line) for an options string item without '='.
    """
    options = choices.parse_options(alg.parameterAsString(parameters, FREE_OPTIONS, context))
    options.update(given_options(alg, parameters, context, OPTION_PARAMS))
    return options
