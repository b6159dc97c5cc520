"""Saving a trained feature tailor and applying it to other scenes (`--save-tailor` / `--load-tailor`).

The file is safetensors: the tailor's tensors (for the conditional tailor, its frozen image statistics
too) and, in the safetensors header metadata, one JSON string "tailor" describing what it fits: format,
backbone, band count, tailor variant, hidden width, sensor preset, sha256 of the backbone weights it was
trained on and the adapt options. safetensors holds raw tensors only, so loading never executes code.
Loading refuses a file made for another backbone, band count or backbone weights (one EngineError line).
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Tuple

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from ..atomic import write_bytes
from ..backbones.base import Backbone
from ..backbones.tailor import TAILORS, TailoredBackbone, build_tailor
from ..errors import EngineError
from .checksum import check_sha256, sha256_of

FORMAT = "pansharpen-adapt-tailor/2"
_OLD_FORMATS = ("pansharpen-adapt-tailor/1",)  # no checksum: refused with a hint to save again
_MAX_BYTES = 64 * 1024 * 1024  # a tailor is a few kB; refuse to read anything huge as one


def tailor_metadata(net: TailoredBackbone, backbone: str, bands: int, sensor: str, backbone_sha256: str,
                    options: Dict[str, Any]) -> Dict[str, Any]:
    """The metadata record stored with a tailor (plain JSON values)."""
    kind = "conditional" if hasattr(net.tailor, "film") else "light"
    return {"format": FORMAT, "backbone": backbone, "bands": int(bands), "tailor": kind,
            "hidden": int(net.tailor.squeeze.out_channels), "feature_channels": int(net.feature_channels),
            "sensor": sensor, "backbone_sha256": backbone_sha256, "options": options}


def save_tailor(path: str, net: TailoredBackbone, meta: Dict[str, Any]) -> None:
    """Write the tailor's state and `meta` (see tailor_metadata) to `path`, atomically."""
    state = {k: v.detach().to("cpu").contiguous() for k, v in net.tailor.state_dict().items()}
    # The checksum covers the tensor bytes (the header cannot hold its own hash); a damaged header fails to
    # parse or no longer matches the record.
    payload = _payload(save_safetensors(state))
    record = {**meta, "tensors_sha256": sha256_of(payload)}
    data = save_safetensors(state, metadata={"tailor": json.dumps(record, sort_keys=True)})
    if _payload(data) != payload:  # safetensors lays tensors out independently of the metadata
        raise RuntimeError("tailor tensors moved when the metadata was added")
    write_bytes(path, data, "tailor file")


def _payload(data: bytes) -> bytes:
    """The tensor bytes of a safetensors file (after its 8-byte length and JSON header)."""
    return data[8 + int.from_bytes(data[:8], "little"):]


def _header_metadata(data: bytes, path: str) -> Dict[str, Any]:
    """The "tailor" record from a safetensors header; EngineError when it is not a tailor file."""
    bad = EngineError(f"{path} is not a tailor file (corrupt or another format)")
    if len(data) < 8:
        raise bad
    size = int.from_bytes(data[:8], "little")
    if size <= 0 or 8 + size > len(data):
        raise bad
    try:
        header = json.loads(data[8:8 + size])
        meta = json.loads(header["__metadata__"]["tailor"])
    except (ValueError, KeyError, TypeError):
        raise bad from None
    if isinstance(meta, dict) and meta.get("format") in _OLD_FORMATS:
        raise EngineError(f"tailor file {path} was saved by an earlier version without a checksum; "
                          "train and save it again (--save-tailor)")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise bad
    check_sha256(data[8 + size:], meta.get("tensors_sha256"), f"tailor file {path}")
    return meta


def read_tailor(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    """(state, metadata) of a tailor file; EngineError for a missing, huge or corrupt file."""
    if not os.path.isfile(path):
        raise EngineError(f"tailor file not found: {path}")
    if os.path.getsize(path) > _MAX_BYTES:
        raise EngineError(f"{path} is too large to be a tailor file")
    with open(path, "rb") as f:
        data = f.read()
    meta = _header_metadata(data, path)
    try:
        state = load_safetensors(data)
    except Exception:  # noqa: BLE001 - safetensors raises its own error types for damaged data
        raise EngineError(f"{path} is not a tailor file (corrupt or another format)") from None
    return state, meta


def check_fits(meta: Dict[str, Any], path: str, backbone: str, bands: int, backbone_sha256: str) -> None:
    """EngineError (one line) unless the tailor was trained on this backbone, band count and weights."""
    name = os.path.basename(path)
    if meta.get("backbone") != backbone:
        raise EngineError(f"tailor {name} was trained for '{meta.get('backbone')}', not '{backbone}'")
    if meta.get("bands") != bands:
        raise EngineError(f"tailor {name} was trained for {meta.get('bands')}-band MS, "
                          f"this one has {bands} bands")
    if meta.get("backbone_sha256") != backbone_sha256:
        raise EngineError(f"tailor {name} was trained on other '{backbone}' weights "
                          f"(sha256 {str(meta.get('backbone_sha256'))[:12]}...)")


def load_tailor(path: str, net: Backbone, backbone: str, bands: int,
                backbone_sha256: str) -> Tuple[TailoredBackbone, Dict[str, Any]]:
    """The frozen `net` with the saved tailor (eval mode, on net's device) and the file's metadata."""
    state, meta = read_tailor(path)
    check_fits(meta, path, backbone, bands, backbone_sha256)
    kind, hidden = meta.get("tailor"), meta.get("hidden")
    if kind not in TAILORS or not isinstance(hidden, int) or not 1 <= hidden <= 256:
        raise EngineError(f"{path} is not a tailor file (bad tailor variant or width)")
    with torch.inference_mode(False):
        tailor = build_tailor(str(kind), net.feature_channels, hidden)
        try:
            tailor.load_state_dict(state, strict=True)
        except RuntimeError:
            raise EngineError(f"{path} does not match a '{kind}' tailor of width {hidden} for "
                              f"'{backbone}'") from None
    device = next(net.parameters()).device
    tailored = TailoredBackbone(net, tailor.to(device)).freeze_backbone()
    for p in tailored.tailor.parameters():
        p.requires_grad_(False)
    return tailored.eval(), meta
