"""Processing algorithm pansharpen_adapt:assess: quality indices of a fused raster, as
`python -m engine metrics` computes them, written as an HTML table (and JSON) with number outputs."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)

from ..engine import CancelToken
from . import choices
from . import help as plugin_help
from .compat import NUMBER_INTEGER
from .feedback import FeedbackProgress, engine_errors
from .layers import raster_parameter_path
from .processing_algorithm import DEVICE_LABELS, sensor_labels
from .processing_params import GROUP, GROUP_ID, TAGS, advanced, enum_param, helped, structured_help
from .runtime import torch_problem

# Engine index names; each is also a number output named in upper case (Q2n -> Q2N). Fixed here, not read
# from the engine, because models refer to outputs by name (a test keeps the list equal to the engine's).
INDEX_NAMES = ("HQNR", "D_lambda_K", "D_s", "QNR", "D_lambda", "D_rho", "R_Q2n", "R_SAM", "R_ERGAS", "D_s_R",
               "RQNR", "Q2n", "SAM", "ERGAS", "SCC", "PSNR", "FSDS")
REFERENCE_ONLY = ("Q2n", "SAM", "ERGAS", "SCC", "PSNR", "FSDS")


WHAT = ("Quality indices of a fused (pansharpened) raster on the PAN grid, as <code>python -m engine "
        "metrics</code> computes them. Without a reference (full resolution): Scarpa and Ciotola's D_rho "
        "(sharpness against the PAN, lower is better) and R_Q2n, R_SAM, R_ERGAS (the fused image reprojected "
        "to the MS scale), the regression-based D_s_R and RQNR, and D_lambda, D_s, QNR, D_lambda_K and HQNR "
        "(kept for comparison: HQNR rewards smooth results and is not the judge). With a reference also Q2n, "
        "SAM, ERGAS, SCC, PSNR and FSDS. Every index is also a number output for models.")


def output_name(index: str) -> str:
    """Processing output name of an engine index name: 'D_lambda_K' -> 'D_LAMBDA_K'."""
    return index.upper()


class AssessAlgorithm(QgsProcessingAlgorithm):
    """Full-resolution indices of a fused raster (and reference indices when a reference is given)."""

    PAN, MS, FUSED, REFERENCE, SENSOR = "PAN", "MS", "FUSED", "REFERENCE", "SENSOR"
    MAX_SIZE, ROUNDING, METRICS_UPSAMPLER, DEVICE = "MAX_SIZE", "ROUNDING", "METRICS_UPSAMPLER", "DEVICE"
    OUTPUT_HTML, OUTPUT_JSON, OUTPUT_QUICKLOOK = "OUTPUT_HTML", "OUTPUT_JSON", "OUTPUT_QUICKLOOK"

    def name(self) -> str:
        return "assess"

    def displayName(self) -> str:  # noqa: N802 - QGIS API
        return "Assess pansharpening quality"

    def group(self) -> str:
        return GROUP

    def groupId(self) -> str:  # noqa: N802 - QGIS API
        return GROUP_ID

    def tags(self) -> List[str]:
        return TAGS + ["quality", "assessment", "qnr", "hqnr", "d_rho", "quicklook"]

    def helpUrl(self) -> str:  # noqa: N802 - QGIS API
        return plugin_help.help_url(plugin_help.PROCESSING)

    def shortHelpString(self) -> str:  # noqa: N802 - QGIS API
        numbers = [(output_name(i), f"the index {i}" + (" (with a reference)" if i in REFERENCE_ONLY else ""))
                   for i in INDEX_NAMES]
        return structured_help(self, WHAT, numbers)

    def createInstance(self) -> AssessAlgorithm:  # noqa: N802 - QGIS API
        return AssessAlgorithm()

    def canExecute(self) -> Tuple[bool, str]:  # noqa: N802 - QGIS API
        problem = torch_problem()
        return (problem is None, problem or "")

    def initAlgorithm(self, config: Optional[Dict[str, Any]] = None) -> None:  # noqa: N802 - QGIS API
        for param in self._parameters():
            self.addParameter(param)
        for index in INDEX_NAMES:
            self.addOutput(QgsProcessingOutputNumber(output_name(index), index))

    def _parameters(self) -> List[Any]:
        raster, upsamplers = QgsProcessingParameterRasterLayer, choices.metrics_upsamplers()
        return [
            helped(raster(self.PAN, "Panchromatic (PAN) raster the fused image was made from"),
                   "The PAN the fused raster was made from."),
            helped(raster(self.MS, "Multispectral (MS) raster the fused image was made from"),
                   "The MS the fused raster was made from."),
            helped(raster(self.FUSED, "Fused (pansharpened) raster, on the PAN grid"),
                   "The result to assess; it must lie on the PAN grid with the MS band count."),
            helped(raster(self.REFERENCE, "Reference raster on the fused grid", None, True),
                   "A true high-resolution MS (e.g. from a degraded-resolution test): adds Q2n, SAM, ERGAS, "
                   "SCC, PSNR and FSDS."),
            enum_param(self.SENSOR, "Sensor preset", choices.sensor_names(), "auto",
                       "The sensor's MTF gains used by the indices; Auto guesses it from the metadata.",
                       sensor_labels()),
            advanced(helped(QgsProcessingParameterNumber(
                self.MAX_SIZE, "Side of the assessed centred window (fused pixels)", NUMBER_INTEGER,
                choices.DEFAULT_ASSESS_MAX_SIZE, False, 32, 1 << 16),
                "The indices are computed on a centred window of at most this side (the whole image when "
                "smaller): bounds time and memory.")),
            advanced(enum_param(self.ROUNDING, "Q2n inputs: float values (none) or MATLAB casts (matlab)",
                                choices.ROUNDINGS, choices.ROUNDINGS[0],
                                "matlab reproduces the MATLAB toolbox's integer casts for comparison.")),
            advanced(enum_param(self.METRICS_UPSAMPLER, "MS to PAN grid for D_lambda, D_s and D_lambda_K",
                                upsamplers, upsamplers[0], "How the MS is brought to the PAN grid for the "
                                "indices that compare it there.")),
            advanced(enum_param(self.DEVICE, "Device", choices.devices(), "auto",
                                "Where torch computes the indices.", DEVICE_LABELS)),
            helped(QgsProcessingParameterFileDestination(self.OUTPUT_HTML, "Quality report (HTML)",
                                                         "HTML files (*.html)"),
                   "Table of every index (value, direction, ideal), sensor and reason, region, notes, "
                   "settings."),
            helped(QgsProcessingParameterFileDestination(self.OUTPUT_JSON, "Quality report (JSON)",
                                                         "JSON files (*.json)", None, True, False),
                   "The engine's JSON report, for scripts."),
            helped(QgsProcessingParameterFileDestination(self.OUTPUT_QUICKLOOK, "Quicklook (PNG)",
                                                         "PNG files (*.png)", None, True, False),
                   "The window with the most PAN detail at 1:1: upsampled MS | mtf_glp_hpm on that window | "
                   "the fused raster, one stretch, plus the PAN's detail map; the HTML report shows it too."),
        ]

    def _inputs(self, parameters: Dict[str, Any], context: QgsProcessingContext) -> Dict[str, Any]:
        """assess_files keyword arguments from the parameters (file paths and plain values)."""
        from ..engine import MetricSettings

        def path(name: str, role: str) -> str:
            return raster_parameter_path(self, parameters, name, context, role)

        reference = parameters.get(self.REFERENCE)
        return {
            "pan": path(self.PAN, "PAN"),
            "ms": path(self.MS, "MS"),
            "fused": path(self.FUSED, "fused"),
            "reference": path(self.REFERENCE, "reference") if reference not in (None, "") else None,
            "sensor": self.parameterAsEnumString(parameters, self.SENSOR, context),
            "max_size": self.parameterAsInt(parameters, self.MAX_SIZE, context),
            "settings": MetricSettings(
                rounding=self.parameterAsEnumString(parameters, self.ROUNDING, context),
                upsampler=self.parameterAsEnumString(parameters, self.METRICS_UPSAMPLER, context)),
            "device": self.parameterAsEnumString(parameters, self.DEVICE, context),
        }

    def processAlgorithm(self, parameters: Dict[str, Any], context: QgsProcessingContext,  # noqa: N802
                         feedback: QgsProcessingFeedback) -> Dict[str, Any]:
        problem = torch_problem()
        if problem:
            raise QgsProcessingException(problem)
        from ..engine import assess, check_job_paths, optional, quicklook_writes, raster_reads
        from .assess_html import write_report_html

        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        json_path = self.parameterAsFileOutput(parameters, self.OUTPUT_JSON, context)
        png_path = self.parameterAsFileOutput(parameters, self.OUTPUT_QUICKLOOK, context)
        with engine_errors(feedback):
            inputs = self._inputs(parameters, context)
            reads = [*raster_reads("PAN", inputs["pan"]), *raster_reads("MS", inputs["ms"]),
                     *raster_reads("fused raster", inputs["fused"]),
                     *raster_reads("reference", inputs["reference"] or "")]
            check_job_paths(reads, [("HTML report", html_path), *optional("JSON report", json_path),
                                    *quicklook_writes(png_path)])
            cancel = CancelToken(is_cancelled=feedback.isCanceled)
            report = assess(**inputs, progress=FeedbackProgress(feedback), cancel=cancel)
            shot = self._quicklook(inputs, report.sensor, png_path, cancel) if png_path else None
            write_report_html(report, html_path, shot.png if shot else None,
                              f"Window: {shot.describe()}." if shot else "")
            if json_path:
                report.write_json(json_path)
            if shot is not None:
                from ..engine import write_quicklook

                write_quicklook(png_path, shot.png, [html_path, json_path])
        for line in report.table().splitlines():
            feedback.pushInfo(line)
        results: Dict[str, Any] = {self.OUTPUT_HTML: html_path, self.OUTPUT_JSON: json_path or None,
                                   self.OUTPUT_QUICKLOOK: png_path or None}
        results.update({output_name(k): v for k, v in report.indices.items() if k in INDEX_NAMES})
        return results

    @staticmethod
    def _quicklook(inputs: Dict[str, Any], sensor: str, path: str, cancel: CancelToken) -> Any:
        """The engine's quicklook of the fused raster (not written yet: the HTML embeds it first)."""
        from ..engine import QuicklookSpec, panel_title, quicklook_of_result

        return quicklook_of_result(inputs["pan"], inputs["ms"], inputs["fused"], panel_title(inputs["fused"]),
                                   sensor, QuicklookSpec(path), device=inputs["device"], cancel=cancel)
