"""Processing algorithm pansharpen_adapt:adapt_sensor: SWIFT adaptation of a deep backbone to a sensor
from several PAN/MS layer pairs, written as a reusable model file (.safetensors + .json sidecar)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
)

from ..engine.errors import EngineError
from ..engine.progress import CancelToken
from . import choices
from .feedback import FeedbackProgress, engine_errors
from .layers import raster_list_parameter_paths
from .processing_params import advanced, enum_param
from .processing_swift import HELP as OPTIONS_HELP
from .processing_swift import swift_options_from_parameters, swift_parameters
from .runtime import torch_problem

if TYPE_CHECKING:  # engine.swift imports torch; the provider must load without it
    from ..engine.swift.request import SensorAdaptRequest


class AdaptSensorAlgorithm(QgsProcessingAlgorithm):
    """SWIFT on the scenes of one sensor -> a model file usable as a method (MODEL_FILE, dock, CLI)."""

    PAN, MS, METHOD, START_MODEL, SENSOR, DEVICE = "PAN", "MS", "METHOD", "START_MODEL", "SENSOR", "DEVICE"
    OUTPUT, SIDECAR = "OUTPUT", "SIDECAR"
    SECONDS, PATCHES, KEPT_FRACTION, STEPS_RUN = "SECONDS", "PATCHES", "KEPT_FRACTION", "STEPS_RUN"

    def name(self) -> str:
        return "adapt_sensor"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return "Adapt a deep method to a sensor (SWIFT)"

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        return (
            "SWIFT (Sensitive Weight Identification for Fast Transfer) adapts a pretrained deep backbone to "
            "a new sensor once, from scenes of that sensor alone (no reference images): it samples a few "
            "diverse patches from all the scenes, scores every weight of the net by its gradient on them "
            "and fine-tunes only the most sensitive ones with the unsupervised full-resolution losses.<br>"
            "PAN and MS are lists of layers in the same order (one MS per PAN, one scene per pair); the "
            "scenes must share the sensor (ratio, band count, preset). METHOD is the deep backbone to start "
            "from; START_MODEL, when set, starts from a saved model file instead (a further SWIFT round).<br>"
            "OUTPUT is the model file (.safetensors, float32 weights) and its sidecar (same name, .json: "
            "source model and sha256, scenes, settings, seconds). Use it as the method: MODEL_FILE of "
            "pansharpen_adapt:pansharpen, 'Model file...' in the dock, or --method FILE on the command "
            "line; it is checked against its sha256 before use.<br>" + OPTIONS_HELP
            + "<br>Outputs SECONDS (total), PATCHES (used), KEPT_FRACTION (of the weights tuned) and "
            "STEPS_RUN for models.")

    def createInstance(self) -> AdaptSensorAlgorithm:  # noqa: N802 - QGIS API
        return AdaptSensorAlgorithm()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802 - QGIS API
        problem = torch_problem()
        return (problem is None, problem or "")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802 - QGIS API
        layers = QgsProcessingParameterMultipleLayers
        self.addParameter(layers(self.PAN, "Panchromatic (PAN) rasters, one per scene",
                                 QgsProcessing.TypeRaster))
        self.addParameter(layers(self.MS, "Multispectral (MS) rasters, in the same order",
                                 QgsProcessing.TypeRaster))
        deep = choices.deep_method_names() or [choices.DOCK_DEFAULT_METHOD]
        default = choices.DOCK_DEFAULT_METHOD if choices.DOCK_DEFAULT_METHOD in deep else deep[0]
        self.addParameter(enum_param(self.METHOD, "Deep method to adapt", deep, default))
        self.addParameter(QgsProcessingParameterFile(
            self.START_MODEL, "Start from a saved model file instead (optional, overrides METHOD)",
            QgsProcessingParameterFile.File, choices.MODEL_SUFFIX.lstrip("."), None, True))
        self.addParameter(enum_param(self.SENSOR, "Sensor preset", choices.sensor_names(), "auto"))
        self.addParameter(advanced(enum_param(self.DEVICE, "Device", choices.devices(), "auto")))
        for param in swift_parameters():
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, "Adapted model file", choices.MODEL_FILTER))
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
        from ..engine.swift.request import SensorAdaptRequest

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
        from ..engine.swift.model_file import sidecar_path
        from ..engine.swift.run import adapt_sensor

        with engine_errors(feedback, "no model file was written"):
            request = self.build_request(parameters, context)
            result = adapt_sensor(request, FeedbackProgress(feedback),
                                  CancelToken(is_cancelled=feedback.isCanceled))
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
        feedback.pushInfo(f"SWIFT took {sum(result.seconds.values()):.1f} s ({stages})")
        feedback.pushInfo(result.summary())
        feedback.pushInfo(f"model file: {result.output} (sidecar {sidecar_path(result.output)})")
        return {self.OUTPUT: result.output, self.SIDECAR: sidecar_path(result.output),
                self.SECONDS: float(sum(result.seconds.values())), self.PATCHES: int(result.patches),
                self.KEPT_FRACTION: float(result.kept_fraction), self.STEPS_RUN: int(result.steps_run)}
