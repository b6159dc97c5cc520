"""What the dock does with a finished run on the main thread: the result layer (named so runs can be told
apart), the MS layer styled alike on request, the history record, and zooming the map to a past run."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, List, Optional

from qgis.core import QgsProject, QgsRasterLayer

from . import choices
from .history import RunRecord, record_of
from .layers import add_result_layer
from .places import is_inside, layer_name
from .rendering import apply_rendering


@dataclass
class JobInfo:
    """Plain facts about the running job that the engine's result does not carry: the method as picked (a
    SWIFT run's RunResult names the model file), the adaptation as the dock calls it (swift included), the
    MS layer's id and whether to style it, and where the quicklook goes ('' when not assessed)."""

    method: str
    adapt: str
    ms_layer_id: str = ""
    style_ms: bool = False
    quicklook: str = ""


def add_run_layers(outcome: Any, job: JobInfo) -> QgsRasterLayer:
    """Add the result as '<method>[+<adaptation>] <sensor> <HH:MM:SS>' with the true-colour rendering; with
    job.style_ms, give the MS input layer the same band choice (from the sensor preset when its bands have no
    names) and stretch. EngineError (one line) when QGIS cannot open the output."""
    result = outcome.result
    layer = add_result_layer(result.output, layer_name(job.method, job.adapt, result.sensor))
    ms = QgsProject.instance().mapLayer(job.ms_layer_id) if job.style_ms and job.ms_layer_id else None
    if isinstance(ms, QgsRasterLayer) and ms.isValid():
        apply_rendering(ms, choices.preset_band_names(result.sensor))
    return layer


def run_record(outcome: Any, job: JobInfo, layer: Optional[QgsRasterLayer]) -> RunRecord:
    """The history record of a finished run (indices when it was assessed, quicklook when rendered)."""
    indices = dict(outcome.report.indices) if outcome.report is not None else {}
    return record_of(outcome.result, job.method, job.adapt, indices, outcome.quicklook,
                     layer.name() if layer is not None else "")


def result_lines(outcome: Any, temp_folder: str) -> List[str]:
    """Log lines of a finished run before its indices: notes, sensor, device, SWIFT, adaptation, summary,
    and a warning when the output sits in QGIS's temporary folder (deleted on exit)."""
    from .swift_job import swift_lines

    result = outcome.result
    lines = [f"note: {note}" for note in result.notes]
    lines += [f"sensor {result.sensor}: {result.sensor_reason}", f"device: {result.device}"]
    if getattr(result, "precision", ""):
        lines.append(f"precision: {result.precision}")
    if outcome.swift is not None:
        lines += list(swift_lines(outcome.swift))
    if result.adapt != "none":
        lines.append(result.adaptation_line())
    lines.append(result.summary())
    if is_inside(result.output, temp_folder):
        lines.append("the output is a temporary file: QGIS deletes it on exit (untick 'Temporary output' "
                     "under Advanced to keep results)")
    return lines


def zoom_to_record(iface: Any, record: RunRecord) -> str:
    """Zoom the map to a run's output (loading it again when its layer was removed); the log line."""
    project = QgsProject.instance()
    target = os.path.abspath(record.output)
    layers = [lyr for lyr in project.mapLayers().values()
              if isinstance(lyr, QgsRasterLayer) and os.path.abspath(lyr.source()) == target]
    if not layers:
        if not os.path.isfile(record.output):
            return f"the output of that run is gone: {record.output}"
        layers = [add_result_layer(record.output, record.layer or os.path.basename(record.output))]
    canvas = iface.mapCanvas()
    canvas.setExtent(canvas.mapSettings().layerExtentToOutputExtent(layers[0], layers[0].extent()))
    canvas.refresh()
    return f"zoomed to {layers[0].name()}"
