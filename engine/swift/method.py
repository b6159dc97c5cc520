"""A saved model file as a fusion method: a DeepMethod running the file's weights instead of the shipped ones.

`model_method(path)` is what engine.methods.registry.get_method returns for a path ending in .safetensors:
the file is checksum-checked once (cached per path, size and modification time). The method's name is the
absolute path (so requests and evaluations round-trip it), `backbone` the architecture, and
`trainable(bands, device)` gives a fresh autograd-ready copy so Feature Tailor and full fine-tuning start
from the adapted weights.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Tuple

import torch

from ..backbones import Backbone, build_backbone
from ..errors import EngineError
from ..methods.base import FusionContext
from ..methods.deep import DeepMethod
from .model_file import load_model


def is_model_path(name: str) -> bool:
    """True when a method name is a model file path (it ends with .safetensors)."""
    return str(name or "").strip().lower().endswith(".safetensors")


class ModelFileMethod(DeepMethod):
    """DeepMethod with the weights of a saved model file (4- or 8-band, see model_file.py)."""

    def __init__(self, path: str, state: Dict[str, torch.Tensor], meta: Dict[str, Any]) -> None:
        super().__init__(str(meta["backbone"]))
        self.backbone = str(meta["backbone"])
        self.path = self.name = path
        self.model_bands = int(meta["bands"])
        self.sha256 = str(meta["sha256"])
        self.meta = meta
        self.title = f"{self.title} (SWIFT: {os.path.basename(path)})"
        self.summary = (f"{self.backbone} adapted by SWIFT on {len(meta.get('scenes', []))} scene(s) of "
                        f"{meta.get('sensor', '?')}, {self.model_bands}-band weights from "
                        f"{os.path.basename(path)}")
        self._state = state
        self._nets: Dict[Tuple[str, bool], Backbone] = {}
        self.trainable(self.model_bands, torch.device("cpu"))  # fails now, not mid-run, on a mismatched file

    def trainable(self, bands: int, device: torch.device) -> Backbone:
        """A fresh frozen copy (eval mode, outside inference mode, so autograd can use it)."""
        if bands != self.model_bands:
            raise EngineError(f"model file {os.path.basename(self.path)} is for {self.model_bands}-band MS, "
                              f"this one needs {bands} bands")
        with torch.inference_mode(False):
            net = build_backbone(self.backbone, bands)
            try:
                net.load_state_dict(self._state, strict=True)
            except RuntimeError:
                raise EngineError(f"model file {os.path.basename(self.path)} does not match the "
                                  f"'{self.backbone}' network") from None
        for p in net.parameters():
            p.requires_grad_(False)
        return net.to(device).eval()

    def _net(self, device: torch.device, half: bool) -> Backbone:
        key = (str(device), half)
        if key not in self._nets:
            net = self.trainable(self.model_bands, device)
            self._nets[key] = net.half() if half else net
        return self._nets[key]

    def fuse(self, pan: torch.Tensor, ms: torch.Tensor, ctx: FusionContext) -> torch.Tensor:
        n = ms.shape[1]
        if self.model_bands == 8 and n != 8:
            raise EngineError(f"model file {os.path.basename(self.path)} is for 8-band MS, this one has {n}")
        return self.fuse_with(self._net(pan.device, False), pan, ms, ctx, self.model_bands)


_CACHE: Dict[Tuple[str, int, int], ModelFileMethod] = {}


def model_method(path: str) -> ModelFileMethod:
    """The method of a model file (checked once per path, size and mtime); EngineError (one line)."""
    full = os.path.abspath(str(path).strip())
    if not os.path.isfile(full):
        raise EngineError(f"model file not found: {path}")
    st = os.stat(full)
    key = (full, st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        state, meta = load_model(full)
        _CACHE[key] = ModelFileMethod(full, state, meta)
    return _CACHE[key]


def start_network(method: DeepMethod, bands: int, device: torch.device) -> Tuple[Backbone, str, str]:
    """(trainable frozen copy of the method's weights, backbone name, sha256 of those weights): a model
    file's weights for a ModelFileMethod, else the shipped ones. Adaptation (SWIFT, Feature Tailor, full)
    starts from here, so it builds on an earlier SWIFT result."""
    from ..adapt.method import backbone_sha256, trainable_backbone  # late: engine.adapt imports this module

    if isinstance(method, ModelFileMethod):
        return method.trainable(bands, device), method.backbone, method.sha256
    return trainable_backbone(method.name, bands, device), method.name, backbone_sha256(method.name, bands)
