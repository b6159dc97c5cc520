"""The deep backbones by name, with their receptive fields."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Type

from ..errors import EngineError
from .base import Backbone
from .classic import PNN, DiCNN, FusionNet, PanNet
from .lagconv import LAGConv
from .multiscale import MSDCNN

BACKBONES: Dict[str, Type[Backbone]] = {c.name: c for c in (PNN, PanNet, DiCNN, MSDCNN, FusionNet, LAGConv)}


@dataclass(frozen=True)
class BackboneInfo:
    """What the registry lists: receptive_field is a radius in PAN pixels."""

    name: str
    title: str
    receptive_field: int
    feature_channels: int
    residual: bool


def list_backbones() -> List[BackboneInfo]:
    """Every backbone in registration order."""
    return [BackboneInfo(c.name, c.title, c.receptive_field, c.feature_channels, c.residual)
            for c in BACKBONES.values()]


def build_backbone(name: str, bands: int) -> Backbone:
    """A freshly initialised backbone for `bands` MS bands; raises EngineError for unknown names."""
    if name not in BACKBONES:
        raise EngineError(f"unknown backbone '{name}'; choose one of: {', '.join(BACKBONES)}")
    return BACKBONES[name](bands)
