"""The choices the front ends offer, read from the engine so new methods and presets appear by themselves.

Without torch the method registry cannot be imported; the lists then come from ui/method_catalogue.py (every
method, each marked unavailable with the reason) so the dock and the Processing algorithm still load, list
everything and can say why nothing runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Tuple

from ..engine import DEVICES, OUTPUT_DTYPES, PRECISIONS, PRESETS, UPSAMPLERS, EngineError
from .method_catalogue import CATALOGUE, DEEP_FAMILY, GENERATIVE_FAMILY, NETWORK_FAMILIES
from .runtime import torch_problem

DEFAULT_BLOCK_SIZE = 1024
# Copies of engine.evaluation.assess.DEFAULT_MAX_SIZE and engine.metrics.q2n.ROUNDINGS (a test keeps them
# equal):
# those modules import torch, and the front ends must load without it to say what is missing.
DEFAULT_ASSESS_MAX_SIZE = 2048
ROUNDINGS = ("none", "matlab")
DEFAULT_METRICS_UPSAMPLER = "interp23tap"
# Copies of engine/adapt/options.py (ADAPT_MODES, AdaptOptions defaults), engine.training.patches.SAMPLERS
# and engine.backbones.tailor.TAILORS (a test keeps them equal): engine/adapt imports torch.
ADAPT_MODES = ("none", "tailor", "full")
ADAPT_TITLES = {"none": "None (pretrained net)", "tailor": "Feature Tailor", "full": "Full fine-tune"}
ADAPT_STEPS = {"tailor": 30, "full": 100}
ADAPT_LR = {"tailor": 3e-3, "full": 1e-5}
ADAPT_PATCH = 0  # auto: 64 PAN px (128 full), or the next multiple of both 32 and the ratio
ADAPT_FRACTION = {"tailor": 0.25, "full": 1.0}
ADAPT_MAX_PATCHES = {"tailor": 8, "full": 16}
ADAPT_SAMPLERS = ("diverse", "random")
ADAPT_TAILORS = ("light", "conditional")
ADAPT_SEED = 0
# The dock's extra adaptation choice: SWIFT on the current pair into a model file next to the output, then
# the run with that file as the method. A UI-level choice, never a PansharpenRequest.adapt value; its name
# is the engine evaluation's (engine.evaluation.swift_runs.SWIFT_MODES, a test keeps them equal).
SWIFT = "swift"
DOCK_ADAPT_MODES = ADAPT_MODES + (SWIFT,)
ADAPT_TITLES[SWIFT] = "SWIFT (adapt and apply)"
# Copies of engine/swift/options.py SwiftOptions defaults (a test keeps them equal): it imports torch.
SWIFT_STEPS = 40
SWIFT_LR = 5e-4
SWIFT_TOP = 0.3
SWIFT_FRACTION = 0.03
SWIFT_PATCH = 64
SWIFT_SAMPLERS = ("manifold", "fps", "random")
MODEL_SUFFIX = ".safetensors"
MODEL_FILTER = "Model files (*.safetensors)"
# The dock's first-run choice; remembered choices win. mtf_glp_hpm is the best method by the full-resolution
# protocol (D_rho, R-Q2n) and at reduced resolution on the sensors the networks were not trained on (README
# "Which method to choose"); the adaptation preset for when a deep method is picked is Feature Tailor.
DOCK_DEFAULT_METHOD = "mtf_glp_hpm"
DOCK_DEFAULT_ADAPT = "tailor"
#: the backbone SWIFT starts from unless told otherwise (the one the README's measurements use)
DEFAULT_DEEP_METHOD = "fusionnet"
#: shown under the method picker, so the default and its reason are visible where the choice is made
METHOD_HINT = ("Default mtf_glp_hpm: the sharpest and most faithful here on sensors the networks never saw. "
               "Deep methods + Feature Tailor come closer but stay softer; the tailor is kept only when it "
               "beats the plain network (see the log).")


#: why a method is greyed out while PyTorch is missing (every method computes with it)
NO_TORCH_DEEP = "needs PyTorch (not set up yet): a deep network"
NO_TORCH = "runs once PyTorch is set up (the engine computes with it)"


@dataclass(frozen=True)
class MethodChoice:
    """One entry of the method picker: engine name, readable title, one-line summary, family; available is
    False (with the reason) for a deep method while PyTorch is missing."""

    name: str
    title: str
    summary: str
    family: str = ""
    available: bool = True
    reason: str = ""

    @property
    def label(self) -> str:
        """'MTF-GLP-HPM (mtf_glp_hpm)': the readable title with the id that the CLI and qgis_process take."""
        return self.name if self.title in ("", self.name) else f"{self.title} ({self.name})"


def methods() -> List[MethodChoice]:
    """Every engine method in registration order: the live registry with torch, else the catalogue with the
    deep methods unavailable."""
    if torch_problem() is not None:
        return [MethodChoice(name, title, summary, family, family not in NETWORK_FAMILIES,
                             NO_TORCH_DEEP if family in NETWORK_FAMILIES else NO_TORCH)
                for name, title, family, summary in CATALOGUE]
    from ..engine import list_methods

    return [MethodChoice(m.name, m.title or m.name, m.summary, m.family) for m in list_methods()]


def generative_method_names() -> List[str]:
    """Methods that draw samples and can write an uncertainty raster (the generative family)."""
    return [m.name for m in methods() if m.family == GENERATIVE_FAMILY]


def deep_method_names() -> List[str]:
    """Methods that per-image adaptation applies to (the deep backbones)."""
    return [m.name for m in methods() if m.family == DEEP_FAMILY]


def is_model_file(name: str) -> bool:
    """True when a method name is a saved model file path (as engine.is_model_path)."""
    return str(name or "").strip().lower().endswith(MODEL_SUFFIX)


def is_deep(name: str) -> bool:
    """True for a deep backbone name or a saved model file: the methods adaptation applies to."""
    return is_model_file(name) or name in deep_method_names()


def method_names() -> List[str]:
    """Engine method names, e.g. ['brovey', ..., 'mtf_glp_hpm']."""
    return [m.name for m in methods()]


def sensors() -> List[Tuple[str, str]]:
    """(name, title) of 'auto' and every sensor preset."""
    return [("auto", "Auto (guess from metadata)")] + [(p.name, p.title) for p in PRESETS.values()]


def sensor_names() -> List[str]:
    """'auto' followed by the preset names."""
    return [name for name, _ in sensors()]


def devices() -> List[str]:
    """Torch device choices: auto, cpu, cuda."""
    return list(DEVICES)


#: labels of the precision choices (engine/precision.py), dock and Processing
PRECISION_LABELS = {"auto": "Auto (bf16 where the CPU / GPU has it)", "fp32": "FP32 (reference)",
                    "bf16": "BF16", "fp16": "FP16 (CUDA only)"}


def precisions() -> List[str]:
    """Deep inference precision choices: auto, fp32, bf16, fp16."""
    return list(PRECISIONS)


def output_dtypes() -> List[str]:
    """Output data type choices: auto (MS type), float32."""
    return list(OUTPUT_DTYPES)


def metrics_upsamplers() -> List[str]:
    """MS-to-PAN upsamplers for the full-resolution indices, the engine's default first."""
    return [DEFAULT_METRICS_UPSAMPLER] + [u for u in UPSAMPLERS if u != DEFAULT_METRICS_UPSAMPLER]


def parse_options(text: str) -> Dict[str, str]:
    """'k=v;k2=v2' -> {'k': 'v', 'k2': 'v2'}; empty items are skipped; EngineError for an item without '='."""
    options: Dict[str, str] = {}
    for item in (text or "").split(";"):
        if not item.strip():
            continue
        if "=" not in item:
            raise EngineError(f"option '{item.strip()}' must look like key=value")
        key, value = item.split("=", 1)
        options[key.strip()] = value.strip()
    return options


def preset_band_names(sensor: str) -> Tuple[str, ...]:
    """The band names of a sensor preset (() for generic or an unknown name): the true-colour choice for
    bands without descriptions."""
    preset = PRESETS.get(sensor)
    return preset.band_names if preset is not None else ()
