"""The adaptation parameters of pansharpen_adapt:pansharpen: ADAPT and its advanced options.

Blank optional values mean the engine's default for the chosen mode (steps and learning rate differ
between tailor and full), so only the values the user gave reach PansharpenRequest.adapt_options.
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from . import choices
from .processing_params import advanced, enum_param

ADAPT = "ADAPT"
# Parameter name -> (adapt_options key, kind): kind is int, float, str or an enum's options.
OPTION_PARAMS: Dict[str, Tuple[str, Any]] = {
    "ADAPT_STEPS": ("steps", int),
    "ADAPT_LR": ("lr", float),
    "ADAPT_PATCH": ("patch", int),
    "ADAPT_MAX_PATCHES": ("max_patches", int),
    "ADAPT_FRACTION": ("fraction", float),
    "ADAPT_SAMPLER": ("sampler", choices.ADAPT_SAMPLERS),
    "ADAPT_TAILOR": ("tailor", choices.ADAPT_TAILORS),
    "ADAPT_SEED": ("seed", int),
    "ADAPT_LOSS_WEIGHTS": ("loss_weights", str),
}

HELP = ("ADAPT adapts a deep backbone (pnn, pannet, dicnn, msdcnn, fusionnet, lagconv) to this image "
        "before fusing, from the image alone: <b>tailor</b> trains a small Feature Tailor on the frozen "
        "net, <b>full</b> fine-tunes the whole net (Z-PNN style), <b>none</b> uses the pretrained net. "
        "Advanced adaptation options left blank use the engine defaults: steps "
        f"{choices.ADAPT_STEPS['tailor']} (tailor) / {choices.ADAPT_STEPS['full']} (full), learning rate "
        f"{choices.ADAPT_LR['tailor']:g} / {choices.ADAPT_LR['full']:g}, patch side auto (64 PAN px, 128 for "
        "full, or the next multiple of both 32 and the ratio), at most "
        f"{choices.ADAPT_MAX_PATCHES['tailor']} / {choices.ADAPT_MAX_PATCHES['full']} patches or a fraction "
        f"{choices.ADAPT_FRACTION['tailor']:g} / {choices.ADAPT_FRACTION['full']:g} of them (full: the whole "
        f"image up to 512 x 512 PAN px, as Z-PNN), sampler diverse, tailor light, seed {choices.ADAPT_SEED}, "
        "loss weights 'spectral,spatial,consistency' from the sensor preset.")


def number_param(name: str, label: str, kind: Any, low: float, high: float) -> QgsProcessingParameterNumber:
    """Optional number parameter without a default (blank = the engine's default); kind int or float."""
    typ = QgsProcessingParameterNumber.Integer if kind is int else QgsProcessingParameterNumber.Double
    return QgsProcessingParameterNumber(name, label, typ, None, True, low, high)


def adapt_parameters() -> List[QgsProcessingParameterDefinition]:
    """ADAPT (default none, so existing models keep their behaviour) and the advanced options."""
    return [
        enum_param(ADAPT, "Adaptation (deep methods only)", choices.ADAPT_MODES, "none"),
        advanced(number_param("ADAPT_STEPS", "Adaptation steps (blank = default)", int, 0, 100000)),
        advanced(number_param("ADAPT_LR", "Adaptation learning rate (blank = default)", float, 1e-12, 1.0)),
        advanced(number_param("ADAPT_PATCH", "Adaptation patch side, PAN px (multiple of 32)", int, 32,
                              1024)),
        advanced(number_param("ADAPT_MAX_PATCHES", "Adaptation: at most this many patches", int, 1, 1024)),
        advanced(number_param("ADAPT_FRACTION", "Adaptation: fraction of the patches", float, 1e-6, 1.0)),
        advanced(enum_param("ADAPT_SAMPLER", "Adaptation patch sampler", choices.ADAPT_SAMPLERS,
                            choices.ADAPT_SAMPLERS[0])),
        advanced(enum_param("ADAPT_TAILOR", "Feature Tailor variant", choices.ADAPT_TAILORS,
                            choices.ADAPT_TAILORS[0])),
        advanced(number_param("ADAPT_SEED", "Adaptation random seed", int, 0, 2**31 - 1)),
        advanced(QgsProcessingParameterString(
            "ADAPT_LOSS_WEIGHTS", "Adaptation loss weights 'spectral,spatial,consistency' (blank = preset)",
            "", False, True)),
    ]


def _given(parameters: Dict[str, Any], name: str) -> bool:
    value = parameters.get(name)
    return value is not None and str(value).strip() != ""


def given_options(alg: QgsProcessingAlgorithm, parameters: Dict[str, Any], context: QgsProcessingContext,
                  table: Dict[str, Tuple[str, Any]]) -> Dict[str, str]:
    """{option key: value string} of the parameters in `table` (name -> (key, kind)) that were given."""
    options: Dict[str, str] = {}
    for name, (key, kind) in table.items():
        if not _given(parameters, name):
            continue
        if kind is int:
            options[key] = str(alg.parameterAsInt(parameters, name, context))
        elif kind is float:
            options[key] = repr(alg.parameterAsDouble(parameters, name, context))
        elif kind is str:
            options[key] = alg.parameterAsString(parameters, name, context).strip()
        else:
            options[key] = alg.parameterAsEnumString(parameters, name, context)
    return {k: v for k, v in options.items() if v != ""}


def adapt_from_parameters(alg: QgsProcessingAlgorithm, parameters: Dict[str, Any],
                          context: QgsProcessingContext) -> Tuple[str, Dict[str, str]]:
    """(adapt mode, adapt_options) from the parameter values; only given options are passed on."""
    mode = alg.parameterAsEnumString(parameters, ADAPT, context) or "none"
    return mode, given_options(alg, parameters, context, OPTION_PARAMS)
