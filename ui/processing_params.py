"""Parameter helpers shared by the plugin's Processing algorithms: enums stored by id but shown with readable
labels, per-parameter help, advanced flags, and the structured help text built from the parameters."""
from __future__ import annotations

import html
from typing import Mapping, Optional, Sequence, Tuple

from qgis.core import QgsProcessingAlgorithm, QgsProcessingParameterDefinition, QgsProcessingParameterEnum

from .compat import PARAMETER_ADVANCED
from .processing_enum_widget import LabelledEnum

GROUP, GROUP_ID = "Pansharpening", "pansharpening"
TAGS = ["pansharpening", "pansharpen", "fusion", "panchromatic", "multispectral", "resolution", "sharpen",
        "deep learning", "remote sensing"]


def enum_param(name: str, label: str, options: Sequence[str], default: str, help_text: str = "",
               labels: Optional[Mapping[str, str]] = None) -> QgsProcessingParameterEnum:
    """Enum whose values are the option ids ('gsa'), not indices that shift when options are added;
    qgis_process and models take the ids. With `labels` ({id: readable label}) the algorithm dialog lists
    the labels (ui/processing_enum_widget.py); help_text is the parameter's help (tooltip and help page)."""
    param = QgsProcessingParameterEnum(name, label, list(options), False, default, False, True)
    if labels:
        param.setMetadata({"widget_wrapper": {"class": LabelledEnum, "labels": dict(labels)}})
    if help_text:
        param.setHelp(help_text)
    return param


def helped(param: QgsProcessingParameterDefinition, text: str) -> QgsProcessingParameterDefinition:
    """Set a parameter's help (the dialog's tooltip, the help page's entry); returns it."""
    param.setHelp(text)
    return param


def advanced(param: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    """Mark a parameter as advanced (collapsed in the algorithm dialog); returns it."""
    param.setFlags(param.flags() | PARAMETER_ADVANCED)
    return param


def _item(param: QgsProcessingParameterDefinition) -> str:
    return (f"<li><b>{html.escape(param.description())}</b> (<code>{param.name()}</code>): "
            f"{html.escape(param.help())}</li>")


def structured_help(alg: QgsProcessingAlgorithm, what: str, outputs: Sequence[Tuple[str, str]] = (),
                    notes: str = "") -> str:
    """The help panel: what it does, then the inputs, outputs and advanced options, each from the
    parameters' own help texts (so the page and the tooltips never disagree). outputs: (name, text) of
    outputs that are not parameters (numbers for models); notes: closing HTML."""
    params = alg.parameterDefinitions()
    inputs = [p for p in params if not p.isDestination() and not p.flags() & PARAMETER_ADVANCED]
    options = [p for p in params if not p.isDestination() and p.flags() & PARAMETER_ADVANCED]
    written = [_item(p) for p in params if p.isDestination()]
    written += [f"<li><code>{name}</code>: {html.escape(text)}</li>" for name, text in outputs]
    parts = [f"<h3>What it does</h3><p>{what}</p>",
             "<h3>Inputs</h3><ul>" + "".join(_item(p) for p in inputs) + "</ul>",
             "<h3>Outputs</h3><ul>" + "".join(written) + "</ul>"]
    if options:
        parts.append("<h3>Advanced options</h3><ul>" + "".join(_item(p) for p in options) + "</ul>")
    if notes:
        parts.append(notes)
    return "".join(parts)
