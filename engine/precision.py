"""Numeric precision of deep inference: which one runs, why, and how a backbone forward runs in it.

Choices (`--precision`, PansharpenRequest.precision, the dock's and Processing's advanced settings):

- fp32: today's reference path, float32 NCHW, bit for bit the output of earlier versions.
- bf16: bfloat16 autocast (matrix products and convolutions in bf16, fp32 weights kept as masters);
  on a CPU also channels_last activations and weights (oneDNN's fast layout).
- fp16: float16 autocast, CUDA only (the old `half=true` option is its alias on CUDA).
- auto: bf16 on a CPU with native bf16 units (AMX-BF16 or AVX512-BF16 in /proc/cpuinfo) and on a CUDA
  device where torch.cuda.is_bf16_supported(); otherwise fp32 -- on a CPU then in channels_last
  (not bit-identical to fp32 NCHW: float rounding, max ~3e-6 on [0, 1] data, but ~1.5x faster).
  Backbones whose bf16 and channels_last paths measured slower than fp32 NCHW (FP32_BACKBONES) get fp32 NCHW.

Numerically sensitive parts stay float32 under autocast: the residual add to the upsampled MS (a bf16
correction plus fp32 lms promotes to fp32), the de-normalisation, scaling, clipping and rounding after the
net (engine/fusion.py, on float32), and all statistics. Importing this module does not import torch.
"""
from __future__ import annotations

import contextlib
import copy
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Iterator, Mapping, Optional, Set, Tuple, Union

from .errors import EngineError

if TYPE_CHECKING:
    import torch

    from .backbones.base import Backbone

PRECISIONS = ("auto", "fp32", "bf16", "fp16")
#: backbones whose bf16 and channels_last forwards measured slower than fp32 NCHW on a CPU
#: (scripts/bench_backbones.py): LAGConv's per-pixel adaptive kernels are element-wise work, not matmuls
FP32_BACKBONES = frozenset({"lagconv"})
CPUINFO = "/proc/cpuinfo"


