"""Shipped weights of the generative nets: resources/weights/generative/, checked like the backbones.

Same rule as engine/weights/shipped.py (its read_checked and checksum.canonical_safetensors are reused): a
safetensors file per model ("<method>_<bands>b", e.g. sb_4b) and a manifest.json beside it with the file's
sha256, size, architecture (width), training recipe and held-out indices; a file whose sha256 differs from
the manifest's is refused. A separate folder keeps the backbones' manifest (and its tests) untouched.
"""
from __future__ import annotations

import json
import os
from typing import Dict, Optional, Tuple

import torch
from safetensors.torch import save as save_safetensors

from ..weights import shipped as backbone_weights
from ..weights.checksum import canonical_safetensors, sha256_of
from ..weights.shipped import WEIGHTS_DIR, model_key, read_checked, read_manifest
from .unet import CondUNet, build_unet

GENERATIVE_DIR = os.path.join(WEIGHTS_DIR, "generative")


def generative_dir() -> str:
    """The shipped folder, looked up at call time (follows engine.weights.shipped.WEIGHTS_DIR, which tests
    may point elsewhere)."""
    return os.path.join(backbone_weights.WEIGHTS_DIR, "generative")
_CACHE: Dict[Tuple[str, int, str, str], CondUNet] = {}


def load_unet(method: str, bands: int, device: torch.device, folder: Optional[str] = None) -> CondUNet:
    """The checked, shipped CondUNet of `method` for `bands` bands in eval mode on device (cached)."""
    folder = folder or generative_dir()
    key = (method, bands, str(device), folder)
    if key not in _CACHE:
        state, entry = read_checked(method, bands, folder)
        net = build_unet(bands, int(entry.get("width", 24)))
        net.load_state_dict(state, strict=True)
        _CACHE[key] = net.to(device).eval()
    return _CACHE[key]


def save_unet(net: CondUNet, method: str, folder: str = GENERATIVE_DIR, extra: Optional[dict] = None) -> dict:
    """Write <method>_<bands>b.safetensors (float32, canonical header) and its manifest entry; the entry."""
    os.makedirs(folder, exist_ok=True)
    state = {k: v.detach().float().contiguous().cpu() for k, v in net.state_dict().items()}
    meta = {"method": method, "bands": str(net.bands)}
    data = canonical_safetensors(save_safetensors(state, metadata=meta))
    name = f"{model_key(method, net.bands)}.safetensors"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    manifest = read_manifest(folder)
    entry = {"file": name, "sha256": sha256_of(data), "bytes": len(data), "method": method,
             "bands": net.bands, "width": net.width, "receptive_radius": net.receptive_radius,
             "params": sum(p.numel() for p in net.parameters()), **(extra or {})}
    manifest.setdefault("models", {})[model_key(method, net.bands)] = entry
    with open(os.path.join(folder, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    return entry


def clear_cache() -> None:
    """Forget loaded nets (tests, or after the files changed)."""
    _CACHE.clear()
