"""Where a DeepMethod's weights come from: the shipped files, a SWIFT model file, or a net adapted to the
image being processed. Each source gives the model that serves a band count, a cached net for inference,
a fresh trainable copy (adaptation starts from it) and the sha256 of its weights (tailor files record it)."""
from __future__ import annotations

import os
from typing import Any, Dict

import torch

from ..backbones import BACKBONES, Backbone, build_backbone
from ..backbones.tiling import model_bands_for
from ..errors import EngineError
from ..weights.shipped import load_backbone, model_key, read_checked, read_manifest


class WeightSource:
    """Base class: see the module doc. receptive_field: of the net the source runs (PAN px)."""

    backbone: str = ""
    receptive_field: int = 0

    def model_bands(self, n_bands: int) -> int:
        """The model band count serving an n_bands MS (4: by 4-band groups); EngineError when none does."""
        return model_bands_for(n_bands)

    def inference_net(self, bands: int, device: torch.device) -> Backbone:
        """The cached fp32 net for inference (engine/precision.py makes its bf16 / fp16 copies)."""
        raise NotImplementedError

    def trainable(self, bands: int, device: torch.device) -> Backbone:
        """A fresh frozen copy (eval mode, outside inference mode, so autograd can use it)."""
        raise NotImplementedError

    def sha256(self, bands: int) -> str:
        raise NotImplementedError


def _frozen(net: Backbone, state: Dict[str, torch.Tensor], device: torch.device, mismatch: str) -> Backbone:
    """net with `state` loaded (EngineError `mismatch` when it does not fit), frozen, in eval mode on
    device."""
    with torch.inference_mode(False):
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError:
            raise EngineError(mismatch) from None
    for p in net.parameters():
        p.requires_grad_(False)
    return net.to(device).eval()


class ShippedWeights(WeightSource):
    """The checksummed files in resources/weights (engine/weights/shipped.py)."""

    def __init__(self, backbone: str) -> None:
        self.backbone = backbone
        self.receptive_field = BACKBONES[backbone].receptive_field

    def inference_net(self, bands: int, device: torch.device) -> Backbone:
        return load_backbone(self.backbone, bands, device)

    def trainable(self, bands: int, device: torch.device) -> Backbone:
        # Not load_backbone's cached net: it may have been built under torch.inference_mode (inside a
        # block's fuse), and inference tensors cannot take part in a graph that is differentiated.
        state, _ = read_checked(self.backbone, bands)
        with torch.inference_mode(False):
            net = build_backbone(self.backbone, bands)
        return _frozen(net, state, device, f"weight file for '{self.backbone}' ({bands} bands) does not "
                       "match the network; reinstall the plugin")

    def sha256(self, bands: int) -> str:
        return backbone_sha256(self.backbone, bands)


class ModelFileWeights(WeightSource):
    """A SWIFT model file's weights (4- or 8-band, engine/weights/model_file.py), checked when loaded."""

    def __init__(self, path: str, state: Dict[str, torch.Tensor], meta: Dict[str, Any]) -> None:
        self.path, self.meta, self._state = path, meta, state
        self.backbone = str(meta["backbone"])
        if self.backbone not in BACKBONES:
            raise EngineError(f"model file {os.path.basename(path)} names an unknown backbone "
                              f"'{self.backbone}'")
        self.receptive_field = BACKBONES[self.backbone].receptive_field
        self.bands = int(meta["bands"])
        self._nets: Dict[str, Backbone] = {}
        self.trainable(self.bands, torch.device("cpu"))  # fails now, not mid-run, on a mismatched file

    def model_bands(self, n_bands: int) -> int:
        if self.bands == 8 and n_bands != 8:
            raise EngineError(f"model file {os.path.basename(self.path)} is for 8-band MS, this one has "
                              f"{n_bands}")
        return self.bands

    def inference_net(self, bands: int, device: torch.device) -> Backbone:
        if str(device) not in self._nets:
            self._nets[str(device)] = self.trainable(bands, device)
        return self._nets[str(device)]

    def trainable(self, bands: int, device: torch.device) -> Backbone:
        if bands != self.bands:
            raise EngineError(f"model file {os.path.basename(self.path)} is for {self.bands}-band MS, "
                              f"this one needs {bands} bands")
        with torch.inference_mode(False):
            net = build_backbone(self.backbone, bands)
        return _frozen(net, self._state, device, f"model file {os.path.basename(self.path)} does not match "
                       f"the '{self.backbone}' network")

    def sha256(self, bands: int) -> str:
        return str(self.meta["sha256"])


class AdaptedWeights(WeightSource):
    """A net adapted to the image being processed (a TailoredBackbone or a fine-tuned copy), for `bands`-band
    models; `start` is the source it was adapted from."""

    def __init__(self, net: Backbone, bands: int, start: WeightSource) -> None:
        self.net, self.bands, self.start = net, bands, start
        self.backbone = start.backbone
        self.receptive_field = net.receptive_field

    def model_bands(self, n_bands: int) -> int:
        return self.bands

    def inference_net(self, bands: int, device: torch.device) -> Backbone:
        return self.net

    def trainable(self, bands: int, device: torch.device) -> Backbone:
        raise EngineError("an adapted net is not adapted again; adapt the method it came from")

    def sha256(self, bands: int) -> str:
        return self.start.sha256(bands)


def backbone_sha256(name: str, bands: int) -> str:
    """sha256 of the shipped weight file of (backbone, bands), from the manifest ('' when absent)."""
    entry = read_manifest().get("models", {}).get(model_key(name, bands), {})
    return str(entry.get("sha256", ""))
