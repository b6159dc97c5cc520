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
from .compat import NUMBER_DOUBLE, NUMBER_INTEGER
from .processing_params import advanced, enum_param, helped

ADAPT = "ADAPT"
ADAPT_LABELS = {mode: choices.ADAPT_TITLES[mode] for mode in choices.ADAPT_MODES}
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

def number_param(name: str, label: str, kind: Any, low: float, high: float,
                 help_text: str = "") -> QgsProcessingParameterNumber:
    """Optional number parameter without a default (blank = the engine's default); kind int or float."""
    typ = NUMBER_INTEGER if kind is int else NUMBER_DOUBLE
    param = QgsProcessingParameterNumber(name, label, typ, None, True, low, high)
    if help_text:
        param.setHelp(help_text)
    return param


def _per_mode(values: Dict[str, Any]) -> str:
    return f"blank = {values['tailor']:g} for tailor, {values['full']:g} for full"


def adapt_parameters() -> List[QgsProcessingParameterDefinition]:
    """ADAPT (default none, so existing models keep their behaviour) and the advanced options, each with
    its help (the engine's defaults per mode)."""
    adv = advanced
    return [
        enum_param(ADAPT, "Adaptation (deep methods)", choices.ADAPT_MODES, "none",
                   "Adapt a deep method (or model file) to this image before fusing, from the image "
                   "alone: Feature Tailor trains a small add-on on the frozen net (kept only when it beats "
                   "the plain net), Full fine-tune retrains the whole net (slower). A classical method with "
                   "an adaptation is refused.", ADAPT_LABELS),
        adv(number_param("ADAPT_STEPS", "Adaptation steps", int, 0, 100000,
                         f"Training steps; {_per_mode(choices.ADAPT_STEPS)}.")),
        adv(number_param("ADAPT_LR", "Adaptation learning rate", float, 1e-12, 1.0,
                         f"Learning rate; {_per_mode(choices.ADAPT_LR)}.")),
        adv(number_param("ADAPT_PATCH", "Adaptation patch side (PAN px, multiple of 32)", int, 32, 1024,
                         "Side of the training patches; blank = 64 (128 for full), or the next multiple of "
                         "both 32 and the ratio.")),
        adv(number_param("ADAPT_MAX_PATCHES", "Adaptation: at most this many patches", int, 1, 1024,
                         f"Upper bound on the training patches; {_per_mode(choices.ADAPT_MAX_PATCHES)}.")),
        adv(number_param("ADAPT_FRACTION", "Adaptation: fraction of the patches", float, 1e-6, 1.0,
                         f"Share of the candidate patches used; {_per_mode(choices.ADAPT_FRACTION)} (full: "
                         "the whole image up to 512 x 512 PAN px, as Z-PNN).")),
        adv(enum_param("ADAPT_SAMPLER", "Adaptation patch sampler", choices.ADAPT_SAMPLERS,
                       choices.ADAPT_SAMPLERS[0], "diverse: patches that differ most from each other "
                       "(farthest points on their statistics); random: a random subset.")),
        adv(enum_param("ADAPT_TAILOR", "Feature Tailor variant", choices.ADAPT_TAILORS,
                       choices.ADAPT_TAILORS[0], "light: a small residual correction of the net's features; "
                       "conditional: the same, modulated by the image's feature statistics.")),
        adv(number_param("ADAPT_SEED", "Adaptation random seed", int, 0, 2**31 - 1,
                         f"Seed of the patch choice and the initial weights; blank = {choices.ADAPT_SEED}.")),
        adv(helped(QgsProcessingParameterString(
            "ADAPT_LOSS_WEIGHTS", "Adaptation loss weights 'spectral,spatial,consistency'", "", False, True),
            "Weights of the three loss terms; blank = the sensor preset's.")),
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
