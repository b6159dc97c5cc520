"""Processing algorithm pansharpen_adapt:pansharpen: the engine's main job for the Toolbox,
the Model Designer, batch mode and qgis_process."""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..engine.progress import CancelToken
from ..engine.request import DEFAULT_METHOD, PansharpenRequest
from . import choices
from .feedback import FeedbackProgress, engine_errors
from .layers import raster_parameter_path
from .processing_adapt import HELP as ADAPT_HELP
from .processing_adapt import adapt_from_parameters, adapt_parameters
from .processing_params import advanced, enum_param
from .result_styling import attach_rendering
from .runtime import torch_problem


class PansharpenAlgorithm(QgsProcessingAlgorithm):
    """Fuse a PAN and an MS raster layer into a GeoTIFF with one of the engine's methods."""

    PAN, MS, METHOD, SENSOR, OUTPUT_DTYPE = "PAN", "MS", "METHOD", "SENSOR", "OUTPUT_DTYPE"
    DEVICE, BLOCK_SIZE, OPTIONS, OUTPUT = "DEVICE", "BLOCK_SIZE", "OPTIONS", "OUTPUT"
    MODEL_FILE = "MODEL_FILE"

    def __init__(self) -> None:
        super().__init__()
        self._output = ""

    def name(self) -> str:
        return "pansharpen"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return "Pansharpen & Adapt"

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        lines = "".join(f"<li><b>{m.name}</b>: {m.summary}</li>" for m in choices.methods())
        return ("Fuses a panchromatic (PAN, one band) and a multispectral (MS) raster into a GeoTIFF "
                "on the PAN grid with the MS bands. The MS is aligned to the PAN with GDAL when needed; "
                "the sensor preset (MTF gains) is guessed from metadata when SENSOR is auto. "
                "OPTIONS are method options as key=value;key=value (a key the method does not know is "
                "refused). Choice parameters (METHOD, SENSOR, OUTPUT_DTYPE, DEVICE, ADAPT, ...) take the "
                "option's name, e.g. METHOD=gsa, not its number: the numbers that qgis_process help lists "
                "shift whenever a method is added, so they are refused.<br>"
                "MODEL_FILE, when set, is the method instead of METHOD: a saved model file (.safetensors "
                "with its .json sidecar, e.g. from pansharpen_adapt:adapt_sensor), checked against its "
                "sha256; ADAPT works on top of it.<br>" + ADAPT_HELP
                + "<br>Methods:<ul>" + lines + "</ul>")

    def createInstance(self) -> PansharpenAlgorithm:  # noqa: N802 - QGIS API
        return PansharpenAlgorithm()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802 - QGIS API
        problem = torch_problem()
        return (problem is None, problem or "")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802 - QGIS API
        self.addParameter(QgsProcessingParameterRasterLayer(self.PAN, "Panchromatic (PAN) raster"))
        self.addParameter(QgsProcessingParameterRasterLayer(self.MS, "Multispectral (MS) raster"))
        methods = choices.method_names()
        self.addParameter(enum_param(self.METHOD, "Method", methods,
                                DEFAULT_METHOD if DEFAULT_METHOD in methods else methods[0]))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL_FILE, "Saved model file as the method (optional, overrides METHOD)",
            QgsProcessingParameterFile.File, choices.MODEL_SUFFIX.lstrip("."), None, True))
        self.addParameter(enum_param(self.SENSOR, "Sensor preset", choices.sensor_names(), "auto"))
        self.addParameter(enum_param(self.OUTPUT_DTYPE, "Output data type (auto = MS type)",
                                choices.output_dtypes(), "auto"))
        self.addParameter(advanced(enum_param(self.DEVICE, "Device", choices.devices(), "auto")))
        self.addParameter(advanced(QgsProcessingParameterNumber(
            self.BLOCK_SIZE, "Block size (PAN pixels)", QgsProcessingParameterNumber.Integer,
            choices.DEFAULT_BLOCK_SIZE, False, 64, 8192)))
        self.addParameter(advanced(QgsProcessingParameterString(
            self.OPTIONS, "Method options (key=value;key=value)", "", False, True)))
        for param in adapt_parameters():
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, "Pansharpened"))

    def build_request(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> PansharpenRequest:
        """The algorithm's one place that turns parameter values into a PansharpenRequest."""
        adapt, adapt_options = adapt_from_parameters(self, parameters, context)
        return PansharpenRequest(
            pan=raster_parameter_path(self, parameters, self.PAN, context, "PAN"),
            ms=raster_parameter_path(self, parameters, self.MS, context, "MS"),
            output=self.parameterAsOutputLayer(parameters, self.OUTPUT, context),
            method=(self.parameterAsFile(parameters, self.MODEL_FILE, context).strip()
                    or self.parameterAsEnumString(parameters, self.METHOD, context)),
            sensor=self.parameterAsEnumString(parameters, self.SENSOR, context),
            output_dtype=self.parameterAsEnumString(parameters, self.OUTPUT_DTYPE, context),
            device=self.parameterAsEnumString(parameters, self.DEVICE, context),
            block_size=self.parameterAsInt(parameters, self.BLOCK_SIZE, context),
            options=dict(choices.parse_options(self.parameterAsString(parameters, self.OPTIONS, context))),
            adapt=adapt,
            adapt_options=dict(adapt_options),
        )

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        problem = torch_problem()
        if problem:
            raise QgsProcessingException(problem)
        from ..engine.pipeline import run

        with engine_errors(feedback):
            request = self.build_request(parameters, context)
            result = run(request, FeedbackProgress(feedback), CancelToken(is_cancelled=feedback.isCanceled))
        for note in result.notes:
            feedback.pushInfo(f"note: {note}")
        feedback.pushInfo(f"sensor {result.sensor}: {result.sensor_reason}")
        feedback.pushInfo(f"device: {result.device}")
        if result.adapt != "none":
            feedback.pushInfo(result.adaptation_line())
        feedback.pushInfo(result.summary())
        self._output = result.output
        return {self.OUTPUT: result.output}

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802 - QGIS API, main thread
                             feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        if self._output:
            attach_rendering(context, self._output)
        return {self.OUTPUT: self._output}
