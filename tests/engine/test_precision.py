"""engine/precision.py: capability detection (mocked cpuinfo / CUDA), resolution, and the forward paths."""
from __future__ import annotations

import pytest
import torch

from engine import precision as P
from engine.errors import EngineError
from engine.weights.shipped import load_backbone

AMX = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"
AVX512_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n"
AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n"


def test_cpu_capability_from_cpuinfo_text() -> None:
    assert P.cpu_bf16_units(P.cpu_flags(AMX)) == "AMX-BF16"
    assert P.cpu_bf16_units(P.cpu_flags(AVX512_BF16)) == "AVX512-BF16"
    assert P.cpu_bf16_units(P.cpu_flags(AVX2)) == ""
    assert P.cpu_bf16_units(P.cpu_flags("no flags line here")) == ""
    assert P.cpu_capability(P.cpu_flags(AVX2)) == "AMX-BF16 no, AVX512-BF16 no, AVX512F no, AVX2 yes"


@pytest.mark.parametrize("text, units", [(AMX, "AMX-BF16"), (AVX512_BF16, "AVX512-BF16")])
def test_auto_is_bf16_channels_last_on_a_cpu_with_native_bf16(text: str, units: str) -> None:
    p = P.resolve_precision("auto", "cpu", cpuinfo=text, backbone="fusionnet")
    assert (p.name, p.channels_last, p.dtype) == ("bf16", True, torch.bfloat16)
    assert units in p.describe() and "auto" in p.reason


def test_auto_falls_back_to_fp32_channels_last_without_native_bf16() -> None:
    p = P.resolve_precision("auto", torch.device("cpu"), cpuinfo=AVX2)
    assert (p.name, p.channels_last) == ("fp32", True) and "no AMX-BF16 / AVX512-BF16" in p.reason
    lag = P.resolve_precision("auto", "cpu", cpuinfo=AMX, backbone="lagconv")  # bf16, channels_last slower
    assert (lag.name, lag.channels_last) == ("fp32", False)


def test_explicit_choices_on_a_cpu() -> None:
    fp32 = P.resolve_precision("fp32", "cpu", cpuinfo=AMX)
    assert (fp32.name, fp32.channels_last) == ("fp32", False)  # the reference path, bit for bit
    assert P.resolve_precision("BF16", "cpu", cpuinfo=AVX2).name == "bf16"
    assert P.resolve_precision("fp32", "cpu", half=True).name == "fp32"  # half is ignored on a CPU, as before
    with pytest.raises(EngineError, match="fp16 needs a CUDA device"):
        P.resolve_precision("fp16", "cpu")
    with pytest.raises(EngineError, match="unknown precision 'fp8'; choose one of: auto, fp32, bf16, fp16"):
        P.resolve_precision("fp8", "cpu")


@pytest.mark.parametrize("supported, expected", [(True, "bf16"), (False, "fp32")])
def test_auto_on_cuda_follows_bf16_support(monkeypatch: pytest.MonkeyPatch, supported: bool,
                                           expected: str) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: supported)
    p = P.resolve_precision("auto", "cuda", cpuinfo=AMX)
    assert p.name == expected and not p.channels_last
    assert P.resolve_precision("auto", "cuda", half=True).name == "fp16"  # legacy alias
    assert P.resolve_precision("fp16", "cuda").name == "fp16"
    if not supported:
        with pytest.raises(EngineError, match="bf16 is not supported by this GPU"):
            P.resolve_precision("bf16", "cuda")


def test_legacy_half_option_values() -> None:
    assert P.legacy_half({"half": "true"}) and P.legacy_half({"half": True}) and P.legacy_half({"half": "1"})
    assert not P.legacy_half({}) and not P.legacy_half({"half": "false"})


def test_reference_path_is_the_plain_forward_and_the_cached_net_is_not_changed() -> None:
    net = load_backbone("pnn", 4, torch.device("cpu"))
    g = torch.Generator().manual_seed(0)
    lms, pan = torch.rand(1, 4, 48, 48, generator=g), torch.rand(1, 1, 48, 48, generator=g)
    with torch.inference_mode():
        plain = net.mapper(net.features(lms, pan), lms)
        assert torch.equal(P.run_backbone(net, lms, pan), plain)
        assert torch.equal(P.run_backbone(net, lms, pan, P.resolve_precision("fp32", "cpu")), plain)
        fast = P.run_backbone(net, lms, pan, P.Precision("fp32", "test", channels_last=True))
        bf16 = P.run_backbone(net, lms, pan, P.Precision("bf16", "test", channels_last=True))
    assert fast.dtype == bf16.dtype == torch.float32
    assert (fast - plain).abs().max() < 1e-5 and (bf16 - plain).abs().max() < 0.05
    assert all(p.is_contiguous() for p in net.parameters())  # the shared net stays NCHW (fp32 path intact)
    assert P.prepare_net(net, P.Precision("bf16", "test", channels_last=True)) is not net
