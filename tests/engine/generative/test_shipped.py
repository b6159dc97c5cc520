"""The shipped SB weights: checksum, size, recorded training budget and held-out figures, and a real run."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from engine.errors import EngineError
from engine.generative.sb import MODEL_BANDS, WEIGHTS_NAME, bridge_samples
from engine.generative.weights import generative_dir, load_unet
from engine.weights.shipped import read_checked, read_manifest
from tests.conftest import pair_paths
from tests.engine.rasters import read

SHIPPED = os.path.isfile(os.path.join(generative_dir(), "manifest.json"))
pytestmark = pytest.mark.skipif(not SHIPPED, reason="no generative weights shipped")


def test_checksum_size_and_record() -> None:
    state, entry = read_checked(WEIGHTS_NAME, MODEL_BANDS, generative_dir())
    assert entry["bytes"] < 2 * 1024 * 1024 and sum(v.numel() for v in state.values()) == entry["params"]
    training = entry["training"]
    assert training["threads"] == 1 and training["seconds"] <= 25 * 60
    assert "QuickBird" in training["data"][-1], "QuickBird held out"
    assert set(read_manifest(generative_dir())["models"]) == {"sb_4b"}


def test_a_tampered_file_is_refused(tmp_path) -> None:
    folder = generative_dir()
    for name in os.listdir(folder):
        data = open(os.path.join(folder, name), "rb").read()
        if name.endswith(".safetensors"):
            data = data[:-1] + bytes([data[-1] ^ 1])
        (tmp_path / name).write_bytes(data)
    with pytest.raises(EngineError, match="sha256"):
        read_checked(WEIGHTS_NAME, MODEL_BANDS, str(tmp_path))


def test_shipped_net_sharpens_a_real_crop_within_its_range() -> None:
    pan_path, ms_path = pair_paths("quickbird")
    pan = torch.from_numpy(read(pan_path).astype(np.float32))[None] / 2047.0
    ms = torch.from_numpy(read(ms_path).astype(np.float32))[None] / 2047.0
    lms = torch.nn.functional.interpolate(ms, scale_factor=4, mode="bicubic", align_corners=False)
    net = load_unet(WEIGHTS_NAME, MODEL_BANDS, torch.device("cpu"))
    with torch.inference_mode():
        mean, spread = bridge_samples(net, pan, lms, [0, 1, 2, 3], 2, 2, 0, "sde", (0, 0))
    assert torch.isfinite(mean).all() and (spread >= 0).all()
    detail = (mean - lms).abs().mean()
    assert 1e-4 < detail < 0.1 and mean.min() > -0.2 and mean.max() < 1.5
