"""The one checksum rule of every weight file the engine loads: shipped backbones (manifest), SWIFT model
files (sidecar) and tailor files (header record) are refused, in one EngineError line, unless the sha256 of
their bytes matches the recorded one."""
from __future__ import annotations

import hashlib
import json

from ..errors import EngineError


def sha256_of(data: bytes) -> str:
    """Hex sha256 of data."""
    return hashlib.sha256(data).hexdigest()


def check_sha256(data: bytes, expected: object, what: str, hint: str = "") -> None:
    """EngineError "<what> fails its sha256 check (recorded X..., file Y...); refusing to load it[, hint]"
    unless sha256(data) equals `expected`."""
    digest = sha256_of(data)
    if digest != expected:
        tail = f", {hint}" if hint else ""
        raise EngineError(f"{what} fails its sha256 check (recorded {str(expected)[:12]}..., file "
                          f"{digest[:12]}...); refusing to load it{tail}")


def canonical_safetensors(data: bytes) -> bytes:
    """The same safetensors bytes with the header's metadata keys sorted: safetensors writes its metadata map
    in arbitrary order, so identical tensors could give files (and sha256) that differ between runs."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    meta = header.pop("__metadata__", None)
    ordered = {"__metadata__": dict(sorted(meta.items()))} if meta else {}
    ordered.update(header)
    text = json.dumps(ordered, separators=(",", ":")).encode()
    if len(text) > size:  # never expected (same content); keep the original rather than break offsets
        return data
    return data[:8] + text + b" " * (size - len(text)) + data[8 + size:]
