"""Deep backbones as fusion methods: upsample, normalise, features -> mapper, de-normalise.

One DeepMethod class; where its weights come from is its WeightSource (deep_weights.py): the shipped files,
a SWIFT model file (the method's name is then the file's path), or a net adapted to the image being
processed (Feature Tailor or full fine-tuning, engine/adapt/). Band groups and tiles:
engine/backbones/tiling.py; normalisation: engine/backbones/normalise.py. The forward runs in ctx.precision
(engine/precision.py: fp32 / bf16 / fp16, channels_last on a CPU); the option half=true is the legacy alias of
precision fp16 on a GPU.
"""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import torch

from ..backbones import BACKBONES, Backbone
from ..backbones.inputs import net_upsample
from ..backbones.normalise import input_scale
from ..backbones.tiling import fuse_band_groups
from ..errors import EngineError
from ..weights.model_file import load_model
from .base import FusionContext, Method
from .deep_weights import AdaptedWeights, ModelFileWeights, ShippedWeights, WeightSource


class DeepMethod(Method):
    """One backbone with one weight source; halo = the net's receptive field + bicubic upsampling context
    (3 MS pixels)."""

    family = "deep backbone"
    needs_stats = True  # the data maximum picks the normalisation scale
    option_keys = ("half",)

    def __init__(self, backbone: str, weights: Optional[WeightSource] = None) -> None:
        cls = BACKBONES[backbone]
        self.backbone = backbone
        self.weights: WeightSource = weights or ShippedWeights(backbone)
        self.name, self.title = backbone, cls.title
        self.receptive_field = self.weights.receptive_field
        self.summary = (f"pretrained {cls.title} (receptive field {cls.receptive_field} px); "
                        "4- and 8-band weights, other band counts by 4-band groups")

    def halo(self, ratio: int) -> int:
        return self.receptive_field + 3 * ratio

    def upsampled(self, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        return net_upsample(ms, ctx.ratio, ctx.upsampler)

    def scale(self, ctx: FusionContext) -> float:
        s = ctx.require_stats()
        return input_scale(ctx.bits, float(max(s.ms_max.max(), s.pan_max)))

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        mb = self.weights.model_bands(ms.shape[1])
        net = self.weights.inference_net(mb, pan.device)
        s = self.scale(ctx)
        lms = self.upsampled(ms.float() / s, ctx)
        return fuse_band_groups(net, lms, pan.float() / s, mb, ctx.between_batches(), ctx.precision) * s

    def start(self, bands: int, device: torch.device) -> Tuple[Backbone, str, str]:
        """(trainable frozen copy of this method's weights, backbone name, sha256 of those weights):
        adaptation (SWIFT, Feature Tailor, full) starts here, so it builds on an earlier SWIFT result."""
        return self.weights.trainable(bands, device), self.backbone, self.weights.sha256(bands)

    def adapted(self, net: Backbone, bands: int, mode: str) -> DeepMethod:
        """This method running `net` (a tailored or fine-tuned copy for `bands`-band models) instead of its
        own weights; same name (output metadata, RunResult), title marked with the adaptation."""
        method = DeepMethod(self.backbone, AdaptedWeights(net, bands, self.weights))
        method.name = self.name
        method.title = f"{self.title} + {'Feature Tailor' if mode == 'tailor' else 'full fine-tune'}"
        method.summary = self.summary
        return method


def deep_methods() -> List[DeepMethod]:
    """One method per registered backbone, in registry order."""
    return [DeepMethod(name) for name in BACKBONES]


def is_model_path(name: str) -> bool:
    """True when a method name is a model file path (it ends with .safetensors)."""
    return str(name or "").strip().lower().endswith(".safetensors")


_MODEL_FILES: Dict[Tuple[str, int, int], DeepMethod] = {}


def model_method(path: str) -> DeepMethod:
    """The method of a SWIFT model file (checked once per path, size and mtime); EngineError (one line).
    Its name is the absolute path (so requests and evaluations round-trip it)."""
    full = os.path.abspath(str(path).strip())
    if not os.path.isfile(full):
        raise EngineError(f"model file not found: {path}")
    st = os.stat(full)
    key = (full, st.st_size, st.st_mtime_ns)
    if key not in _MODEL_FILES:
        state, meta = load_model(full)
        source = ModelFileWeights(full, state, meta)
        method = DeepMethod(source.backbone, source)
        method.name = full
        method.title = f"{method.title} (SWIFT: {os.path.basename(full)})"
        method.summary = (f"{source.backbone} adapted by SWIFT on {len(meta.get('scenes', []))} scene(s) of "
                          f"{meta.get('sensor', '?')}, {source.bands}-band weights from "
                          f"{os.path.basename(full)}")
        _MODEL_FILES[key] = method
    return _MODEL_FILES[key]
