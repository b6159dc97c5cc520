"""SWIFT model files: round trip, sidecar fields, checksum refusal, and the file as a method everywhere."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.errors import EngineError
from engine.jobs import validate_request
from engine.methods.deep import DeepMethod
from engine.methods.deep_weights import ModelFileWeights, backbone_sha256
from engine.methods.registry import get_method
from engine.pipeline import run
from engine.request import PansharpenRequest
from engine.weights.checksum import sha256_of
from engine.weights.model_file import load_model, sidecar_path
from engine.weights.shipped import read_checked
from tests.conftest import pair_paths


def test_round_trip_and_sidecar_fields(swift_model: tuple) -> None:
    path, result = swift_model
    state, meta = load_model(path)
    with open(sidecar_path(path), encoding="utf-8") as f:
        side = json.load(f)
    assert side == meta and meta["kind"] == "swift" and meta["backbone"] == "dicnn" and meta["bands"] == 4
    with open(path, "rb") as f:
        assert meta["sha256"] == sha256_of(f.read())
    assert meta["source_sha256"] == backbone_sha256("dicnn", 4) != ""
    assert [s["name"] for s in meta["scenes"]] == result.scenes == ["quickbird0", "quickbird1", "quickbird2"]
    assert meta["settings"]["steps"] == 2 and meta["settings"]["sampler"] == "manifold"
    assert set(meta["seconds"]) >= {"sample", "score", "train"} and meta["receptive_field"] == 3
    shipped, _ = read_checked("dicnn", 4)
    assert set(state) == set(shipped)
    diff = [not torch.equal(state[k], shipped[k]) for k in state]
    assert any(diff)  # SWIFT changed some weights ...
    changed = sum(int((state[k] != shipped[k]).sum()) for k in state)
    total = sum(v.numel() for v in state.values())
    assert 0 < changed <= round(result.kept_fraction * total)  # ... only masked ones


def test_a_changed_byte_or_a_missing_sidecar_is_refused_in_one_line(swift_model: tuple, tmp_path) -> None:
    path = str(tmp_path / "copy.safetensors")
    shutil.copy(swift_model[0], path)
    shutil.copy(sidecar_path(swift_model[0]), sidecar_path(path))
    data = bytearray(open(path, "rb").read())
    data[-3] ^= 0x01
    open(path, "wb").write(bytes(data))
    for call in (lambda: load_model(path), lambda: get_method(path)):
        with pytest.raises(EngineError, match="fails its sha256 check") as err:
            call()
        assert "\n" not in str(err.value)
    os.remove(sidecar_path(path))
    with pytest.raises(EngineError, match="no sidecar"):
        load_model(path)
    with pytest.raises(EngineError, match="model file not found"):
        get_method(str(tmp_path / "missing.safetensors"))


def test_a_file_for_an_earlier_form_of_the_network_is_refused(swift_model: tuple, tmp_path) -> None:
    # FusionNet files adapted before its high-pass input have receptive field 10 in the sidecar (net: 12).
    path = str(tmp_path / "old.safetensors")
    shutil.copy(swift_model[0], path)
    with open(sidecar_path(swift_model[0]), encoding="utf-8") as f:
        side = json.load(f)
    with open(sidecar_path(path), "w", encoding="utf-8") as f:
        json.dump({**side, "receptive_field": side["receptive_field"] + 2}, f)
    for call in (lambda: load_model(path), lambda: get_method(path)):
        with pytest.raises(EngineError, match="earlier 'dicnn' network .*run adapt-sensor again") as err:
            call()
        assert "\n" not in str(err.value)


def test_the_model_file_is_a_method_of_the_pipeline(swift_model: tuple, tmp_path) -> None:
    path = swift_model[0]
    method = get_method(path)
    assert isinstance(method, DeepMethod) and isinstance(method.weights, ModelFileWeights)
    assert method.family == "deep backbone"
    assert method.name == path and method.title == "DiCNN (SWIFT: qb_dicnn.safetensors)"
    pan, ms = pair_paths("quickbird")
    req = validate_request(PansharpenRequest(pan, ms, str(tmp_path / "a.tif"), method=path))
    assert req.method == path
    outs = {}
    for name in (path, "dicnn"):
        out = str(tmp_path / f"{os.path.basename(name)}.tif")
        result = run(PansharpenRequest(pan, ms, out, method=name, device="cpu"))
        outs[name] = gdal.Open(result.output).ReadAsArray().astype(np.float64)
    assert outs[path].shape == outs["dicnn"].shape and not np.array_equal(outs[path], outs["dicnn"])
    assert np.abs(outs[path] - outs["dicnn"]).mean() < 0.2 * np.abs(outs["dicnn"]).mean()  # adapted, not lost


def test_feature_tailor_starts_from_the_model_file_weights(swift_model: tuple, tmp_path) -> None:
    """A zero-step tailor (zero-initialised) on the model file reproduces the model file's output."""
    path = swift_model[0]
    pan, ms = pair_paths("quickbird")
    plain = run(PansharpenRequest(pan, ms, str(tmp_path / "plain.tif"), method=path, device="cpu"))
    tailor_file = str(tmp_path / "t.safetensors")
    options = {"steps": "0", "save_tailor": tailor_file, "guard": "off"}  # zero steps: nothing to judge
    tailored = run(PansharpenRequest(pan, ms, str(tmp_path / "tailor.tif"), method=path, device="cpu",
                                     adapt="tailor", adapt_options=options))
    a = gdal.Open(plain.output).ReadAsArray().astype(np.float64)
    b = gdal.Open(tailored.output).ReadAsArray().astype(np.float64)
    assert np.abs(a - b).max() <= 1.0  # integer output, float rounding at most one count
    from engine.weights.tailor_file import read_tailor
    _, meta = read_tailor(tailor_file)
    assert meta["backbone"] == "dicnn" and meta["backbone_sha256"] == get_method(path).weights.sha256(4)  # type: ignore[attr-defined]
    assert tailored.method == plain.method == get_method(path).name  # the output names the model file
    assert "SWIFT" in gdal.Open(tailored.output).GetMetadataItem("PANSHARPEN_METHOD") or \
        path in gdal.Open(tailored.output).GetMetadataItem("PANSHARPEN_METHOD")
