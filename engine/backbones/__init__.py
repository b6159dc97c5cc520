"""Deep pansharpening backbones with a two-stage features -> mapper interface."""
from .base import Backbone
from .registry import BACKBONES, BackboneInfo, build_backbone, list_backbones

__all__ = ["Backbone", "BACKBONES", "BackboneInfo", "build_backbone", "list_backbones"]
