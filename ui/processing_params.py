"""Parameter helpers shared by the plugin's Processing algorithms."""
from __future__ import annotations

from typing import Sequence

from qgis.core import QgsProcessingParameterDefinition, QgsProcessingParameterEnum


def enum_param(name: str, label: str, options: Sequence[str], default: str) -> QgsProcessingParameterEnum:
    """Enum whose values are the option strings ('gsa'), not indices that shift when options are added."""
    return QgsProcessingParameterEnum(name, label, list(options), False, default, False, True)


def advanced(param: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    """Mark a parameter as advanced (collapsed in the algorithm dialog); returns it."""
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param