@dataclass(frozen=True)
class Precision:
    """What a deep forward runs in. name: 'fp32', 'bf16' or 'fp16'; channels_last: NHWC activations and
    weights; reason: one phrase for the run log and the report."""

    name: str
    reason: str
    channels_last: bool = False

    @property
    def dtype(self) -> torch.dtype:
        import torch
        return {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[self.name]

    @property
    def label(self) -> str:
        """'bf16 channels_last', 'fp32': the name plus the layout when it is not the default one."""
        return self.name + (" channels_last" if self.channels_last else "")

    def describe(self) -> str:
        """'bf16 channels_last (auto: the CPU has AVX512-BF16)': the run log's line."""
        return f"{self.label} ({self.reason})"


#: today's path, used when no precision is given (tests, scripts, older callers)
REFERENCE = Precision("fp32", "reference path")


def cpu_flags(cpuinfo: Optional[str] = None) -> Set[str]:
    """The CPU feature flags of /proc/cpuinfo (or of the given text); empty when unreadable (non-Linux)."""
    if cpuinfo is None:
        try:
            with open(CPUINFO, encoding="utf-8", errors="replace") as f:
                cpuinfo = f.read()
        except OSError:
            return set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_bf16_units(flags: Optional[Set[str]] = None) -> str:
    """'AMX-BF16', 'AVX512-BF16' or '' (no native bf16 matrix units) from the CPU flags."""
    flags = cpu_flags() if flags is None else flags
    if "amx_bf16" in flags:
        return "AMX-BF16"
    if "avx512_bf16" in flags:
        return "AVX512-BF16"
    return ""


def cpu_capability(flags: Optional[Set[str]] = None) -> str:
    """'AMX-BF16 no, AVX512-BF16 yes, AVX2 yes': what the benchmarks print."""
    flags = cpu_flags() if flags is None else flags
    have = [("AMX-BF16", "amx_bf16"), ("AVX512-BF16", "avx512_bf16"), ("AVX512F", "avx512f"),
            ("AVX2", "avx2")]
    return ", ".join(f"{label} {'yes' if flag in flags else 'no'}" for label, flag in have)


def legacy_half(options: Mapping[str, object]) -> bool:
    """Whether the legacy method option half=true is set (values arrive as 'true', '1', 'yes', or bools)."""
    return str(options.get("half", "")).strip().lower() in ("1", "true", "yes", "on")


def _cuda_bf16() -> bool:
    import torch
    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def resolve_precision(choice: str, device: Union[str, torch.device], half: bool = False,
                      backbone: str = "", cpuinfo: Optional[str] = None) -> Precision:
    """The precision a run uses for `choice` (PRECISIONS) on `device` ('cpu'/'cuda' or a torch.device).

    half: the legacy option half=true, an alias of fp16 on CUDA (ignored on a CPU, as before).
    backbone: its name, for the per-backbone auto exceptions (FP32_BACKBONES). cpuinfo: text standing in for
    /proc/cpuinfo (tests). EngineError (one line) for an unknown choice or one the device cannot run.
    """
    kind = getattr(device, "type", str(device))
    choice = (choice or "auto").strip().lower()
    if choice not in PRECISIONS:
        raise EngineError(f"unknown precision '{choice}'; choose one of: {', '.join(PRECISIONS)}")
    if half and kind == "cuda" and choice in ("auto", "fp16"):
        return Precision("fp16", "half=true (alias of precision fp16)")
    if kind == "cuda":
        return _resolve_cuda(choice)
    if choice == "fp16":
        raise EngineError("precision fp16 needs a CUDA device; on a CPU use bf16 or auto")
    units = cpu_bf16_units(cpu_flags(cpuinfo))
    if choice == "fp32":
        return Precision("fp32", "requested")
    if choice == "bf16":
        why = f"requested; the CPU has {units}" if units else "requested; no native bf16 units (slow)"
        return Precision("bf16", why, channels_last=True)
    if not units:
        return Precision("fp32", "auto: no AMX-BF16 / AVX512-BF16 on this CPU", channels_last=True)
    if backbone in FP32_BACKBONES:
        return Precision("fp32", f"auto: {backbone} runs faster in fp32 NCHW than in bf16")
    return Precision("bf16", f"auto: the CPU has {units}", channels_last=True)


def _resolve_cuda(choice: str) -> Precision:
    """resolve_precision on a CUDA device."""
    if choice == "fp32":
        return Precision("fp32", "requested")
    if choice == "fp16":
        return Precision("fp16", "requested")
    if _cuda_bf16():
        return Precision("bf16", "requested" if choice == "bf16" else "auto: the GPU supports bf16")
    if choice == "bf16":
        raise EngineError("precision bf16 is not supported by this GPU; use fp16 or fp32")
    return Precision("fp32", "auto: the GPU does not support bf16")


@contextlib.contextmanager
def autocast(precision: Precision, device_type: str) -> Iterator[None]:
    """torch.autocast to precision's dtype on `device_type` ('cpu'/'cuda'); nothing for fp32."""
    if precision.name == "fp32":
        yield
        return
    import torch
    with torch.autocast(device_type, dtype=precision.dtype):
        yield


_PREPARED: weakref.WeakKeyDictionary[Any, Dict[Tuple[str, bool], Any]] = weakref.WeakKeyDictionary()


def prepare_net(net: Backbone, precision: Precision) -> Backbone:
    """The net to run in `precision`: itself (fp32 NCHW), or a copy kept per net and precision --
    channels_last, the input convolutions kept in fp32 under autocast -- so that the shared cached net,
    and so the fp32 reference path, is never changed. A net must not be trained further after it has been
    run this way."""
    if precision.name == "fp32" and not precision.channels_last:
        return net
    key = (precision.name, precision.channels_last)
    prepared = _PREPARED.setdefault(net, {}).get(key)
    if prepared is None:
        import torch
        prepared = copy.deepcopy(net)
        if precision.name != "fp32":
            _input_convs_in_fp32(prepared)
        if precision.channels_last:
            prepared = prepared.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        _PREPARED[net][key] = prepared
    return prepared


def _input_convs_in_fp32(net: Backbone) -> None:
    """Wrap the convolutions that read the raw inputs (at most bands + 1 channels) so they run in fp32: bf16
    keeps 8 significant bits, ~4 DN of 11-bit data, which measurably blurs the PAN detail (D_rho)."""
    import torch

    class Fp32Conv(torch.nn.Module):
        def __init__(self, conv: torch.nn.Conv2d) -> None:
            super().__init__()
            self.conv = conv

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            with torch.autocast(x.device.type, enabled=False):
                return self.conv(x.float())

    for module in list(net.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, torch.nn.Conv2d) and child.in_channels <= net.bands + 1:
                setattr(module, child_name, Fp32Conv(child))


def run_backbone(net: Backbone, lms: torch.Tensor, pan: torch.Tensor,
                 precision: Optional[Precision] = None) -> torch.Tensor:
    """mapper(features(lms, pan), lms) of net on lms (B, C, H, W) and pan (B, 1, H, W), float32 normalised
    units, in `precision` (None: the fp32 reference path, exactly today's computation). Returns (B, C, H, W)
    float32 (channels_last memory when channels_last)."""
    if _is_reference(precision):
        return net.mapper(net.features(lms, pan), lms)
    assert precision is not None
    run, feats = _features_in(net, lms, pan, precision)
    return run.mapper(feats.float(), lms)  # the output conv and the residual add in fp32 (README: quality)


def _is_reference(precision: Optional[Precision]) -> bool:
    """Whether `precision` is the fp32 NCHW reference path (None counts as it)."""
    return precision is None or (precision.name == "fp32" and not precision.channels_last)


def _features_in(net: Backbone, lms: torch.Tensor, pan: torch.Tensor,
                 precision: Precision) -> Tuple[Backbone, torch.Tensor]:
    """(the net prepared for `precision`, its features of lms / pan computed in that precision)."""
    import torch
    run = prepare_net(net, precision)
    if precision.channels_last:
        lms = lms.contiguous(memory_format=torch.channels_last)
        pan = pan.contiguous(memory_format=torch.channels_last)
    with autocast(precision, lms.device.type):
        return run, run.features(lms, pan)


_CACHING: ContextVar[Optional[Precision]] = ContextVar("feature_cache_precision", default=None)


@contextlib.contextmanager
def caching_in(precision: Optional[Precision]) -> Iterator[None]:
    """Within the block, frozen_features runs in `precision` (the adaptation's feature cache follows the run's
    precision without threading it through every training helper)."""
    token = _CACHING.set(precision)
    try:
        yield
    finally:
        _CACHING.reset(token)


def frozen_features(net: Backbone, lms: torch.Tensor, pan: torch.Tensor) -> torch.Tensor:
    """net.features(lms, pan) of a frozen extractor as float32 (N, K, H, W), in the precision set by
    caching_in (outside it, or for fp32: exactly net.features). Callers hold no gradients."""
    precision = _CACHING.get()
    if precision is None or _is_reference(precision):
        return net.features(lms, pan)
    return _features_in(net, lms, pan, precision)[1].float().contiguous()
