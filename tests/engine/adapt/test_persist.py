"""Saved tailors: round trip (file and pipeline), mismatches and corrupt files refused."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch
from osgeo import gdal

from engine.adapt.options import check_adapt, parse_adapt_options
from engine.backbones.registry import build_backbone
from engine.backbones.tailor import TailoredBackbone, build_tailor
from engine.cli.main import main
from engine.errors import EngineError
from engine.methods.deep_weights import backbone_sha256
from engine.weights.tailor_file import load_tailor, read_tailor, save_tailor, tailor_metadata
from tests.conftest import pair_paths

SHA = "ab" * 32


def _tailored(kind: str) -> TailoredBackbone:
    torch.manual_seed(1)
    net = build_backbone("fusionnet", 4).eval()
    tailor = build_tailor(kind, net.feature_channels, 8)
    with torch.no_grad():  # a trained tailor: the zero-initialised last layer made non-zero
        torch.nn.init.normal_(tailor.expand.weight, std=0.05)
    tailored = TailoredBackbone(net, tailor).freeze_backbone()
    if kind == "conditional":
        tailor.condition(torch.randn(2, net.feature_channels, 8, 8) * 3 + 1)  # type: ignore[operator]
    return tailored.eval()


def _save(tmp_path, kind: str = "light") -> tuple:  # type: ignore[no-untyped-def]
    tailored = _tailored(kind)
    path = str(tmp_path / "t.safetensors")
    meta = tailor_metadata(tailored, "fusionnet", 4, "quickbird", SHA, {"steps": 5})
    save_tailor(path, tailored, meta)
    return tailored, path


@pytest.mark.parametrize("kind", ["light", "conditional"])
def test_round_trip_gives_the_same_output(tmp_path, kind: str) -> None:
    tailored, path = _save(tmp_path, kind)
    fresh = build_backbone("fusionnet", 4)
    fresh.load_state_dict(tailored.net.state_dict())
    loaded, meta = load_tailor(path, fresh.eval(), "fusionnet", 4, SHA)
    assert meta["tailor"] == kind and meta["hidden"] == 8 and meta["sensor"] == "quickbird"
    assert meta["options"] == {"steps": 5}
    lms, pan = torch.rand(1, 4, 32, 32), torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        expected, got = tailored(lms, pan), loaded(lms, pan)
        plain = tailored.net(lms, pan)
    assert not torch.equal(expected, plain)  # the tailor does something, so equality below means something
    assert torch.equal(expected, got)


@pytest.mark.parametrize("backbone,bands,sha,word", [("pnn", 4, SHA, "'fusionnet'"),
                                                     ("fusionnet", 8, SHA, "4-band"),
                                                     ("fusionnet", 4, "cd" * 32, "other")])
def test_mismatch_is_refused(tmp_path, backbone: str, bands: int, sha: str, word: str) -> None:
    _, path = _save(tmp_path)
    net = build_backbone(backbone, bands)
    with pytest.raises(EngineError, match=word) as info:
        load_tailor(path, net, backbone, bands, sha)
    assert "\n" not in str(info.value)


def test_corrupt_files_are_refused(tmp_path) -> None:
    _, path = _save(tmp_path)
    data = open(path, "rb").read()
    cases = {"truncated": data[: len(data) // 2], "garbage": os.urandom(200), "empty": b"",
             "header": data[:8] + b"{not json" + data[17:]}
    for name, content in cases.items():
        bad = tmp_path / f"{name}.safetensors"
        bad.write_bytes(content)
        with pytest.raises(EngineError, match="not a tailor file|fails its sha256 check"):
            load_tailor(str(bad), build_backbone("fusionnet", 4), "fusionnet", 4, SHA)


@pytest.mark.parametrize("where", ["first tensor byte", "last tensor byte"])
def test_flipped_bit_is_refused(tmp_path, where: str) -> None:
    """A flipped bit in the tensors used to load silently and saturate the output; now the recorded
    sha256 of the tensor bytes refuses it in one line."""
    _, path = _save(tmp_path)
    data = bytearray(open(path, "rb").read())
    start = 8 + int.from_bytes(data[:8], "little")
    data[start if where == "first tensor byte" else len(data) - 1] ^= 0x40
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(data))
    with pytest.raises(EngineError, match="fails its sha256 check") as info:
        load_tailor(str(bad), build_backbone("fusionnet", 4), "fusionnet", 4, SHA)
    assert "\n" not in str(info.value)


def test_tailor_without_checksum_is_refused_with_a_hint(tmp_path) -> None:
    """Files of the earlier format (no checksum) cannot be verified: refused, with what to do."""
    from safetensors.torch import save_file
    _, path = _save(tmp_path)
    state, meta = read_tailor(path)
    meta = {k: v for k, v in meta.items() if k != "tensors_sha256"}
    meta["format"] = "pansharpen-adapt-tailor/1"
    old = str(tmp_path / "old.safetensors")
    save_file(state, old, metadata={"tailor": json.dumps(meta)})
    with pytest.raises(EngineError, match="earlier version without a checksum"):
        load_tailor(old, build_backbone("fusionnet", 4), "fusionnet", 4, SHA)


def test_backbone_weights_file_is_not_a_tailor(tmp_path) -> None:
    from safetensors.torch import save_file
    path = str(tmp_path / "w.safetensors")
    save_file({"w": torch.zeros(3)}, path, metadata={"backbone": "fusionnet", "bands": "4"})
    with pytest.raises(EngineError, match="not a tailor file"):
        load_tailor(path, build_backbone("fusionnet", 4), "fusionnet", 4, SHA)


def _run(tmp_path, out: str, *extra: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    pan, ms = pair_paths("quickbird")
    path = str(tmp_path / out)
    assert main(["run", "--pan", pan, "--ms", ms, "--out", path, "--method", "fusionnet",
                 "--dtype", "float32", "--quiet", *extra]) == 0
    return gdal.Open(path).ReadAsArray()


def test_pipeline_round_trip_and_refusals(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    tailor = str(tmp_path / "qb.safetensors")
    saved = _run(tmp_path, "a.tif", "--adapt", "tailor", "--adapt-steps", "3", "--adapt-lr", "0.05",
                 "--adapt-guard", "off", "--adapt-max-patches", "2", "--save-tailor", tailor)
    loaded = _run(tmp_path, "b.tif", "--load-tailor", tailor)
    plain = _run(tmp_path, "c.tif")
    assert not np.array_equal(saved, plain)
    assert np.array_equal(saved, loaded)
    _, meta = read_tailor(tailor)
    assert (meta["backbone"], meta["bands"], meta["sensor"], meta["tailor"]) == ("fusionnet", 4, "quickbird",
                                                                                 "light")
    assert meta["backbone_sha256"] == backbone_sha256("fusionnet", 4) != ""
    assert meta["options"]["steps"] == 3 and "save_tailor" not in meta["options"]
    pan, ms = pair_paths("quickbird")
    capsys.readouterr()
    for extra in (["--method", "pnn", "--load-tailor", tailor], ["--method", "fusionnet", "--adapt", "full",
                                                                 "--load-tailor", tailor]):
        out = str(tmp_path / "d.tif")
        assert main(["run", "--pan", pan, "--ms", ms, "--out", out, "--quiet", *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error:")
    assert not os.path.exists(tmp_path / "d.tif")


def test_tailor_file_options_are_checked(tmp_path) -> None:
    _, path = _save(tmp_path)
    upper = str(tmp_path / "Sub") + "/T.safetensors"
    assert parse_adapt_options("tailor", {"save_tailor": f" {upper} "}).save_tailor == upper  # case kept
    assert check_adapt("tailor", {"load_tailor": path}) == "tailor"
    for mode, values, word in (("none", {"load_tailor": path}, "needs adaptation 'tailor'"),
                               ("full", {"save_tailor": path}, "needs adaptation 'tailor'"),
                               ("tailor", {"load_tailor": str(tmp_path / "x.safetensors")}, "not found"),
                               ("tailor", {"save_tailor": upper}, "does not exist")):
        with pytest.raises(EngineError, match=word):
            check_adapt(mode, values)
