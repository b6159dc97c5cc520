"""Processing algorithm pansharpen_adapt:adapt_sensor: SWIFT adaptation of a deep backbone to a sensor
from several PAN/MS layer pairs, written as a reusable model file (.safetensors + .json sidecar)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingUtils,
)

from ..engine import CancelToken, EngineError
from . import choices
from . import help as plugin_help
from .compat import FILE_BEHAVIOR_FILE, SOURCE_RASTER
from .feedback import FeedbackProgress, engine_errors
from .layers import raster_list_parameter_paths
from .places import is_inside, models_dir
from .processing_algorithm import DEVICE_LABELS, sensor_labels
from .processing_params import GROUP, GROUP_ID, TAGS, advanced, enum_param, helped, structured_help
from .processing_swift import swift_options_from_parameters, swift_parameters
from .runtime import torch_problem

if TYPE_CHECKING:  # engine.swift imports torch; the provider must load without it
    from ..engine import SensorAdaptRequest


WHAT = ("SWIFT (Sensitive Weight Identification for Fast Transfer) adapts a pretrained deep backbone to a "
        "new sensor once, from scenes of that sensor alone (no reference images): it samples a few diverse "
        "patches from all the scenes, scores every weight of the net by its gradient on them and fine-tunes "
        "only the most sensitive ones with the unsupervised full-resolution losses. The scenes must share "
        "the sensor (ratio, band count, preset).")


class AdaptSensorAlgorithm(QgsProcessingAlgorithm):
    """SWIFT on the scenes of one sensor -> a model file usable as a method (MODEL_FILE, dock, CLI)."""

    PAN, MS, METHOD, START_MODEL, SENSOR, DEVICE = "PAN", "MS", "METHOD", "START_MODEL", "SENSOR", "DEVICE"
    OUTPUT, SIDECAR = "OUTPUT", "SIDECAR"
    SECONDS, PATCHES, KEPT_FRACTION, STEPS_RUN = "SECONDS", "PATCHES", "KEPT_FRACTION", "STEPS_RUN"

    def name(self) -> str:
        return "adapt_sensor"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return "Adapt a deep method to a sensor (SWIFT)"

    def group(self) -> str:
        return GROUP

    def groupId(self) -> str:  # noqa: N802 - QGIS API
        return GROUP_ID

    def tags(self) -> List[str]:
        return TAGS + ["swift", "adaptation", "sensor", "fine-tuning", "model"]

    def helpUrl(self) -> str:  # noqa: N802 - QGIS API
        return plugin_help.help_url(plugin_help.PROCESSING)

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        return structured_help(self, WHAT, [
            (self.SIDECAR, "the model file's JSON sidecar: source model and sha256, scenes, settings, "
                           "seconds"),
            (self.SECONDS, "SWIFT's total seconds"), (self.PATCHES, "patches used"),
            (self.KEPT_FRACTION, "fraction of the weights tuned"), (self.STEPS_RUN, "training steps run")],
            "<p>Use the model file as the method: MODEL_FILE of 'Pansharpen & Adapt', 'Model file...' in "
            "the dock, or --method FILE on the command line; it is checked against its sha256 before use. "
            f"Save it in {models_dir()} to have the dock list it at every start.</p>")

    def createInstance(self) -> AdaptSensorAlgorithm:  # noqa: N802 - QGIS API
        return AdaptSensorAlgorithm()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802 - QGIS API
        problem = torch_problem()
        return (problem is None, problem or "")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802 - QGIS API
        layers = QgsProcessingParameterMultipleLayers
        deep = choices.deep_method_names()
        default = choices.DEFAULT_DEEP_METHOD if choices.DEFAULT_DEEP_METHOD in deep else deep[0]
        labels = {m.name: m.label for m in choices.methods()}
        for param in (
            helped(layers(self.PAN, "Panchromatic (PAN) rasters, one per scene", SOURCE_RASTER),
                   "The scenes' PAN images; all from the sensor to adapt to."),
            helped(layers(self.MS, "Multispectral (MS) rasters, in the same order", SOURCE_RASTER),
                   "One MS per PAN, in the same order (different counts stop with one line)."),
            enum_param(self.METHOD, "Deep method to adapt", deep, default,
                       "The pretrained deep backbone to start from.", labels),
            helped(QgsProcessingParameterFile(
                self.START_MODEL, "Start from a saved model file instead (overrides the method)",
                FILE_BEHAVIOR_FILE, choices.MODEL_SUFFIX.lstrip("."), None, True),
                "A model file from an earlier SWIFT run: a further round on more scenes."),
            enum_param(self.SENSOR, "Sensor preset", choices.sensor_names(), "auto",
                       "The sensor's MTF gains and band order; Auto guesses it from the metadata.",
                       sensor_labels()),
            advanced(enum_param(self.DEVICE, "Device", choices.devices(), "auto",
                                "Where torch trains: the GPU when one is visible (Auto), the CPU, or CUDA.",
                                DEVICE_LABELS)),
            *swift_parameters(),
            helped(QgsProcessingParameterFileDestination(self.OUTPUT, "Adapted model file",
                                                         choices.MODEL_FILTER),
                   "The adapted model (.safetensors, float32 weights), its .json sidecar beside it."),
        ):
            self.addParameter(param)
        self.addOutput(QgsProcessingOutputFile(self.SIDECAR, "Model file sidecar (JSON)"))
        for name, title in ((self.SECONDS, "SWIFT seconds (total)"), (self.PATCHES, "Patches used"),
                            (self.KEPT_FRACTION, "Fraction of the weights tuned"),
                            (self.STEPS_RUN, "Training steps run")):
            self.addOutput(QgsProcessingOutputNumber(name, title))

    def _paths(self, parameters: Dict[str, Any], context: QgsProcessingContext, name: str,
               role: str) -> List[str]:
        return raster_list_parameter_paths(self, parameters, name, context, role)

    def build_request(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> SensorAdaptRequest:
        """The algorithm's one place that turns parameter values into a SensorAdaptRequest (paths and
        plain values only); EngineError (one line) when the lists differ in length or a layer is unusable."""
        from ..engine import SensorAdaptRequest

        pans = self._paths(parameters, context, self.PAN, "PAN")
        mss = self._paths(parameters, context, self.MS, "MS")
        if len(pans) != len(mss):
            raise EngineError(f"{len(pans)} PAN layer(s) but {len(mss)} MS layer(s): give one MS per PAN, "
                              "in the same order")
        start = self.parameterAsFile(parameters, self.START_MODEL, context).strip()
        return SensorAdaptRequest(
            pairs=tuple(zip(pans, mss)),
            method=start or self.parameterAsEnumString(parameters, self.METHOD, context),
            output=self.parameterAsFileOutput(parameters, self.OUTPUT, context),
            sensor=self.parameterAsEnumString(parameters, self.SENSOR, context),
            device=self.parameterAsEnumString(parameters, self.DEVICE, context),
            options=dict(swift_options_from_parameters(self, parameters, context)),
        )

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        problem = torch_problem()
        if problem:
            raise QgsProcessingException(problem)
        from ..engine import adapt_sensor, sidecar_path

        with engine_errors(feedback, "no model file was written"):
            request = self.build_request(parameters, context)
            result = adapt_sensor(request, FeedbackProgress(feedback),
                                  CancelToken(is_cancelled=feedback.isCanceled))
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        feedback.pushInfo(f"SWIFT took {sum(result.seconds.values()):.1f} s ({stages})")
        feedback.pushInfo(result.summary())
        feedback.pushInfo(f"model file: {result.output} (sidecar {sidecar_path(result.output)})")
        if is_inside(result.output, QgsProcessingUtils.tempFolder()):
            feedback.pushWarning("the model file is a temporary file, deleted when QGIS exits: give OUTPUT "
                                 f"a path, e.g. in {models_dir()} (listed by the dock at every start)")
        return {self.OUTPUT: result.output, self.SIDECAR: sidecar_path(result.output),
                self.SECONDS: float(sum(result.seconds.values())), self.PATCHES: int(result.patches),
                self.KEPT_FRACTION: float(result.kept_fraction), self.STEPS_RUN: int(result.steps_run)}
