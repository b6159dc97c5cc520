"""SWIFT model files: the adapted backbone's weights (safetensors, float32) and a JSON sidecar.

`<name>.safetensors` holds every tensor of the backbone's state dict (raw tensors only: loading never executes
code) and a small header record (format, backbone, bands). `<name>.json` is the manifest entry: format, kind
"swift", backbone, bands, receptive field, source model and its sha256, the sha256 of the .safetensors file,
scenes, sensor, settings, seconds per stage and loss figures. Loading recomputes the file's sha256 and refuses
a mismatch (or a missing sidecar), and a file made for an earlier form of its network (the sidecar's receptive
field differs from the network's), with one EngineError line. Both files are written atomically (temporary
files in the same folder, then os.replace), so an interrupted save leaves no half-written model.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Tuple

import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from ..atomic import os_error_text, remove_stale_partials, temporary_path
from ..backbones import BACKBONES, Backbone
from ..errors import EngineError
from .checksum import check_sha256, sha256_of

FORMAT = "pansharpen-adapt-model/1"
KIND = "swift"
_MAX_BYTES = 256 * 1024 * 1024  # shipped backbones are under 1 MB; refuse to hash anything huge


def sidecar_path(path: str) -> str:
    """The JSON sidecar of a model file: same folder and stem, extension .json."""
    return os.path.splitext(path)[0] + ".json"


def _write_atomic(path: str, data: bytes, tmps: List[str]) -> None:
    """Write data to a temporary file next to `path`, recorded in tmps first (the caller renames, and
    removes whatever is left there)."""
    remove_stale_partials(path)
    tmps.append(temporary_path(path))
    with open(tmps[-1], "wb") as f:
        f.write(data)


def save_model(path: str, net: Backbone, meta: Dict[str, Any]) -> Dict[str, Any]:
    """Write the net's weights and the sidecar (meta plus format, kind, sha256, file); returns the sidecar."""
    state = {k: v.detach().to("cpu").float().contiguous() for k, v in net.state_dict().items()}
    header = {"format": FORMAT, "backbone": str(meta["backbone"]), "bands": str(meta["bands"])}
    data = save_safetensors(state, metadata=header)
    entry = {**meta, "format": FORMAT, "kind": KIND, "file": os.path.basename(path),
             "sha256": sha256_of(data), "bytes": len(data)}
    side = sidecar_path(path)
    tmps: List[str] = []
    done = False
    try:
        _write_atomic(path, data, tmps)
        _write_atomic(side, json.dumps(entry, indent=1, sort_keys=True).encode("utf-8"), tmps)
        os.replace(tmps[0], path)
        os.replace(tmps[1], side)
        done = True
    except OSError as exc:
        raise EngineError(f"cannot write model file {path}: {os_error_text(exc, path)}") from None
    finally:  # also on KeyboardInterrupt: no temporary file, and no model file without its sidecar
        for tmp in tmps:
            if os.path.exists(tmp):
                os.remove(tmp)
        if not done and len(tmps) == 2 and not os.path.exists(tmps[0]) and os.path.exists(path):
            os.remove(path)
    return entry


def read_sidecar(path: str) -> Dict[str, Any]:
    """The sidecar record of a model file; EngineError when missing or not a SWIFT model record."""
    side = sidecar_path(path)
    name = os.path.basename(path)
    if not os.path.isfile(side):
        if _is_tailor_file(path):
            raise EngineError(f"{name} is a saved Feature Tailor, not a model file: use it with "
                              f"--load-tailor {name} and the backbone it was trained on as the method")
        raise EngineError(f"model file {name} has no sidecar {os.path.basename(side)}; refusing to load it")
    try:
        with open(side, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        raise EngineError(f"sidecar of model file {name} is unreadable") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise EngineError(f"{os.path.basename(side)} is not a model file sidecar (format {FORMAT})")
    if meta.get("backbone") not in BACKBONES or meta.get("bands") not in (4, 8):
        raise EngineError(f"model file {name} names an unknown backbone or band count")
    net_field = BACKBONES[meta["backbone"]].receptive_field
    if meta.get("receptive_field", net_field) != net_field:
        # The weights would load (same tensor shapes) into a network that now computes something else
        # (FusionNet's input became high_pass(PAN - lms), field 10 -> 12): refuse rather than fuse wrongly.
        raise EngineError(f"model file {name} was adapted from an earlier '{meta['backbone']}' network "
                          f"(receptive field {meta.get('receptive_field')} px, now {net_field}); "
                          f"run adapt-sensor again")
    return meta


def _is_tailor_file(path: str) -> bool:
    """Whether path is a safetensors file whose header carries a Feature Tailor record."""
    try:
        with open(path, "rb") as f:
            size = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(size)) if 0 < size < 1 << 20 else {}
    except (OSError, ValueError):
        return False
    return isinstance(header, dict) and "tailor" in (header.get("__metadata__") or {})


def load_model(path: str) -> Tuple[Dict[str, torch.Tensor], Dict[str, Any]]:
    """(state dict, sidecar) of a model file, after checking its sha256; EngineError (one line) otherwise."""
    if not os.path.isfile(path):
        raise EngineError(f"model file not found: {path}")
    if os.path.getsize(path) > _MAX_BYTES:
        raise EngineError(f"{path} is too large to be a model file")
    meta = read_sidecar(path)
    with open(path, "rb") as f:
        data = f.read()
    check_sha256(data, meta.get("sha256"), f"model file {os.path.basename(path)}")
    try:
        state = load_safetensors(data)
    except Exception:  # noqa: BLE001 - safetensors raises its own error types for damaged data
        raise EngineError(f"model file {os.path.basename(path)} is corrupt") from None
    return state, meta
