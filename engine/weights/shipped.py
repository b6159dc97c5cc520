"""Shipped backbone weights: safetensors files checked against a sha256 manifest before loading.

safetensors holds raw tensors only, so loading never executes code from a file (unlike pickle).
Layout: resources/weights/manifest.json lists one entry per model ("<backbone>_<bands>b") with the file
name, sha256, size, band count, normalisation, training data and held-out indices.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Tuple

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from ..backbones import Backbone, build_backbone
from ..backbones.normalise import __doc__ as NORMALISATION_DOC
from ..errors import EngineError
from .checksum import canonical_safetensors, check_sha256, sha256_of

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WEIGHTS_DIR = os.path.join(_ROOT, "resources", "weights")
MANIFEST = "manifest.json"
_CACHE: Dict[Tuple[str, int, str, str], Backbone] = {}


def model_key(backbone: str, bands: int) -> str:
    return f"{backbone}_{bands}b"


def read_manifest(folder: Optional[str] = None) -> Dict[str, Any]:
    """The manifest dict ({"models": {...}}); an empty one when the file does not exist yet. folder: default
    WEIGHTS_DIR (looked up at call time, so a test can point the whole engine at a copy)."""
    folder = folder or WEIGHTS_DIR
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        return {"format": 1, "models": {}}
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as exc:
        raise EngineError(f"weights manifest {path} is unreadable: {exc}") from None


def read_checked(backbone: str, bands: int,
                 folder: Optional[str] = None) -> Tuple[Dict[str, torch.Tensor], dict]:
    """(state dict, manifest entry) of a shipped model; EngineError when missing or failing its checksum."""
    folder = folder or WEIGHTS_DIR
    entry = read_manifest(folder).get("models", {}).get(model_key(backbone, bands))
    if entry is None:
        raise EngineError(f"no pretrained weights for '{backbone}' with {bands} bands in {folder}")
    path = os.path.join(folder, entry["file"])
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        raise EngineError(f"weight file missing: {path}; reinstall the plugin") from None
    check_sha256(data, entry["sha256"], f"weight file {path}", "reinstall the plugin")
    return load_safetensors(data), entry


def load_backbone(backbone: str, bands: int, device: torch.device,
                  folder: Optional[str] = None) -> Backbone:
    """The pretrained fp32 backbone in eval mode on `device` (cached per process after the first check;
    engine/precision.py makes its bf16 / fp16 copies)."""
    folder = folder or WEIGHTS_DIR
    key = (backbone, bands, str(device), folder)
    if key not in _CACHE:
        state, _ = read_checked(backbone, bands, folder)
        net = build_backbone(backbone, bands)
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError:
            raise EngineError(f"weight file for '{backbone}' ({bands} bands) does not match the network; "
                              "reinstall the plugin") from None
        _CACHE[key] = net.to(device).eval()
    return _CACHE[key]


def clear_cache() -> None:
    """Forget loaded models (tests, or after the weight files changed)."""
    _CACHE.clear()


def save_weights(net: Backbone, backbone: str, bands: int, folder: str = WEIGHTS_DIR,
                 training: Optional[dict] = None, indices: Optional[dict] = None) -> dict:
    """Write <backbone>_<bands>b.safetensors (float32) and its manifest entry; returns the entry."""
    os.makedirs(folder, exist_ok=True)
    state = {k: v.detach().float().contiguous().cpu() for k, v in net.state_dict().items()}
    meta = {"backbone": backbone, "bands": str(bands)}
    data = canonical_safetensors(save_safetensors(state, metadata=meta))
    name = f"{model_key(backbone, bands)}.safetensors"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    manifest = read_manifest(folder)
    manifest["normalisation"] = " ".join((NORMALISATION_DOC or "").split())
    entry = {"file": name, "sha256": sha256_of(data), "bytes": len(data), "backbone": backbone,
             "bands": bands, "receptive_field": net.receptive_field,
             "params": sum(p.numel() for p in net.parameters()),
             "training": training or {}, "held_out_indices": indices or {}}
    manifest.setdefault("models", {})[model_key(backbone, bands)] = entry
    with open(os.path.join(folder, MANIFEST), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return entry
