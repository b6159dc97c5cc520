"""Processing algorithm pansharpen_adapt:pansharpen: the engine's main job for the Toolbox,
the Model Designer, batch mode and qgis_process."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

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

from ..engine import CancelToken, PansharpenRequest
from . import choices
from . import help as plugin_help
from .compat import FILE_BEHAVIOR_FILE, NUMBER_INTEGER
from .feedback import FeedbackProgress, engine_errors
from .layers import raster_parameter_path
from .processing_adapt import adapt_from_parameters, adapt_parameters
from .processing_params import GROUP, GROUP_ID, TAGS, advanced, enum_param, helped, structured_help
from .result_styling import attach_rendering, attach_uncertainty_rendering
from .runtime import torch_problem

WHAT = ("Fuses a panchromatic (PAN, one band) and a multispectral (MS) raster into a GeoTIFF on the PAN "
        "grid with the MS bands, georeferenced like the PAN. The MS is aligned to the PAN with GDAL when "
        "needed. The default, MTF-GLP-HPM, is the sharpest and most faithful method on sensors the deep "
        "networks never saw; deep methods can be adapted to the image first (Adaptation). In qgis_process "
        "and models, choices take their id (METHOD=mtf_glp_hpm), not a number: the numbers shift when a "
        "method is added.")
DEVICE_LABELS = {"auto": "Auto (GPU when present)", "cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)"}
DTYPE_LABELS = {"auto": "Same as the MS", "float32": "Float32"}


def method_labels() -> Dict[str, str]:
    """{id: 'MTF-GLP-HPM (mtf_glp_hpm)'} of every method."""
    return {m.name: m.label for m in choices.methods()}


def sensor_labels() -> Dict[str, str]:
    """{id: 'QuickBird (quickbird)'} of 'auto' and every preset."""
    return {name: title if name == "auto" else f"{title} ({name})" for name, title in choices.sensors()}


class PansharpenAlgorithm(QgsProcessingAlgorithm):
    """Fuse a PAN and an MS raster layer into a GeoTIFF with one of the engine's methods."""

    PAN, MS, METHOD, SENSOR, OUTPUT_DTYPE = "PAN", "MS", "METHOD", "SENSOR", "OUTPUT_DTYPE"
    DEVICE, BLOCK_SIZE, OPTIONS, OUTPUT = "DEVICE", "BLOCK_SIZE", "OPTIONS", "OUTPUT"
    PRECISION = "PRECISION"
    MODEL_FILE, OUTPUT_UNCERTAINTY = "MODEL_FILE", "OUTPUT_UNCERTAINTY"

    def __init__(self) -> None:
        super().__init__()
        self._output = self._uncertainty = ""

    def name(self) -> str:
        return "pansharpen"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return "Pansharpen & Adapt"

    def group(self) -> str:
        return GROUP

    def groupId(self) -> str:  # noqa: N802 - QGIS API
        return GROUP_ID

    def tags(self) -> List[str]:
        return TAGS + ["adaptation", "feature tailor", "mtf-glp-hpm"]

    def helpUrl(self) -> str:  # noqa: N802 - QGIS API
        return plugin_help.help_url(plugin_help.PROCESSING)

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        methods = "".join(f"<li><b>{m.name}</b> ({m.title}): {m.summary}</li>" for m in choices.methods())
        return structured_help(self, WHAT, notes="<h3>Methods</h3><ul>" + methods + "</ul>")

    def createInstance(self) -> PansharpenAlgorithm:  # noqa: N802 - QGIS API
        return PansharpenAlgorithm()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802 - QGIS API
        problem = torch_problem()
        return (problem is None, problem or "")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802 - QGIS API
        for param in self._inputs() + self._advanced() + adapt_parameters():
            self.addParameter(param)
        self.addParameter(helped(QgsProcessingParameterRasterDestination(self.OUTPUT, "Pansharpened"),
                                 "The fused GeoTIFF: PAN grid and georeference, MS bands (named), the MS "
                                 "data type unless Output data type says Float32; written atomically."))
        self.addParameter(helped(QgsProcessingParameterRasterDestination(
            self.OUTPUT_UNCERTAINTY, "Uncertainty (generative methods)", None, True, False),
            "Method sb only: the per-band standard deviation of several bridge samples (4 samples of 3 steps "
            "unless the method options say otherwise), Float32 on the output's grid; higher where the result "
            "is less sure. Costs 10-15 runs of the method. Skipped by default."))

    def _inputs(self) -> List[Any]:
        methods = choices.method_names()
        default = choices.DOCK_DEFAULT_METHOD if choices.DOCK_DEFAULT_METHOD in methods else methods[0]
        return [
            helped(QgsProcessingParameterRasterLayer(self.PAN, "Panchromatic (PAN) raster"),
                   "The high-resolution single-band image; the output takes its grid."),
            helped(QgsProcessingParameterRasterLayer(self.MS, "Multispectral (MS) raster"),
                   "The low-resolution multi-band image of the same scene; any band count."),
            enum_param(self.METHOD, "Method", methods, default,
                       "How PAN detail is injected into the MS. Default mtf_glp_hpm, as in the dock.",
                       method_labels()),
            helped(QgsProcessingParameterFile(
                self.MODEL_FILE, "Saved model file as the method (overrides Method)", FILE_BEHAVIOR_FILE,
                choices.MODEL_SUFFIX.lstrip("."), None, True),
                "A SWIFT model file (.safetensors with its .json sidecar, e.g. from 'Adapt a deep method to "
                "a sensor'), checked against its sha256; Adaptation works on top of it."),
            enum_param(self.SENSOR, "Sensor preset", choices.sensor_names(), "auto",
                       "The sensor's MTF gains and band order; Auto guesses it from the metadata and logs "
                       "why.",
                       sensor_labels()),
            enum_param(self.OUTPUT_DTYPE, "Output data type", choices.output_dtypes(), "auto",
                       "Keep the MS data type, or write 32-bit floats.", DTYPE_LABELS),
        ]

    def _advanced(self) -> List[Any]:
        return [
            advanced(enum_param(self.DEVICE, "Device", choices.devices(), "auto",
                                "Where torch computes: the GPU when one is visible (Auto), the CPU, or CUDA "
                                "(an error without a GPU).", DEVICE_LABELS)),
            advanced(enum_param(self.PRECISION, "Precision (deep methods)", choices.precisions(), "auto",
                                "Auto runs bf16 where the CPU (AMX / AVX512-BF16) or GPU has native bf16, "
                                "else fp32; FP32 is the reference path (earlier versions' output).",
                                choices.PRECISION_LABELS)),
            advanced(helped(QgsProcessingParameterNumber(
                self.BLOCK_SIZE, "Block size (PAN pixels)", NUMBER_INTEGER, choices.DEFAULT_BLOCK_SIZE,
                False, 64, 8192),
                "Side of the square blocks fused one at a time: bounds memory; results do not depend on "
                "it.")),
            advanced(helped(QgsProcessingParameterString(
                self.OPTIONS, "Method options (key=value;key=value)", "", False, True),
                "Method-specific settings, e.g. weights=0.25,0.25,0.25,0.25 for brovey; an unknown key is "
                "refused with the list of valid ones.")),
        ]

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
            precision=self.parameterAsEnumString(parameters, self.PRECISION, context),
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
        from ..engine import pansharpen_and_assess

        with engine_errors(feedback):
            request = self.build_request(parameters, context)
            spread = (self.parameterAsOutputLayer(parameters, self.OUTPUT_UNCERTAINTY, context) or "").strip()
            outcome = pansharpen_and_assess(request, False, progress=FeedbackProgress(feedback),
                                            cancel=CancelToken(is_cancelled=feedback.isCanceled),
                                            uncertainty=spread)
        result = outcome.result
        if outcome.uncertainty_problem:
            feedback.reportError(outcome.uncertainty_problem, False)
        for note in result.notes:
            feedback.pushInfo(f"note: {note}")
        feedback.pushInfo(f"sensor {result.sensor}: {result.sensor_reason}")
        feedback.pushInfo(f"device: {result.device}")
        if result.precision:
            feedback.pushInfo(f"precision: {result.precision}")
        if result.adapt != "none":
            feedback.pushInfo(result.adaptation_line())
        feedback.pushInfo(result.summary())
        self._output, self._uncertainty = result.output, outcome.uncertainty
        return {self.OUTPUT: result.output, self.OUTPUT_UNCERTAINTY: outcome.uncertainty or None}

    def postProcessAlgorithm(self, context: QgsProcessingContext,  # noqa: N802 - QGIS API, main thread
                             feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        if self._output:
            attach_rendering(context, self._output)
        if self._uncertainty:
            attach_uncertainty_rendering(context, self._uncertainty)
        return {self.OUTPUT: self._output, self.OUTPUT_UNCERTAINTY: self._uncertainty or None}
